"""The job read: its answers kept coherent with the store, shared by the event loop, the thread
pool and the store's listener thread."""

from __future__ import annotations

import sys
import threading

import pytest

from opencfw.service.job_answers import JobAnswers
from tests.unit import test_api
from tests.unit.test_api import P

env = test_api.env
api = test_api.api


def test_the_answer_cache_takes_inserts_from_many_threads_at_once():
    """PostgreSQL reads ran in a thread pool: threads filled the cache while one of them purged it,
    and iterating the shared dict while another thread inserted raised RuntimeError (an HTTP 500).
    Here eight threads put (past the bound, so that it evicts) and forget at once."""
    answers = JobAnswers(limit=1000)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def hammer(n: int) -> None:
        start.wait()
        try:
            for i in range(6000):
                answers.put(f"job-{n}-{i}", (P, b"{}", None), answers.generation)
                if i % 500 == 0:
                    answers.forget([f"job-{n}-{i - 1}"])
                answers.get(f"job-{n}-{i // 2}", P, 0)
        except BaseException as exc:
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(answers) <= 1000


# -- answers kept and forgotten, in-process, on both stores ------------------------------------------

from opencfw.config import Secret  # noqa: E402
from opencfw.domain.models import JobStatus  # noqa: E402
from opencfw.service import jobs  # noqa: E402
from opencfw.store.sqlite import SqliteStore  # noqa: E402
from tests.unit.test_api import assert_error, call, token_for  # noqa: E402
from tests.unit.test_tasks import ADMIN, create, documented, run_for  # noqa: E402


def counting_reads(runtime, monkeypatch) -> list[str]:
    """Record every read that reaches the store."""
    reads: list[str] = []
    original = runtime.job_reads.read_row

    async def counted(job_id, wal_stamp=None):
        reads.append(job_id)
        return await original(job_id, wal_stamp)

    monkeypatch.setattr(runtime.job_reads, "read_row", counted)
    return reads


@pytest.fixture
def kept(env):
    runtime, clock, client = env(provision_seconds=5, admin_token=Secret("admin-secret"))
    client.token = token_for(client, P)
    return runtime, clock, client


def test_a_running_answer_is_kept_until_its_step_ends_then_read_again(kept, monkeypatch):
    runtime, clock, client = kept
    job_id = create(client)
    reads = counting_reads(runtime, monkeypatch)
    first = documented(client, job_id)
    assert first.json["data"]["status"] == "Running" and first.headers["retry-after"] == "1"
    clock.advance(0.5)
    assert documented(client, job_id).json == first.json
    assert reads == [job_id]  # the second answer was the kept one
    clock.advance(0.5)  # the first step's end: a worker may now move the job on
    assert documented(client, job_id).json["data"]["status"] == "Running"
    assert len(reads) == 2
    run_for(runtime, clock, 6)
    done = documented(client, job_id)
    assert done.json["data"]["status"] == "Success" and "retry-after" not in done.headers
    assert documented(client, job_id).json == done.json
    assert len(reads) == 3  # a finished answer is kept


def test_an_administrators_change_and_a_reset_forget_kept_answers(kept):
    _, _, client = kept
    job_id = create(client)
    assert documented(client, job_id).json["data"]["status"] == "Running"
    reply = client.request("POST", f"/_opencfw/admin/jobs/{job_id}/fail", headers=ADMIN, json_body={})
    assert reply.status == 200, reply.body
    assert documented(client, job_id).json["data"]["status"] == "Failed"
    reply = client.request("POST", f"/_opencfw/admin/projects/{P}/reset", headers=ADMIN)
    assert reply.status == 200, reply.body
    assert_error(documented(client, job_id), 400, "CFW.00200005")


def test_a_kept_answer_is_only_for_its_own_project(kept):
    runtime, _, client = kept
    job_id = create(client)
    documented(client, job_id)
    assert runtime.job_reads.answers.get(job_id, P, 0) is not None
    other = "fedcba9876543210fedcba9876543210"
    assert runtime.job_reads.answers.get(job_id, other, 0) is None
    assert_error(call(client, "GET", f"/v3/{other}/jobs/{job_id}"), 403, "APIGW.0302")


