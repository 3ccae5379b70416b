"""The generic repository of the resource registry: one implementation of create, read, list,
update and delete for every declared resource, on both stores.

Every statement is scoped by project; a row of another project reads exactly like no row. Unique
violations become the resource's conflict error. Lists page by offset with an exact total (an
empty page past the end). Every change writes an event (``<resource>.created|updated|deleted``)
in its own transaction. The repository decides nothing: the service passes what to check as
callables, run inside the transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic

import msgspec

from opencfw.domain.models import FirewallStatus
from opencfw.resources.registry import M, Match, Quota, Registry, Resource, Scope
from opencfw.store.db import Database

Row = tuple[Any, ...]
_DELETED = int(FirewallStatus.DELETED)


@dataclass(frozen=True)
class Where:
    """Where a row lives: its project, and the firewall or protected object named by the caller."""

    project_id: str
    firewall_id: str | None = None
    object_id: str | None = None
    #: the parent row of a child resource (``Scope.PARENT``)
    parent_id: str | None = None


class Repository(Generic[M]):
    def __init__(self, db: Database, resource: Resource[M], parent: Resource[Any] | None = None) -> None:
        self.db = db
        self.r = resource
        #: the parent's resource of a child resource
        self.parent = parent
        self._parent_sql: dict[bool, str] = {}
        if parent is not None:
            ids = {"table": parent.table, "columns": ", ".join(parent.columns)}
            self._parent_sql = {
                lock: db.sql("resource_get_locked" if lock else "resource_get", **ids)
                for lock in (False, True)
            }
        self._ids = {"table": resource.table, "columns": ", ".join(resource.columns)}
        self._insert_sql = self._sql(
            "resource_insert", placeholders=", ".join(db.sql("value") for _ in resource.columns)
        )
        self._update_sql = self._sql(
            "resource_update", assignments=", ".join(db.sql("assign", column=c) for c in resource.mutable)
        )

    def _sql(self, name: str, **more: str) -> str:
        return self.db.sql(name, **self._ids, **more)

    def _row(self, row: Row) -> M:
        if not self.r.json_columns:
            return self.r.model(*row)
        values = dict(zip(self.r.columns, row, strict=True))
        for column in self.r.json_columns:
            if values[column] is not None:
                values[column] = msgspec.json.decode(values[column])
        return self.r.model(**values)

    def _value(self, row: M, column: str) -> Any:
        """A column's value as stored: structured values as JSON text."""
        value = getattr(row, column)
        if column in self.r.json_columns and value is not None:
            return msgspec.json.encode(value).decode()
        return value

    # -- scope

    def resolve(self, conn: Any, where: Where, *, lock: bool = False) -> str | None:
        """The live firewall a new row of this resource belongs to; None: no such firewall or object
        in the project (or the object is not the named firewall's). ``lock`` holds the firewall's row."""
        if self.r.scope is Scope.PROJECT:
            return ""
        firewall_id = where.firewall_id
        if self.r.scope is Scope.PARENT:
            # the parent row (locked in a write, so that its deletion waits for this insert)
            parent = self._parent_row(conn, where, lock)
            if parent is None or (firewall_id is not None and parent.firewall_id != firewall_id):
                return None
            if (
                where.object_id is not None
                and getattr(parent, "object_id", where.object_id) != where.object_id
            ):
                return None
            firewall_id = parent.firewall_id
        if self.r.scope is Scope.OBJECT:
            found = conn.execute(
                self.db.sql("scope_object"),
                (where.project_id, where.object_id, _DELETED, where.project_id, where.object_id, _DELETED),
            ).fetchone()
            if found is None or (firewall_id is not None and found[0] != firewall_id):
                return None
            firewall_id = found[0]
        if firewall_id is None:
            return None
        if lock or self.r.scope is Scope.FIREWALL:
            query = "scope_firewall_locked" if lock else "scope_firewall"
            live = conn.execute(self.db.sql(query), (where.project_id, firewall_id, _DELETED)).fetchone()
            if live is None:
                return None
        return firewall_id

    def _parent_row(self, conn: Any, where: Where, lock: bool) -> Any:
        """The parent row of a child resource's ``where``, or None."""
        assert self.parent is not None
        found = conn.execute(self._parent_sql[lock], (where.project_id, where.parent_id)).fetchone()
        return None if found is None else self.parent.model(*found)

    def _matches(self, row: M, where: Where) -> bool:
        """A row read by id is the caller's only if it lies where the caller says it does."""
        for column in ("firewall_id", "object_id"):
            wanted = getattr(where, column)
            if wanted is not None and getattr(row, column, wanted) != wanted:
                return False
        parent = self.r.parent
        return parent is None or where.parent_id is None or getattr(row, parent.column) == where.parent_id

    # -- create, read, list

    def create(
        self,
        where: Where,
        make: Callable[[str], M],
        check: Callable[[Quota, list[M], int], None] | None = None,
    ) -> M | None:
        """Insert ``make(firewall_id)`` (which may raise) where ``where`` says; None when that
        firewall, object or parent does not exist. For each declared quota, ``check(quota, [row],
        n)`` first (may raise), ``n`` the rows that share the quota's columns with the new one."""
        rows = self.create_many(where, lambda firewall_id: [make(firewall_id)], check)
        return None if rows is None else rows[0]

    def create_many(
        self,
        where: Where,
        make: Callable[[str], list[M]],
        check: Callable[[Quota, list[M], int], None] | None = None,
        then: Callable[[Any, list[M]], None] | None = None,
    ) -> list[M] | None:
        """Insert all the rows of ``make(firewall_id)`` or none, in one transaction (quota counted
        before, with the rows sharing the quota's columns with the first new one); ``then(conn,
        rows)`` runs after the inserts in the same transaction (a parent's nested children)."""
        with self.db.write() as conn:
            rows = self.insert(conn, where, make, check)
            if rows is None:
                return None
            if then is not None:
                then(conn, rows)
        self.db.announce(where.project_id)
        return rows

    def insert(
        self,
        conn: Any,
        where: Where,
        make: Callable[[str], list[M]],
        check: Callable[[Quota, list[M], int], None] | None = None,
    ) -> list[M] | None:
        """``create_many``'s work inside the caller's transaction."""
        firewall_id = self.resolve(conn, where, lock=True)
        if firewall_id is None:
            return None
        if self.r.internet_only is not None:
            values = (where.project_id, where.object_id, _DELETED)
            if conn.execute(self.db.sql("scope_internet_object"), values).fetchone() is None:
                raise self.r.internet_only()
        rows = make(firewall_id)
        if self.r.fits is not None or self.r.inherit:
            parent = self._parent_row(conn, where, lock=False)
            if self.r.inherit:
                copied = {c: getattr(parent, c) for c in self.r.inherit}
                rows = [msgspec.structs.replace(row, **copied) for row in rows]
            fits = self.r.fits
            for row in rows if fits is not None else ():
                fits(parent, row)  # type: ignore[misc]
        for quota in self.r.quotas if check is not None and rows else ():
            if quota.when is not None and not quota.when(rows[0]):
                continue
            sql = self._count_sql(quota.per)
            values = (where.project_id, *(getattr(rows[0], c) for c in quota.per))
            check(quota, rows, int(conn.execute(sql, values).fetchone()[0]))  # type: ignore[misc]
        for row in rows:
            values = tuple(self._value(row, c) for c in self.r.columns)
            with self.db.unique(self.r.conflict):
                conn.execute(self._insert_sql, values)
            self._event(conn, "created", row, row.updated_ms)  # type: ignore[attr-defined]
        return rows

    def get(self, where: Where, row_id: str) -> M | None:
        with self.db.read() as conn:
            found = conn.execute(self._sql("resource_get"), (where.project_id, row_id)).fetchone()
        row = None if found is None else self._row(found)
        return row if row is not None and self._matches(row, where) else None

    def page(
        self, where: Where, filters: Mapping[str, Any], offset: int, limit: int
    ) -> tuple[int, list[M]] | None:
        """``(total, rows)`` of the rows where ``where`` says that pass ``filters`` (the declared
        filters given a value), oldest first; None when that firewall or object does not exist."""
        given = tuple(f for f in self.r.filters if filters.get(f.param) is not None)
        clause, extra = self._where(given)
        params: list[Any] = [where.project_id]
        scope_values = {"firewall_id": where.firewall_id, "object_id": where.object_id}
        if self.r.parent is not None:
            scope_values[self.r.parent.column] = where.parent_id
        scoped = [c for c in scope_values if c in self.r.scope_columns and scope_values[c]]
        params += [scope_values[c] for c in scoped]
        for f in given:
            params += [filters[f.param]] * extra[f.param]
        page_sql, count_sql = self._list_sql(tuple(scoped), given, clause)
        # a firewall-scoped list without a firewall named is the whole project's (the API always
        # names one; the service may ask for all)
        whole_project = self.r.scope is Scope.PROJECT or (
            self.r.scope is Scope.FIREWALL and where.firewall_id is None
        )
        with self.db.read() as conn:
            if not whole_project and self.resolve(conn, where) is None:
                return None
            rows = conn.execute(page_sql, (*params, *params, limit, offset)).fetchall()
            if rows:
                return int(rows[0][0]), [self._row(row[1:]) for row in rows]
            total = conn.execute(count_sql, params).fetchone()[0]
        return int(total), []

    def _where(self, given: tuple[Any, ...]) -> tuple[str, dict[str, int]]:
        """The filters' part of a WHERE clause, and how many values each binds."""
        parts, counts = [], {}
        for f in given:
            alternatives = [self.db.sql(f.match.value, column=c) for c in f.targets]
            counts[f.param] = self.db.arity(f.match.value) * len(alternatives)
            part = alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")"
            if f.child is not None:
                child, parent_column = f.child
                ids = {"child": child, "parent_column": parent_column, "table": self.r.table}
                part = self.db.sql("filter_child", **ids).replace("{condition}", part)
            parts.append(part)
        return " AND ".join(parts), counts

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one entry per filter combination in use
    def _list_sql(self, scoped: tuple[str, ...], given: tuple[Any, ...], clause: str) -> tuple[str, str]:
        parts = [self.db.sql("filter_project")] + [self.db.sql(Match.EXACT.value, column=c) for c in scoped]
        where = " AND ".join(parts + ([clause] if clause else []))
        return self._sql("resource_page", where=where), self._sql("resource_count", where=where)

    @functools.lru_cache(maxsize=16)  # noqa: B019 - one entry per quota
    def _count_sql(self, columns: tuple[str, ...]) -> str:
        parts = [self.db.sql("filter_project")] + [self.db.sql(Match.EXACT.value, column=c) for c in columns]
        where = " AND ".join(parts)
        return self._sql("resource_count", where=where)

    # -- update, delete

    def put(self, where: Where, row_id: str, change: Callable[[str, M | None], M]) -> M | None:
        """Write the row of ``row_id`` as ``change(firewall_id, current)`` says (``current`` None
        when there is none yet: an insert), in one transaction with the scope and the row locked;
        None when the scope does not exist. For settings that have defaults until changed."""
        with self.db.write() as conn:
            firewall_id = self.resolve(conn, where, lock=True)
            if firewall_id is None:
                return None
            found = conn.execute(self._sql("resource_get_locked"), (where.project_id, row_id)).fetchone()
            current = None if found is None else self._row(found)
            row = change(firewall_id, current)
            with self.db.unique(self.r.conflict):
                if current is None:
                    conn.execute(self._insert_sql, tuple(self._value(row, c) for c in self.r.columns))
                else:
                    values = (*(self._value(row, c) for c in self.r.mutable), where.project_id, row_id)
                    conn.execute(self._update_sql, values)
            self._event(conn, "created" if current is None else "updated", row, row.updated_ms)  # type: ignore[attr-defined]
        self.db.announce(where.project_id)
        return row

    def update(self, where: Where, row_id: str, change: Callable[[M], M]) -> M | None:
        """Read the row (locked), ``change`` it (may raise) and write its mutable columns."""
        with self.db.write() as conn:
            found = conn.execute(self._sql("resource_get_locked"), (where.project_id, row_id)).fetchone()
            if found is None or not self._matches(current := self._row(found), where):
                return None
            self._writable(current)
            row = change(current)
            mutable = self.r.mutable
            values = (*(self._value(row, c) for c in mutable), where.project_id, row_id)
            with self.db.unique(self.r.conflict):
                conn.execute(self._update_sql, values)
            self._event(conn, "updated", row, row.updated_ms)  # type: ignore[attr-defined]
        self.db.announce(where.project_id)
        return row

    def delete(
        self, where: Where, row_id: str, now_ms: int, check: Callable[[M, int], None], registry: Registry
    ) -> M | None:
        """Delete the row (and its children); ``check(row, references)`` first (may raise), with
        the number of rows of other resources that refer to it."""
        with self.db.write() as conn:
            row = self._delete(conn, where, row_id, now_ms, check, registry)
        if row is not None:
            self.db.announce(where.project_id)
        return row

    def delete_many(
        self,
        where: Where,
        row_ids: list[str],
        now_ms: int,
        check: Callable[[M, int], None],
        registry: Registry,
        missing: Callable[[str], Exception],
        same: Mapping[str, Any] | None = None,
    ) -> list[M]:
        """Delete all the rows or none: an unknown one raises ``missing(id)`` (and ``check`` may
        raise) inside the transaction, which then deletes nothing."""
        with self.db.write() as conn:
            rows = []
            for row_id in dict.fromkeys(row_ids):
                row = self._delete(conn, where, row_id, now_ms, check, registry, same or {})
                if row is None:
                    raise missing(row_id)
                rows.append(row)
            if self.r.keep_last is not None and self.r.parent is not None and rows:
                parent_id = getattr(rows[0], self.r.parent.column)
                sql = self._count_sql((self.r.parent.column,))
                if int(conn.execute(sql, (where.project_id, parent_id)).fetchone()[0]) == 0:
                    raise self.r.keep_last()
        self.db.announce(where.project_id)
        return rows

    def _delete(
        self,
        conn: Any,
        where: Where,
        row_id: str,
        now_ms: int,
        check: Callable[[M, int], None],
        registry: Registry,
        same: Mapping[str, Any] | None = None,
    ) -> M | None:
        found = conn.execute(self._sql("resource_get_locked"), (where.project_id, row_id)).fetchone()
        if found is None or not self._matches(row := self._row(found), where):
            return None
        if any(getattr(row, column) != value for column, value in (same or {}).items()):
            return None
        self._writable(row)
        references = 0
        for table, column in registry.referrers(self.r.name):
            sql = self.db.sql("resource_referrers", table=table, column=column)
            references += int(conn.execute(sql, (where.project_id, row_id)).fetchone()[0])
        check(row, references)
        for child in registry.children(self.r.name):
            assert child.parent is not None
            sql = self.db.sql("resource_delete_children", table=child.table, column=child.parent.column)
            conn.execute(sql, (where.project_id, row_id))
        conn.execute(self._sql("resource_delete"), (where.project_id, row_id))
        self._event(conn, "deleted", row, now_ms)
        return row

    def _writable(self, row: M) -> None:
        """A read-only row (a predefined group) raises its error."""
        refused = self.r.read_only(row) if self.r.read_only is not None else None
        if refused is not None:
            raise refused

    def referrers(self, where: Where, row_ids: list[str], registry: Registry) -> dict[str, int]:
        """How many rows of other resources refer to each of ``row_ids`` (for ``ref_count``)."""
        counts = dict.fromkeys(row_ids, 0)
        found = registry.referrers(self.r.name)
        if not found or not row_ids:
            return counts
        with self.db.read() as conn:
            for table, column in found:
                sql = self.db.sql("resource_referrers", table=table, column=column)
                for row_id in row_ids:
                    counts[row_id] += int(conn.execute(sql, (where.project_id, row_id)).fetchone()[0])
        return counts

    def referrer_rows(
        self, where: Where, row_ids: list[str], registry: Registry
    ) -> dict[str, list[dict[str, str]]]:
        """``{"id", "name"}`` of the rows that refer to each of ``row_ids``: the referring row, or
        for a referring child row (a rule's link to a group), its parent row, or for a link row
        with an owner, its owner row; each once."""
        found: dict[str, dict[str, dict[str, str]]] = {row_id: {} for row_id in row_ids}
        queries: list[str] = []
        for other, ref in registry.referring(self.r.name):
            if other.parent is not None:
                parent = registry[other.parent.resource]
                queries.append(
                    self._referrer_parents(other.table, ref.column, parent.table, other.parent.column)
                )
            elif "name" in other.columns:
                queries.append(self.db.sql("resource_referrer_rows", table=other.table, column=ref.column))
        for link in registry.links:
            if link.target == self.r.name and link.owner is not None and link.owner_column is not None:
                queries.append(self._referrer_parents(link.table, link.column, link.owner, link.owner_column))
        with self.db.read() as conn:
            for sql in queries:
                for row_id in row_ids:
                    for ident, name, *_ in conn.execute(sql, (where.project_id, row_id)).fetchall():
                        found[row_id].setdefault(ident, {"id": ident, "name": name})
        return {row_id: list(rows.values()) for row_id, rows in found.items()}

    def _referrer_parents(self, table: str, column: str, parent: str, parent_column: str) -> str:
        return self.db.sql(
            "resource_referrer_parents",
            table=table,
            column=column,
            parent=parent,
            parent_column=parent_column,
        )

    def child_values(
        self, where: Where, row_ids: list[str], child: Resource[Any], column: str
    ) -> dict[str, list[Any]]:
        """The distinct values of ``column`` among each row's children of ``child``."""
        assert child.parent is not None
        sql = self.db.sql(
            "resource_child_values", table=child.table, column=column, parent=child.parent.column
        )
        with self.db.read() as conn:
            return {
                row_id: [found[0] for found in conn.execute(sql, (where.project_id, row_id)).fetchall()]
                for row_id in row_ids
            }

    def _event(self, conn: Any, change: str, row: M, at_ms: int) -> None:
        data = {c: getattr(row, c) for c in self.r.scope_columns if c != "project_id"}
        self.db.emit(conn, row.project_id, f"{self.r.name}.{change}", data, at_ms)  # type: ignore[attr-defined]
