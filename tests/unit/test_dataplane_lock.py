"""The data plane's host lock: one process per host and store drives the labs, and a process that
loses the lock (its PostgreSQL session ended) stops driving and takes it again when it can. No
namespace is made: the desired state is empty."""

from __future__ import annotations

import time
from pathlib import Path

from opencfw.config import Settings
from opencfw.dataplane import runner
from opencfw.dataplane.flow_logs import FlowLogs
from opencfw.dataplane.reconciler import Reconciler


def settings(tmp_path: Path, database_url: str | None) -> Settings:
    env = {"OPENCFW_DATA_DIR": str(tmp_path)}
    if database_url is not None:
        env["OPENCFW_DATABASE_URL"] = database_url
    return Settings.load(env)


def until(check, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False


def test_one_holder_per_store_and_host(tmp_path: Path, database_url):
    lock = runner.host_lock(settings(tmp_path, database_url))
    with lock() as first:
        assert first is not None and first()
        with lock() as second:
            assert second is None  # another process of this host and store holds it
        other_store = runner.host_lock(settings(tmp_path / "other", database_url))
        if database_url is None:  # another SQLite file: a lock of its own
            with other_store() as third:
                assert third is not None
    with lock() as again:
        assert again is not None  # released when its holder let go


def test_a_lost_lock_is_noticed_and_taken_again(tmp_path: Path, database_url):
    import psycopg

    if database_url is None:  # a file lock is lost only with its process: nothing to notice
        with runner.host_lock(settings(tmp_path, None))() as held:
            assert held is not None and held()
        return
    configured = settings(tmp_path, database_url)
    reconciler = Reconciler(
        lambda: {},
        runner.instance(configured),
        host_lock=runner.host_lock(configured),
        resync=0.05,
        logs=FlowLogs(lambda *_: None),
    )
    reconciler.start()
    try:
        assert until(lambda: reconciler.driving)
        name = f"{runner.LOCK_APPLICATION} {runner.instance(configured)}"
        with psycopg.connect(database_url, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                (name,),
            ).fetchone()
        assert ended == (1,)
        assert until(lambda: reconciler.lock_losses == 1)
        assert until(lambda: reconciler.driving)  # a new session holds it again
    finally:
        reconciler.stop()


def test_letting_go_of_the_labs_stops_reading_their_logs_and_forgets_the_tables():
    """After a lost lock another process drives: its records are made once, by it; and this one
    applies every table again when it holds the lock again."""
    from opencfw.dataplane import netns
    from opencfw.dataplane.flow_logs import _Watched
    from opencfw.dataplane.policy import Policy
    from opencfw.dataplane.reconciler import Applied

    logs = FlowLogs(lambda *_: None)
    reconciler = Reconciler(lambda: {}, "abcdef", logs=logs)
    logs._watched["fw-1"] = _Watched(netns.Lab("ocfw-abcdef-0"), "fw-1", "p", inbound=2, sockets=())
    reconciler.applied["fw-1"] = Applied(Policy("fw-1"), [], {})
    reconciler._let_go()
    assert (logs.watched(), reconciler.applied) == ([], {})
    logs.stop()
