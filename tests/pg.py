"""PostgreSQL for tests: one throw-away schema per test (or per server), or a loud skip.

``OPENCFW_TEST_DATABASE_URL`` names the database (default ``postgresql://127.0.0.1:5432/test``).
With ``OPENCFW_REQUIRE_POSTGRES=1`` (set by CI) an unreachable PostgreSQL fails the tests instead
of skipping them.
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

URL = os.environ.get("OPENCFW_TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/test")
SKIP_REASON = "PostgreSQL is not reachable at " + URL.split("@")[-1]


@functools.cache
def available() -> bool:
    try:
        with psycopg.connect(URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def require() -> None:
    if available():
        return
    if os.environ.get("OPENCFW_REQUIRE_POSTGRES", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{SKIP_REASON}, and OPENCFW_REQUIRE_POSTGRES is set", pytrace=False)
    pytest.skip(SKIP_REASON)


def url_for(schema: str) -> str:
    sep = "&" if "?" in URL else "?"
    return f"{URL}{sep}options=-csearch_path%3D{schema}"


@contextlib.contextmanager
def fresh_schema() -> Iterator[str]:
    """A new empty schema, dropped afterwards; yields a database URL that uses it."""
    require()
    schema = f"opencfw_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield url_for(schema)
    finally:
        with psycopg.connect(URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
