"""The SQL side of EIPs: a project's inventory, protection by a firewall, a firewall's EIP settings
and alarm whitelist, on either store (through ``db.Database``, with the named queries of
``sql/queries/eips.sql``).

The store decides nothing: the service passes what to check as callables, run inside the
transaction. Protections, settings and whitelist entries belong to their firewall: its deletion
purges them (``REGISTRY.owned_elsewhere``), which unprotects its EIPs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from opencfw.domain.eips import AFTER_SWITCH_JOB, Eip, FirewallEips, ProtectionStatus, nth_eip
from opencfw.domain.models import EDITION_DEFAULTS, Edition, FirewallStatus, Job
from opencfw.store.db import Database

_DELETED = int(FirewallStatus.DELETED)
#: per filter of a ListEips: the named condition, and how many times it binds the filter's value
WHERES = {
    "id": ("eip_where_id", 1),
    "key_word": ("eip_where_key_word", 3),
    "device_key": ("eip_where_device", 2),
    "fw_key_word": ("eip_where_firewall", 2),
    "protected_by": ("eip_where_protected_by", 1),
    "not_protected_by": ("eip_where_not_protected_by", 1),
    "ipv6": ("eip_where_ipv6", 0),
    "synced": ("eip_where_synced", 0),
}


@dataclass(frozen=True, slots=True)
class Owner:
    """A live firewall as EIP protection sees it."""

    id: str
    status: FirewallStatus
    object_id: str
    #: how many EIPs it may protect (its flavor's eip_count)
    quota: int


@dataclass(frozen=True, slots=True)
class Listed:
    """A ListEips record's row: the EIP, its protecting firewall's name and protection status."""

    eip: Eip
    firewall_name: str | None
    protection_status: ProtectionStatus | None


@dataclass(frozen=True, slots=True)
class NewEip:
    """What the admin API may say of a new EIP (the rest is made up)."""

    public_ip: str | None = None
    public_ipv6: str | None = None
    device_id: str | None = None
    device_name: str | None = None
    device_owner: str | None = None
    associate_instance_type: str | None = None


def _columns(eip: Eip) -> tuple[Any, ...]:
    """The insert's values, in the columns' order."""
    return (
        eip.id,
        eip.project_id,
        eip.public_ip,
        eip.public_ipv6,
        eip.device_id,
        eip.device_name,
        eip.device_owner,
        eip.associate_instance_type,
        eip.synced,
        eip.created_ms,
    )


def _eip(row: Sequence[Any]) -> Eip:
    return Eip(*row[:12])


def _owner(row: Sequence[Any], object_id: str | None = None) -> Owner:
    base = EDITION_DEFAULTS[Edition(row[2])]["eip_count"]
    return Owner(row[0], FirewallStatus(row[1]), object_id or row[4], base + int(row[3]))


class EipStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- transactions

    @contextlib.contextmanager
    def write(self, project_id: str, seed: int, now_ms: int) -> Iterator[Any]:
        """A write transaction on a project whose inventory exists (made with ``seed`` EIPs at
        its first use). The project's watchers hear of it after the commit."""
        with self.db.write() as conn:
            self._ensure(conn, project_id, seed, now_ms)
            yield conn
        self.db.announce(project_id)

    def _ensure(self, conn: Any, project_id: str, seed: int, now: int) -> None:
        if conn.execute(self.db.sql("eip_inventory_claim"), (project_id, now)).rowcount != 1:
            return
        self.add(conn, project_id, [NewEip() for _ in range(seed)], now, synced=1)
        self.db.emit(conn, project_id, "eip.inventory", {"eips": seed}, now)

    # -- the inventory

    def add(self, conn: Any, project_id: str, new: list[NewEip], now_ms: int, *, synced: int) -> list[Eip]:
        """Add EIPs numbered after the project's last ones; without ``public_ip``, each gets the
        next free address of the project's documentation ranges."""
        index = int(conn.execute(self.db.sql("eip_inventory_locked"), (project_id,)).fetchone()[0])
        made: list[Eip] = []
        for spec in new:
            eip_id, address = nth_eip(project_id, index)
            tries = 0
            while spec.public_ip is None and self.has_address(conn, project_id, address):
                index, tries = index + 1, tries + 1
                if tries > 1024:
                    raise LookupError("no free address is left in the documentation ranges")
                eip_id, address = nth_eip(project_id, index)
            eip = Eip(
                id=eip_id,
                project_id=project_id,
                public_ip=spec.public_ip or address,
                public_ipv6=spec.public_ipv6,
                device_id=spec.device_id,
                device_name=spec.device_name,
                device_owner=spec.device_owner,
                associate_instance_type=spec.associate_instance_type,
                synced=synced,
                created_ms=now_ms,
            )
            conn.execute(self.db.sql("eip_insert"), _columns(eip))
            made.append(eip)
            index += 1
        conn.execute(self.db.sql("eip_inventory_advance"), (index, project_id))
        return made

    def lock(self, conn: Any, project_id: str) -> None:
        """Hold the project's inventory row until the commit: changes of protection queue on it, so
        that two firewalls never take one EIP at once (on PostgreSQL; SQLite's writers queue anyway)."""
        conn.execute(self.db.sql("eip_inventory_locked"), (project_id,))

    def has_address(self, conn: Any, project_id: str, public_ip: str) -> bool:
        return bool(conn.execute(self.db.sql("eip_address_taken"), (project_id, public_ip)).fetchone()[0])

    def select(self, conn: Any, project_id: str, **where: Any) -> list[Eip]:
        clause, values = self._where(project_id, where)
        rows = conn.execute(self.db.sql("eip_select", where=clause), values).fetchall()
        return [_eip(row) for row in rows]

    def _where(self, project_id: str, where: dict[str, Any]) -> tuple[str, list[Any]]:
        parts, values = [self.db.sql("eip_where_project")], [project_id]
        for name in WHERES:  # a fixed order: one text per combination
            if where.get(name) is None:
                continue
            query, times = WHERES[name]
            parts.append(self.db.sql(query))
            values += [where[name]] * times
        return " AND ".join(parts), values

    def page(
        self, conn: Any, project_id: str, where: dict[str, Any], offset: int, limit: int
    ) -> tuple[int, list[Listed]]:
        clause, values = self._where(project_id, where)
        sql = self.db.sql("eip_page", where=clause)
        rows = conn.execute(sql, (*values, *values, limit, offset)).fetchall()
        if not rows:
            count = self.db.sql("eip_count", where=clause)
            return int(conn.execute(count, values).fetchone()[0]), []
        listed = [
            Listed(_eip(row[1:13]), row[13], None if row[14] is None else ProtectionStatus(row[14]))
            for row in rows
        ]
        return int(rows[0][0]), listed

    def remove(self, conn: Any, project_id: str, eip_id: str) -> bool:
        """Delete an EIP with its protection and whitelist entries."""
        conn.execute(self.db.sql("eip_delete_protection"), (project_id, eip_id))
        conn.execute(self.db.sql("eip_delete_whitelisted"), (project_id, eip_id))
        return bool(conn.execute(self.db.sql("eip_delete"), (project_id, eip_id)).rowcount)

    def sync(self, conn: Any, project_id: str) -> list[str]:
        """Make the EIPs CFW has not seen yet visible; returns their ids."""
        fresh = [row[0] for row in conn.execute(self.db.sql("eip_unsynced"), (project_id,)).fetchall()]
        if fresh:
            conn.execute(self.db.sql("eip_sync"), (project_id,))
        return fresh

    # -- firewalls and protection

    def owner_of_object(self, conn: Any, project_id: str, object_id: str) -> Owner | None:
        row = conn.execute(self.db.sql("eip_internet_object"), (project_id, object_id, _DELETED)).fetchone()
        return None if row is None else _owner(row, object_id)

    def firewall(self, conn: Any, project_id: str, firewall_id: str, *, lock: bool = False) -> Owner | None:
        query = "eip_firewall_locked" if lock else "eip_firewall"
        row = conn.execute(self.db.sql(query), (project_id, firewall_id, _DELETED)).fetchone()
        return None if row is None else _owner(row)

    def auto_protecting(self, conn: Any, project_id: str) -> list[Owner]:
        rows = conn.execute(
            self.db.sql("eip_auto_protect_firewalls"), (project_id, int(FirewallStatus.RUNNING))
        ).fetchall()
        return [_owner(row) for row in rows]

    def protected_count(self, conn: Any, firewall_id: str) -> int:
        return int(conn.execute(self.db.sql("eip_protected_count"), (firewall_id,)).fetchone()[0])

    def protect(self, conn: Any, eip: Eip, owner: Owner, now_ms: int) -> None:
        values = (eip.id, eip.project_id, owner.id, owner.object_id, now_ms)
        conn.execute(self.db.sql("eip_protect"), values)

    def unprotect(self, conn: Any, eip: Eip) -> None:
        conn.execute(self.db.sql("eip_delete_protection"), (eip.project_id, eip.id))

    def counts(self, conn: Any, project_id: str, firewall_id: str) -> tuple[int, int, int]:
        """(EIPs CFW sees, protected by any firewall, protected by this one)."""
        row = conn.execute(self.db.sql("eip_counts"), (firewall_id, project_id)).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    # -- a firewall's settings

    def settings(self, conn: Any, project_id: str, owner: Owner) -> FirewallEips:
        row = conn.execute(self.db.sql("eip_settings_get"), (project_id, owner.id)).fetchone()
        if row is None:
            return FirewallEips(
                owner.id, project_id, owner.object_id, 0, ProtectionStatus.NORMAL, None, None, 0
            )
        return FirewallEips(*row[:4], ProtectionStatus(row[4]), *row[5:])  # type: ignore[call-arg]

    def put_settings(self, conn: Any, settings: FirewallEips) -> None:
        values = (
            settings.firewall_id,
            settings.project_id,
            settings.object_id,
            settings.auto_protect,
            int(settings.protection_status),
            settings.job_id,
            settings.fail_reason,
            settings.updated_ms,
        )
        conn.execute(self.db.sql("eip_settings_put"), values)

    def start_job(self, conn: Any, job: Job) -> None:
        from opencfw.store import sql_store  # the job table's text and row shape live there

        store: Any = self.db.store
        conn.execute(store.sql["insert_job"], sql_store.job_to_row(job))
        self.db.emit(conn, job.project_id, "job.created", sql_store.job_event(job), job.begin_ms)

    def switch_ended(self, conn: Any, job: Job, status: ProtectionStatus, reason: str | None) -> None:
        values = (int(status), reason, job.updated_ms, job.resource_id, job.id)
        if conn.execute(self.db.sql("eip_switch_ended"), values).rowcount:
            data = {"fw_instance_id": job.resource_id, "protection_status": int(status)}
            self.db.emit(conn, job.project_id, "eip.protection_status", data, job.updated_ms)

    # -- the alarm whitelist

    def whitelist(self, conn: Any, eip: Eip, owner: Owner, now_ms: int) -> None:
        values = (owner.id, eip.id, eip.project_id, owner.object_id, now_ms)
        conn.execute(self.db.sql("eip_whitelist_add"), values)

    def whitelist_page(
        self, conn: Any, project_id: str, firewall_id: str, ip: str | None, offset: int, limit: int
    ) -> tuple[int, list[tuple[Any, ...]]]:
        clause, values = self.db.sql("eip_whitelist_where"), [project_id, firewall_id]
        if ip is not None:
            clause += " AND " + self.db.sql("eip_whitelist_where_ip")
            values += [ip, ip]
        rows = conn.execute(
            self.db.sql("eip_whitelist_page", where=clause), (*values, *values, limit, offset)
        ).fetchall()
        total = int(rows[0][0]) if rows else 0
        return total, [tuple(row[1:]) for row in rows]

    # -- the policy evaluator's question

    def verdict(self, project_id: str, firewall_id: str, address: str) -> tuple[bool, ProtectionStatus]:
        values = (project_id, firewall_id, address, address, project_id, firewall_id)
        with self.db.read() as conn:
            row = conn.execute(self.db.sql("eip_verdict"), values).fetchone()
        return bool(row[0]), ProtectionStatus(row[1] if row[1] is not None else 0)


def purge_project(db: Database, conn: Any, project_id: str) -> None:
    """Inside a project reset: its inventory goes too (made again, the same, at its next use)."""
    conn.execute(db.sql("eip_purge_project"), (project_id,))
    conn.execute(db.sql("eip_purge_inventory"), (project_id,))


def after_job(db: Database, conn: Any, job: Job) -> None:
    """Inside the transaction that ends a bypass or restoration job: its firewall's protection
    status follows (nothing for other jobs)."""
    status = AFTER_SWITCH_JOB.get((job.kind, job.status))
    if status is not None:
        EipStore(db).switch_ended(conn, job, status, job.error_msg)
