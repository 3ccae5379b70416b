"""SQLite under disk trouble: full, read-only, locked by another process. The API answers the
documented 503, nothing committed is lost or corrupted, and service resumes when the cause goes."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.acceptance.server import PROJECT, Server

CREATE = {"flavor": {"version": "Professional"}, "charge_info": {"charge_mode": "postPaid"}}


@pytest.fixture
def small_fs(tmp_path):
    """A 16 MiB tmpfs of the test's own (root only), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    mount = tmp_path / "fs"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def create(srv: Server, token: str, name: str) -> tuple[int, dict]:
    status, _, body = srv.request(
        "POST", f"/v2/{PROJECT}/firewall", headers={"X-Auth-Token": token}, body={**CREATE, "name": name}
    )
    return status, body


def wait_success(srv: Server, token: str, job_id: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        status, _, body = srv.request("GET", f"/v3/{PROJECT}/jobs/{job_id}", headers={"X-Auth-Token": token})
        assert status == 200, body
        if body["data"]["status"] != "Running":
            assert body["data"]["status"] == "Success", body
            return
        assert time.monotonic() < deadline, "the job did not end"
        time.sleep(0.05)


def check_store(db: Path, job_ids: list[str]) -> None:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        found = {row[0] for row in conn.execute("SELECT id FROM jobs")}
    assert set(job_ids) <= found


def test_disk_full(small_fs, sdk_home):
    """With the disk full, writes answer 503 CFW.00100001 (never 500) and reads keep working."""
    srv = Server(small_fs / "data", provision_seconds="0").start()
    filler = small_fs / "filler"
    try:
        token = srv.token()
        committed = []
        for i in range(3):
            status, body = create(srv, token, f"before-{i}")
            assert status == 200
            committed.append(body["job_id"])
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True)
        statuses = []
        for i in range(40):
            status, body = create(srv, token, f"full-{i}")
            statuses.append(status)
            if status == 200:
                committed.append(body["job_id"])
            else:
                assert (status, body["error_code"]) == (503, "CFW.00100001"), body
                break
        assert 503 in statuses, statuses
        status, _, body = srv.request(
            "GET", f"/v3/{PROJECT}/jobs/{committed[0]}", headers={"X-Auth-Token": token}
        )
        assert status in (200, 503) and status != 500
        filler.unlink()
        # service resumes once the space is back (the next write, or one soon after)
        deadline = time.monotonic() + 30
        while (reply := create(srv, token, "after"))[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        status, body = reply
        assert status == 200, body
        committed.append(body["job_id"])
    finally:
        filler.unlink(missing_ok=True)
        srv.stop()
    check_store(small_fs / "data" / "opencfw.sqlite3", committed)


def test_read_only_filesystem(small_fs, sdk_home):
    """On a read-only data directory the server refuses to start with one clear line (no traceback);
    made writable again, it starts on the intact store."""
    data = small_fs / "data"
    srv = Server(data, provision_seconds="0").start()
    try:
        token = srv.token()
        status, body = create(srv, token, "before")
        assert status == 200
        committed = [body["job_id"]]
        wait_success(srv, token, committed[0])
    finally:
        srv.stop()
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True, capture_output=True)
    try:
        env = {**srv.env, "OPENCFW_MIGRATE": "false"}
        out = subprocess.run(
            [sys.executable, "-m", "opencfw", "serve"], env=env, capture_output=True, text=True, timeout=30
        )
        assert out.returncode == 1
        assert out.stderr.startswith("opencfw: error: ") and "Traceback" not in out.stderr
        assert "readonly" in out.stderr or "read-only" in out.stderr or "unable to open" in out.stderr, (
            out.stderr
        )
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_fs)], check=True, capture_output=True)
    check_store(data / "opencfw.sqlite3", committed)
    again = Server(data, provision_seconds="0").start()
    try:
        status, _, body = again.request(
            "GET", f"/v3/{PROJECT}/jobs/{committed[0]}", headers={"X-Auth-Token": token}
        )
        assert status == 200 and body["data"]["status"] == "Success"
    finally:
        again.stop()


LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()  # held until the test says so
conn.execute("ROLLBACK")
"""


def test_database_locked_by_another_process(tmp_path, sdk_home):
    """While another process holds the database's write lock, writes answer 503 after the busy
    timeout (5 s), never hang longer; when the lock goes, they work."""
    srv = Server(tmp_path / "data", provision_seconds="0").start()
    db = tmp_path / "data" / "opencfw.sqlite3"
    try:
        token = srv.token()
        status, body = create(srv, token, "before")
        assert status == 200
        committed = [body["job_id"]]
        locker = subprocess.Popen(
            [sys.executable, "-c", LOCKER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        try:
            assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
            began = time.monotonic()
            status, body = create(srv, token, "locked-out")
            waited = time.monotonic() - began
            assert (status, body["error_code"]) == (503, "CFW.00100001"), body
            # the 5 s busy timeout, not a hang until the lock goes (it is held until we say so); the
            # upper bound leaves room for a loaded machine
            assert 4.0 < waited < 30, waited
            status, _, body = srv.request(
                "GET", f"/v3/{PROJECT}/jobs/{committed[0]}", headers={"X-Auth-Token": token}
            )
            assert status == 200  # WAL readers are not blocked by a writer
        finally:
            locker.communicate("release\n", timeout=15)
        status, body = create(srv, token, "after")
        assert status == 200, body
        committed.append(body["job_id"])
    finally:
        srv.stop()
    check_store(db, committed)
