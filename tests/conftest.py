"""Fixtures shared by every tier."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from opencfw.domain.clock import ManualClock
from opencfw.service.credentials import Credentials
from opencfw.service.firewalls import Firewalls
from opencfw.service.jobs import ProvisioningPolicy
from opencfw.service.secrets import SecretBox
from opencfw.store.sqlite import SqliteStore
from tests import pg

DATA = Path(__file__).parent / "data"


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


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(b"test master key")


@pytest.fixture
def credentials(store, clock, box) -> Credentials:
    return Credentials(store, clock, box, token_ttl_ms=24 * 3600 * 1000)


@pytest.fixture
def firewalls(store, clock) -> Firewalls:
    return Firewalls(store, clock, ProvisioningPolicy(duration_ms=5000))
