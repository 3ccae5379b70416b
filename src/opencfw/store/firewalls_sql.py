"""Firewalls in SQL: their rows, creation (with the creation job and an idempotency key), the list,
renames and the start of a deletion. A mixin of ``sql_store.SqlStore`` (its statements are in
``sql_store.SQL``; moved here unchanged)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from opencfw.domain.errors import DuplicateRequest, NameConflict
from opencfw.domain.models import Edition, Firewall, FirewallStatus, Job, Tag
from opencfw.resources import REGISTRY
from opencfw.store import db as registry_db
from opencfw.store.columns import FIREWALL_COLUMNS
from opencfw.store.extensions_sql import job_event
from opencfw.store.lifecycles import seed_firewall
from opencfw.store.sql_mixin import SqlMixin

Row = tuple[Any, ...]
_tags = msgspec.json.Decoder(list[Tag])


def firewall_from_row(row: Row) -> Firewall:
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


def firewall_to_row(fw: Firewall) -> Row:
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


class FirewallsSql(SqlMixin):
    if TYPE_CHECKING:  # SqlStore's

        @staticmethod
        def _job_to_row(job: Job) -> Row: ...

    # -- firewalls

    def _notify_jobs(self, conn: Any) -> None:
        """Wake workers in other processes (PostgreSQL); SQLite has no such channel."""

    def create_firewall(
        self, firewall: Firewall, job: Job, idempotency: tuple[str, str] | None = None
    ) -> str:
        with self._write() as conn:
            if idempotency is not None:
                token, request_hash = idempotency
                claimed = conn.execute(
                    self.sql["claim_idempotency"],
                    (firewall.project_id, token, request_hash, job.id, job.begin_ms),
                ).rowcount
                if claimed != 1:
                    # the same token was used before: same request -> same job; else an error
                    row = conn.execute(
                        self.sql["select_idempotency"], (firewall.project_id, token)
                    ).fetchone()
                    if row[0] != request_hash:
                        raise DuplicateRequest()
                    return str(row[1])
            with self._unique(lambda: NameConflict(f"A firewall named {firewall.name!r} already exists")):
                conn.execute(self.sql["insert_firewall"], firewall_to_row(firewall))
            # the predefined groups every firewall starts with (resources/predefined.py)
            seed_firewall(
                registry_db.Database(self),  # type: ignore[arg-type]
                conn,
                REGISTRY,
                firewall.project_id,
                firewall.id,
                firewall.internet_object_id,
                firewall.created_ms,
            )
            conn.execute(self.sql["insert_job"], self._job_to_row(job))
            self._emit(
                conn,
                firewall.project_id,
                "firewall.created",
                {"fw_instance_id": firewall.id, "name": firewall.name, "status": int(firewall.status)},
                job.begin_ms,
            )
            self._emit(conn, job.project_id, "job.created", job_event(job), job.begin_ms)
            self._notify_jobs(conn)
        self._announce([job.project_id])
        return job.id

    def get_firewall(self, project_id: str, firewall_id: str) -> Firewall | None:
        row = self._one(self.sql["select_firewall"], (project_id, firewall_id))
        return None if row is None else firewall_from_row(row)

    def list_firewalls(
        self,
        project_id: str,
        *,
        firewall_id: str | None = None,
        name: str | None = None,
        key_word: str | None = None,
        enterprise_project_id: str | None = None,
        status: int | None = None,
        offset: int = 0,
        limit: int | None = 1024,
    ) -> tuple[int, list[Firewall]]:
        where = ["project_id = ?", "status <> 4"]
        params: list[object] = [project_id]
        given = {
            "firewall_id": firewall_id,
            "name": name,
            "enterprise_project_id": enterprise_project_id,
            "key_word": key_word,
            "status": status,
        }
        for field, value in given.items():
            if value is not None:
                where.append(self.list_filters[field])
                params.extend([value, value] if field == "key_word" else [value])
        clause = " AND ".join(where)
        page_sql = f"SELECT {FIREWALL_COLUMNS} FROM firewalls WHERE {clause} ORDER BY created_ms, id"
        page_params = list(params)
        if limit is not None:
            page_sql += " LIMIT ? OFFSET ?"
            page_params += [limit, offset]
        with self._read() as conn:
            total = conn.execute(
                self._q(f"SELECT count(*) FROM firewalls WHERE {clause}"), params
            ).fetchone()[0]
            rows = conn.execute(self._q(page_sql), page_params).fetchall()
        return int(total), [firewall_from_row(row) for row in rows]

    def firewall_names(self, project_id: str, firewall_ids: Sequence[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(firewall_ids))
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))  # placeholders only: the ids are parameters
        sql = f"SELECT id, name FROM firewalls WHERE project_id = ? AND id IN ({marks})"
        with self._read() as conn:
            rows = conn.execute(self._q(sql), [project_id, *ids]).fetchall()
        return {str(row[0]): str(row[1]) for row in rows}

    def rename_firewall(self, project_id: str, firewall_id: str, name: str, now_ms: int) -> bool:
        with (
            self._write() as conn,
            self._unique(lambda: NameConflict(f"A firewall named {name!r} already exists")),
        ):
            cur = conn.execute(
                self._q(
                    "UPDATE firewalls SET name = ?, updated_ms = ? WHERE project_id = ? AND id = ? AND status <> 4"
                ),
                (name, now_ms, project_id, firewall_id),
            )
            renamed = cur.rowcount == 1
            if renamed:
                self._emit(
                    conn,
                    project_id,
                    "firewall.renamed",
                    {"fw_instance_id": firewall_id, "name": name},
                    now_ms,
                )
        if renamed:
            self._announce([project_id])
        return renamed

    def start_delete(
        self, project_id: str, firewall_id: str, allowed: frozenset[FirewallStatus], job: Job
    ) -> FirewallStatus | None:
        with self._write() as conn:
            row = conn.execute(
                self._q(
                    "SELECT status FROM firewalls WHERE project_id = ? AND id = ? AND status <> 4"
                    + self.lock_rows
                ),
                (project_id, firewall_id),
            ).fetchone()
            if row is None:
                return None
            status = FirewallStatus(row[0])
            if status in allowed:
                conn.execute(
                    self._q("UPDATE firewalls SET status = ?, updated_ms = ? WHERE id = ?"),
                    (int(FirewallStatus.DELETING), job.begin_ms, firewall_id),
                )
                conn.execute(self.sql["insert_job"], self._job_to_row(job))
                self._emit(
                    conn,
                    project_id,
                    "firewall.status",
                    {"fw_instance_id": firewall_id, "status": int(FirewallStatus.DELETING)},
                    job.begin_ms,
                )
                self._emit(conn, project_id, "job.created", job_event(job), job.begin_ms)
                self._notify_jobs(conn)
        if status in allowed:
            self._announce([project_id])
        return status
