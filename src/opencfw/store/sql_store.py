"""The SQL both stores share: one implementation of ``base.Store`` over a DB-API connection.

Subclasses (``sqlite.SqliteStore``, ``postgres.PostgresStore``) supply connections, transactions,
the translation of their driver's errors, and the few statements whose dialects differ. SQL is
written with ``?`` placeholders; the PostgreSQL store rewrites them once, at import.
"""

from __future__ import annotations

import contextlib
import copy
import re
import time
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from typing import Any, ClassVar

import msgspec

from opencfw.domain.models import (
    FIREWALL_KINDS,
    FirewallStatus,
    Job,
    JobKind,
    JobStatus,
    StepPlan,
    Tag,
)
from opencfw.resources import REGISTRY
from opencfw.store import db as registry_db
from opencfw.store import eips
from opencfw.store.accounts_sql import AccountsSql
from opencfw.store.columns import FIREWALL_COLUMNS, JOB_COLUMNS
from opencfw.store.extensions_sql import ExtensionsSql, KeysSql, job_event
from opencfw.store.firewalls_sql import FirewallsSql, firewall_from_row, firewall_to_row  # noqa: F401 - re-exported
from opencfw.store.lifecycles import purge_firewall
from opencfw.store.tags_sql import TagsSql

SQL: dict[str, str] = {
    "insert_firewall": f"INSERT INTO firewalls ({FIREWALL_COLUMNS}) VALUES ({', '.join(['?'] * 13)})",
    "insert_job": f"INSERT INTO jobs ({JOB_COLUMNS}) VALUES ({', '.join(['?'] * 19)})",
    "select_firewall": (
        f"SELECT {FIREWALL_COLUMNS} FROM firewalls WHERE project_id = ? AND id = ? AND status <> 4"
    ),
    "select_job": f"SELECT {JOB_COLUMNS} FROM jobs WHERE project_id = ? AND id = ?",
    "claim_job": f"""
        UPDATE jobs
           SET lease_owner = ?, lease_expires_ms = ?, attempts = attempts + 1, updated_ms = ?
         WHERE id IN (SELECT id FROM jobs
                       WHERE status = 'Running' AND run_after_ms <= ?
                         AND (lease_expires_ms IS NULL OR lease_expires_ms <= ?)
                       ORDER BY run_after_ms LIMIT ?)
        RETURNING {JOB_COLUMNS}""",
    "save_job": """
        UPDATE jobs
           SET status = ?, step_index = ?, attempts = ?, end_ms = ?, run_after_ms = ?,
               step_started_ms = ?, lease_owner = ?, lease_expires_ms = ?, error_code = ?,
               error_msg = ?, updated_ms = ?
         WHERE id = ? AND lease_owner = ?""",
    "log_step": "INSERT INTO job_steps (job_id, step_index, step, worker, completed_ms) VALUES (?, ?, ?, ?, ?)",
    "next_due": """
        SELECT min(CASE WHEN lease_expires_ms > run_after_ms THEN lease_expires_ms ELSE run_after_ms END)
          FROM jobs WHERE status = 'Running'""",
    "claim_idempotency": (
        "INSERT INTO idempotency_keys (project_id, client_token, request_hash, job_id, created_ms) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, client_token) DO NOTHING"
    ),
    "select_idempotency": (
        "SELECT request_hash, job_id FROM idempotency_keys WHERE project_id = ? AND client_token = ?"
    ),
    "upsert_meta": (
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    ),
    "upsert_access_key": (
        "INSERT INTO access_keys (access_key, user_id, secret_enc, status, created_ms) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (access_key) DO UPDATE SET user_id = excluded.user_id, "
        "secret_enc = excluded.secret_enc, status = excluded.status"
    ),
}

# optional filters of the firewall listing: constant fragments, values always bound as parameters
LIST_FILTERS = {
    "firewall_id": "id = ?",
    "name": "name = ?",
    "enterprise_project_id": "enterprise_project_id = ?",
    "key_word": "(id = ? OR strpos(lower(name), lower(?)) > 0)",
    "status": "status = ?",
}

_tags = msgspec.json.Decoder(list[Tag])
_steps = msgspec.json.Decoder(list[tuple[str, int]])
Row = tuple[Any, ...]
#: a job's new state, its firewall's new status (if it ended) and the steps completed ``(index, step, at_ms)``
JobUpdate = tuple[Job, FirewallStatus | None, Sequence[tuple[int, str, int]]]


