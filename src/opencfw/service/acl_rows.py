"""A stored ACL rule (the columns of ``acl_rules``), the groups its parts name, and its record as
ListAclRules answers it (the groups named with their names and protocols)."""

from __future__ import annotations

import datetime
from typing import Any

import msgspec
from msgspec import Struct

from opencfw.resources.acl_rule import RuleAddressDto, RuleServiceDto
from opencfw.store.db import Database


class AclRule(Struct):
    """A stored rule: the columns of ``acl_rules``, in order."""

    id: str
    project_id: str
    firewall_id: str
    object_id: str
    position: int
    pinned: int
    name: str
    type: int
    address_type: int
    action_type: int
    status: int
    direction: int | None
    long_connect_enable: int
    long_connect_time: int | None
    long_connect_time_hour: int | None
    long_connect_time_minute: int | None
    long_connect_time_second: int | None
    description: str | None
    applications: str
    source: str
    destination: str
    service: str
    tag_id: str | None
    tag_key: str | None
    tag_value: str | None
    hit_count: int
    last_hit_ms: int | None
    created_ms: int
    updated_ms: int


COLUMNS = AclRule.__struct_fields__
CONTENT = tuple(c for c in COLUMNS if c not in ("id", "project_id", "firewall_id", "object_id", "created_ms"))


def marks(db: Database, n: int) -> str:
    """``n`` value placeholders in the store's dialect."""
    return ", ".join([db.sql("value")] * n)


def date(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def settings(row: AclRule) -> dict[str, Any]:
    """The fields a rule's record and its export share."""
    return {
        "type": row.type,
        "name": row.name,
        "address_type": row.address_type,
        "action_type": row.action_type,
        "status": row.status,
        "direction": row.direction,
        "long_connect_enable": row.long_connect_enable,
        "long_connect_time": row.long_connect_time,
        "description": row.description,
        "applications": msgspec.json.decode(row.applications),
    }


def tag(row: AclRule) -> dict[str, str] | None:
    tag = {
        k: v for k, v in (("tag_id", row.tag_id), ("tag_key", row.tag_key), ("tag_value", row.tag_value)) if v
    }
    return tag or None


# -- the groups a rule's parts name


def address_sets(side: RuleAddressDto) -> list[str]:
    ids = [side.address_set_id] if side.type == 1 and side.address_set_id else []
    if side.type == 5:
        ids += [*(side.address_group or []), *(side.predefined_group or [])]
    return ids


def domain_sets(*sides: RuleAddressDto) -> list[str]:
    return [s.domain_set_id for s in sides if s.type in (4, 6, 7) and s.domain_set_id]


def service_sets(svc: RuleServiceDto) -> list[str]:
    ids = [svc.service_set_id] if svc.type == 1 and svc.service_set_id else []
    return [*ids, *(svc.service_group or []), *(svc.predefined_group or [])]


# -- records


def records(
    db: Database, conn: Any, project_id: str, rows: list[AclRule], places: list[int]
) -> list[dict[str, Any]]:
    """The records of ``rows`` at their ``places`` in the order, their groups named."""
    sides = [
        (
            msgspec.json.decode(r.source),
            msgspec.json.decode(r.destination),
            msgspec.json.decode(r.service),
        )
        for r in rows
    ]
    address_ids = {
        i
        for s, d, _ in sides
        for side in (s, d)
        for i in _ids(side, "address_set_id", "address_group", "predefined_group")
    }
    service_ids = {
        i for _, _, v in sides for i in _ids(v, "service_set_id", "service_group", "predefined_group")
    }
    addresses = _lookup(db, conn, project_id, "acl_address_sets", address_ids)
    services = _lookup(db, conn, project_id, "acl_service_sets", service_ids)
    protocols: dict[str, list[int]] = {}
    if service_ids:
        sql = db.sql("acl_service_protocols", ids=marks(db, len(service_ids)))
        for set_id, protocol in conn.execute(sql, (project_id, *service_ids)).fetchall():
            if protocol not in protocols.setdefault(set_id, []):
                protocols[set_id].append(protocol)
    found = []
    for row, place, (source, destination, service) in zip(rows, places, sides, strict=True):
        for side in (source, destination):
            names = [
                {"set_id": i, "name": addresses[i][1], "address_set_type": addresses[i][2]}
                for i in _ids(side, "address_set_id", "address_group", "predefined_group")
                if i in addresses
            ]
            side["address_group_names"] = names
            if side.get("address_set_id") in addresses:
                side["address_set_name"] = addresses[side["address_set_id"]][1]
        service["service_group_names"] = [
            {
                "set_id": i,
                "name": services[i][1],
                "protocols": sorted(protocols.get(i, [])),
                "service_set_type": services[i][2],
            }
            for i in _ids(service, "service_set_id", "service_group", "predefined_group")
            if i in services
        ]
        if service.get("service_set_id") in services:
            service["service_set_name"] = services[service["service_set_id"]][1]
        found.append(
            {
                "rule_id": row.id,
                "order_id": place,
                **settings(row),
                "long_connect_time_hour": row.long_connect_time_hour,
                "long_connect_time_minute": row.long_connect_time_minute,
                "long_connect_time_second": row.long_connect_time_second,
                "source": source,
                "destination": destination,
                "service": service,
                "tag": tag(row),
                "created_date": date(row.created_ms),
                "modified_date": date(row.updated_ms),
                "last_open_time": date(row.last_hit_ms),
            }
        )
    return found


def _ids(side: dict[str, Any], one: str, *many: str) -> list[str]:
    found = [side[one]] if side.get(one) else []
    for name in many:
        found += side.get(name) or []
    return list(dict.fromkeys(found))


def _lookup(db: Database, conn: Any, project_id: str, query: str, ids: set[str]) -> dict[str, Any]:
    if not ids:
        return {}
    sql = db.sql(query, ids=marks(db, len(ids)))
    return {row[0]: row for row in conn.execute(sql, (project_id, *ids)).fetchall()}
