"""The embedded store: stdlib ``sqlite3`` in WAL mode, one connection per thread.

Reads run inline on whichever thread asks (the event loop, in the server); writes take an immediate
write transaction, so concurrent writers (threads or processes) queue on SQLite's lock instead of
failing half-way.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from opencfw.domain.errors import StoreUnavailable
from opencfw.store.sql_store import LIST_FILTERS, SqlStore


class SqliteStore(SqlStore):
    """The embedded store. ``path`` is the database file (created when missing)."""

    dialect = "sqlite"
    integrity_errors = (sqlite3.IntegrityError,)
    has_migrations_sql = (
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    )
    list_filters = {**LIST_FILTERS, "key_word": "(id = ? OR instr(lower(name), lower(?)) > 0)"}

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout_ms: int = 5000) -> None:
        self.path = Path(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self.connect()
        return conn

    def connect(self) -> sqlite3.Connection:
        """A new connection with the store's settings, closed with the store."""
        with self._translate():
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            # WAL + NORMAL is durable across process crashes; only an OS crash or power loss
            # can lose the last transactions, and never corrupts the file.
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        with self._lock:
            self._all.append(conn)
        return conn

    @contextlib.contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"System busy. Try again later. ({type(exc).__name__})") from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        with self._translate():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._translate():
            yield self._conn()

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
        self._local = threading.local()
