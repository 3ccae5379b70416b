"""ACL rules: their order, their references to groups and hit counts (the reads: ``acl_reads``, the
compiled policy: ``acl_policy``, export and import: ``acl_transfers``).

The order of an object's rules is kept as sparse positions (``GAP`` apart, smallest first): an
insert or a move writes one row, at the middle of its neighbours' gap or a gap beyond an end; only
when two neighbours leave no room are the object's rules renumbered. Every write runs in one
transaction that holds the owning firewall's row (PostgreSQL), so concurrent moves queue. The
groups a rule uses get one link row each (``acl_rule_refs``): the registry counts those for the
groups' ``ref_count`` and refuses to delete a used group (CFW.00200004).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from opencfw.domain.errors import BadParameter, NotFound
from opencfw.resources import acl_checks
from opencfw.resources import acl_rule as decl
from opencfw.resources.acl_rule import (
    AddRuleAclDto,
    AddRuleAclDtoRules,
    OrderRuleAclDto,
    RuleAddressDto,
    RuleServiceDto,
    UpdateRuleAclDto,
)
from opencfw.service import acl_rows
from opencfw.service.acl_reads import DELETED, AclReads
from opencfw.service.acl_rows import AclRule
from opencfw.service.resources import refuse_nul

GAP = 1 << 20


class AclRules(AclReads):
    """An object's rules written: added, changed, moved, deleted, in one transaction each."""

    def _lock(self, conn: Any, project_id: str, firewall_id: str) -> None:
        conn.execute(self.db.sql("scope_firewall_locked"), (project_id, firewall_id, DELETED)).fetchone()

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
        acl_checks.address(source, row.address_type, "source")
        acl_checks.address(destination, row.address_type, "destination")
        services = acl_checks.service(service)
        self._groups(
            conn,
            row.project_id,
            row.object_id,
            "acl_address_sets",
            acl_rows.address_sets(source) + acl_rows.address_sets(destination),
        )
        self._groups(conn, row.project_id, row.object_id, "acl_service_sets", acl_rows.service_sets(service))
        self._groups(
            conn, row.project_id, row.object_id, "acl_domain_sets", acl_rows.domain_sets(source, destination)
        )
        seconds = acl_checks.long_connection(
            row.long_connect_enable,
            row.long_connect_time,
            (row.long_connect_time_hour, row.long_connect_time_minute, row.long_connect_time_second),
            services,
            len(acl_rows.service_sets(service)),
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
        for set_id in dict.fromkeys(acl_rows.address_sets(source) + acl_rows.address_sets(destination)):
            refs.append((set_id, None, None))
        for set_id in dict.fromkeys(acl_rows.service_sets(service)):
            refs.append((None, set_id, None))
        for set_id in dict.fromkeys(acl_rows.domain_sets(source, destination)):
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
            fw, kind = self.object_of(conn, project_id, body.object_id, firewall_id)
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
                conn.execute(self._q["insert"], tuple(getattr(row, c) for c in acl_rows.COLUMNS))
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
            _, kind = self.object_of(conn, project_id, current.object_id, None)
            row = self._check(conn, msgspec.structs.replace(current, **given, updated_ms=now), kind)
            conn.execute(
                self._q["update"], (*(getattr(row, c) for c in acl_rows.CONTENT), project_id, rule_id)
            )
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
            self.object_of(conn, project_id, object_id, firewall_id)
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

    def _event(self, conn: Any, row: AclRule, change: str, at_ms: int) -> None:
        data = {"id": row.id, "firewall_id": row.firewall_id, "object_id": row.object_id}
        self.db.emit(conn, row.project_id, f"acl_rule.{change}", data, at_ms)
