"""Fixtures shared by every tier."""

from __future__ import annotations

from pathlib import Path

import pytest

from opencfw.domain.clock import ManualClock
from opencfw.service.credentials import Credentials
from opencfw.service.firewalls import Firewalls
from opencfw.service.jobs import ProvisioningPolicy
from opencfw.service.secrets import SecretBox
from opencfw.store.sqlite import SqliteStore

DATA = Path(__file__).parent / "data"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store(tmp_path: Path):
    s = SqliteStore(tmp_path / "store.sqlite3")
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(b"test master key")


@pytest.fixture
def credentials(store, clock, box) -> Credentials:
    return Credentials(store, clock, box, token_ttl_ms=24 * 3600 * 1000)


@pytest.fixture
def firewalls(store, clock) -> Firewalls:
    return Firewalls(store, clock, ProvisioningPolicy(duration_ms=5000))
