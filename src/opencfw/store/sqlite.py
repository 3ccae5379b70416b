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
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import msgspec

from opencfw.domain.accounts import AccessKey, Domain, Project, User
from opencfw.domain.errors import NameConflict, StoreUnavailable
from opencfw.domain.models import (
    Edition,
    Firewall,
    FirewallStatus,
    Job,
    JobKind,
    JobStatus,
    StepPlan,
    Tag,
)

_DELETED = int(FirewallStatus.DELETED)

_FIREWALL_COLUMNS = (
    "id, project_id, name, enterprise_project_id, status, edition, extend_eip_count, "
    "extend_bandwidth, extend_vpc_count, tags, internet_object_id, created_ms, updated_ms"
)
_JOB_COLUMNS = (
    "id, project_id, kind, resource_id, status, steps, step_index, outcome, fail_at, attempts, "
    "begin_ms, end_ms, run_after_ms, lease_owner, lease_expires_ms, error_code, error_msg, "
    "updated_ms, step_started_ms"
)

_INSERT_FIREWALL = f"INSERT INTO firewalls ({_FIREWALL_COLUMNS}) VALUES ({', '.join(['?'] * 13)})"
_INSERT_JOB = f"INSERT INTO jobs ({_JOB_COLUMNS}) VALUES ({', '.join(['?'] * 19)})"
_SELECT_FIREWALL = (
    f"SELECT {_FIREWALL_COLUMNS} FROM firewalls WHERE project_id = ? AND id = ? AND status <> 4"
)
_SELECT_JOB = f"SELECT {_JOB_COLUMNS} FROM jobs WHERE project_id = ? AND id = ?"
_CLAIM_JOB = f"""
UPDATE jobs
   SET lease_owner = ?, lease_expires_ms = ?, attempts = attempts + 1, updated_ms = ?
 WHERE id = (SELECT id FROM jobs
              WHERE status = 'Running' AND run_after_ms <= ?
                AND (lease_expires_ms IS NULL OR lease_expires_ms <= ?)
              ORDER BY run_after_ms LIMIT 1)
RETURNING {_JOB_COLUMNS}
"""
_SAVE_JOB = """
UPDATE jobs
   SET status = ?, step_index = ?, attempts = ?, end_ms = ?, run_after_ms = ?, step_started_ms = ?,
       lease_owner = ?, lease_expires_ms = ?, error_code = ?, error_msg = ?, updated_ms = ?
 WHERE id = ? AND lease_owner = ?
"""
_NEXT_DUE = """
SELECT min(max(run_after_ms, coalesce(lease_expires_ms, 0))) FROM jobs WHERE status = 'Running'
"""
# optional filters of the firewall listing: constant fragments, values always bound as parameters
_LIST_FILTERS = {
    "firewall_id": "id = ?",
    "name": "name = ?",
    "enterprise_project_id": "enterprise_project_id = ?",
    "key_word": "(id = ? OR instr(lower(name), lower(?)) > 0)",
}

_tags = msgspec.json.Decoder(list[Tag])
_steps = msgspec.json.Decoder(list[tuple[str, int]])


def _firewall(row: tuple) -> Firewall:  # type: ignore[type-arg]
    return Firewall(
        id=row[0],
        project_id=row[1],
        name=row[2],
        enterprise_project_id=row[3],
        status=FirewallStatus(row[4]),
        edition=Edition(row[5]),
        extend_eip_count=row[6],
        extend_bandwidth=row[7],
        extend_vpc_count=row[8],
        tags=_tags.decode(row[9]),
        internet_object_id=row[10],
        created_ms=row[11],
        updated_ms=row[12],
    )


def _firewall_row(fw: Firewall) -> tuple:  # type: ignore[type-arg]
    return (
        fw.id,
        fw.project_id,
        fw.name,
        fw.enterprise_project_id,
        int(fw.status),
        int(fw.edition),
        fw.extend_eip_count,
        fw.extend_bandwidth,
        fw.extend_vpc_count,
        msgspec.json.encode(fw.tags).decode(),
        fw.internet_object_id,
        fw.created_ms,
        fw.updated_ms,
    )


def _job(row: tuple) -> Job:  # type: ignore[type-arg]
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


