"""What firewall creation, project reset and firewall deletion do to every table of the registry's
resources (and the tables owned elsewhere), inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from opencfw.resources.registry import Registry, Scope
from opencfw.store.db import Database


def seed_firewall(
    db: Database,
    conn: Any,
    registry: Registry,
    project_id: str,
    firewall_id: str,
    object_id: str,
    now_ms: int,
) -> int:
    """Inside the caller's transaction (the firewall's creation): store the rows every new
    firewall starts with (``Resource.builtin``). Returns the rows added."""
    added = 0
    for r in registry:
        for row in r.builtin(project_id, firewall_id, object_id, now_ms) if r.builtin else ():
            sql = db.sql(
                "resource_insert",
                table=r.table,
                columns=", ".join(r.columns),
                placeholders=", ".join(db.sql("value") for _ in r.columns),
            )
            conn.execute(sql, tuple(getattr(row, c) for c in r.columns))
            added += 1
    return added


def purge_project(db: Database, conn: Any, registry: Registry, project_id: str) -> int:
    """Inside the caller's transaction: delete every registry row of the project (referring
    resources first) and the rows of the tables owned elsewhere. Returns the rows deleted."""
    deleted = 0
    tables = [r.table for r in registry.teardown_order() if r.on_project_reset == "delete"]
    for table in (*tables, *registry.owned_elsewhere):
        deleted += conn.execute(db.sql("purge_project", table=table), (project_id,)).rowcount
    return deleted


def purge_firewall(db: Database, conn: Any, registry: Registry, firewall_id: str) -> int:
    """Inside the caller's transaction: delete every row that belongs to the firewall."""
    deleted = 0
    tables = [
        r.table
        for r in registry.teardown_order()
        if r.scope is not Scope.PROJECT and r.on_firewall_delete == "delete"
    ]
    for table in (*tables, *registry.owned_elsewhere):
        deleted += conn.execute(db.sql("purge_firewall", table=table), (firewall_id,)).rowcount
    return deleted


def purge_orphans(db: Database, conn: Any, registry: Registry) -> int:
    """Inside the caller's transaction: delete the rows whose firewall is gone altogether (left
    by versions before the registry took them with their firewall)."""
    deleted = 0
    tables = [r.table for r in registry.teardown_order() if r.scope is not Scope.PROJECT]
    for table in (*tables, *registry.owned_elsewhere):
        deleted += conn.execute(db.sql("purge_orphans", table=table)).rowcount
    return deleted
