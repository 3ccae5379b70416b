"""The test suite's own rules: what of the caller's environment reaches a test or a test server, and
how parallel workers are given the tests (tests/scheduling.py)."""

from __future__ import annotations

import os
import types
from pathlib import Path

import pytest

from tests.acceptance.server import Server, Worker


def test_a_test_server_never_inherits_the_callers_opencfw_settings(tmp_path, monkeypatch):
    """An exported OPENCFW_DATABASE_URL must not move a SQLite test to PostgreSQL; the suite's own
    settings (OPENCFW_TEST_*, OPENCFW_REQUIRE_*) are not the server's either."""
    monkeypatch.setenv("OPENCFW_DATABASE_URL", "postgresql://someone@127.0.0.1:1/theirs")
    monkeypatch.setenv("OPENCFW_PROVISION_OUTCOME", "failed")
    monkeypatch.setenv("OPENCFW_TEST_DATABASE_URL", "postgresql://127.0.0.1:1/test")
    monkeypatch.setenv("OPENCFW_REQUIRE_POSTGRES", "1")
    monkeypatch.setenv("KEPT_FOR_THE_SERVER", "yes")
    for env in (
        Server(tmp_path / "a", None, provision_seconds="0").env,
        Worker(tmp_path / "b", None).env,
    ):
        opencfw = {k for k in env if k.startswith("OPENCFW_")}
        assert "OPENCFW_DATABASE_URL" not in opencfw
        assert "OPENCFW_PROVISION_OUTCOME" not in opencfw
        assert not {k for k in opencfw if k.startswith(("OPENCFW_TEST_", "OPENCFW_REQUIRE_"))}
        assert env["KEPT_FOR_THE_SERVER"] == "yes"
    on_postgres = Server(tmp_path / "c", "postgresql://127.0.0.1:5432/mine", provision_seconds="0").env
    assert on_postgres["OPENCFW_DATABASE_URL"] == "postgresql://127.0.0.1:5432/mine"
    assert on_postgres["OPENCFW_PROVISION_SECONDS"] == "0"


def test_a_test_never_sees_the_callers_product_settings(monkeypatch):
    """In-process tests (the CLI, the configuration) see none of the developer's exported product
    settings, while the suite's own settings stay readable; all come back after the session."""
    from tests import conftest

    exported = {
        "OPENCFW_DATABASE_URL": "postgresql://someone@127.0.0.1:1/theirs",
        "OPENCFW_PORT": "1",
        "OPENCFW_ENDPOINT": "https://cfw.example.invalid",
        "CLOUD_SDK_AK": "REALCLOUDAK",
        "HUAWEICLOUD_SDK_REGION_CFW_CN_NORTH_4": "https://cfw.example.invalid",
        "OPENCFW_TEST_DATABASE_URL": "postgresql://127.0.0.1:1/test",
        "OPENCFW_REQUIRE_POSTGRES": "1",
        "OPENCFW_CHROMIUM": "/usr/bin/chromium",
    }
    for name, value in exported.items():
        monkeypatch.setenv(name, value)
    cleanups: list = []
    conftest.pytest_configure(types.SimpleNamespace(add_cleanup=cleanups.append))
    try:
        seen = {k for k in os.environ if k.startswith(("OPENCFW_", "CLOUD_SDK_", "HUAWEICLOUD_SDK_"))}
        assert not seen & {"OPENCFW_DATABASE_URL", "OPENCFW_PORT", "OPENCFW_ENDPOINT", "CLOUD_SDK_AK"}
        assert not {k for k in seen if k.startswith("HUAWEICLOUD_SDK_")}
        assert {"OPENCFW_TEST_DATABASE_URL", "OPENCFW_REQUIRE_POSTGRES", "OPENCFW_CHROMIUM"} <= seen
    finally:
        for cleanup in cleanups:
            cleanup()
    assert all(os.environ[name] == value for name, value in exported.items())


class FakeConfig:
    """What the scheduler reads of pytest's configuration."""

    def __init__(self, workers: int) -> None:
        self.option = types.SimpleNamespace(loadscopereorder=True)
        self.workers = workers

    def getvalue(self, name: str):
        return {"tx": [f"{self.workers}*popen"], "dist": "loadgroup"}[name]


