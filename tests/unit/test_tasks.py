"""Scriptable provisioning and the task extensions, in-process on a manual clock, both stores."""

from __future__ import annotations

import asyncio
import time

import pytest

from opencfw.api.app import App
from opencfw.config import Secret
from opencfw.domain.accounts import Project
from tests.asgi import AsgiClient
from tests.unit.test_api import CREATE, OTHER, START_MS, P, assert_error, call, env, token_for  # noqa: F401

ADMIN = {"authorization": "Bearer admin-secret"}


@pytest.fixture
def tasks(env):  # noqa: F811
    runtime, clock, client = env(provision_seconds=5, admin_token=Secret("admin-secret"))
    client.token = token_for(client, P)
    return runtime, clock, client


def create(client, tags=None, name="fw-1"):
    reply = call(client, "POST", f"/v2/{P}/firewall", {**CREATE, "name": name, "tags": tags})
    assert reply.status == 200, reply.body
    return reply.json["job_id"]


def run_for(runtime, clock, seconds, step=0.5):
    """Advance the manual clock in small steps, letting the engine work after each."""
    for _ in range(round(seconds / step)):
        clock.advance(step)
        while runtime.worker.run_once():
            pass


def _ms(text):
    from datetime import datetime

    return round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def job(client, job_id, project=P, token=None):
    return call(client, "GET", f"/_opencfw/v1/{project}/jobs/{job_id}", token=token)


def documented(client, job_id):
    return call(client, "GET", f"/v3/{P}/jobs/{job_id}")


# -- scripting through tags --------------------------------------------------------------------------


def test_tags_script_outcome_duration_and_failing_step(tasks):
    """opencfw:duration and opencfw:fail-at steer one firewall's job; others keep the defaults."""
    runtime, clock, client = tasks
    fast = create(client, [{"key": "opencfw:duration", "value": "0"}], name="fast")
    doomed = create(client, [{"key": "opencfw:fail-at", "value": "allocate"}], name="doomed")
    slow = create(client, [{"key": "opencfw:duration", "value": "1m"}], name="slow")
    normal = create(client, name="normal")
    run_for(runtime, clock, 5)
    assert documented(client, fast).json["data"]["status"] == "Success"
    failed = job(client, doomed).json["data"]
    assert failed["status"] == "Failed" and failed["error"]["code"] == "CFW.00200016"
    assert "allocate" in failed["error"]["message"]
    assert [s["status"] for s in failed["steps"]][:2] == ["done", "failed"]
    assert failed["current_step"] == "allocate"  # a failed job's step is where it stopped
    listed = {j["id"]: j for j in call(client, "GET", f"/_opencfw/v1/{P}/jobs").json["jobs"]}
    assert listed[doomed]["current_step"] == "allocate" and listed[fast]["current_step"] is None
    assert documented(client, normal).json["data"]["status"] == "Success"
    assert documented(client, slow).json["data"]["status"] == "Running"
    run_for(runtime, clock, 60, step=3)
    assert documented(client, slow).json["data"]["status"] == "Success"


def test_outcome_and_delete_outcome_tags(tasks):
    """opencfw:outcome=failed fails the creation; opencfw:delete-outcome=failed fails the deletion."""
    runtime, clock, client = tasks
    bad = create(client, [{"key": "opencfw:outcome", "value": "FAILED"}], name="bad")
    sticky = create(client, [{"key": "opencfw:delete-outcome", "value": "failed"}], name="sticky")
    run_for(runtime, clock, 5)
    assert documented(client, bad).json["data"]["status"] == "Failed"
    task = call(client, "DELETE", f"/v2/{P}/firewall/{sticky}").json["data"]
    run_for(runtime, clock, 5)
    assert documented(client, task).json["data"]["status"] == "Failed"
    record = call(
        client, "GET", f"/v1/{P}/firewall/exist?offset=0&limit=10&service_type=0&fw_instance_id={sticky}"
    )
    assert record.json["data"]["records"][0]["status"] == 7


