"""Fixtures shared by every tier."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import pytest

from opencfw.config import CONFIG_VARIABLE, Settings
from opencfw.domain.clock import ManualClock
from opencfw.service.credentials import Credentials
from opencfw.service.firewalls import Firewalls
from opencfw.service.jobs import ProvisioningPolicy
from opencfw.service.secrets import SecretBox
from opencfw.store.sqlite import SqliteStore
from tests import pg

DATA = Path(__file__).parent / "data"
TESTS = Path(__file__).parent

#: what a developer's shell may have exported for the product (a server's settings, the client's
#: endpoint and credentials): none of it reaches a test, in-process or in a server it starts. The
#: suite's own settings (OPENCFW_TEST_DATABASE_URL, OPENCFW_REQUIRE_*, OPENCFW_CHROMIUM, ...) stay.
PRODUCT_VARIABLES = frozenset(
    {f.metadata["env"] for f in fields(Settings)}
    | {CONFIG_VARIABLE, "OPENCFW_ENDPOINT", "CLOUD_SDK_AK", "CLOUD_SDK_SK", "CLOUD_SDK_PROJECT_ID"}
)


def pytest_configure(config: pytest.Config) -> None:
    mp = pytest.MonkeyPatch()
    for name in list(os.environ):
        if name in PRODUCT_VARIABLES or name.startswith("HUAWEICLOUD_SDK_"):
            mp.delenv(name)
    config.add_cleanup(mp.undo)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The xdist groups: the interop tier runs on one worker (its toolchain builds are made once);
    ``exclusive`` tests run at the end, alone (tests/scheduling.py)."""
    for item in items:
        if item.get_closest_marker("exclusive"):
            item.add_marker(pytest.mark.xdist_group("exclusive"))
        elif item.get_closest_marker("interop") or TESTS / "interop" in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("interop"))
        if (
            getattr(config.option, "loadgroup", False)
            and hasattr(item, "_id")
            and not hasattr(item, "_nodeid")
        ):
            # pytest 9.2 keeps a structured node id, and xdist 3.8's rewrite of ``_nodeid`` into
            # "<id>@<group>" (how the controller learns the group) no longer takes: do it here
            groups = sorted(
                {
                    str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                    for m in item.iter_markers("xdist_group")
                }
            )
            if groups:
                from _pytest.nodeid import NodeId

                item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadgroup":
        from tests.scheduling import ExclusiveLastScheduling

        return ExclusiveLastScheduling(config, log)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: OPENCFW_TEST_WORKERS, else twice the CPUs (much of a test's time is spent
    waiting on a server process or a job's timers, not computing), from 2 to 8 (each worker keeps
    PostgreSQL connections open: more would crowd a default max_connections of 100)."""
    given = os.environ.get("OPENCFW_TEST_WORKERS") or os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if given:
        return max(1, int(given))
    workers = min(8, max(2, 2 * len(os.sched_getaffinity(0))))
    # a run of a few named files gets no more workers than files, and one file runs in this process
    # (starting workers costs more than it saves there); `-n 4` still asks for workers
    files = {str(arg).split("::")[0] for arg in config.args}
    if files and all(Path(f).is_file() for f in files):
        return 0 if len(files) == 1 else min(workers, len(files))
    return workers


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The store kind a test runs against: every store test runs on both."""
    return str(request.param)


@pytest.fixture
def database_url(backend) -> Iterator[str | None]:
    """None for SQLite; for PostgreSQL, the URL of a fresh schema of this test's own."""
    if backend == "sqlite":
        yield None
        return
    with pg.fresh_schema() as url:
        yield url


@pytest.fixture
def store(tmp_path: Path, database_url):
    if database_url is None:
        s = SqliteStore(tmp_path / "store.sqlite3")
    else:
        from opencfw.store.postgres import PostgresStore

        s = PostgresStore(database_url)
    s.migrate()
    yield s
    s.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say it loudly when PostgreSQL tests were skipped: half of the store suite did not run."""
    skipped = terminalreporter.stats.get("skipped", [])
    if any(pg.SKIP_REASON in str(getattr(report, "longrepr", "")) for report in skipped):
        terminalreporter.write_sep("!", "PostgreSQL TESTS WERE SKIPPED", red=True, bold=True)
        terminalreporter.write_line(
            f"{pg.SKIP_REASON}: the PostgreSQL half of the suite did not run. "
            "Start PostgreSQL or set OPENCFW_TEST_DATABASE_URL; CI sets OPENCFW_REQUIRE_POSTGRES=1.",
            red=True,
        )
    from tests.dataplane import kernel

    if any(kernel.SKIP_PREFIX in str(getattr(report, "longrepr", "")) for report in skipped):
        terminalreporter.write_sep("!", "DATA-PLANE TESTS WERE SKIPPED", red=True, bold=True)
        terminalreporter.write_line(
            "No packet went through nftables (reason above): run the suite as root on Linux with "
            "nftables and iproute2 installed. CI sets OPENCFW_REQUIRE_DATAPLANE=1.",
            red=True,
        )
    # with parallel workers the controller collects nothing, so the interop tier's conftest (and its
    # banner) is not loaded here: say it for that tier
    interop_conftest = config.pluginmanager.get_plugin(str(TESTS / "interop" / "conftest.py"))
    if interop_conftest is None:
        from tests.interop import tools

        if any(tools.SKIP_PREFIX in str(getattr(report, "longrepr", "")) for report in skipped):
            terminalreporter.write_sep("!", "INTEROP TESTS WERE SKIPPED", red=True, bold=True)
            terminalreporter.write_line(
                "The Java/Go SDK or Terraform tests did not run (reasons above). "
                "CI sets OPENCFW_REQUIRE_INTEROP=1.",
                red=True,
            )


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(b"test master key")


@pytest.fixture
def credentials(store, clock, box) -> Credentials:
    return Credentials(store, clock, box, token_ttl_ms=24 * 3600 * 1000)


@pytest.fixture
def firewalls(store, clock) -> Firewalls:
    return Firewalls(store, clock, ProvisioningPolicy(duration_ms=5000))