def _job_row(job: Job) -> tuple:  # type: ignore[type-arg]
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


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("opencfw.store") / "sql" / "sqlite"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class SqliteStore:
    """The embedded store. ``path`` is the database file (created when missing)."""

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout_ms: int = 5000) -> None:
        self.path = Path(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    # -- connections and transactions

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            with self._translate():
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
                conn.execute("PRAGMA journal_mode = WAL")
                # WAL + NORMAL is durable across process crashes; only an OS crash or power loss
                # can lose the last transactions, and never corrupts the file.
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextlib.contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
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

    def _read_one(self, sql: str, params: tuple) -> tuple | None:  # type: ignore[type-arg]
        with self._translate():
            row: tuple | None = self._conn().execute(sql, params).fetchone()  # type: ignore[type-arg]
            return row

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
        self._local = threading.local()

    # -- schema and metadata

    def schema_version(self) -> int:
        with self._translate():
            conn = self._conn()
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            ).fetchone()
            if not exists:
                return 0
            row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
            return int(row[0] or 0)

    def migrate(self) -> list[int]:
        applied = []
        with self._write() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms INTEGER NOT NULL)"
            )
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for version, name, sql in _migrations():
                if version in done:
                    continue
                # the .sql files hold plain DDL: no ";" inside strings or triggers
                for statement in sql.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)",
                    (version, name, time.time_ns() // 1_000_000),
                )
                applied.append(version)
        return applied

    def get_meta(self, key: str) -> str | None:
        row = self._read_one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- accounts

    def is_empty(self) -> bool:
        return self._read_one("SELECT 1 FROM domains LIMIT 1", ()) is None

    def add_domain(self, domain: Domain, now_ms: int) -> None:
        with self._write() as conn:
            conn.execute("INSERT INTO domains VALUES (?, ?, ?)", (domain.id, domain.name, now_ms))

    def get_domain_by_name(self, name: str) -> Domain | None:
        row = self._read_one("SELECT id, name FROM domains WHERE name = ?", (name,))
        return None if row is None else Domain(*row)

    def get_domain(self, domain_id: str) -> Domain | None:
        row = self._read_one("SELECT id, name FROM domains WHERE id = ?", (domain_id,))
        return None if row is None else Domain(*row)

    def add_project(self, project: Project, now_ms: int) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO projects VALUES (?, ?, ?, ?)",
                (project.id, project.name, project.domain_id, now_ms),
            )

    def get_project(self, project_id: str) -> Project | None:
        row = self._read_one("SELECT id, name, domain_id FROM projects WHERE id = ?", (project_id,))
        return None if row is None else Project(*row)

    def list_projects(self, domain_id: str, name: str | None) -> list[Project]:
        with self._translate():
            if name is None:
                rows = self._conn().execute(
                    "SELECT id, name, domain_id FROM projects WHERE domain_id = ? ORDER BY created_ms, id",
                    (domain_id,),
                )
            else:
                rows = self._conn().execute(
                    "SELECT id, name, domain_id FROM projects WHERE domain_id = ? AND name = ? "
                    "ORDER BY created_ms, id",
                    (domain_id, name),
                )
            return [Project(*row) for row in rows]

    def add_user(self, user: User, now_ms: int) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?, ?)",
                (user.id, user.domain_id, user.name, user.password_hash, now_ms),
            )

    def get_user(self, domain_id: str, name: str) -> User | None:
        row = self._read_one(
            "SELECT id, name, domain_id, password_hash FROM users WHERE domain_id = ? AND name = ?",
            (domain_id, name),
        )
        return None if row is None else User(*row)

    def get_user_by_id(self, user_id: str) -> User | None:
        row = self._read_one("SELECT id, name, domain_id, password_hash FROM users WHERE id = ?", (user_id,))
        return None if row is None else User(*row)

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        with self._write() as conn:
            conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))

    def put_access_key(self, key: AccessKey, now_ms: int) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO access_keys (access_key, user_id, secret_enc, status, created_ms) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (access_key) DO UPDATE SET "
                "user_id = excluded.user_id, secret_enc = excluded.secret_enc, status = excluded.status",
                (key.access_key, key.user_id, key.secret_enc, "active" if key.active else "revoked", now_ms),
            )

    def get_access_key(self, access_key: str) -> AccessKey | None:
        row = self._read_one(
            "SELECT k.access_key, k.user_id, u.domain_id, k.secret_enc, k.status "
            "FROM access_keys k JOIN users u ON u.id = k.user_id WHERE k.access_key = ?",
            (access_key,),
        )
        if row is None:
            return None
        return AccessKey(row[0], row[1], row[2], bytes(row[3]), row[4] == "active")

    # -- firewalls

    def create_firewall(self, firewall: Firewall, job: Job) -> None:
        with self._write() as conn:
            try:
                conn.execute(_INSERT_FIREWALL, _firewall_row(firewall))
            except sqlite3.IntegrityError as exc:
                raise NameConflict(f"A firewall named {firewall.name!r} already exists") from exc
            conn.execute(_INSERT_JOB, _job_row(job))

    def get_firewall(self, project_id: str, firewall_id: str) -> Firewall | None:
        row = self._read_one(_SELECT_FIREWALL, (project_id, firewall_id))
        return None if row is None else _firewall(row)

    def list_firewalls(
        self,
        project_id: str,
        *,
        firewall_id: str | None = None,
        name: str | None = None,
        key_word: str | None = None,
        enterprise_project_id: str | None = None,
        offset: int = 0,
        limit: int = 1024,
    ) -> tuple[int, list[Firewall]]:
        where = ["project_id = ?", f"status <> {_DELETED}"]
        params: list[object] = [project_id]
        given = {
            "firewall_id": firewall_id,
            "name": name,
            "enterprise_project_id": enterprise_project_id,
            "key_word": key_word,
        }
        for field, value in given.items():
            if value is not None:
                where.append(_LIST_FILTERS[field])
                params.extend([value, value] if field == "key_word" else [value])
        clause = " AND ".join(where)
        with self._translate():
            conn = self._conn()
            total = conn.execute(f"SELECT count(*) FROM firewalls WHERE {clause}", params).fetchone()[0]
            rows = conn.execute(
                f"SELECT {_FIREWALL_COLUMNS} FROM firewalls WHERE {clause} "
                "ORDER BY created_ms, id LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
        return int(total), [_firewall(row) for row in rows]

    def rename_firewall(self, project_id: str, firewall_id: str, name: str, now_ms: int) -> bool:
        with self._write() as conn:
            try:
                cur = conn.execute(
                    "UPDATE firewalls SET name = ?, updated_ms = ? "
                    "WHERE project_id = ? AND id = ? AND status <> 4",
                    (name, now_ms, project_id, firewall_id),
                )
            except sqlite3.IntegrityError as exc:
                raise NameConflict(f"A firewall named {name!r} already exists") from exc
            return cur.rowcount == 1

    def start_delete(
        self, project_id: str, firewall_id: str, allowed: frozenset[FirewallStatus], job: Job
    ) -> FirewallStatus | None:
        with self._write() as conn:
            row = conn.execute(
                "SELECT status FROM firewalls WHERE project_id = ? AND id = ? AND status <> 4",
                (project_id, firewall_id),
            ).fetchone()
            if row is None:
                return None
            status = FirewallStatus(row[0])
            if status in allowed:
                conn.execute(
                    "UPDATE firewalls SET status = ?, updated_ms = ? WHERE id = ?",
                    (int(FirewallStatus.DELETING), job.begin_ms, firewall_id),
                )
                conn.execute(_INSERT_JOB, _job_row(job))
            return status

    # -- jobs

    def get_job(self, project_id: str, job_id: str) -> Job | None:
        row = self._read_one(_SELECT_JOB, (project_id, job_id))
        return None if row is None else _job(row)

    def claim_due_job(self, now_ms: int, owner: str, lease_ms: int) -> Job | None:
        with self._write() as conn:
            row = conn.execute(_CLAIM_JOB, (owner, now_ms + lease_ms, now_ms, now_ms, now_ms)).fetchone()
        return None if row is None else _job(row)

    def save_job_progress(self, job: Job, owner: str, firewall_status: FirewallStatus | None) -> bool:
        with self._write() as conn:
            cur = conn.execute(
                _SAVE_JOB,
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
                return False
            if firewall_status is not None:
                conn.execute(
                    "UPDATE firewalls SET status = ?, updated_ms = ? WHERE id = ?",
                    (int(firewall_status), job.updated_ms, job.resource_id),
                )
            return True

    def next_due_ms(self) -> int | None:
        row = self._read_one(_NEXT_DUE, ())
        return None if row is None or row[0] is None else int(row[0])
