"""Reading ACL rules: an object's rules in order with their records (ListAclRules), its compiled
policy and the evaluator's verdicts, the tags of a firewall's rules. ``AclRules`` (``acl_rules``)
adds the writes."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import msgspec

from opencfw.domain import policy
from opencfw.domain.clock import Clock
from opencfw.domain.errors import NotFound
from opencfw.domain.models import FirewallStatus
from opencfw.resources import acl_rule as decl
from opencfw.service import acl_rows
from opencfw.service.acl_policy import compile_policy
from opencfw.service.acl_rows import COLUMNS, CONTENT, AclRule
from opencfw.service.resources import refuse_nul
from opencfw.store.base import Store
from opencfw.store.db import Database

DELETED = int(FirewallStatus.DELETED)


class AclReads:
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
                "acl_update", assignments=", ".join(self.db.sql("assign", column=c) for c in CONTENT)
            ),
            "all": self.db.sql("acl_all", columns=cols),
        }
        self._cache: dict[tuple[str, str], tuple[Any, policy.Policy]] = {}
        self._cache_lock = threading.Lock()

    def _exact(self, column: str) -> str:
        return self.db.sql("filter_exact", column=column)

    def _marks(self, n: int) -> str:
        return acl_rows.marks(self.db, n)

    # -- scope

    def object_of(
        self, conn: Any, project_id: str, object_id: str, firewall_id: str | None
    ) -> tuple[str, int]:
        """The firewall and kind (0 Internet border, 1 VPC border) of a protected object."""
        found = conn.execute(
            self.db.sql("acl_object"), (project_id, object_id, DELETED, project_id, object_id, DELETED)
        ).fetchone()
        if found is None or (firewall_id is not None and found[0] != firewall_id):
            raise NotFound(f"The protected object {object_id} does not exist")
        return found[0], int(found[1])

    def rows_of(self, conn: Any, project_id: str, object_id: str) -> list[AclRule]:
        """The object's rules, in order."""
        return [AclRule(*r) for r in conn.execute(self._q["all"], (project_id, object_id)).fetchall()]

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
            self.object_of(conn, project_id, query.object_id, firewall_id)
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
            records = acl_rows.records(self.db, conn, project_id, rows, places)
        return total, pinned, records

    # -- the evaluator

    def compiled(self, project_id: str, object_id: str) -> policy.Policy:
        """The object's compiled policy, compiled again only after a change in the project."""
        with self.db.read() as conn:
            version = conn.execute(self.db.sql("acl_version"), (project_id,)).fetchone()[0]
            cached = self._cache.get((project_id, object_id))
            if cached is not None and cached[0] == version:
                return cached[1]
            compiled = compile_policy(
                self.db, conn, project_id, object_id, self.rows_of(conn, project_id, object_id)
            )
        with self._cache_lock:
            self._cache[(project_id, object_id)] = (version, compiled)
        return compiled

    def internet_object(self, project_id: str, firewall_id: str) -> str:
        with self.db.read() as conn:
            found = conn.execute(
                self.db.sql("acl_firewall_object"), (project_id, firewall_id, DELETED)
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
            _, kind = self.object_of(conn, project_id, object_id, firewall_id)
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
            found = conn.execute(self.db.sql("scope_firewall"), (project_id, firewall_id, DELETED)).fetchone()
            if found is None:
                raise NotFound(f"The firewall instance {firewall_id} does not exist")
            rows = conn.execute(self.db.sql("acl_tags"), (project_id, firewall_id)).fetchall()
        tags: dict[tuple[str, str | None], dict[str, Any]] = {}
        for tag_id, key, value in rows:
            made = tag_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"acl-tag:{firewall_id}:{key}={value or ''}"))
            tags.setdefault((key, value), {"tag_id": made, "tag_key": key, "tag_value": value})
        return list(tags.values())