class FakeWorker:
    """An xdist worker as the scheduler sees it: it runs its tests in order, but holds the last one
    back until it gets more or is told to stop (it must know the next test to tear down well)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.gateway = types.SimpleNamespace(id=name)
        self.queue: list[int] = []
        self.shutting_down = False
        self.gone = False

    def send_runtest_some(self, indices) -> None:
        self.queue.extend(indices)

    def shutdown(self) -> None:
        self.shutting_down = True

    def runnable(self) -> bool:
        return not self.gone and (len(self.queue) > 1 or (self.shutting_down and bool(self.queue)))

    def __repr__(self) -> str:
        return self.name


def run_schedule(ids: list[str], workers: int, seed: int) -> list[tuple[str, str, frozenset[str]]]:
    """Drive the scheduler with fake workers in a random order; what ran where, beside which workers."""
    import random

    from tests.scheduling import ExclusiveLastScheduling

    rng = random.Random(seed)
    sched = ExclusiveLastScheduling(FakeConfig(workers))
    nodes = [FakeWorker(f"gw{i}") for i in range(workers)]
    for node in nodes:
        sched.add_node(node)
        sched.add_node_collection(node, ids)
    sched.schedule()
    ran: list[tuple[str, str, frozenset[str]]] = []
    for _ in range(10 * len(ids) + 100):
        alive = [n for n in nodes if not n.gone]
        busy = [n for n in alive if n.runnable()]
        if not busy:
            for node in [n for n in alive if n.shutting_down and not n.queue]:
                node.gone = True
                if node in sched.nodes:  # as xdist does: a worker stopped before it got work is not there
                    sched.remove_node(node)
            if not [n for n in nodes if not n.gone]:
                return ran
            assert [n for n in nodes if n.runnable()], f"stuck: {nodes}, queue {list(sched.workqueue)}"
            continue
        node = rng.choice(busy)
        index = node.queue.pop(0)
        ran.append((ids[index], node.name, frozenset(n.name for n in alive if n is not node)))
        sched.mark_test_complete(node, index)
    raise AssertionError("the schedule did not end")


@pytest.mark.parametrize("workers", [1, 2, 4])
@pytest.mark.parametrize("seed", range(5))
def test_exclusive_tests_run_last_and_alone(workers, seed):
    """Every test runs once; the exclusive group runs after every other test, with no other worker
    left; a group runs whole on one worker."""
    ids = (
        [f"tests/a.py::test_{i}" for i in range(7)]
        + ["tests/soak.py::test_soak@exclusive", "tests/db.py::test_restart@exclusive"]
        + [f"tests/interop/t.py::test_{i}@interop" for i in range(3)]
        + [f"tests/b.py::test_{i}" for i in range(6)]
    )
    ran = run_schedule(ids, workers, seed)
    assert sorted(test for test, _, _ in ran) == sorted(ids)
    order = [test for test, _, _ in ran]
    assert {order[-2], order[-1]} == {
        "tests/soak.py::test_soak@exclusive",
        "tests/db.py::test_restart@exclusive",
    }
    for test, _, others in ran:
        if test.endswith("@exclusive"):
            assert not others, f"{test} ran beside {sorted(others)}"
    assert len({where for test, where, _ in ran if test.endswith("@interop")}) == 1


def test_only_exclusive_tests_selected():
    ran = run_schedule(["tests/soak.py::test_soak@exclusive"], 4, 0)
    assert [test for test, _, _ in ran] == ["tests/soak.py::test_soak@exclusive"]


def test_worker_count(monkeypatch):
    """`-n auto`: a single named file runs in-process, a few files get as many workers, a directory
    (or the whole suite) twice the CPUs, from 2 to 8; OPENCFW_TEST_WORKERS decides when set."""
    from tests import conftest

    monkeypatch.delenv("OPENCFW_TEST_WORKERS", raising=False)
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    here = __file__

    def workers(*args: str) -> int:
        return conftest.pytest_xdist_auto_num_workers(types.SimpleNamespace(args=list(args)))

    assert workers(here) == workers(f"{here}::test_worker_count") == 0
    assert workers(here, conftest.__file__) == 2
    full = workers(str(Path(__file__).parent))
    assert 2 <= full <= 8 and full == min(8, max(2, 2 * len(os.sched_getaffinity(0))))
    monkeypatch.setenv("OPENCFW_TEST_WORKERS", "3")
    assert workers(here) == 3