@pytest.mark.parametrize(
    ("tag", "value", "message"),
    [
        ("opencfw:outcome", "maybe", "opencfw:outcome"),
        ("opencfw:duration", "soon", "opencfw:duration"),
        ("opencfw:duration", "-1s", "opencfw:duration"),
        ("opencfw:duration", "30d", "opencfw:duration"),
        ("opencfw:fail-at", "nowhere", "opencfw:fail-at"),
        ("opencfw:delete-outcome", "never", "opencfw:delete-outcome"),
        ("opencfw:speed", "fast", "opencfw:speed"),
    ],
)
def test_invalid_scripting_tags_are_400_naming_the_tag(tasks, tag, value, message):
    """A reserved tag with a bad value (or an unknown reserved key) is a 400 that names it."""
    _, _, client = tasks
    reply = call(client, "POST", f"/v2/{P}/firewall", {**CREATE, "tags": [{"key": tag, "value": value}]})
    assert_error(reply, 400, "CFW.00200001", message)


def test_contradicting_tags_are_refused(tasks):
    """fail-at with outcome=success contradicts itself."""
    _, _, client = tasks
    tags = [{"key": "opencfw:fail-at", "value": "configure"}, {"key": "opencfw:outcome", "value": "success"}]
    assert_error(call(client, "POST", f"/v2/{P}/firewall", {**CREATE, "tags": tags}), 400, "CFW.00200001")


# -- the admin API -------------------------------------------------------------------------------------


def admin(client, method, path, body=None, headers=ADMIN):
    return client.request(method, f"/_opencfw/admin{path}", headers=headers, json_body=body)


def test_admin_needs_its_own_token(tasks):
    """No token, a wrong one, or a project's token: 401 on every admin route."""
    _, _, client = tasks
    assert_error(admin(client, "GET", "/defaults", headers={}), 401, "APIGW.0301", "admin token")
    assert_error(
        admin(client, "GET", "/defaults", headers={"authorization": "Bearer nope"}), 401, "APIGW.0301"
    )
    project_token = {"x-auth-token": client.token}
    assert_error(admin(client, "GET", "/defaults", headers=project_token), 401, "APIGW.0301")
    assert admin(client, "GET", "/defaults", headers={"x-opencfw-admin-token": "admin-secret"}).status == 200


def test_defaults_change_new_jobs(tasks):
    """PUT defaults: outcome and duration apply to jobs created afterwards; bad values are 400s."""
    runtime, clock, client = tasks
    reply = admin(client, "PUT", "/defaults", {"outcome": "failed", "duration_seconds": 1})
    assert reply.json["defaults"]["outcome"] == "failed" and reply.json["defaults"]["duration_seconds"] == 1
    job_id = create(client)
    run_for(runtime, clock, 1.2, step=0.2)
    assert documented(client, job_id).json["data"]["status"] == "Failed"
    assert_error(admin(client, "PUT", "/defaults", {"outcome": "maybe"}), 400, "CFW.00200001", "outcome")
    assert_error(admin(client, "PUT", "/defaults", {"failure_rate": 2}), 400, "CFW.00200001", "failure_rate")
    assert_error(admin(client, "PUT", "/defaults", {"colour": "red"}), 400, "CFW.00200001", "colour")


def test_random_failures_are_reproducible_with_a_seed(tasks):
    """failure_rate with a seed fails the same jobs in the same order every time."""
    runtime, clock, client = tasks

    def run(prefix):
        admin(client, "PUT", "/defaults", {"failure_rate": 0.5, "seed": 7, "duration_seconds": 0})
        ids = [create(client, name=f"{prefix}-{i}") for i in range(12)]
        run_for(runtime, clock, 0.5)
        return [documented(client, i).json["data"]["status"] for i in ids]

    first, second = run("a"), run("b")
    assert first == second and set(first) == {"Success", "Failed"}


def test_complete_and_fail_a_running_job(tasks):
    """The admin ends running jobs at once, with their firewalls; an ended job cannot be ended again."""
    _, _, client = tasks
    a, b = create(client, name="a"), create(client, name="b")
    assert admin(client, "POST", f"/jobs/{a}/complete").json["data"]["status"] == "Success"
    assert (
        admin(client, "POST", f"/jobs/{b}/fail", {"message": "disk on fire"}).json["data"]["status"]
        == "Failed"
    )
    assert documented(client, a).json["data"]["status"] == "Success"
    assert job(client, b).json["data"]["error"]["message"] == "disk on fire"
    assert_error(admin(client, "POST", f"/jobs/{a}/fail"), 400, "CFW.00200016")
    assert_error(
        admin(client, "POST", "/jobs/f588ce71-e26c-400d-8981-f854355f6849/complete"), 400, "CFW.00200016"
    )


