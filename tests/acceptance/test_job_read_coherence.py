"""The job read's kept answers are never stale, with real processes on both stores: one server
answers ListJob while another process's worker advances the jobs, and another server's
administrator ends a job out of course."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg

from tests.acceptance.server import ADMIN_TOKEN, PROJECT, Server, Worker

RANK = {"Running": 0, "Success": 1, "Failed": 1}


@contextlib.contextmanager
def truth(data: Path, database_url: str | None) -> Iterator[Callable[[str], str]]:
    """A job's committed status, read straight from the store."""
    if database_url is None:
        conn = sqlite3.connect(data / "opencfw.sqlite3", isolation_level=None)
        try:
            yield lambda job_id: conn.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()[0]
        finally:
            conn.close()
    else:
        with psycopg.connect(database_url, autocommit=True) as pconn:
            yield lambda job_id: pconn.execute("SELECT status FROM jobs WHERE id = %s", (job_id,)).fetchone()[
                0
            ]


def create(srv: Server, token: str, name: str, tags: list[dict[str, str]] | None = None) -> str:
    body = {
        "name": name,
        "flavor": {"version": "Professional"},
        "charge_info": {"charge_mode": "postPaid"},
        **({"tags": tags} if tags else {}),
    }
    status, _, reply = srv.request(
        "POST", f"/v2/{PROJECT}/firewall", headers={"X-Auth-Token": token}, body=body
    )
    assert status == 200, reply
    return str(reply["job_id"])


def status_of(srv: Server, token: str, job_id: str) -> str:
    status, _, reply = srv.request("GET", f"/v3/{PROJECT}/jobs/{job_id}", headers={"X-Auth-Token": token})
    assert status == 200, reply
    return str(reply["data"]["status"])


def test_a_reader_never_serves_a_status_older_than_the_store(tmp_path, database_url, sdk_home):
    """Each read of the reader (no worker of its own) is bracketed by two reads of the committed
    status: its answer is never behind the first (never stale) nor ahead of the second."""
    data = tmp_path / "data"
    reader = Server(data, database_url, run_worker="false", provision_seconds="3").start()
    worker = Worker(data, database_url).start()
    try:
        token = reader.token()
        jobs = [create(reader, token, f"fw-{i}") for i in range(8)]
        reads = 0
        with truth(data, database_url) as committed:
            deadline = time.monotonic() + 60
            ended: set[str] = set()
            while len(ended) < len(jobs):
                assert time.monotonic() < deadline, f"jobs still running: {set(jobs) - ended}"
                for job_id in jobs:
                    before = committed(job_id)
                    answered = status_of(reader, token, job_id)
                    after = committed(job_id)
                    reads += 1
                    assert RANK[before] <= RANK[answered] <= RANK[after], (before, answered, after)
                    if RANK[answered]:
                        ended.add(job_id)
        assert reads > 2 * len(jobs)  # most jobs were read while running and again once ended
    finally:
        worker.stop()
        reader.stop()


def test_an_administrators_change_in_another_process_reaches_the_readers_answers(
    tmp_path, database_url, sdk_home
):
    """A running job's answer is kept until its step ends (an hour here); failing the job through
    another server's admin API reaches the reader: on SQLite at the next read (the WAL index and
    the epoch), on PostgreSQL with the NOTIFY (delivered at commit)."""
    data = tmp_path / "data"
    reader = Server(data, database_url, run_worker="false", admin_token=ADMIN_TOKEN).start()
    admin = Server(data, database_url, run_worker="false", admin_token=ADMIN_TOKEN).start()
    try:
        token = reader.token()
        job_id = create(reader, token, "slow", [{"key": "opencfw:duration", "value": "5h"}])
        assert status_of(reader, token, job_id) == "Running"
        assert status_of(reader, token, job_id) == "Running"  # kept
        status, _, body = admin.request(
            "POST",
            f"/_opencfw/admin/jobs/{job_id}/fail",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            body={"message": "stopped"},
        )
        assert status == 200, body
        if database_url is None:
            assert status_of(reader, token, job_id) == "Failed"
        else:
            deadline = time.monotonic() + 5
            while status_of(reader, token, job_id) != "Failed":
                assert time.monotonic() < deadline, "the reader still answers Running"
                time.sleep(0.01)
    finally:
        admin.stop()
        reader.stop()
