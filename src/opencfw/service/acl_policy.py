"""An object's ACL rules and black and white lists compiled for the evaluator (``domain/policy.py``):
groups replaced by their members, addresses and ports by ranges."""

from __future__ import annotations

from typing import Any

import msgspec

from opencfw.domain import policy
from opencfw.resources import acl_checks
from opencfw.resources.acl_rule import RuleAddressDto, RuleServiceDto
from opencfw.service import acl_rows as rows
from opencfw.service.acl_rows import AclRule
from opencfw.store.db import Database


def compile_policy(
    db: Database, conn: Any, project_id: str, object_id: str, rules: list[AclRule]
) -> policy.Policy:
    """The policy of an object's ``rules`` (in order; the disabled ones left out) and lists."""
    compiled = [compile_rule(db, conn, project_id, row) for row in rules if row.status == 1]
    entries = [
        policy.ListEntry(
            id=e[0],
            list_type=int(e[1]),
            direction=int(e[2]),
            addresses=policy.address_ranges(e[3]),
            protocol=int(e[4]),
            ports=policy.port_range(e[5]),
        )
        for e in conn.execute(db.sql("acl_lists"), (project_id, object_id)).fetchall()
    ]
    return policy.Policy(compiled, entries)


def compile_rule(db: Database, conn: Any, project_id: str, row: AclRule) -> policy.Rule:
    """A stored rule as the evaluator reads it: its groups replaced by their members."""

    def addresses(text: str) -> tuple[policy.Range, ...] | None:
        side = msgspec.json.decode(text, type=RuleAddressDto)
        if side.type == 0:
            assert side.address is not None
            if side.address in ("0.0.0.0/0", "::/0"):
                return None
            return (policy.address_ranges(side.address),)
        if side.type in (1, 5):
            found = [policy.address_ranges(a) for a in side.ip_address or []]
            ids = rows.address_sets(side)
            if ids:
                sql = db.sql("acl_address_members", ids=rows.marks(db, len(ids)))
                found += [
                    policy.address_ranges(r[1]) for r in conn.execute(sql, (project_id, *ids)).fetchall()
                ]
            return tuple(found)
        return ()  # domains and regions match no flow given by addresses

    svc = msgspec.json.decode(row.service, type=RuleServiceDto)
    services = [(p, policy.port_range(s), policy.port_range(d)) for p, s, d in acl_checks.service(svc)]
    ids = rows.service_sets(svc)
    if ids:
        sql = db.sql("acl_service_members", ids=rows.marks(db, len(ids)))
        services += [
            (int(r[1]), policy.port_range(r[2]), policy.port_range(r[3]))
            for r in conn.execute(sql, (project_id, *ids)).fetchall()
        ]
    any_service = any(
        p == -1 and s == policy.ALL_PORTS and d[0] <= 1 and d[1] == 65535 for p, s, d in services
    )
    return policy.Rule(
        id=row.id,
        name=row.name,
        action=row.action_type,
        direction=row.direction if row.type != 1 else None,
        sources=addresses(row.source),
        destinations=addresses(row.destination),
        services=None if any_service else tuple(services),
    )
