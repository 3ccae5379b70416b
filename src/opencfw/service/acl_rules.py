"""ACL rules: their order, their references to groups, hit counts, and the compiled policy.

The order of an object's rules is kept as sparse positions (``GAP`` apart, smallest first): an
insert or a move writes one row, at the middle of its neighbours' gap or a gap beyond an end; only
when two neighbours leave no room are the object's rules renumbered. Every write runs in one
transaction that holds the owning firewall's row (PostgreSQL), so concurrent moves queue. The
groups a rule uses get one link row each (``acl_rule_refs``): the registry counts those for the
groups' ``ref_count`` and refuses to delete a used group (CFW.00200004).
"""

from __future__ import annotations

import datetime
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from opencfw.domain import policy
from opencfw.domain.clock import Clock
from opencfw.domain.errors import BadParameter, NotFound, OpenCfwError
from opencfw.domain.models import FirewallStatus
from opencfw.resources import acl_rule as decl
from opencfw.resources.acl_rule import (
    AddRuleAclDto,
    AddRuleAclDtoRules,
    OrderRuleAclDto,
    RuleAddressDto,
    RuleServiceDto,
    UpdateRuleAclDto,
)
from opencfw.service.resources import refuse_nul
from opencfw.store.base import Store
from opencfw.store.db import Database

GAP = 1 << 20
_DELETED = int(FirewallStatus.DELETED)


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
_CONTENT = tuple(
    c for c in COLUMNS if c not in ("id", "project_id", "firewall_id", "object_id", "created_ms")
)