def test_pause_and_resume_the_engine(tasks):
    """While paused no job moves; after resume they finish."""
    runtime, clock, client = tasks
    assert admin(client, "POST", "/engine/pause").json == {"paused": True}
    job_id = create(client)
    run_for(runtime, clock, 6)
    assert documented(client, job_id).json["data"]["status"] == "Running"
    assert admin(client, "GET", "/engine").json == {"paused": True}
    admin(client, "POST", "/engine/resume")
    run_for(runtime, clock, 6)
    assert documented(client, job_id).json["data"]["status"] == "Success"


def test_reset_a_project(tasks):
    """Reset deletes the project's firewalls and jobs; an unknown project is 400 CFW.00200005."""
    _, _, client = tasks
    job_id = create(client)
    assert admin(client, "POST", f"/projects/{P}/reset").json == {"deleted": {"firewalls": 1, "jobs": 1}}
    assert_error(documented(client, job_id), 400, "CFW.00200005")
    assert_error(admin(client, "POST", f"/projects/{OTHER}/reset"), 400, "CFW.00200005")


def test_clock_advance_needs_a_manual_clock(tasks):
    """On a wall-clock server, advancing the clock is a clear 400."""
    _, _, client = tasks
    assert admin(client, "GET", "/clock").json["manual"] is False
    assert_error(
        admin(client, "POST", "/clock/advance", {"seconds": 30}), 400, "CFW.00200001", "OPENCFW_CLOCK"
    )


def test_manual_clock_moves_only_when_told(tmp_path, database_url):
    """With OPENCFW_CLOCK=manual, a 1-hour job finishes when the admin advances the clock an hour."""
    from opencfw.config import Settings
    from opencfw.runtime import build_runtime

    settings = Settings(
        data_dir=tmp_path / "manual",
        database_url=Secret(database_url) if database_url else None,
        project_id=P,
        password=Secret("pw"),
        provision_seconds=3600,
        clock="manual",
        admin_token=Secret("admin-secret"),
    )
    runtime, _ = build_runtime(settings)
    try:
        client = AsgiClient(App(runtime))
        client.token = token_for(client, P)
        job_id = create(client)
        assert runtime.worker.run_once() == 0
        assert admin(client, "POST", "/clock/advance", {"seconds": 3599}).status == 200
        runtime.worker.run_once()
        assert documented(client, job_id).json["data"]["status"] == "Running"
        assert admin(client, "POST", "/clock/advance", {"seconds": 1}).status == 200
        assert runtime.worker.run_once() == 1  # one claim runs every step whose time has passed
        assert documented(client, job_id).json["data"]["status"] == "Success"
        # each of the five 12-minute steps ended at its planned time, not all at the jump's end
        steps = job(client, job_id).json["data"]["steps"]
        begin = _ms(steps[0]["started_at"])
        assert [_ms(s["ended_at"]) - begin for s in steps] == [720_000 * n for n in range(1, 6)]
        assert_error(admin(client, "POST", "/clock/advance", {"seconds": -1}), 400, "CFW.00200001")
    finally:
        runtime.close()


# -- faults ------------------------------------------------------------------------------------------


def test_injected_status_fault_for_the_next_n_requests(tasks):
    """A 503 fault answers the documented error body for exactly N matching requests."""
    _, _, client = tasks
    job_id = create(client)
    fault = admin(client, "POST", "/faults", {"method": "GET", "path": "/jobs/", "status": 503, "count": 2})
    assert fault.status == 201
    for _ in range(2):
        assert_error(documented(client, job_id), 503, "CFW.00100001")
    assert documented(client, job_id).status == 200
    # other paths were never affected, nor the extensions
    assert admin(client, "GET", "/faults").json == {"faults": []}


