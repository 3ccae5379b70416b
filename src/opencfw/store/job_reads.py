"""The lean read behind ListJob: the five columns of one job's answer, by primary key.

SQLite: inline on the calling thread (the event loop), on a connection of its own, memory-mapped so
that a read among millions of rows costs no system call, and reads share a read transaction while
nothing is committed (``SqliteJobRows.row``).

PostgreSQL: on the event loop through an asynchronous connection, the reads of concurrent requests
gathered into one prepared statement (``WHERE id = ANY(...)``) per round trip, with at most
``slots`` round trips in flight (bench/pg_job_read.py measured the options).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sqlite3
import threading
from typing import TYPE_CHECKING, Any

from opencfw.domain.errors import StoreUnavailable

if TYPE_CHECKING:
    import psycopg

    from opencfw.store.sqlite import SqliteStore

#: id, project_id, status, begin_ms, end_ms, run_after_ms
Row = tuple[str, str, str, int, int | None, int]
COLUMNS = "id, project_id, status, begin_ms, end_ms, run_after_ms"
SQLITE_SQL = f"SELECT {COLUMNS} FROM jobs WHERE id = ?"
PG_SQL = f"SELECT {COLUMNS} FROM jobs WHERE id = ANY(%s)"
#: SQLite maps this much of the database file (reads of the mapped part need no system call)
MMAP_BYTES = 1 << 30
#: the store's meta key that every out-of-course change of jobs sets anew (job_answers.py)
EPOCH_KEY = "job_answers.epoch"


class SqliteJobRows:
    """Reads on a connection of their own per thread (memory-mapped).

    A read transaction costs more than the read itself (two ``fcntl`` locks on the WAL index and
    its header read): reads given a ``stamp`` share one until the stamp changes or the event
    loop turns (see ``row``)."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._store.connect()
            conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            self._local.conn = conn
            self._local.stamp = None
        return conn

    def row(self, job_id: str, stamp: bytes | None = None) -> Row | None:
        """The job's row as the store has it now.

        ``stamp`` is the WAL index header (``WalStamp``), read just before: it changes with every
        commit of any connection in any process. A read with a stamp, on an event loop, keeps its
        read transaction open for the reads after it, which use it while they bring the same
        stamp: nothing was committed since it began, so its snapshot is the store as it is now.
        A new stamp ends it (the read starts a new one), and so does the loop's next turn, so that
        a snapshot is never held while no one reads (it would keep checkpoints from the WAL's end).
        Without a stamp every read is a transaction of its own."""
        local = self._local
        conn = self._conn()
        try:
            if conn.in_transaction and stamp != local.stamp:
                conn.execute("COMMIT")
            if stamp is not None and not conn.in_transaction:
                loop = _running_loop()
                if loop is not None:
                    # the stamp was read before the snapshot begins: the snapshot is at least as new
                    conn.execute("BEGIN")
                    local.stamp = stamp
                    loop.call_soon(_end_snapshot, conn)
            found: Row | None = conn.execute(SQLITE_SQL, (job_id,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"System busy. Try again later. ({type(exc).__name__})") from exc
        return found

    def data_version(self) -> int:
        """Changes whenever another connection (any thread or process) commits."""
        conn = self._conn()
        if conn.in_transaction:  # a snapshot's data_version is its own: end it first
            conn.execute("COMMIT")
        return int(conn.execute("PRAGMA data_version").fetchone()[0])


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _end_snapshot(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        if conn.in_transaction:
            conn.execute("COMMIT")


class PgJobRows:
    """Batched reads on asynchronous connections, opened on first use on the running loop."""

    def __init__(self, url: str, *, slots: int = 2, timeout: float = 3.0, batch: int = 256) -> None:
        self._url = url
        self._slots = slots
        self._timeout = timeout
        self._batch = batch
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._active = 0
        self._pending: dict[str, list[asyncio.Future[Row | None]]] = {}
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Future[None]] = set()

    async def row(self, job_id: str) -> Row | None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # connections belong to the loop they were made on (one per process in a server;
            # tests run each request on a loop of its own)
            self.close()
            self._closed = False
            self._loop, self._active, self._pending = loop, 0, {}
        future: asyncio.Future[Row | None] = loop.create_future()
        waiting = self._pending.get(job_id)
        if waiting is None:
            self._pending[job_id] = [future]
        else:
            waiting.append(future)
        if self._active < self._slots:
            self._active += 1
            task = asyncio.ensure_future(self._serve())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._idle:
            return self._idle.pop()
        import psycopg

        return await psycopg.AsyncConnection.connect(
            self._url, autocommit=True, connect_timeout=max(1, round(self._timeout))
        )

    async def _serve(self) -> None:
        """Take what is pending, a batch at a time, until nothing is."""
        try:
            while self._pending:
                ids = list(itertools.islice(self._pending, self._batch))
                batch = {job_id: self._pending.pop(job_id) for job_id in ids}
                try:
                    rows = await asyncio.wait_for(self._query(ids), self._timeout)
                except BaseException as exc:
                    failure = (
                        exc
                        if isinstance(exc, asyncio.CancelledError)
                        else StoreUnavailable(f"System busy. Try again later. ({type(exc).__name__})")
                    )
                    for futures in batch.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(failure)
                    if isinstance(exc, asyncio.CancelledError):
                        raise
                    continue
                found = {row[0]: row for row in rows}
                for job_id, futures in batch.items():
                    row = found.get(job_id)
                    for future in futures:
                        if not future.done():
                            future.set_result(row)
        finally:
            self._active -= 1

    async def _query(self, ids: list[str]) -> list[Row]:
        conn = await self._connection()
        try:
            cur = await conn.execute(PG_SQL, (ids,), prepare=True)
            rows: list[Row] = await cur.fetchall()  # type: ignore[assignment]
        except BaseException:
            _discard(conn)
            raise
        if self._closed:
            _discard(conn)
        else:
            self._idle.append(conn)
        return rows

    def close(self) -> None:
        """From any thread or loop: close the idle connections (one in use closes when done)."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            _discard(conn)


def _discard(conn: psycopg.AsyncConnection[Any]) -> None:
    """Close without the connection's loop: the socket goes at once (nothing is in flight)."""
    conn.pgconn.finish()