def _date(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _settings(row: AclRule) -> dict[str, Any]:
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


def _tag(row: AclRule) -> dict[str, str] | None:
    tag = {
        k: v for k, v in (("tag_id", row.tag_id), ("tag_key", row.tag_key), ("tag_value", row.tag_value)) if v
    }
    return tag or None


class AclRules:
    def __init__(
        self, store: Store, clock: Clock, new_id: Callable[[], str] = lambda: str(uuid.uuid4())
    ) -> None:
        self.db = Database(store)  # type: ignore[arg-type]  # both stores are SqlStores
        self.clock = clock
        self.new_id = new_id
        cols = ", ".join(COLUMNS)
        self._q = {
            "insert": self.db.sql("acl_insert", columns=cols, values=self._marks(len(COLUMNS))),
            "get": self.db.sql("acl_get", columns=cols),
            "locked": self.db.sql("acl_get_locked", columns=cols),
            "update": self.db.sql(
                "acl_update", assignments=", ".join(self.db.sql("assign", column=c) for c in _CONTENT)
            ),
            "all": self.db.sql("acl_all", columns=cols),
        }
        self._cache: dict[tuple[str, str], tuple[Any, policy.Policy]] = {}
        self._cache_lock = threading.Lock()

    def _exact(self, column: str) -> str:
        return self.db.sql("filter_exact", column=column)

    def _marks(self, n: int) -> str:
        """``n`` value placeholders in the store's dialect."""
        return ", ".join([self.db.sql("value")] * n)

    # -- scope

    def _object(self, conn: Any, project_id: str, object_id: str, firewall_id: str | None) -> tuple[str, int]:
        """The firewall and kind (0 Internet border, 1 VPC border) of a protected object."""
        found = conn.execute(
            self.db.sql("acl_object"), (project_id, object_id, _DELETED, project_id, object_id, _DELETED)
        ).fetchone()
        if found is None or (firewall_id is not None and found[0] != firewall_id):
            raise NotFound(f"The protected object {object_id} does not exist")
        return found[0], int(found[1])

    def _lock(self, conn: Any, project_id: str, firewall_id: str) -> None:
        conn.execute(self.db.sql("scope_firewall_locked"), (project_id, firewall_id, _DELETED)).fetchone()

    def _rule(
        self, conn: Any, project_id: str, rule_id: str, firewall_id: str | None, *, lock: bool
    ) -> AclRule:
        if lock:
            # the firewall's row first, as every writer of its rules takes it: no lock cycle with
            # an insert that renumbers the object's rules (PostgreSQL)
            seen = conn.execute(self._q["get"], (project_id, rule_id)).fetchone()
            if seen is not None:
                self._lock(conn, project_id, seen[2])
        found = conn.execute(self._q["locked" if lock else "get"], (project_id, rule_id)).fetchone()
        rule = None if found is None else AclRule(*found)
        if rule is None or (firewall_id is not None and rule.firewall_id != firewall_id):
            raise NotFound(f"The ACL rule {rule_id} does not exist")
        return rule

    # -- the parts of a rule

    def _groups(
        self, conn: Any, project_id: str, object_id: str, table: str, ids: Iterable[str]
    ) -> dict[str, Any]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        sql = self.db.sql(table, ids=self._marks(len(wanted)))
        found = {row[0]: row for row in conn.execute(sql, (project_id, *wanted)).fetchall()}
        for set_id in wanted:
            if set_id not in found or found[set_id][3] != object_id:
                raise NotFound(f"The group {set_id} does not exist")
        return found

    @staticmethod
    def _address_sets(side: RuleAddressDto) -> list[str]:
        ids = [side.address_set_id] if side.type == 1 and side.address_set_id else []
        if side.type == 5:
            ids += [*(side.address_group or []), *(side.predefined_group or [])]
        return ids

    @staticmethod
    def _domain_sets(*sides: RuleAddressDto) -> list[str]:
        return [s.domain_set_id for s in sides if s.type in (4, 6, 7) and s.domain_set_id]

    @staticmethod
    def _service_sets(svc: RuleServiceDto) -> list[str]:
        ids = [svc.service_set_id] if svc.type == 1 and svc.service_set_id else []
        return [*ids, *(svc.service_group or []), *(svc.predefined_group or [])]

    def _check(self, conn: Any, row: AclRule, kind: int) -> AclRule:
        """Check a complete rule (its type against its object, addresses, services, groups, long
        connection) and return it with its long-connection time settled."""
        if (row.type == 1) != (kind == 1):
            raise decl.RuleTypeInconsistent(
                "ACL_RULE_TYPE_INCONSISTENT: inter-VPC rules (type 1) belong to the VPC border object, "
                "Internet border and NAT rules (0, 2) to the Internet border object"
            )
        if row.type in (0, 2) and row.direction is None:
            raise BadParameter("Invalid request body: `direction` is required for rules of type 0 and 2")
        source = msgspec.json.decode(row.source, type=RuleAddressDto)
        destination = msgspec.json.decode(row.destination, type=RuleAddressDto)
        service = msgspec.json.decode(row.service, type=RuleServiceDto)
        decl.address(source, row.address_type, "source")
        decl.address(destination, row.address_type, "destination")
        services = decl.service(service)
        self._groups(
            conn,
            row.project_id,
            row.object_id,
            "acl_address_sets",
            self._address_sets(source) + self._address_sets(destination),
        )
        self._groups(conn, row.project_id, row.object_id, "acl_service_sets", self._service_sets(service))
        self._groups(
            conn, row.project_id, row.object_id, "acl_domain_sets", self._domain_sets(source, destination)
        )
        seconds = decl.long_connection(
            row.long_connect_enable,
            row.long_connect_time,
            (row.long_connect_time_hour, row.long_connect_time_minute, row.long_connect_time_second),
            services,
            len(self._service_sets(service)),
        )
        if seconds is not None:
            others = conn.execute(self.db.sql("acl_long_connections"), (row.object_id, row.id)).fetchone()[0]
            if int(others) >= decl.LONG_CONNECTION_RULES:
                raise decl.LongConnectionsFull()
        return msgspec.structs.replace(row, long_connect_time=seconds)

    def _write_refs(self, conn: Any, row: AclRule) -> None:
        conn.execute(self.db.sql("acl_refs_delete"), (row.project_id, row.id))
        source = msgspec.json.decode(row.source, type=RuleAddressDto)
        destination = msgspec.json.decode(row.destination, type=RuleAddressDto)
        service = msgspec.json.decode(row.service, type=RuleServiceDto)
        refs: list[tuple[str | None, str | None, str | None]] = []
        for set_id in dict.fromkeys(self._address_sets(source) + self._address_sets(destination)):
            refs.append((set_id, None, None))
        for set_id in dict.fromkeys(self._service_sets(service)):
            refs.append((None, set_id, None))
        for set_id in dict.fromkeys(self._domain_sets(source, destination)):
            refs.append((None, None, set_id))
        for ref in refs:
            values = (self.new_id(), row.project_id, row.firewall_id, row.id, *ref)
            conn.execute(self.db.sql("acl_ref_insert"), values)

    # -- order

    def _place(
        self, conn: Any, project_id: str, object_id: str, rule_id: str, order: OrderRuleAclDto
    ) -> tuple[int, int]:
        """The position for a rule placed as ``order`` says (the rule itself left out), and its
        ``pinned`` flag; renumbers the object's rules when two neighbours leave no room."""
        top, bottom, after = order.top == 1, order.bottom == 1, order.dest_rule_id or None
        if top + bottom + (after is not None) != 1:
            raise BadParameter(
                "Invalid request body: `sequence` must put the rule on top (`top`: 1), at the bottom "
                "(`bottom`: 1) or after a rule (`dest_rule_id`), one of them"
            )
        if top or bottom:
            end = conn.execute(
                self.db.sql("acl_first" if top else "acl_last"), (object_id, rule_id)
            ).fetchone()
            if end is None:
                return 0, int(top)
            return (int(end[0]) - GAP, 1) if top else (int(end[0]) + GAP, 0)
        for _ in range(2):
            found = conn.execute(self._q["get"], (project_id, after)).fetchone()
            if found is None or found[3] != object_id or after == rule_id:
                raise NotFound(f"The ACL rule {after} does not exist")
            mark = int(found[4])
            following = conn.execute(self.db.sql("acl_next"), (object_id, mark, rule_id)).fetchone()[0]
            if following is None:
                return mark + GAP, 0
            if int(following) - mark >= 2:
                return (mark + int(following)) // 2, 0
            self._renumber(conn, object_id)
        raise AssertionError("renumbering leaves room between every two rules")

    def _renumber(self, conn: Any, object_id: str) -> None:
        ids = [row[0] for row in conn.execute(self.db.sql("acl_order"), (object_id,)).fetchall()]
        sql = self.db.sql("acl_renumber")
        for place, rule_id in enumerate(ids):
            conn.execute(sql, (place * GAP, rule_id))

    # -- operations

    def add(self, project_id: str, firewall_id: str | None, body: AddRuleAclDto) -> list[AclRule]:
        refuse_nul(msgspec.to_builtins(body))
        if len(body.rules) > decl.RULES_PER_CALL:
            raise decl.TooManyRules()
        now = self.clock.now_ms()
        with self.db.write() as conn:
            fw, kind = self._object(conn, project_id, body.object_id, firewall_id)
            self._lock(conn, project_id, fw)
            existing = conn.execute(
                self.db.sql("acl_count", where=self._exact("firewall_id")), (fw,)
            ).fetchone()
            if int(existing[0]) + len(body.rules) > decl.RULES_PER_FIREWALL:
                raise decl.RulesFull()
            rows = []
            for item in body.rules:
                rule_id = self.new_id()
                position, pinned = self._place(conn, project_id, body.object_id, rule_id, item.sequence)
                row = self._check(
                    conn, self._new(project_id, fw, body, item, rule_id, position, pinned, now), kind
                )
                conn.execute(self._q["insert"], tuple(getattr(row, c) for c in COLUMNS))
                self._write_refs(conn, row)
                self._event(conn, row, "created", now)
                rows.append(row)
        self.db.announce(project_id)
        return rows

    @staticmethod
    def _new(
        project_id: str,
        firewall_id: str,
        body: AddRuleAclDto,
        item: AddRuleAclDtoRules,
        rule_id: str,
        position: int,
        pinned: int,
        now: int,
    ) -> AclRule:
        tag = item.tag or decl.TagsVO()
        return AclRule(
            id=rule_id,
            project_id=project_id,
            firewall_id=firewall_id,
            object_id=body.object_id,
            position=position,
            pinned=pinned,
            name=item.name,
            type=body.type,
            address_type=item.address_type,
            action_type=item.action_type,
            status=item.status,
            direction=item.direction,
            long_connect_enable=item.long_connect_enable,
            long_connect_time=item.long_connect_time,
            long_connect_time_hour=item.long_connect_time_hour,
            long_connect_time_minute=item.long_connect_time_minute,
            long_connect_time_second=item.long_connect_time_second,
            description=item.description,
            applications=msgspec.json.encode(item.applications or []).decode(),
            source=msgspec.json.encode(item.source).decode(),
            destination=msgspec.json.encode(item.destination).decode(),
            service=msgspec.json.encode(item.service).decode(),
            tag_id=tag.tag_id,
            tag_key=tag.tag_key,
            tag_value=tag.tag_value,
            hit_count=0,
            last_hit_ms=None,
            created_ms=now,
            updated_ms=now,
        )

    def update(
        self, project_id: str, firewall_id: str | None, rule_id: str, body: UpdateRuleAclDto
    ) -> AclRule:
        refuse_nul(msgspec.to_builtins(body))
        now = self.clock.now_ms()
        given: dict[str, Any] = {}
        for name in body.__struct_fields__:
            value = getattr(body, name)
            if value is None:
                continue
            if name in ("source", "destination", "service") or name == "applications":
                given[name] = msgspec.json.encode(value).decode()
            elif name == "tag":
                given.update(tag_id=value.tag_id, tag_key=value.tag_key, tag_value=value.tag_value)
            else:
                given[name] = value
        if body.long_connect_time is None and any(
            getattr(body, f"long_connect_time_{p}") is not None for p in ("hour", "minute", "second")
        ):
            given["long_connect_time"] = None
        with self.db.write() as conn:
            current = self._rule(conn, project_id, rule_id, firewall_id, lock=True)
            _, kind = self._object(conn, project_id, current.object_id, None)
            row = self._check(conn, msgspec.structs.replace(current, **given, updated_ms=now), kind)
            conn.execute(self._q["update"], (*(getattr(row, c) for c in _CONTENT), project_id, rule_id))
            self._write_refs(conn, row)
            self._event(conn, row, "updated", now)
        self.db.announce(project_id)
        return row

    def move(self, project_id: str, firewall_id: str | None, rule_id: str, order: OrderRuleAclDto) -> AclRule:
        refuse_nul(msgspec.to_builtins(order))
        now = self.clock.now_ms()
        with self.db.write() as conn:
            current = self._rule(conn, project_id, rule_id, firewall_id, lock=True)
            position, pinned = self._place(conn, project_id, current.object_id, rule_id, order)
            conn.execute(self.db.sql("acl_move"), (position, pinned, now, rule_id))
            row = msgspec.structs.replace(current, position=position, pinned=pinned, updated_ms=now)
            self._event(conn, row, "moved", now)
        self.db.announce(project_id)
        return row

    def delete_many(
        self, project_id: str, firewall_id: str | None, object_id: str | None, rule_ids: list[str]
    ) -> list[AclRule]:
        """Delete every rule named, or none (an unknown one, or one of another object, is
        CFW.00200005)."""
        now = self.clock.now_ms()
        with self.db.write() as conn:
            rows = []
            for rule_id in dict.fromkeys(rule_ids):
                row = self._rule(conn, project_id, rule_id, firewall_id, lock=True)
                if object_id is not None and row.object_id != object_id:
                    raise NotFound(f"The ACL rule {rule_id} does not exist")
                conn.execute(self.db.sql("acl_refs_delete"), (project_id, rule_id))
                conn.execute(self.db.sql("acl_delete"), (project_id, rule_id))
                self._event(conn, row, "deleted", now)
                rows.append(row)
        self.db.announce(project_id)
        return rows

    def set_action(
        self, project_id: str, firewall_id: str | None, object_id: str, action: int, rule_ids: list[str]
    ) -> list[str]:
        now = self.clock.now_ms()
        with self.db.write() as conn:
            self._object(conn, project_id, object_id, firewall_id)
            for rule_id in dict.fromkeys(rule_ids):
                row = self._rule(conn, project_id, rule_id, firewall_id, lock=True)
                if row.object_id != object_id:
                    raise NotFound(f"The ACL rule {rule_id} does not exist")
                conn.execute(self.db.sql("acl_set_action"), (action, now, project_id, rule_id))
                self._event(conn, row, "updated", now)
        self.db.announce(project_id)
        return list(dict.fromkeys(rule_ids))

    def hit_counts(
        self, project_id: str, rule_ids: list[str], firewall_id: str | None = None
    ) -> list[AclRule]:
        """The rules named (their hit counts and last hit), every one or ``NotFound``."""
        with self.db.read() as conn:
            return [
                self._rule(conn, project_id, rule_id, firewall_id, lock=False)
                for rule_id in dict.fromkeys(rule_ids)
            ]

    def clear_hits(self, project_id: str, rule_ids: list[str]) -> None:
        with self.db.write() as conn:
            for rule_id in dict.fromkeys(rule_ids):
                try:
                    self._rule(conn, project_id, rule_id, None, lock=True)
                except NotFound as exc:
                    raise decl.HitCountParam(
                        f"clear rule hit count param error: no ACL rule {rule_id}"
                    ) from exc
                conn.execute(self.db.sql("acl_clear_hits"), (project_id, rule_id))

    # -- lists

    _FILTERS = {
        "type": "type",
        "direction": "direction",
        "status": "status",
        "action_type": "action_type",
        "address_type": "address_type",
        "tags_id": "tag_id",
    }
    _TEXT = {
        "name": ("name",),
        "source": ("source",),
        "destination": ("destination",),
        "ip": ("source", "destination"),
        "service": ("service",),
        "application": ("applications",),
    }

    def page(
        self, project_id: str, firewall_id: str | None, query: decl.ListAclRulesQuery, offset: int, limit: int
    ) -> tuple[int, int, list[dict[str, Any]]]:
        """``(total, up_rules_count, records)`` of the object's rules that pass the filters, in order."""
        refuse_nul(msgspec.to_builtins(query), "query")
        # the object is the project's (checked below): its id alone selects its rules
        parts = [self._exact("object_id")]
        params: list[Any] = [query.object_id]
        for name, column in self._FILTERS.items():
            if (value := getattr(query, name)) is not None:
                parts.append(self._exact(column))
                params.append(value)
        for name, columns in self._TEXT.items():
            if (value := getattr(query, name)) is not None:
                words = [self.db.sql("filter_key_word", column=c) for c in columns]
                parts.append("(" + " OR ".join(words) + ")")
                params += [value] * len(columns)
        filtered = len(parts) > 1
        where = " AND ".join(parts)
        with self.db.read() as conn:
            self._object(conn, project_id, query.object_id, firewall_id)
            found = conn.execute(
                self.db.sql("acl_page", where=where), (*params, *params, limit, offset)
            ).fetchall()
            if found:
                total = int(found[0][0])
                ids = [row[1] for row in found]
                sql = self.db.sql("acl_rows", columns=", ".join(COLUMNS), ids=self._marks(len(ids)))
                by_id = {row[0]: AclRule(*row) for row in conn.execute(sql, ids).fetchall()}
                rows = [by_id[i] for i in ids]
            else:
                total = int(conn.execute(self.db.sql("acl_count", where=where), params).fetchone()[0])
                rows = []
            pinned = int(conn.execute(self.db.sql("acl_pinned"), (query.object_id,)).fetchone()[0])
            places = [
                int(conn.execute(self.db.sql("acl_rank"), (row.object_id, row.position)).fetchone()[0])
                if filtered
                else offset + i + 1
                for i, row in enumerate(rows)
            ]
            records = self._records(conn, project_id, rows, places)
        return total, pinned, records

    def _records(
        self, conn: Any, project_id: str, rows: list[AclRule], places: list[int]
    ) -> list[dict[str, Any]]:
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
            for i in self._ids(side, "address_set_id", "address_group", "predefined_group")
        }
        service_ids = {
            i
            for _, _, v in sides
            for i in self._ids(v, "service_set_id", "service_group", "predefined_group")
        }
        addresses = self._lookup(conn, project_id, "acl_address_sets", address_ids)
        services = self._lookup(conn, project_id, "acl_service_sets", service_ids)
        protocols: dict[str, list[int]] = {}
        if service_ids:
            sql = self.db.sql("acl_service_protocols", ids=self._marks(len(service_ids)))
            for set_id, protocol in conn.execute(sql, (project_id, *service_ids)).fetchall():
                if protocol not in protocols.setdefault(set_id, []):
                    protocols[set_id].append(protocol)
        records = []
        for row, place, (source, destination, service) in zip(rows, places, sides, strict=True):
            for side in (source, destination):
                names = [
                    {"set_id": i, "name": addresses[i][1], "address_set_type": addresses[i][2]}
                    for i in self._ids(side, "address_set_id", "address_group", "predefined_group")
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
                for i in self._ids(service, "service_set_id", "service_group", "predefined_group")
                if i in services
            ]
            if service.get("service_set_id") in services:
                service["service_set_name"] = services[service["service_set_id"]][1]
            records.append(
                {
                    "rule_id": row.id,
                    "order_id": place,
                    **_settings(row),
                    "long_connect_time_hour": row.long_connect_time_hour,
                    "long_connect_time_minute": row.long_connect_time_minute,
                    "long_connect_time_second": row.long_connect_time_second,
                    "source": source,
                    "destination": destination,
                    "service": service,
                    "tag": _tag(row),
                    "created_date": _date(row.created_ms),
                    "modified_date": _date(row.updated_ms),
                    "last_open_time": _date(row.last_hit_ms),
                }
            )
        return records

    @staticmethod
    def _ids(side: dict[str, Any], one: str, *many: str) -> list[str]:
        found = [side[one]] if side.get(one) else []
        for name in many:
            found += side.get(name) or []
        return list(dict.fromkeys(found))

    def _lookup(self, conn: Any, project_id: str, query: str, ids: set[str]) -> dict[str, Any]:
        if not ids:
            return {}
        sql = self.db.sql(query, ids=self._marks(len(ids)))
        return {row[0]: row for row in conn.execute(sql, (project_id, *ids)).fetchall()}

    def _event(self, conn: Any, row: AclRule, change: str, at_ms: int) -> None:
        data = {"id": row.id, "firewall_id": row.firewall_id, "object_id": row.object_id}
        self.db.emit(conn, row.project_id, f"acl_rule.{change}", data, at_ms)

    # -- the evaluator

    def compiled(self, project_id: str, object_id: str) -> policy.Policy:
        """The object's compiled policy, compiled again only after a change in the project."""
        with self.db.read() as conn:
            version = conn.execute(self.db.sql("acl_version"), (project_id,)).fetchone()[0]
            cached = self._cache.get((project_id, object_id))
            if cached is not None and cached[0] == version:
                return cached[1]
            rows = [AclRule(*r) for r in conn.execute(self._q["all"], (project_id, object_id)).fetchall()]
            rules = [self._compile(conn, project_id, row) for row in rows if row.status == 1]
            entries = [
                policy.ListEntry(
                    id=e[0],
                    list_type=int(e[1]),
                    direction=int(e[2]),
                    addresses=policy.address_ranges(e[3]),
                    protocol=int(e[4]),
                    ports=policy.port_range(e[5]),
                )
                for e in conn.execute(self.db.sql("acl_lists"), (project_id, object_id)).fetchall()
            ]
        compiled = policy.Policy(rules, entries)
        with self._cache_lock:
            self._cache[(project_id, object_id)] = (version, compiled)
        return compiled

    def _compile(self, conn: Any, project_id: str, row: AclRule) -> policy.Rule:
        def addresses(text: str) -> tuple[policy.Range, ...] | None:
            side = msgspec.json.decode(text, type=RuleAddressDto)
            if side.type == 0:
                assert side.address is not None
                if side.address in ("0.0.0.0/0", "::/0"):
                    return None
                return (policy.address_ranges(side.address),)
            if side.type in (1, 5):
                found = [policy.address_ranges(a) for a in side.ip_address or []]
                ids = self._address_sets(side)
                if ids:
                    sql = self.db.sql("acl_address_members", ids=self._marks(len(ids)))
                    found += [
                        policy.address_ranges(r[1]) for r in conn.execute(sql, (project_id, *ids)).fetchall()
                    ]
                return tuple(found)
            return ()  # domains and regions match no flow given by addresses

        svc = msgspec.json.decode(row.service, type=RuleServiceDto)
        services = [(p, policy.port_range(s), policy.port_range(d)) for p, s, d in decl.service(svc)]
        ids = self._service_sets(svc)
        if ids:
            sql = self.db.sql("acl_service_members", ids=self._marks(len(ids)))
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

    def internet_object(self, project_id: str, firewall_id: str) -> str:
        with self.db.read() as conn:
            found = conn.execute(
                self.db.sql("acl_firewall_object"), (project_id, firewall_id, _DELETED)
            ).fetchone()
        if found is None:
            raise NotFound(f"The firewall instance {firewall_id} does not exist")
        return str(found[0])

    def evaluate(
        self,
        project_id: str,
        firewall_id: str,
        object_id: str | None,
        flow: policy.Flow,
        is_protected: Callable[[str, str, str], bool],
    ) -> tuple[str, policy.Verdict]:
        """The verdict on a flow; a hit is counted on the rule that matched. ``is_protected(project
        id, object id, address)`` says whether an EIP is protected (Internet border objects only)."""
        object_id = object_id or self.internet_object(project_id, firewall_id)
        with self.db.read() as conn:
            _, kind = self._object(conn, project_id, object_id, firewall_id)
        found = object_id

        def protected(address: str) -> bool:
            return kind != 0 or is_protected(project_id, found, address)

        verdict = self.compiled(project_id, object_id).evaluate(flow, protected)
        if verdict.rule_id is not None:
            with self.db.write() as conn:
                conn.execute(self.db.sql("acl_hit"), (self.clock.now_ms(), project_id, verdict.rule_id))
        return object_id, verdict

    # -- tags, hit status, export and import

    def tags(self, project_id: str, firewall_id: str) -> list[dict[str, Any]]:
        """The distinct tags of the firewall's rules (a tag without an id gets a stable one)."""
        with self.db.read() as conn:
            found = conn.execute(
                self.db.sql("scope_firewall"), (project_id, firewall_id, _DELETED)
            ).fetchone()
            if found is None:
                raise NotFound(f"The firewall instance {firewall_id} does not exist")
            rows = conn.execute(self.db.sql("acl_tags"), (project_id, firewall_id)).fetchall()
        tags: dict[tuple[str, str | None], dict[str, Any]] = {}
        for tag_id, key, value in rows:
            made = tag_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"acl-tag:{firewall_id}:{key}={value or ''}"))
            tags.setdefault((key, value), {"tag_id": made, "tag_key": key, "tag_value": value})
        return list(tags.values())

    def export(self, project_id: str, firewall_id: str | None, object_id: str) -> str:
        """Write the object's rules, in order, as one JSON document (``ImportRuleAcl`` reads it)."""
        now = self.clock.now_ms()
        with self.db.write() as conn:
            fw, _ = self._object(conn, project_id, object_id, firewall_id)
            rows = [AclRule(*r) for r in conn.execute(self._q["all"], (project_id, object_id)).fetchall()]
            document = {"object_id": object_id, "rules": [self._exported(row) for row in rows]}
            return self._transfer(
                conn, project_id, fw, object_id, "export", 3, msgspec.json.encode(document), now
            )

    @staticmethod
    def _exported(row: AclRule) -> dict[str, Any]:
        found = {
            **_settings(row),
            "source": msgspec.json.decode(row.source),
            "destination": msgspec.json.decode(row.destination),
            "service": msgspec.json.decode(row.service),
            "tag": _tag(row),
        }
        return {k: v for k, v in found.items() if v is not None}

    def _transfer(
        self,
        conn: Any,
        project_id: str,
        fw: str,
        object_id: str,
        kind: str,
        status: int,
        result: bytes,
        now: int,
    ) -> str:
        transfer_id = self.new_id()
        conn.execute(self.db.sql("acl_transfer_delete"), (project_id, object_id, kind))
        values = (transfer_id, project_id, fw, object_id, kind, status, result.decode(), now)
        conn.execute(self.db.sql("acl_transfer_insert"), values)
        return transfer_id

    def transfer(self, project_id: str, object_id: str, kind: str) -> tuple[str, int, str] | None:
        """``(id, status, result)`` of the object's last export or import; None: there was none.
        An unknown object is ``NotFound``."""
        with self.db.read() as conn:
            self._object(conn, project_id, object_id, None)
            found = conn.execute(self.db.sql("acl_transfer_get"), (project_id, object_id, kind)).fetchone()
        return None if found is None else (str(found[0]), int(found[1]), str(found[2]))

    def import_(self, project_id: str, firewall_id: str | None, object_id: str, content: bytes) -> str:
        """Add the rules of an exported document at the lowest priority, in its order, each on its
        own: the report says which failed and why (status 3 all added, 5 some, 6 none)."""
        try:
            document = msgspec.json.decode(content, type=_ImportFile)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise BadParameter(f"The imported file is not a rule document: {exc}") from exc
        with self.db.read() as conn:
            fw, _ = self._object(conn, project_id, object_id, firewall_id)
        report = []
        for i, item in enumerate(document.rules):
            body = AddRuleAclDto(
                object_id=object_id,
                type=item.type,
                rules=[item.rule()],
            )
            try:
                (row,) = self.add(project_id, fw, body)
                report.append({"index": i, "name": item.name, "id": row.id, "result": "success"})
            except OpenCfwError as exc:
                report.append(
                    {
                        "index": i,
                        "name": item.name,
                        "result": "failed",
                        "error_code": exc.error_code,
                        "error_msg": str(exc),
                    }
                )
        added = sum(1 for r in report if r["result"] == "success")
        status = 3 if added == len(report) else (5 if added else 6)
        with self.db.write() as conn:
            document_report = msgspec.json.encode({"object_id": object_id, "results": report})
            return self._transfer(
                conn, project_id, fw, object_id, "import", status, document_report, self.clock.now_ms()
            )


class _ImportRule(AddRuleAclDtoRules, kw_only=True):
    """A rule of an exported document: a create body's rule with its ``type``, no ``sequence``."""

    type: Literal[0, 1, 2]
    sequence: OrderRuleAclDto | None = None  # type: ignore[assignment]

    def rule(self) -> AddRuleAclDtoRules:
        fields = {
            name: getattr(self, name) for name in AddRuleAclDtoRules.__struct_fields__ if name != "sequence"
        }
        return AddRuleAclDtoRules(**fields, sequence=OrderRuleAclDto(bottom=1))


class _ImportFile(Struct):
    rules: Annotated[list[_ImportRule], Meta(max_length=decl.RULES_PER_FIREWALL)]
    object_id: str | None = None