def test_fault_window_latency_and_removal(tasks):
    """A latency fault delays requests for its window; it can be listed and removed."""
    _, _, client = tasks
    job_id = create(client)
    fault = admin(client, "POST", "/faults", {"latency_ms": 150, "seconds": 30}).json["fault"]
    began = time.monotonic()
    assert documented(client, job_id).status == 200
    assert time.monotonic() - began >= 0.15
    assert [f["id"] for f in admin(client, "GET", "/faults").json["faults"]] == [fault["id"]]
    assert admin(client, "DELETE", f"/faults/{fault['id']}").json == {"removed": 1}
    assert_error(admin(client, "DELETE", f"/faults/{fault['id']}"), 400, "CFW.00200005")


@pytest.mark.parametrize(
    "body",
    [
        {"count": 1},
        {"status": 418, "count": 1},
        {"status": 503},
        {"status": 503, "drop": True, "count": 1},
        {"status": 503, "path": "([", "count": 1},
    ],
)
def test_bad_faults_are_refused(tasks, body):
    """A fault without an effect or a limit, with an odd status, or a bad pattern is a 400."""
    _, _, client = tasks
    assert_error(admin(client, "POST", "/faults", body), 400, "CFW.00200001")


def test_429_only_when_asked(tasks):
    """429 is never injected unless the fault says status 429."""
    _, _, client = tasks
    job_id = create(client)
    admin(client, "POST", "/faults", {"status": 429, "count": 1})
    assert_error(documented(client, job_id), 429, "APIGW.0308")
    assert documented(client, job_id).status == 200


# -- the extended read, listing, Retry-After, retention -------------------------------------------------------


def test_extended_read(tasks):
    """Kind, resource, progress, steps with times, attempts; the documented read stays exact."""
    runtime, clock, client = tasks
    job_id = create(client)
    run_for(runtime, clock, 2.5)
    data = job(client, job_id).json["data"]
    assert data["kind"] == "create" and data["resource_id"] == job_id and data["status"] == "Running"
    assert data["progress"] == 50 and data["current_step"] == "deploy-engine"
    assert [s["status"] for s in data["steps"]] == ["done", "done", "running", "pending", "pending"]
    assert data["steps"][0]["started_at"] == "2026-01-01T00:00:00.000Z"
    assert data["steps"][0]["ended_at"] == "2026-01-01T00:00:01.000Z"
    assert data["end_time"] is None and "error" not in data
    assert set(documented(client, job_id).json["data"]) == {"id", "status", "begin_time"}
    run_for(runtime, clock, 3)
    done = job(client, job_id).json["data"]
    assert done["progress"] == 100 and done["current_step"] is None
    assert {s["status"] for s in done["steps"]} == {"done"}


def test_retry_after_on_running_jobs_only(tasks):
    """The documented read carries Retry-After while Running (the current step's remaining time)."""
    runtime, clock, client = tasks
    job_id = create(client)
    assert documented(client, job_id).headers["retry-after"] == "1"
    run_for(runtime, clock, 5)
    assert "retry-after" not in documented(client, job_id).headers


def test_list_filters_and_cursor_pages(tasks):
    """Newest first; filters; pages never skip or repeat, even with jobs created in between."""
    runtime, clock, client = tasks
    ids = []
    for i in range(7):
        ids.append(create(client, name=f"l{i}"))
        clock.advance(0.001)
    seen = []
    url = f"/_opencfw/v1/{P}/jobs?limit=3"
    page = call(client, "GET", url).json
    seen += [j["id"] for j in page["jobs"]]
    create(client, name="in-between")  # newer than every page: never shows up in later pages
    while page["next_cursor"]:
        page = call(client, "GET", f"{url}&cursor={page['next_cursor']}").json
        seen += [j["id"] for j in page["jobs"]]
    assert seen == list(reversed(ids))
    run_for(runtime, clock, 5)
    assert call(client, "GET", f"/_opencfw/v1/{P}/jobs?status=Running").json["jobs"] == []
    kinds = call(client, "GET", f"/_opencfw/v1/{P}/jobs?kind=create&resource_id={ids[0]}").json["jobs"]
    assert [j["id"] for j in kinds] == [ids[0]]
    after = call(client, "GET", f"/_opencfw/v1/{P}/jobs?created_after={START_MS + 3}").json["jobs"]
    assert len(after) == 5
    for bad in ("status=Done", "kind=upgrade", "cursor=%21%21", "limit=0", "created_after=yesterday"):
        assert_error(call(client, "GET", f"/_opencfw/v1/{P}/jobs?{bad}"), 400, "CFW.00200001")


