"""The SQL of IPS settings, east-west protection and firewall tags, shared by both stores.

A mixin of ``sql_store.SqlStore``: it uses that class's helpers (``_write``, ``_read``, ``_q``,
``_one``, ``lock_rows``, ``_unique``). Statements are written with ``?`` placeholders; ``_q`` turns
them into ``%s`` on PostgreSQL. Firewalls with status 4 (deleted) own nothing any more.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import msgspec

from opencfw.domain.models import Tag
from opencfw.domain.protection import (
    EastWest,
    EastWestStatus,
    IpsMode,
    IpsSettings,
    ObjectType,
    ProtectedObject,
)

_tags = msgspec.json.Decoder(list[Tag])

EAST_WEST_COLUMNS = (
    "e.firewall_id, e.project_id, e.object_id, e.status, e.mode, e.er_id, e.er_attachment_id, "
    "e.inspection_cidr, e.inspection_vpc_id, e.created_ms, e.updated_ms"
)
#: the live firewall that owns an east-west row
_LIVE = "JOIN firewalls f ON f.id = e.firewall_id AND f.status <> 4"

PROTECTION_SQL = {
    "internet_object": (
        "SELECT id FROM firewalls WHERE project_id = ? AND internet_object_id = ? AND status <> 4"
    ),
    "vpc_object": f"SELECT e.firewall_id FROM east_west e {_LIVE} WHERE e.project_id = ? AND e.object_id = ?",
    "select_ips": (
        "SELECT object_id, mode, basic_defense_status, virtual_patches_status "
        "FROM ips_settings WHERE object_id = ?"
    ),
    "upsert_ips": (
        "INSERT INTO ips_settings (object_id, project_id, firewall_id, mode, basic_defense_status, "
        "virtual_patches_status, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (object_id) DO UPDATE SET mode = excluded.mode, "
        "basic_defense_status = excluded.basic_defense_status, "
        "virtual_patches_status = excluded.virtual_patches_status, updated_ms = excluded.updated_ms"
    ),
    "select_east_west": (
        f"SELECT {EAST_WEST_COLUMNS} FROM east_west e {_LIVE} WHERE e.project_id = ? AND e.firewall_id = ?"
    ),
    "project_vpc_objects": (
        f"SELECT e.firewall_id, e.object_id FROM east_west e {_LIVE} WHERE e.project_id = ?"
    ),
    "insert_east_west": (
        "INSERT INTO east_west (firewall_id, project_id, object_id, status, mode, er_id, er_attachment_id, "
        "inspection_cidr, inspection_vpc_id, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    "east_west_status": (
        "UPDATE east_west SET status = ?, updated_ms = ? WHERE project_id = ? AND object_id = ? "
        "AND firewall_id IN (SELECT id FROM firewalls WHERE status <> 4)"
    ),
    "live_firewall": "SELECT status FROM firewalls WHERE project_id = ? AND id = ? AND status <> 4",
    "firewall_tags": "SELECT tags FROM firewalls WHERE project_id = ? AND id = ? AND status <> 4",
    "set_tags": "UPDATE firewalls SET tags = ?, updated_ms = ? WHERE id = ?",
}


def east_west_from_row(row: Sequence[Any]) -> EastWest:
    return EastWest(
        firewall_id=row[0],
        project_id=row[1],
        object_id=row[2],
        status=EastWestStatus(row[3]),
        mode=row[4],
        er_id=row[5],
        er_attachment_id=row[6],
        inspection_cidr=row[7],
        inspection_vpc_id=row[8],
        created_ms=row[9],
        updated_ms=row[10],
    )


class ProtectionSql:
    """IPS settings, east-west protection and tag changes; mixed into ``SqlStore``."""

    lock_rows: ClassVar[str]
    integrity_errors: ClassVar[tuple[type[BaseException], ...]]

    # provided by SqlStore and its subclasses
    def _write(self) -> contextlib.AbstractContextManager[Any]:
        raise NotImplementedError

    def _read(self) -> contextlib.AbstractContextManager[Any]:
        raise NotImplementedError

    def _q(self, sql: str) -> str:
        raise NotImplementedError

    def _one(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        raise NotImplementedError

    def _unique(self, error: Callable[[], Exception]) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    # -- protected objects

    def _find_object(
        self, conn: Any, project_id: str, object_id: str, lock: bool = False
    ) -> ProtectedObject | None:
        """The object and its firewall; ``lock`` (in a write transaction) locks the owning rows, so
        that concurrent changes of one object's settings queue instead of overwriting each other."""
        suffix = self.lock_rows if lock else ""
        row = conn.execute(
            self._q(PROTECTION_SQL["internet_object"] + suffix), (project_id, object_id)
        ).fetchone()
        if row is not None:
            return ProtectedObject(object_id, row[0], ObjectType.INTERNET_BORDER)
        row = conn.execute(self._q(PROTECTION_SQL["vpc_object"] + suffix), (project_id, object_id)).fetchone()
        if row is not None:
            return ProtectedObject(object_id, row[0], ObjectType.VPC_BORDER)
        return None

    def get_protected_object(self, project_id: str, object_id: str) -> ProtectedObject | None:
        with self._read() as conn:
            return self._find_object(conn, project_id, object_id)

    # -- IPS settings

    def get_ips_settings(self, project_id: str, object_id: str) -> IpsSettings | None:
        """The object's IPS settings (the defaults until changed); None when there is no such object."""
        with self._read() as conn:
            if self._find_object(conn, project_id, object_id) is None:
                return None
            row = conn.execute(self._q(PROTECTION_SQL["select_ips"]), (object_id,)).fetchone()
        if row is None:
            return IpsSettings(object_id)
        return IpsSettings(row[0], IpsMode(row[1]), row[2], row[3])

    def change_ips_settings(
        self,
        project_id: str,
        object_id: str,
        change: Callable[[ProtectedObject, IpsSettings], IpsSettings],
        now_ms: int,
    ) -> IpsSettings | None:
        """Read, ``change`` and write an object's IPS settings in one transaction (row locked).

        Returns the new settings, or None when there is no such object. ``change`` may raise.
        """
        with self._write() as conn:
            found = self._find_object(conn, project_id, object_id, lock=True)
            if found is None:
                return None
            row = conn.execute(self._q(PROTECTION_SQL["select_ips"]), (object_id,)).fetchone()
            current = (
                IpsSettings(object_id)
                if row is None
                else IpsSettings(row[0], IpsMode(row[1]), row[2], row[3])
            )
            new = change(found, current)
            conn.execute(
                self._q(PROTECTION_SQL["upsert_ips"]),
                (
                    object_id,
                    project_id,
                    found.firewall_id,
                    int(new.mode),
                    new.basic_defense_status,
                    new.virtual_patches_status,
                    now_ms,
                ),
            )
        return new

    # -- east-west protection

    def get_east_west(self, project_id: str, firewall_id: str) -> EastWest | None:
        row = self._one(self._q(PROTECTION_SQL["select_east_west"]), (project_id, firewall_id))
        return None if row is None else east_west_from_row(row)

    def vpc_border_objects(self, project_id: str) -> dict[str, str]:
        """``{firewall id: VPC border object id}`` of the project's firewalls with east-west protection."""
        with self._read() as conn:
            rows = conn.execute(self._q(PROTECTION_SQL["project_vpc_objects"]), (project_id,)).fetchall()
        return {row[0]: row[1] for row in rows}

    def create_east_west(self, east_west: EastWest, conflict: Callable[[], Exception]) -> bool:
        """Insert a firewall's east-west protection; False when the firewall does not exist.

        Raises ``conflict()`` when it already has one.
        """
        with self._write() as conn:
            live = conn.execute(
                self._q(PROTECTION_SQL["live_firewall"] + self.lock_rows),
                (east_west.project_id, east_west.firewall_id),
            ).fetchone()
            if live is None:
                return False
            with self._unique(conflict):
                conn.execute(
                    self._q(PROTECTION_SQL["insert_east_west"]),
                    (
                        east_west.firewall_id,
                        east_west.project_id,
                        east_west.object_id,
                        int(east_west.status),
                        east_west.mode,
                        east_west.er_id,
                        east_west.er_attachment_id,
                        east_west.inspection_cidr,
                        east_west.inspection_vpc_id,
                        east_west.created_ms,
                        east_west.updated_ms,
                    ),
                )
        return True

    def set_east_west_status(
        self, project_id: str, object_id: str, status: EastWestStatus, now_ms: int
    ) -> bool:
        """Turn a VPC border object's protection on or off; False when there is no such object."""
        with self._write() as conn:
            cur = conn.execute(
                self._q(PROTECTION_SQL["east_west_status"]), (int(status), now_ms, project_id, object_id)
            )
            return bool(cur.rowcount == 1)

    # -- firewall tags

    def change_firewall_tags(
        self, project_id: str, firewall_id: str, change: Callable[[list[Tag]], list[Tag]], now_ms: int
    ) -> list[Tag] | None:
        """Read, ``change`` and write a firewall's tags in one transaction (row locked).

        Returns the new tags, or None when the firewall does not exist. ``change`` may raise.
        """
        with self._write() as conn:
            row = conn.execute(
                self._q(PROTECTION_SQL["firewall_tags"] + self.lock_rows), (project_id, firewall_id)
            ).fetchone()
            if row is None:
                return None
            new = change(_tags.decode(row[0]))
            conn.execute(
                self._q(PROTECTION_SQL["set_tags"]), (msgspec.json.encode(new).decode(), now_ms, firewall_id)
            )
        return new