def job_from_row(row: Row) -> Job:
    return Job(
        id=row[0],
        project_id=row[1],
        kind=JobKind(row[2]),
        resource_id=row[3],
        status=JobStatus(row[4]),
        steps=[StepPlan(name, ms) for name, ms in _steps.decode(row[5])],
        step_index=row[6],
        outcome=row[7],
        fail_at=row[8],
        attempts=row[9],
        begin_ms=row[10],
        end_ms=row[11],
        run_after_ms=row[12],
        lease_owner=row[13],
        lease_expires_ms=row[14],
        error_code=row[15],
        error_msg=row[16],
        updated_ms=row[17],
        step_started_ms=row[18],
    )


def job_to_row(job: Job) -> Row:
    steps = msgspec.json.encode([(s.name, s.duration_ms) for s in job.steps]).decode()
    return (
        job.id,
        job.project_id,
        str(job.kind),
        job.resource_id,
        str(job.status),
        steps,
        job.step_index,
        job.outcome,
        job.fail_at,
        job.attempts,
        job.begin_ms,
        job.end_ms,
        job.run_after_ms,
        job.lease_owner,
        job.lease_expires_ms,
        job.error_code,
        job.error_msg,
        job.updated_ms,
        job.step_started_ms,
    )


def migrations(dialect: str) -> list[tuple[int, str, str]]:
    """``(version, file name, sql)`` of a dialect's migration files, in order."""
    folder = resources.files("opencfw.store") / "sql" / dialect
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class SqlStore(AccountsSql, FirewallsSql, TagsSql, ExtensionsSql, KeysSql):
    """Everything of ``base.Store`` that is plain SQL. Subclasses provide the connection plumbing."""

    dialect: ClassVar[str]
    _job_from_row = staticmethod(job_from_row)
    _job_to_row = staticmethod(job_to_row)
    sql: ClassVar[dict[str, str]] = SQL
    list_filters: ClassVar[dict[str, str]] = LIST_FILTERS
    #: the driver's unique-violation exception classes
    integrity_errors: ClassVar[tuple[type[BaseException], ...]] = ()
    #: appended to a SELECT inside a write transaction to lock the rows it reads
    lock_rows: ClassVar[str] = ""

    # -- provided by subclasses

    def _write(self) -> contextlib.AbstractContextManager[Any]:
        """A connection inside one write transaction (committed on exit, rolled back on error)."""
        raise NotImplementedError

    def _read(self) -> contextlib.AbstractContextManager[Any]:
        """A connection for reads (autocommit)."""
        raise NotImplementedError

    def _lock_migrations(self, conn: Any) -> None:
        """Serialise concurrent migrators (SQLite's write lock already does)."""

    def _lock_exclusive(self, conn: Any) -> None:
        """Serialise ``exclusive()`` transactions across processes (SQLite's write lock already does)."""

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[SqlStore]:
        """One write transaction that no other ``exclusive()`` runs beside, in any process: every
        call on the store it yields reads and writes inside it; committed on exit (first start)."""
        with self._write() as conn:
            self._lock_exclusive(conn)
            joined = copy.copy(self)
            joined._write = joined._read = lambda: contextlib.nullcontext(conn)  # type: ignore[method-assign]
            yield joined

    def close(self) -> None:
        raise NotImplementedError

    # -- helpers

    def _one(self, sql: str, params: tuple[Any, ...]) -> Row | None:
        with self._read() as conn:
            row: Row | None = conn.execute(sql, params).fetchone()
            return row

    @contextlib.contextmanager
    def _unique(self, error: Callable[[], Exception]) -> Iterator[None]:
        try:
            yield
        except self.integrity_errors as exc:
            raise error() from exc

    # -- schema and metadata

    #: a query answering one row whose first column is true when schema_migrations exists
    has_migrations_sql: ClassVar[str]

    def schema_version(self) -> int:
        with self._read() as conn:
            if not conn.execute(self.has_migrations_sql).fetchone()[0]:
                return 0
            row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def migrate(self, target: int | None = None) -> list[int]:
        applied = []
        with self._write() as conn:
            self._lock_migrations(conn)
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)"
            )
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations").fetchall()}
            for version, name, text in migrations(self.dialect):
                if version in done or (target is not None and version > target):
                    continue
                # the .sql files hold plain DDL: comments are dropped, then ";" ends a statement
                # (so no ";" inside strings, functions or triggers)
                for statement in re.sub(r"--[^\n]*", "", text).split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(
                    self._q("INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)"),
                    (version, name, time.time_ns() // 1_000_000),
                )
                applied.append(version)
        return applied

    def _q(self, sql: str) -> str:
        return sql

    def get_meta(self, key: str) -> str | None:
        row = self._one(self._q("SELECT value FROM meta WHERE key = ?"), (key,))
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute(self.sql["upsert_meta"], (key, value))

    # -- jobs

    def get_job(self, project_id: str, job_id: str) -> Job | None:
        row = self._one(self.sql["select_job"], (project_id, job_id))
        return None if row is None else job_from_row(row)

    def job_steps(self, job_id: str) -> list[tuple[int, str, str, int]]:
        """The completed steps of a job: ``(index, step, worker, completed_ms)``."""
        with self._read() as conn:
            rows = conn.execute(
                self._q(
                    "SELECT step_index, step, worker, completed_ms FROM job_steps WHERE job_id = ? ORDER BY step_index"
                ),
                (job_id,),
            ).fetchall()
        return [tuple(row) for row in rows]  # type: ignore[misc]

    def claim_due_jobs(self, now_ms: int, owner: str, lease_ms: int, limit: int = 1) -> list[Job]:
        with self._write() as conn:
            rows = conn.execute(
                self.sql["claim_job"], (owner, now_ms + lease_ms, now_ms, now_ms, now_ms, limit)
            ).fetchall()
        return [job_from_row(row) for row in rows]

    def save_jobs_progress(self, owner: str, updates: Sequence[JobUpdate]) -> list[bool]:
        saved = [False] * len(updates)
        steps: list[tuple[str, int, str, str, int]] = []
        firewalls: list[tuple[int, int, str]] = []
        events: list[tuple[str, str, dict[str, Any], int]] = []
        with self._write() as conn:
            for i, (job, firewall_status, completed) in enumerate(updates):
                cur = conn.execute(
                    self.sql["save_job"],
                    (
                        str(job.status),
                        job.step_index,
                        job.attempts,
                        job.end_ms,
                        job.run_after_ms,
                        job.step_started_ms,
                        job.lease_owner,
                        job.lease_expires_ms,
                        job.error_code,
                        job.error_msg,
                        job.updated_ms,
                        job.id,
                        owner,
                    ),
                )
                if cur.rowcount != 1:
                    continue  # the lease went to another worker: leave this job alone
                saved[i] = True
                steps += [(job.id, index, step, owner, at_ms) for index, step, at_ms in completed]
                kind = "job.progress" if job.status is JobStatus.RUNNING else "job.ended"
                events.append((job.project_id, kind, job_event(job), job.updated_ms))
                if job.status is not JobStatus.RUNNING and job.kind not in FIREWALL_KINDS:
                    eips.after_job(registry_db.Database(self), conn, job)  # a bypass switch's status
                if firewall_status is not None:
                    firewalls.append((int(firewall_status), job.updated_ms, job.resource_id))
                    if firewall_status is FirewallStatus.DELETED:  # what belonged to it goes with it
                        purge_firewall(registry_db.Database(self), conn, REGISTRY, job.resource_id)
                    events.append(
                        (
                            job.project_id,
                            "firewall.status",
                            {"fw_instance_id": job.resource_id, "status": int(firewall_status)},
                            job.updated_ms,
                        )
                    )
            # the rest in a few batched statements (one round trip each on PostgreSQL's pipeline)
            if steps:
                conn.cursor().executemany(self.sql["log_step"], steps)
            if firewalls:
                conn.cursor().executemany(
                    self._q("UPDATE firewalls SET status = ?, updated_ms = ? WHERE id = ?"), firewalls
                )
            self._emit_many(conn, events)
        self._announce(job.project_id for (job, _, _), ok in zip(updates, saved, strict=True) if ok)
        self._jobs_changed([job.id for (job, _, _), ok in zip(updates, saved, strict=True) if ok])
        return saved

    def next_due_ms(self) -> int | None:
        row = self._one(self.sql["next_due"], ())
        return None if row is None or row[0] is None else int(row[0])
