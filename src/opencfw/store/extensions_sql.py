"""The SQL behind opencfw's own extensions, shared by both stores: the event log, job listing,
retention, and the admin operations. A mixin of ``sql_store.SqlStore`` (it uses its helpers)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from opencfw.domain.models import FirewallStatus, Job, JobKind, JobStatus
from opencfw.resources import REGISTRY
from opencfw.store import db as registry_db
from opencfw.store import eips, lifecycles, logs_sql
from opencfw.store.columns import JOB_COLUMNS
from opencfw.store.job_reads import EPOCH_KEY

_encode = msgspec.json.encode


Event = tuple[int, str, dict[str, Any], int]  # (seq, type, data, at_ms)


class ExtensionsSql:
    #: called after a commit that wrote events, with the projects concerned (set by the runtime)
    on_events: Callable[[set[str]], None] | None = None
    #: called after a commit that changed jobs, with their ids (None: any job); set by the runtime
    on_jobs_changed: Callable[[list[str] | None], None] | None = None

    @staticmethod
    def _job_from_row(row: tuple[Any, ...]) -> Job:
        raise NotImplementedError

    # provided by SqlStore
    def _write(self) -> Any: ...
    def _read(self) -> Any: ...
    def _q(self, sql: str) -> str:
        raise NotImplementedError

    # -- the event log

    def _lock_event_stream(self, conn: Any, project_id: str) -> None:
        """Make commit order equal sequence order for a project's events (PostgreSQL)."""

    def _emit(self, conn: Any, project_id: str, kind: str, data: dict[str, Any], at_ms: int) -> None:
        self._lock_event_stream(conn, project_id)
        conn.execute(
            self._q("INSERT INTO events (project_id, type, data, at_ms) VALUES (?, ?, ?, ?)"),
            (project_id, kind, _encode(data).decode(), at_ms),
        )

    def _emit_many(self, conn: Any, events: list[tuple[str, str, dict[str, Any], int]]) -> None:
        """Several events in one statement; each project's stream is locked once, in sorted order
        (so two writers never wait on each other's locks in opposite orders)."""
        if not events:
            return
        for project_id in sorted({e[0] for e in events}):
            self._lock_event_stream(conn, project_id)
        conn.cursor().executemany(
            self._q("INSERT INTO events (project_id, type, data, at_ms) VALUES (?, ?, ?, ?)"),
            [(p, kind, _encode(data).decode(), at) for p, kind, data, at in events],
        )

    def _jobs_changed(self, job_ids: list[str] | None) -> None:
        callback = self.on_jobs_changed
        if callback is not None:
            callback(job_ids)

    def _jobs_changed_out_of_course(self, conn: Any) -> None:
        """Inside the transaction of a change of jobs that no worker schedule foresees (an
        administrator's, a reset, the purge): a new epoch tells other processes to forget their
        answers (service/job_answers.py); PostgreSQL also notifies them at commit."""
        conn.execute(
            self._q(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            ),
            (EPOCH_KEY, uuid.uuid4().hex),
        )

    def _announce(self, projects: Iterable[str]) -> None:
        callback = self.on_events
        wanted = set(projects)
        if callback is not None and wanted:
            callback(wanted)

    def events_since(self, project_id: str, after_seq: int, limit: int = 500) -> list[Event]:
        """The project's events with a sequence number above ``after_seq``, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                self._q(
                    "SELECT seq, type, data, at_ms FROM events WHERE project_id = ? AND seq > ? ORDER BY seq LIMIT ?"
                ),
                (project_id, after_seq, limit),
            ).fetchall()
        return [(int(seq), kind, msgspec.json.decode(data), int(at)) for seq, kind, data, at in rows]

    def last_event_seq(self, project_id: str) -> int:
        with self._read() as conn:
            row = conn.execute(
                self._q("SELECT coalesce(max(seq), 0) FROM events WHERE project_id = ?"), (project_id,)
            ).fetchone()
        return int(row[0])

    # -- listing

    def list_jobs(
        self,
        project_id: str,
        *,
        status: str | None = None,
        kind: str | None = None,
        resource_id: str | None = None,
        created_after_ms: int | None = None,
        created_before_ms: int | None = None,
        before: tuple[int, str] | None = None,
        limit: int = 50,
    ) -> list[Job]:
        """The project's jobs, newest first (by begin time, then id), strictly after ``before``."""
        where = ["project_id = ?"]
        params: list[object] = [project_id]
        for clause, value in (
            ("status = ?", status),
            ("kind = ?", kind),
            ("resource_id = ?", resource_id),
            ("begin_ms >= ?", created_after_ms),
            ("begin_ms < ?", created_before_ms),
        ):
            if value is not None:
                where.append(clause)
                params.append(value)
        if before is not None:
            where.append("(begin_ms < ? OR (begin_ms = ? AND id < ?))")
            params += [before[0], before[0], before[1]]
        sql = (
            f"SELECT {JOB_COLUMNS} FROM jobs WHERE {' AND '.join(where)} "
            "ORDER BY begin_ms DESC, id DESC LIMIT ?"
        )
        with self._read() as conn:
            rows = conn.execute(self._q(sql), [*params, limit]).fetchall()
        return [self._job_from_row(row) for row in rows]

    # -- retention

    def purge_finished(self, ended_before_ms: int) -> int:
        """Delete jobs that ended before the instant, with their step logs, the events and
        idempotency keys as old, and firewalls deleted that long ago. Returns the jobs deleted."""
        with self._write() as conn:
            conn.execute(
                self._q(
                    "DELETE FROM job_steps WHERE job_id IN (SELECT id FROM jobs WHERE end_ms IS NOT NULL AND end_ms < ?)"
                ),
                (ended_before_ms,),
            )
            purged = conn.execute(
                self._q("DELETE FROM jobs WHERE end_ms IS NOT NULL AND end_ms < ?"), (ended_before_ms,)
            ).rowcount
            conn.execute(self._q("DELETE FROM events WHERE at_ms < ?"), (ended_before_ms,))
            conn.execute(self._q("DELETE FROM idempotency_keys WHERE created_ms < ?"), (ended_before_ms,))
            conn.execute(self._q(logs_sql.PURGE_SQL), (ended_before_ms,))
            gone = conn.execute(
                self._q("SELECT id FROM firewalls WHERE status = 4 AND updated_ms < ?"), (ended_before_ms,)
            ).fetchall()
            for (firewall_id,) in gone:  # rows left by a firewall deleted before they went with it
                lifecycles.purge_firewall(registry_db.Database(self), conn, REGISTRY, firewall_id)  # type: ignore[arg-type]
            conn.execute(
                self._q("DELETE FROM firewalls WHERE status = 4 AND updated_ms < ?"), (ended_before_ms,)
            )
            # and rows of firewalls that are gone (left by older versions), in every declared table
            lifecycles.purge_orphans(registry_db.Database(self), conn, REGISTRY)  # type: ignore[arg-type]
            if purged:
                self._jobs_changed_out_of_course(conn)
        if purged:
            self._jobs_changed(None)
        return int(purged)

    # -- admin operations

    def finish_job_now(
        self, job_id: str, decide: Callable[[Job], FirewallStatus | None], now_ms: int
    ) -> Job | None:
        """End a running job at once (any project), with its firewall, taking the lease from any
        worker: ``decide(job)`` (the service's, may raise) sets the job's end state and returns its
        firewall's new status (None for a job that is not a firewall's: the EIP bypass switch's);
        this writes both. None when the job does not exist or has ended."""
        with self._write() as conn:
            row = conn.execute(
                self._q(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ? AND status = 'Running'"), (job_id,)
            ).fetchone()
            if row is None:
                return None
            job = self._job_from_row(row)
            firewall_status = decide(job)
            conn.execute(
                self._q(
                    "UPDATE jobs SET status = ?, end_ms = ?, updated_ms = ?, error_code = ?, error_msg = ?, "
                    "lease_owner = NULL, lease_expires_ms = NULL WHERE id = ?"
                ),
                (str(job.status), job.end_ms, job.updated_ms, job.error_code, job.error_msg, job_id),
            )
            self._emit(conn, job.project_id, "job.ended", job_event(job), now_ms)
            if firewall_status is None:  # a bypass switch's job: its status follows
                eips.after_job(registry_db.Database(self), conn, job)  # type: ignore[arg-type]
            else:
                self._end_firewall_job(conn, job, firewall_status, now_ms)
            self._jobs_changed_out_of_course(conn)
        self._jobs_changed([job_id])
        self._announce([job.project_id])
        return job

    def _end_firewall_job(self, conn: Any, job: Job, firewall_status: FirewallStatus, now_ms: int) -> None:
        conn.execute(
            self._q("UPDATE firewalls SET status = ?, updated_ms = ? WHERE id = ?"),
            (int(firewall_status), now_ms, job.resource_id),
        )
        if firewall_status is FirewallStatus.DELETED:  # what belonged to it goes with it
            lifecycles.purge_firewall(registry_db.Database(self), conn, REGISTRY, job.resource_id)  # type: ignore[arg-type]
        self._emit(
            conn,
            job.project_id,
            "firewall.status",
            {"fw_instance_id": job.resource_id, "status": int(firewall_status)},
            now_ms,
        )

    def reset_project(self, project_id: str, now_ms: int) -> tuple[int, int]:
        """Delete a project's firewalls, jobs and their traces. Returns (firewalls, jobs) deleted."""
        with self._write() as conn:
            conn.execute(
                self._q("DELETE FROM job_steps WHERE job_id IN (SELECT id FROM jobs WHERE project_id = ?)"),
                (project_id,),
            )
            jobs = conn.execute(self._q("DELETE FROM jobs WHERE project_id = ?"), (project_id,)).rowcount
            firewalls = conn.execute(
                self._q("DELETE FROM firewalls WHERE project_id = ? AND status <> 4"), (project_id,)
            ).rowcount
            conn.execute(self._q("DELETE FROM firewalls WHERE project_id = ?"), (project_id,))
            conn.execute(self._q("DELETE FROM idempotency_keys WHERE project_id = ?"), (project_id,))
            lifecycles.purge_project(registry_db.Database(self), conn, REGISTRY, project_id)  # type: ignore[arg-type]
            eips.purge_project(registry_db.Database(self), conn, project_id)  # type: ignore[arg-type]
            self._emit(conn, project_id, "project.reset", {"firewalls": firewalls, "jobs": jobs}, now_ms)
            self._jobs_changed_out_of_course(conn)
        self._jobs_changed(None)
        self._announce([project_id])
        return int(firewalls), int(jobs)


class KeysSql:
    """Listing the AK/SK pairs (never their secrets), for `opencfw credentials list`."""

    def _read(self) -> Any: ...
    def _q(self, sql: str) -> str:
        raise NotImplementedError

    def list_access_keys(self) -> list[tuple[str, str, str, str, int]]:
        """``(access_key, user, domain, status, created_ms)`` of every key, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT k.access_key, u.name, d.name, k.status, k.created_ms FROM access_keys k "
                "JOIN users u ON u.id = k.user_id JOIN domains d ON d.id = u.domain_id "
                "ORDER BY k.created_ms, k.access_key"
            ).fetchall()
        return [(str(a), str(u), str(d), str(st), int(c)) for a, u, d, st, c in rows]


def job_event(job: Job) -> dict[str, Any]:
    """The data of a job event: enough for a watcher to update its view without a read."""
    return {
        "job_id": job.id,
        "kind": str(job.kind),
        "resource_id": job.resource_id,
        "status": str(job.status),
        "step": job.steps[job.step_index].name if job.status is JobStatus.RUNNING else None,
        "step_index": job.step_index,
        "steps": len(job.steps),
    }


__all__ = ["Event", "ExtensionsSql", "JobKind", "KeysSql", "job_event"]
