"""Operating a real server: metrics after a workload, JSON logs without secrets, backups under
load (SQLite), and SIGTERM during load."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from tests.acceptance import sdk
from tests.acceptance.server import AK, PASSWORD, PROJECT, SK, Server

CREATE = {
    "name": "fw",
    "flavor": {"version": "Professional"},
    "charge_info": {"charge_mode": "postPaid", "is_auto_pay": True},
}
ADMIN = "acceptance-admin-token-0000000001"


def opencfw(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opencfw", *args], env=env, capture_output=True, text=True, timeout=60
    )


def create(srv: Server, token: str, name: str) -> str:
    status, _, body = srv.request(
        "POST", f"/v2/{PROJECT}/firewall", headers={"X-Auth-Token": token}, body={**CREATE, "name": name}
    )
    assert status == 200, body
    return body["job_id"]


def scrape(srv: Server, token: str | None = None) -> dict[tuple[str, tuple], float]:
    req = urllib.request.Request(srv.url + "/_opencfw/metrics")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=10) as reply:
        text = reply.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_and_json_logs_after_a_workload(tmp_path, database_url):
    """A workload shows exactly in the scrape, and the JSON log is complete and free of secrets."""
    srv = Server(
        tmp_path / "data",
        database_url,
        provision_seconds="0",
        log_format="json",
        metrics_token="scrape-token-123",
    ).start()
    try:
        token = srv.token()
        cfw = sdk.client(srv.url)
        jobs = [cfw.create_firewall(sdk.create_request(f"fw-{i}")).job_id for i in range(4)]
        for job_id in jobs:
            assert sdk.wait_job(cfw, job_id) == "Success"
        for job_id in jobs:
            assert (
                srv.request("GET", f"/v3/{PROJECT}/jobs/{job_id}", headers={"X-Auth-Token": token})[0] == 200
            )
        samples = scrape(srv, "scrape-token-123")
    finally:
        assert srv.stop() == 0
    key = (
        "opencfw_http_requests_total",
        (("method", "GET"), ("route", "/v3/{project_id}/jobs/{job_id}"), ("status", "200")),
    )
    signed_reads = samples[key] - 4
    assert signed_reads >= 4  # the SDK's polls, at least one per job
    assert samples[("opencfw_jobs_created_total", (("kind", "create"),))] == 4
    assert samples[("opencfw_jobs_finished_total", (("kind", "create"), ("outcome", "success")))] == 4
    assert samples[("opencfw_jobs_running", ())] == 0
    assert samples[("opencfw_worker_heartbeat_timestamp_seconds", ())] > time.time() - 60

    text = srv.log.read_text()
    for secret in (SK, PASSWORD, token, "scrape-token-123", "Signature="):
        assert secret not in text, f"{secret[:12]}... leaked into the log"
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "http.request"]
    counted = sum(v for (name, _), v in samples.items() if name == "opencfw_http_requests_total")
    assert len(requests) == counted + 1  # the scrape itself is counted once it has answered
    for line in requests:
        assert {"ts", "level", "request_id", "route", "method", "status", "duration_ms", "auth"} <= set(line)
    signed = [line for line in requests if line["auth"] == "signature"]
    assert signed and all(
        line["access_key"] == AK[:8] + "..." and line["project_id"] == PROJECT for line in signed
    )
    assert any(line["auth"] == "token" for line in requests)
    ended = [line for line in lines if line.get("event") == "job.ended"]
    assert sorted(line["job_id"] for line in ended) == sorted(jobs)
    assert all(line["step"] == "activate" and line["outcome"] == "Success" for line in ended)


def test_backup_under_write_load_restores_every_committed_job(tmp_path):
    """A backup under write load restores intact with every job answered before it began."""
    srv = Server(tmp_path / "data", None, provision_seconds="0.2").start()
    token = srv.token()
    answered: list[str] = []
    stop = threading.Event()

    def load(n: int) -> None:
        i = 0
        while not stop.is_set():
            answered.append(create(srv, token, f"load-{n}-{i}"))
            i += 1

    writers = [threading.Thread(target=load, args=(n,)) for n in range(3)]
    for t in writers:
        t.start()
    try:
        while len(answered) < 60:
            time.sleep(0.01)
        before = list(answered)
        backup = tmp_path / "backup.sqlite3"
        taken = opencfw("backup", str(backup), env=srv.env)
        assert taken.returncode == 0, taken.stderr
        time.sleep(0.2)  # the load goes on after the backup
        refused = opencfw("restore", str(backup), env=srv.env)
        assert refused.returncode == 1 and "stop it before restoring" in refused.stderr
    finally:
        stop.set()
        for t in writers:
            t.join()
        assert srv.stop() == 0
    assert len(answered) > len(before)

    restored_env = {**srv.env, "OPENCFW_DATA_DIR": str(tmp_path / "restored")}
    done = opencfw("restore", str(backup), env=restored_env)
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(tmp_path / "restored" / "opencfw.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = {row[0] for row in conn.execute("SELECT id FROM jobs")}
    finally:
        conn.close()
    assert set(before) <= ids
    again = Server(tmp_path / "restored", None).start()
    try:
        assert (
            again.request("GET", f"/v3/{PROJECT}/jobs/{before[-1]}", headers={"X-Auth-Token": again.token()})[
                0
            ]
            == 200
        )
    finally:
        again.stop()


def test_sigterm_during_load_loses_no_accepted_request(tmp_path, database_url):
    """SIGTERM during load: in-flight answers come, exit 0, every accepted create is stored."""
    srv = Server(tmp_path / "data", database_url, provision_seconds="0.2", admin_token=ADMIN).start()
    token = srv.token()
    # one slow request in flight when the signal arrives: its answer must still come
    status, _, body = srv.request(
        "POST",
        "/_opencfw/admin/faults",
        headers={"Authorization": f"Bearer {ADMIN}"},
        body={"method": "GET", "path": "/jobs/", "latency_ms": 1500, "count": 1},
    )
    assert status in (200, 201), body
    accepted: list[str] = []
    failures: list[int] = []
    slow: list[int] = []
    stop = threading.Event()

    def load(n: int) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            try:
                accepted.append(create(srv, token, f"t{n}-{i}"))
            except AssertionError:
                failures.append(1)
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.01)  # refused or closed: never accepted

    def slow_read() -> None:
        slow.append(
            srv.request("GET", f"/v3/{PROJECT}/jobs/{accepted[0]}", headers={"X-Auth-Token": token})[0]
        )

    threads = [threading.Thread(target=load, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    while len(accepted) < 20:
        time.sleep(0.01)
    reader = threading.Thread(target=slow_read)
    reader.start()
    # the slow read is in flight once it has taken the one-shot fault (which then leaves the list)
    deadline = time.monotonic() + 30
    while srv.request("GET", "/_opencfw/admin/faults", headers={"Authorization": f"Bearer {ADMIN}"})[2][
        "faults"
    ]:
        assert time.monotonic() < deadline, "the slow read never reached the server"
        time.sleep(0.01)
    assert srv.proc is not None
    srv.proc.send_signal(signal.SIGTERM)
    code = srv.proc.wait(timeout=30)
    stop.set()
    for t in [*threads, reader]:
        t.join()
    srv.proc = None
    assert code == 0
    assert slow == [200] and not failures
    again = Server(tmp_path / "data", database_url).start()
    try:
        token = again.token()
        for job_id in accepted:
            assert (
                again.request("GET", f"/v3/{PROJECT}/jobs/{job_id}", headers={"X-Auth-Token": token})[0]
                == 200
            )
    finally:
        again.stop()
    assert database_url or os.path.exists(tmp_path / "data" / "opencfw.lock")


def test_a_worker_serves_its_own_metrics(tmp_path, database_url):
    """`opencfw worker` with OPENCFW_WORKER_METRICS_PORT exports its heartbeat and finished jobs."""
    from tests.acceptance.server import Worker, free_port

    srv = Server(tmp_path / "data", database_url, provision_seconds="0", run_worker="false").start()
    port = free_port()
    worker = Worker(tmp_path / "data", database_url, worker_metrics_port=str(port)).start()
    try:
        token = srv.token()
        job_id = create(srv, token, "by-worker")
        deadline = time.monotonic() + 20
        while (
            srv.request("GET", f"/v3/{PROJECT}/jobs/{job_id}", headers={"X-Auth-Token": token})[2]["data"][
                "status"
            ]
            == "Running"
        ):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
            text = reply.read().decode()
    finally:
        assert worker.stop() == 0
        srv.stop()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("opencfw_jobs_finished_total", (("kind", "create"), ("outcome", "success")))] == 1
    assert samples[("opencfw_worker_heartbeat_timestamp_seconds", ())] > time.time() - 60
