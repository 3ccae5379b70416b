"""The admin API under /_opencfw/admin/: script the provisioning, steer jobs and the engine, move
the manual clock, reset a project, inject faults. Authenticated by the admin token only
(``Authorization: Bearer <token>`` or ``X-Opencfw-Admin-Token``), never by a project's AK/SK."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from msgspec import UNSET, Meta, Struct, UnsetType

from opencfw.api import schemas
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.domain.errors import BadParameter, InstanceStatusError, NotFound
from opencfw.domain.models import JobStatus
from opencfw.engine.worker import PAUSE_KEY
from opencfw.service.jobs import ProvisioningPolicy, finish_now

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

Outcome = Annotated[str, Meta(pattern="^(success|failed)$")]


class DefaultsIn(Struct, forbid_unknown_fields=True):
    """Only the fields sent change; ``"seed": null`` makes random failures unseeded."""

    duration_seconds: Annotated[float, Meta(ge=0, le=7 * 86400)] | UnsetType = UNSET
    outcome: Outcome | UnsetType = UNSET
    delete_outcome: Outcome | UnsetType = UNSET
    failure_rate: Annotated[float, Meta(ge=0, le=1)] | UnsetType = UNSET
    seed: int | UnsetType | None = UNSET


class FailIn(Struct, forbid_unknown_fields=True):
    message: Annotated[str, Meta(max_length=255)] | None = None


class AdvanceIn(Struct, forbid_unknown_fields=True):
    seconds: Annotated[float, Meta(ge=0, le=365 * 86400)]


class FaultIn(Struct, forbid_unknown_fields=True):
    method: Annotated[str, Meta(pattern="^[A-Za-z]{1,10}$")] | None = None
    path: Annotated[str, Meta(max_length=256)] | None = None
    status: int | None = None
    latency_ms: Annotated[int, Meta(ge=0, le=120_000)] = 0
    drop: bool = False
    count: Annotated[int, Meta(ge=1, le=1_000_000)] | None = None
    seconds: Annotated[float, Meta(gt=0, le=86400)] | None = None
    error_code: Annotated[str, Meta(max_length=32)] | None = None


def get_defaults(rt: Runtime, req: Request) -> Response:
    return json_response(200, {"defaults": rt.firewalls.policy.describe()})


def put_defaults(rt: Runtime, req: Request) -> Response:
    """Change the server-wide defaults of jobs created from now on (this process)."""
    body = schemas.decode_body(req.body, DefaultsIn)
    old = rt.firewalls.policy
    rt.firewalls.policy = ProvisioningPolicy(
        duration_ms=old.duration_ms
        if body.duration_seconds is UNSET
        else round(body.duration_seconds * 1000),
        outcome=old.outcome if body.outcome is UNSET else body.outcome,
        delete_outcome=old.delete_outcome if body.delete_outcome is UNSET else body.delete_outcome,
        failure_rate=old.failure_rate if body.failure_rate is UNSET else body.failure_rate,
        seed=old.seed if body.seed is UNSET else body.seed,
    )
    return json_response(200, {"defaults": rt.firewalls.policy.describe()})


def _finish(rt: Runtime, req: Request, status: JobStatus, message: str | None) -> Response:
    job_id = schemas.path_id(req.params["job_id"], "job_id")
    job = finish_now(rt.store, job_id, status, message, rt.clock.now_ms())
    if job is None:
        raise InstanceStatusError(f"The job {job_id} does not exist or has already ended")
    return json_response(200, {"data": {"id": job.id, "status": str(job.status)}})


def complete_job(rt: Runtime, req: Request) -> Response:
    return _finish(rt, req, JobStatus.SUCCESS, None)


def fail_job(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, FailIn) if req.body.strip() else FailIn()
    return _finish(rt, req, JobStatus.FAILED, body.message)


def engine_state(rt: Runtime, req: Request) -> Response:
    return json_response(200, {"paused": rt.store.get_meta(PAUSE_KEY) == "1"})


def pause_engine(rt: Runtime, req: Request) -> Response:
    """Stop every worker sharing the store from claiming jobs (timers keep running)."""
    rt.store.set_meta(PAUSE_KEY, "1")
    return json_response(200, {"paused": True})


def resume_engine(rt: Runtime, req: Request) -> Response:
    rt.store.set_meta(PAUSE_KEY, "0")
    rt.wake_engine()
    return json_response(200, {"paused": False})


def reset_project(rt: Runtime, req: Request) -> Response:
    project_id = req.params["project_id"]
    if not schemas.PROJECT_ID.fullmatch(project_id) or rt.store.get_project(project_id) is None:
        raise NotFound(f"The project {project_id[:64]} does not exist")
    firewalls, jobs = rt.store.reset_project(project_id, rt.clock.now_ms())
    return json_response(200, {"deleted": {"firewalls": firewalls, "jobs": jobs}})


def get_clock(rt: Runtime, req: Request) -> Response:
    manual = rt.manual_clock is not None
    return json_response(200, {"manual": manual, "now": rt.clock.now_ms()})


def advance_clock(rt: Runtime, req: Request) -> Response:
    """Move the manual clock forward: provisioning timers that fall due run at once."""
    if rt.manual_clock is None:
        raise BadParameter("The clock is not manual: start the server with OPENCFW_CLOCK=manual")
    body = schemas.decode_body(req.body, AdvanceIn)
    rt.manual_clock.advance(body.seconds)
    rt.wake_engine()
    return json_response(200, {"manual": True, "now": rt.manual_clock.now_ms()})


def add_fault(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, FaultIn)
    fault = rt.faults.add(
        method=body.method,
        path=body.path,
        status=body.status,
        latency_ms=body.latency_ms,
        drop=body.drop,
        count=body.count,
        seconds=body.seconds,
        error_code=body.error_code,
    )
    return json_response(201, {"fault": fault.describe()})


def list_faults(rt: Runtime, req: Request) -> Response:
    return json_response(200, {"faults": [f.describe() for f in rt.faults.list()]})


def clear_faults(rt: Runtime, req: Request) -> Response:
    return json_response(200, {"removed": rt.faults.clear()})


def remove_fault(rt: Runtime, req: Request) -> Response:
    fault_id = req.params["fault_id"]
    if not rt.faults.remove(fault_id):
        raise NotFound(f"The fault {fault_id[:32]} does not exist")
    return json_response(200, {"removed": 1})


_A = "/_opencfw/admin"
ROUTES = [
    Route("GET", f"{_A}/defaults", get_defaults, auth="admin"),
    Route("PUT", f"{_A}/defaults", put_defaults, auth="admin"),
    Route("POST", f"{_A}/jobs/{{job_id}}/complete", complete_job, mode="write", auth="admin"),
    Route("POST", f"{_A}/jobs/{{job_id}}/fail", fail_job, mode="write", auth="admin"),
    Route("GET", f"{_A}/engine", engine_state, auth="admin"),
    Route("POST", f"{_A}/engine/pause", pause_engine, mode="write", auth="admin"),
    Route("POST", f"{_A}/engine/resume", resume_engine, mode="write", auth="admin"),
    Route("POST", f"{_A}/projects/{{project_id}}/reset", reset_project, mode="write", auth="admin"),
    Route("GET", f"{_A}/clock", get_clock, auth="admin"),
    Route("POST", f"{_A}/clock/advance", advance_clock, auth="admin"),
    Route("GET", f"{_A}/faults", list_faults, auth="admin"),
    Route("POST", f"{_A}/faults", add_fault, auth="admin"),
    Route("DELETE", f"{_A}/faults", clear_faults, auth="admin"),
    Route("DELETE", f"{_A}/faults/{{fault_id}}", remove_fault, auth="admin"),
]
