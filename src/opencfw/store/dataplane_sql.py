"""What the data plane enforces, read from the store (queries: ``dataplane.sql``).

The reads are not one transaction: a change that lands between them is followed by its own change
notification, and so by another pass of the reconciler that reads it whole.

The rows are plain tuples; ``opencfw.dataplane.source`` turns them into policies. The store makes
no decision here: which firewalls are up and what each row means is said in the queries' comments
and in the source module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opencfw.store.db import Database


@dataclass
class Snapshot:
    firewalls: list[tuple[str, str, str]] = field(default_factory=list)  # id, project, internet object
    lists: list[tuple[Any, ...]] = field(
        default_factory=list
    )  # firewall, id, type, direction, address, protocol, port


def snapshot(db: Database) -> Snapshot:
    with db.read() as conn:
        return Snapshot(
            firewalls=[tuple(row) for row in conn.execute(db.sql("dataplane_firewalls")).fetchall()],
            lists=[tuple(row) for row in conn.execute(db.sql("dataplane_lists")).fetchall()],
        )
