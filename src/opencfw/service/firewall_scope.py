"""What the firewall-scoped operations share: the caller's live firewall (else CFW.00200005) and
the firewall's named settings (switches), both over the registry's database helper."""

from __future__ import annotations

from typing import Any

from opencfw.domain.errors import BadParameter, NotFound
from opencfw.domain.models import FirewallStatus
from opencfw.store.base import Store
from opencfw.store.db import Database

_DELETED = int(FirewallStatus.DELETED)


def database(store: Store) -> Database:
    return Database(store)  # type: ignore[arg-type]  # both stores are SqlStores


def required(firewall_id: str | None) -> str:
    if not firewall_id:
        raise BadParameter("The query parameter `fw_instance_id` is required")
    return firewall_id


def check_firewall(db: Database, conn: Any, project_id: str, firewall_id: str, *, lock: bool = False) -> None:
    """The firewall is the project's and not deleted; else CFW.00200005 (another project's alike)."""
    query = "scope_firewall_locked" if lock else "scope_firewall"
    if conn.execute(db.sql(query), (project_id, firewall_id, _DELETED)).fetchone() is None:
        raise NotFound(f"The firewall instance {firewall_id} does not exist")


def get_setting(db: Database, project_id: str, firewall_id: str, name: str) -> str | None:
    with db.read() as conn:
        check_firewall(db, conn, project_id, firewall_id)
        found = conn.execute(db.sql("setting_get"), (project_id, firewall_id, name)).fetchone()
    return None if found is None else str(found[0])


def set_setting(db: Database, project_id: str, firewall_id: str, name: str, value: str, now_ms: int) -> None:
    with db.write() as conn:
        check_firewall(db, conn, project_id, firewall_id, lock=True)
        conn.execute(db.sql("setting_delete"), (project_id, firewall_id, name))
        conn.execute(db.sql("setting_insert"), (project_id, firewall_id, name, value, now_ms))
        db.emit(conn, project_id, f"firewall.{name}", {"firewall_id": firewall_id, "value": value}, now_ms)
    db.announce(project_id)
