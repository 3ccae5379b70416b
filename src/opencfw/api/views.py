"""The documented response shapes, built from domain objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from opencfw.domain.clock import iso8601
from opencfw.domain.models import EDITION_DEFAULTS, Edition, Firewall, Job, JobStatus

_SPEC_CODES = {Edition.STANDARD: "cfw.standard", Edition.PROFESSIONAL: "cfw.professional"}


def job_data(job: Job, time_format: str) -> dict[str, Any]:
    """``data`` of ListJob: id, status, begin_time and, once ended, end_time — nothing more."""
    fmt = iso8601 if time_format == "iso8601" else int
    data: dict[str, Any] = {"id": job.id, "status": str(job.status), "begin_time": fmt(job.begin_ms)}
    if job.status is not JobStatus.RUNNING and job.end_ms is not None:
        data["end_time"] = fmt(job.end_ms)
    return data


def tags_string(firewall: Firewall) -> str:
    """Tags as the real API reports them: a JSON-encoded object in a string."""
    return msgspec.json.encode({tag.key: tag.value for tag in firewall.tags}).decode()


def flavor(firewall: Firewall) -> dict[str, int]:
    base = EDITION_DEFAULTS[firewall.edition]
    return {
        "version": int(firewall.edition),
        "eip_count": base["eip_count"] + firewall.extend_eip_count,
        "vpc_count": base["vpc_count"] + firewall.extend_vpc_count,
        "bandwidth": base["bandwidth"] + firewall.extend_bandwidth,
        "log_storage": base["log_storage"],
        "default_eip_count": base["eip_count"],
        "default_vpc_count": base["vpc_count"],
        "default_bandwidth": base["bandwidth"],
        "default_log_storage": base["log_storage"],
    }


def firewall_record(firewall: Firewall, vpc_object_id: str | None = None) -> dict[str, Any]:
    """A firewall record; ``vpc_object_id`` is its VPC border object, once it has east-west protection."""
    objects = [{"object_id": firewall.internet_object_id, "object_name": firewall.name, "type": 0}]
    if vpc_object_id is not None:
        objects.append({"object_id": vpc_object_id, "object_name": firewall.name, "type": 1})
    return {
        "fw_instance_id": firewall.id,
        "resource_id": firewall.id,
        "fw_instance_name": firewall.name,
        # a quirk of the real API: `name` is the creation time in epoch milliseconds
        "name": str(firewall.created_ms),
        "enterprise_project_id": firewall.enterprise_project_id,
        "status": int(firewall.status),
        "charge_mode": 1,
        "ha_type": 0,
        "service_type": 0,
        "engine_type": 1,
        "flavor": flavor(firewall),
        "protect_objects": objects,
        "tags": tags_string(firewall),
        "support_ipv6": False,
        "is_old_firewall_instance": False,
        "is_available_obs": False,
        "is_support_threat_tags": False,
        "support_url_filtering": False,
        "feature_toggle": {"is_support_ipv6": False, "is_support_url_filtering": False},
        "resources": [
            {
                "resource_id": firewall.id,
                "cloud_service_type": "hws.service.type.cfw",
                "resource_type": "hws.resource.type.cfw",
                "resource_spec_code": _SPEC_CODES[firewall.edition],
                "resource_size": 1,
                "resource_size_measure_id": 14,
            }
        ],
    }


def iso_ms(ms: int) -> str:
    """Extension times: UTC with milliseconds, ``2026-01-05T08:15:01.250Z``."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def progress(job: Job, now_ms: int) -> int:
    """0-100: the share of the job's planned time (or of its steps, if it takes no time) done."""
    if job.status is JobStatus.SUCCESS:
        return 100
    total = sum(s.duration_ms for s in job.steps)
    done_steps = job.step_index
    if total == 0:
        return min(99, 100 * done_steps // len(job.steps))
    done = sum(s.duration_ms for s in job.steps[:done_steps])
    if job.status is JobStatus.RUNNING:
        done += min(max(now_ms - job.step_started_ms, 0), job.steps[job.step_index].duration_ms)
    return min(99, 100 * done // total)


def retry_after_seconds(job: Job, now_ms: int) -> int:
    """How long until the running job is likely to have changed: its current step's end, 1-60 s."""
    remaining_ms = max(job.run_after_ms - now_ms, 0)
    return max(1, min(60, -(-remaining_ms // 1000)))


def job_extended(job: Job, log: list[tuple[int, str, str, int]] | None, now_ms: int) -> dict[str, Any]:
    """The extension's job: the documented fields plus kind, resource, progress, steps (when the
    step log is given), attempts and, for a failed job, the error."""
    completed = {index: at for index, _, _, at in log or []}
    steps = []
    for index, plan in enumerate(job.steps):
        started = job.begin_ms if index == 0 else completed.get(index - 1)
        ended = completed.get(index)
        if job.status is JobStatus.FAILED and index == job.step_index:
            state = "failed"
        elif ended is not None:
            state = "done"
        elif job.status is JobStatus.RUNNING and index == job.step_index:
            state, started = "running", job.step_started_ms
        else:
            state, started = "pending", None
        steps.append(
            {
                "name": plan.name,
                "status": state,
                "planned_seconds": plan.duration_ms / 1000,
                "started_at": iso_ms(started) if started is not None else None,
                "ended_at": iso_ms(ended) if ended is not None else None,
            }
        )
    data: dict[str, Any] = {
        "id": job.id,
        "kind": str(job.kind),
        "resource_id": job.resource_id,
        "status": str(job.status),
        "begin_time": iso_ms(job.begin_ms),
        "end_time": iso_ms(job.end_ms)
        if job.end_ms is not None and job.status is not JobStatus.RUNNING
        else None,
        "progress": progress(job, now_ms),
        # a failed job's step is the one it failed at (a succeeded job has none)
        "current_step": job.steps[job.step_index].name
        if job.status is JobStatus.FAILED
        else job.current_step,
        "steps": steps,
        "attempts": job.attempts,
    }
    if log is None:
        del data["steps"]
    if job.status is JobStatus.FAILED:
        data["error"] = {"code": job.error_code, "message": job.error_msg}
    return data