def test_extensions_keep_projects_apart(tasks):
    """Another project's job reads as unknown; its lists are empty; no token, no answer."""
    runtime, _, client = tasks
    domain = runtime.store.get_domain_by_name("opencfw")
    runtime.store.add_project(Project(OTHER, "eu-west-0", domain.id), START_MS)
    other = token_for(client, OTHER)
    job_id = create(client)
    unknown = job(client, "f588ce71-e26c-400d-8981-f854355f6849", project=OTHER, token=other)
    foreign = job(client, job_id, project=OTHER, token=other)
    assert_error(foreign, 400, "CFW.00200005")
    assert foreign.json["error_msg"].replace(job_id, "X") == unknown.json["error_msg"].replace(
        "f588ce71-e26c-400d-8981-f854355f6849", "X"
    )
    assert call(client, "GET", f"/_opencfw/v1/{OTHER}/jobs", token=other).json["jobs"] == []
    assert_error(job(client, job_id, token="nope"), 401, "APIGW.0301")
    assert_error(call(client, "GET", f"/_opencfw/v1/{OTHER}/jobs"), 403, "APIGW.0302")


def test_retention_purges_finished_jobs(env):  # noqa: F811
    """Jobs finished longer ago than OPENCFW_JOB_RETENTION read as not found; running ones stay."""
    runtime, clock, client = env(provision_seconds=0, job_retention=3600)
    client.token = token_for(client, P)
    old = create(client, name="old")
    runtime.worker.run_once()
    clock.advance(3000)
    young = create(client, name="young")
    runtime.worker.run_once()
    clock.advance(601)
    assert runtime.worker.purge_if_due() == 1
    assert_error(documented(client, old), 400, "CFW.00200005")
    assert documented(client, young).status == 200


# -- server-side waiting ------------------------------------------------------------------------------


def test_wait_returns_when_the_job_changes(tasks):
    """?wait=N answers as soon as the job's step changes, and at N seconds when nothing happens."""
    runtime, clock, client = tasks
    job_id = create(client)
    app = client.app

    async def scenario():
        runtime.attach(asyncio.get_running_loop())
        began = time.monotonic()
        idle = await fetch(app, f"/_opencfw/v1/{P}/jobs/{job_id}?wait=0.3", client.token)
        waited_idle = time.monotonic() - began
        assert idle["data"]["current_step"] == "validate"
        waiter = asyncio.ensure_future(fetch(app, f"/_opencfw/v1/{P}/jobs/{job_id}?wait=30", client.token))
        await asyncio.sleep(0.1)
        assert not waiter.done()
        clock.advance(1)
        changed_at = time.monotonic()
        await asyncio.get_running_loop().run_in_executor(runtime.writer, runtime.worker.run_once)
        answer = await asyncio.wait_for(waiter, 20)
        return waited_idle, time.monotonic() - changed_at, answer

    waited_idle, latency, answer = asyncio.run(scenario())
    # bounds that hold on a loaded machine and still tell the behaviours apart: the idle wait ends at
    # its 0.3 s (not at once, not never); the change is answered long before the waiter's own 30 s
    assert 0.3 <= waited_idle < 10
    assert answer["data"]["current_step"] == "allocate"
    assert latency < 10
    assert_error(call(client, "GET", f"/_opencfw/v1/{P}/jobs/{job_id}?wait=61"), 400, "CFW.00200001", "wait")


async def fetch(app, path, token):
    import json
    from urllib.parse import urlsplit

    parts = urlsplit(path)
    scope = {
        "type": "http",
        "method": "GET",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "headers": [(b"x-auth-token", token.encode())],
    }
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    assert sent[0]["status"] == 200, sent
    return json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
