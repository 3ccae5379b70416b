"""What the data plane enforces, read from the store (queries: ``dataplane.sql``).

The reads are not one transaction: a change that lands between them is followed by its own change
notification, and so by another pass of the reconciler that reads it whole. The rules and lists
come from the ACL service's compiled policy (``service/acl_rules.py``), the same the evaluator uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opencfw.store.db import Database


@dataclass
class Snapshot:
    #: (firewall id, project id, Internet-border object id) of every firewall that is up
    firewalls: list[tuple[str, str, str]] = field(default_factory=list)
    #: (project id, address) of their projects' EIPs
    eips: list[tuple[str, str]] = field(default_factory=list)
    #: (firewall id, address) of the EIPs each firewall protects
    protected: list[tuple[str, str]] = field(default_factory=list)
    #: firewall id -> its EIP protection status (domain/eips.py: the bypass-all switch)
    protection_status: dict[str, int] = field(default_factory=dict)


def snapshot(db: Database) -> Snapshot:
    with db.read() as conn:

        def rows(name: str) -> list[tuple[str, ...]]:
            return [tuple(row) for row in conn.execute(db.sql(name)).fetchall()]

        return Snapshot(
            firewalls=rows("dataplane_firewalls"),  # type: ignore[arg-type]
            eips=rows("dataplane_eips"),  # type: ignore[arg-type]
            protected=rows("dataplane_protected"),  # type: ignore[arg-type]
            protection_status={str(f): int(s) for f, s in rows("dataplane_protection_status")},
        )