def test_an_answer_read_before_a_change_is_not_kept_after_it():
    answers = JobAnswers()
    generation = answers.generation
    answers.forget(["job-1"])  # a change committed while the read was under way
    answers.put("job-1", (P, b"old", 10**15), generation)
    assert answers.get("job-1", P, 0) is None


def test_sqlite_another_connections_out_of_course_change_reaches_kept_answers(kept, tmp_path):
    """Another process on the same SQLite file (a second store here) fails a job: the WAL index
    changed, the epoch is new, the answers are forgotten before the next one is served."""
    runtime, clock, client = kept
    if runtime.store_kind != "sqlite":
        pytest.skip("SQLite's WAL index")
    job_id = create(client)
    assert documented(client, job_id).json["data"]["status"] == "Running"
    other = SqliteStore(runtime.store.path)
    try:
        assert jobs.finish_now(other, job_id, JobStatus.FAILED, "elsewhere", clock.now_ms()) is not None
    finally:
        other.close()
    assert documented(client, job_id).json["data"]["status"] == "Failed"


# -- SQLite: reads share a read transaction while nothing is committed --------------------------------

import asyncio  # noqa: E402
import sqlite3  # noqa: E402

from opencfw.service.job_answers import WalStamp  # noqa: E402
from opencfw.store.job_reads import SqliteJobRows  # noqa: E402


@pytest.fixture
def sqlite_rows(tmp_path):
    store = SqliteStore(tmp_path / "jobs.sqlite3")
    store.migrate()
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("PRAGMA busy_timeout = 0")
    other.execute(
        "INSERT INTO jobs (id, project_id, kind, resource_id, status, steps, step_index, outcome,"
        " begin_ms, run_after_ms, step_started_ms, updated_ms)"
        " VALUES ('job-1', ?, 'create', 'fw-1', 'Running', '[]', 0, 'success', 1, 2, 1, 1)",
        (P,),
    )
    wal = WalStamp(store.path)
    yield SqliteJobRows(store), wal, other
    wal.close()
    other.close()
    store.close()


def status_read(rows: SqliteJobRows, wal: WalStamp) -> str:
    found = rows.row("job-1", wal.read())
    assert found is not None
    return found[2]


def test_sqlite_reads_with_the_same_stamp_share_a_snapshot_and_a_commit_ends_it(sqlite_rows):
    rows, wal, other = sqlite_rows

    async def reads() -> None:
        assert status_read(rows, wal) == "Running"
        snapshot = rows._conn()
        assert snapshot.in_transaction  # held for the reads after it
        assert status_read(rows, wal) == "Running" and snapshot.in_transaction
        other.execute("UPDATE jobs SET status = 'Success' WHERE id = 'job-1'")
        # the commit changed the WAL index header: the next read is of the store as it is now
        assert status_read(rows, wal) == "Success"
        # a snapshot holds a checkpoint back from the WAL's end, until the loop's next turn ends it
        assert other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 1
        await asyncio.sleep(0)
        assert not snapshot.in_transaction
        assert other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0

    asyncio.run(reads())


def test_sqlite_reads_without_a_stamp_or_a_loop_hold_no_snapshot(sqlite_rows):
    rows, wal, other = sqlite_rows
    assert status_read(rows, wal) == "Running"  # no event loop: nothing would end a snapshot
    assert not rows._conn().in_transaction

    async def unstamped() -> None:
        found = rows.row("job-1")
        assert found is not None and found[2] == "Running"
        assert not rows._conn().in_transaction
        assert status_read(rows, wal) == "Running" and rows._conn().in_transaction
        other.execute("UPDATE jobs SET status = 'Failed' WHERE id = 'job-1'")
        found = rows.row("job-1")  # no stamp: not the snapshot's read
        assert found is not None and found[2] == "Failed"

    asyncio.run(unstamped())
