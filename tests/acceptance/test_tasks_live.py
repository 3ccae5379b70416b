"""The task extensions over real sockets: waiting, the event stream with resume, injected faults
seen by the official SDK, and scripting through tags sent by the SDK."""

from __future__ import annotations

import http.client
import json
import time
from datetime import datetime

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, ServerResponseException

from tests.acceptance import sdk
from tests.acceptance.server import PROJECT

ADMIN_TOKEN = "acceptance-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def srv(spawn):
    return spawn(provision_seconds="1", admin_token=ADMIN_TOKEN)


def test_wait_returns_promptly_when_the_job_ends(srv):
    """?wait answers within a moment of the job finishing (figure printed), without polling."""
    cfw = sdk.client(srv.url)
    token = srv.token()
    job_id = cfw.create_firewall(sdk.create_request("waited")).job_id
    lags = []
    while True:
        status, _, body = srv.request(
            "GET", f"/_opencfw/v1/{PROJECT}/jobs/{job_id}?wait=30", headers={"X-Auth-Token": token}
        )
        received = time.time()
        assert status == 200
        data = body["data"]
        done = [s for s in data["steps"] if s["ended_at"]]
        if done:
            ended = datetime.fromisoformat(done[-1]["ended_at"].replace("Z", "+00:00")).timestamp()
            lags.append(received - ended)
        if data["status"] != "Running":
            break
    assert data["status"] == "Success" and len(lags) >= 4
    print(
        f"\nwait: answer {max(lags) * 1000:.1f} ms at most after a step ended (median {sorted(lags)[len(lags) // 2] * 1000:.1f} ms)"
    )
    # the answer follows the change, not the 30 s timeout (a bound that holds on a loaded machine)
    assert max(lags) < 10


def read_events(conn: http.client.HTTPConnection, count: int, timeout: float = 10) -> list[dict]:
    """Read ``count`` events from an open SSE response."""
    events: list[dict] = []
    current: dict = {}
    deadline = time.monotonic() + timeout
    while len(events) < count and time.monotonic() < deadline:
        line = conn._opencfw_response.fp.readline().decode().rstrip("\n")  # type: ignore[attr-defined]
        if line.startswith("id: "):
            current["id"] = int(line[4:])
        elif line.startswith("event: "):
            current["event"] = line[7:]
        elif line.startswith("data: "):
            current["data"] = json.loads(line[6:])
        elif line == "" and current:
            events.append(current)
            current = {}
    return events


def open_stream(srv, token: str, last_event_id: int | None = None) -> http.client.HTTPConnection:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    headers = {"X-Auth-Token": token, "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    conn.request("GET", f"/_opencfw/v1/{PROJECT}/events", headers=headers)
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/event-stream")
    conn._opencfw_response = response  # type: ignore[attr-defined]
    return conn


def test_event_stream_and_resume_after_a_dropped_connection(srv):
    """Events arrive live; after a drop, Last-Event-ID resumes with nothing lost or repeated."""
    token = srv.token()
    cfw = sdk.client(srv.url)
    stream = open_stream(srv, token)
    job_id = cfw.create_firewall(sdk.create_request("streamed")).job_id
    first = read_events(stream, 3)
    assert [e["event"] for e in first] == ["firewall.created", "job.created", "job.progress"]
    assert first[1]["data"]["job_id"] == job_id
    stream.close()  # the connection drops mid-job
    assert sdk.wait_job(cfw, job_id) == "Success"  # the job goes on meanwhile and ends
    resumed = open_stream(srv, token, last_event_id=first[-1]["id"])
    rest = read_events(resumed, 5)
    resumed.close()
    assert [e["id"] for e in rest] == list(range(first[-1]["id"] + 1, first[-1]["id"] + 1 + len(rest)))
    kinds = [e["event"] for e in rest]
    assert kinds[-2:] == ["job.ended", "firewall.status"], kinds
    assert rest[-2]["data"]["status"] == "Success" and rest[-1]["data"]["status"] == 2


def test_injected_faults_reach_the_sdk_as_documented_exceptions(srv):
    """A 503 fault is a ServerResponseException with code and request id; 400 a ClientRequestException."""
    cfw = sdk.client(srv.url)
    job_id = cfw.create_firewall(sdk.create_request("flaky")).job_id
    status, _, _ = srv.request(
        "POST", "/_opencfw/admin/faults", headers=ADMIN, body={"path": "/jobs/", "status": 503, "count": 1}
    )
    assert status == 201
    with pytest.raises(ServerResponseException) as err:
        cfw.list_job(sdk.ListJobRequest(job_id=job_id))
    assert (err.value.status_code, err.value.error_code) == (503, "CFW.00100001")
    assert len(err.value.request_id) == 32
    srv.request(
        "POST", "/_opencfw/admin/faults", headers=ADMIN, body={"path": "/jobs/", "status": 400, "count": 1}
    )
    with pytest.raises(ClientRequestException) as err:
        cfw.list_job(sdk.ListJobRequest(job_id=job_id))
    assert err.value.error_code == "CFW.00200001"
    assert cfw.list_job(sdk.ListJobRequest(job_id=job_id)).data.id == job_id


def test_dropped_connection_fault(srv):
    """A drop fault closes the connection mid-answer, then service is normal."""
    token = srv.token()
    srv.request("POST", "/_opencfw/admin/faults", headers=ADMIN, body={"drop": True, "count": 1})
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    conn.request("GET", f"/v3/{PROJECT}/jobs/x", headers={"X-Auth-Token": token})
    response = conn.getresponse()
    with pytest.raises((http.client.IncompleteRead, ConnectionError)):
        response.read()
    conn.close()
    status, _, body = srv.request("GET", f"/v3/{PROJECT}/jobs/x", headers={"X-Auth-Token": token})
    assert (status, body["error_code"]) == (400, "CFW.00200005")


def test_tags_sent_by_the_sdk_script_a_failure(srv):
    """An unmodified SDK client asks for a failure with a tag, and sees Failed (firewall status 6)."""
    cfw = sdk.client(srv.url)
    job_id = cfw.create_firewall(
        sdk.create_request("scripted", {"opencfw:fail-at": "configure", "opencfw:duration": "0"})
    ).job_id
    assert sdk.wait_job(cfw, job_id) == "Failed"
    assert sdk.detail(cfw, job_id).data.records[0].status == 6
    with pytest.raises(ClientRequestException) as err:
        cfw.create_firewall(sdk.create_request("bad-script", {"opencfw:outcome": "sometimes"}))
    assert err.value.status_code == 400 and "opencfw:outcome" in err.value.error_msg
