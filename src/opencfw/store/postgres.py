"""The scale-out store: PostgreSQL through psycopg 3 and its connection pool.

Any number of API processes and workers share one database. Jobs are claimed with
``FOR UPDATE SKIP LOCKED`` inside the claiming statement, and every insert of a job sends a
``NOTIFY`` so idle workers in other processes wake at once. When the database is unreachable, calls
fail within ``timeout`` seconds with ``StoreUnavailable`` (HTTP 503) and recover by themselves.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import psycopg.errors
from psycopg_pool import ConnectionPool, PoolTimeout

from opencfw.domain.errors import StoreUnavailable
from opencfw.store.sql_store import LIST_FILTERS, SQL, SqlStore

log = logging.getLogger("opencfw.store")

CHANNEL = "opencfw_jobs"
#: payload: the project whose event log grew
EVENTS_CHANNEL = "opencfw_events"
#: jobs changed out of course somewhere (service/job_answers.py): forget every kept answer
ANSWERS_CHANNEL = "opencfw_job_answers"


def _dollar(sql: str) -> str:
    return sql.replace("?", "%s")


_PG_SQL = {name: _dollar(text) for name, text in SQL.items()}
_PG_SQL["claim_job"] = _dollar(
    SQL["claim_job"].replace(
        "ORDER BY run_after_ms LIMIT ?)", "ORDER BY run_after_ms LIMIT ? FOR UPDATE SKIP LOCKED)"
    )
)
assert "SKIP LOCKED" in _PG_SQL["claim_job"]


class PostgresStore(SqlStore):
    dialect = "postgres"
    sql = _PG_SQL
    list_filters = {name: _dollar(text) for name, text in LIST_FILTERS.items()}
    integrity_errors = (psycopg.errors.UniqueViolation,)
    has_migrations_sql = "SELECT to_regclass('schema_migrations') IS NOT NULL"
    lock_rows = " FOR UPDATE"

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10, timeout: float = 3.0) -> None:
        self.url = url
        self.timeout = timeout
        self._pool = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            open=False,
            kwargs={"autocommit": True, "connect_timeout": max(1, round(timeout))},
            # a connection that died with the server is found and replaced before it is used
            check=ConnectionPool.check_connection,
            name="opencfw",
        )
        self._opened = False
        self._open_lock = threading.Lock()
        self._listeners: list[threading.Thread] = []
        self._closing = threading.Event()

    def _open(self) -> ConnectionPool:
        if not self._opened:
            with self._open_lock:
                if not self._opened:
                    self._pool.open(wait=False)
                    self._opened = True
        return self._pool

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self._open().connection() as conn:
                yield conn
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
            raise StoreUnavailable(f"System busy. Try again later. ({type(exc).__name__})") from exc
        except psycopg.errors.QueryCanceled as exc:
            raise StoreUnavailable("System busy. Try again later. (query timed out)") from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[psycopg.Connection[Any]]:
        with self._connection() as conn, conn.transaction():
            yield conn

    @contextlib.contextmanager
    def _read(self) -> Iterator[psycopg.Connection[Any]]:
        with self._connection() as conn:
            yield conn

    @functools.lru_cache(maxsize=256)  # noqa: B019 - a handful of constant statements, store-lifetime
    def _q(self, sql: str) -> str:
        return _dollar(sql)

    def _lock_migrations(self, conn: Any) -> None:
        conn.execute("SELECT pg_advisory_xact_lock(7463850231)")

    def _lock_exclusive(self, conn: Any) -> None:
        conn.execute("SELECT pg_advisory_xact_lock(7463850232)")

    def _notify_jobs(self, conn: Any) -> None:
        conn.execute(f"NOTIFY {CHANNEL}")

    def _lock_event_stream(self, conn: Any, project_id: str) -> None:
        # an event's sequence number is taken at insert, its visibility comes at commit: holding a
        # per-project lock until commit keeps the two in the same order, so a reader that resumes
        # "after seq N" never misses an event committed later with a smaller number
        conn.execute("SELECT pg_advisory_xact_lock(74638502, hashtext(%s))", (project_id,))
        conn.execute("SELECT pg_notify(%s, %s)", (EVENTS_CHANNEL, project_id))

    def _jobs_changed_out_of_course(self, conn: Any) -> None:
        super()._jobs_changed_out_of_course(conn)
        conn.execute(f"NOTIFY {ANSWERS_CHANNEL}")

    def listen(
        self,
        on_job: Callable[[], None],
        on_events: Callable[[set[str]], None] | None = None,
        on_answers: Callable[[], None] | None = None,
    ) -> None:
        """From a background thread: call ``on_job`` whenever a job is inserted anywhere,
        ``on_events`` with the project whose event log grew, and ``on_answers`` when jobs changed
        out of course (in any process)."""
        thread = threading.Thread(
            target=self._listen, args=(on_job, on_events, on_answers), name="opencfw-listen", daemon=True
        )
        thread.start()
        self._listeners.append(thread)

    def _listen(
        self,
        on_job: Callable[[], None],
        on_events: Callable[[set[str]], None] | None,
        on_answers: Callable[[], None] | None,
    ) -> None:
        backoff = 0.2
        while not self._closing.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=3) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    if on_events is not None:
                        conn.execute(f"LISTEN {EVENTS_CHANNEL}")
                    if on_answers is not None:
                        conn.execute(f"LISTEN {ANSWERS_CHANNEL}")
                        on_answers()  # anything changed while we were not listening
                    backoff = 0.2
                    on_job()  # anything inserted while we were not listening
                    while not self._closing.is_set():
                        for note in conn.notifies(timeout=1.0, stop_after=1):
                            if note.channel == CHANNEL:
                                on_job()
                            elif note.channel == ANSWERS_CHANNEL:
                                if on_answers is not None:
                                    on_answers()
                            elif on_events is not None:
                                on_events({note.payload})
            except psycopg.Error as exc:
                log.warning("LISTEN connection lost (%s); retrying in %.1f s", type(exc).__name__, backoff)
                self._closing.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def close(self) -> None:
        self._closing.set()
        for thread in self._listeners:
            thread.join(timeout=3)
        if self._opened:
            self._pool.close()
