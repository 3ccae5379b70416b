"""The generic service of the resource registry: every rule of a declared resource is applied here.

The create body becomes a row (its fields copied by name onto the model, the scope and timestamps
added), the declaration's ``validate`` hook checks every new or changed row, unknown ids and rows of
another project are ``NotFound`` (CFW.00200005), and a row that others refer to is ``InUse``
(CFW.00200004). The repository only stores; the API layer only decodes and encodes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, Generic

import msgspec

from opencfw.domain.clock import Clock
from opencfw.domain.errors import BadParameter, InUse, NotFound
from opencfw.resources import REGISTRY
from opencfw.resources.registry import M, Quota, Registry, Resource, Scope
from opencfw.store.base import Store
from opencfw.store.db import Database
from opencfw.store.repository import Repository, Where

__all__ = ["ResourceService", "ResourceServices", "Where"]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul(values: Mapping[str, Any], what: str = "body") -> None:
    """No text may hold a NUL character: PostgreSQL cannot store one (and no client means one)."""
    for name, value in values.items():
        if _has_nul(value):
            raise BadParameter(f"Invalid request {what}: `{name}` contains a NUL character")


class ResourceService(Generic[M]):
    def __init__(
        self,
        db: Database,
        resource: Resource[M],
        registry: Registry,
        clock: Clock,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.r = resource
        parent = registry[resource.parent.resource] if resource.parent else None
        self.repo = Repository(db, resource, parent)
        self.registry = registry
        self.clock = clock
        self.new_id = new_id

    def _missing(self, what: str) -> NotFound:
        return NotFound(f"The {what} does not exist")

    def _scope_missing(self, where: Where) -> NotFound:
        if self.r.scope is Scope.OBJECT:
            return self._missing(f"protected object {where.object_id}")
        if self.r.parent is not None:
            parent = self.registry[self.r.parent.resource]
            return self._missing(f"{parent.title} {where.parent_id}")
        return self._missing(f"firewall instance {where.firewall_id}")

    def create(self, where: Where, body: msgspec.Struct) -> M:
        """One row from the body; see ``create_many`` for a resource that declares ``items``."""
        rows = self.create_many(where, body)
        return rows[0]

    def create_many(self, where: Where, body: msgspec.Struct) -> list[M]:
        """The body's row, or with ``items`` declared one row per element of that list (each with
        the body's other fields): all are added, or none."""
        refuse_nul(msgspec.to_builtins(body))
        now = self.clock.now_ms()
        fields = {name: getattr(body, name) for name in body.__struct_fields__ if name in self.r.columns}
        elements: list[dict[str, Any]] = [{}]
        if self.r.items is not None:
            elements = [
                {name: getattr(item, name) for name in item.__struct_fields__ if name in self.r.columns}
                for item in getattr(body, self.r.items)
            ]

        def make(firewall_id: str) -> list[M]:
            rows = []
            for element in elements:
                scope: dict[str, Any] = {"id": self.new_id(), "project_id": where.project_id}
                if self.r.scope is not Scope.PROJECT:
                    scope["firewall_id"] = firewall_id
                if self.r.scope is Scope.OBJECT:
                    scope["object_id"] = where.object_id
                if self.r.parent is not None:
                    scope[self.r.parent.column] = where.parent_id
                row = self.r.model(**{**fields, **element, **scope, "created_ms": now, "updated_ms": now})
                rows.append(self.r.validate(row))
            return rows

        def check(quota: Quota, rows: list[M], existing: int) -> None:
            if existing + len(rows) > quota.limit:
                raise quota.error()

        created = self.repo.create_many(where, make, check)
        if created is None:
            raise self._scope_missing(where)
        return created

    def extras(self, where: Where, rows: list[M]) -> list[dict[str, Any]]:
        """The computed record fields of each row: ``ref_count``, the rows referring to it, and the
        ``aggregates`` of its children."""
        ids = [row.id for row in rows]  # type: ignore[attr-defined]
        extras: list[dict[str, Any]] = [{} for _ in rows]
        if self.r.ref_count is not None:
            counts = self.repo.referrers(where, ids, self.registry)
            for extra, row_id in zip(extras, ids, strict=True):
                extra[self.r.ref_count] = counts[row_id]
        for name, (child, column) in self.r.aggregates.items():
            values = self.repo.child_values(where, ids, self.registry[child], column)
            for extra, row_id in zip(extras, ids, strict=True):
                extra[name] = values[row_id]
        if self.r.computed is not None:
            now = self.clock.now_ms()
            for extra, row in zip(extras, rows, strict=True):
                extra.update(self.r.computed(row, now))
        return extras

    def get(self, where: Where, row_id: str) -> M:
        row = self.repo.get(where, row_id)
        if row is None:
            raise self._missing(f"{self.r.title} {row_id}")
        return row

    def list(self, where: Where, filters: Mapping[str, Any], offset: int, limit: int) -> tuple[int, list[M]]:
        refuse_nul(filters, "query")
        found = self.repo.page(where, filters, offset, limit)
        if found is None:
            raise self._scope_missing(where)
        return found

    def update(self, where: Where, row_id: str, body: msgspec.Struct) -> M:
        refuse_nul(msgspec.to_builtins(body))
        given = {
            name: value
            for name in body.__struct_fields__
            if name in self.r.mutable and (value := getattr(body, name)) is not msgspec.UNSET
        }
        now = self.clock.now_ms()

        def change(current: M) -> M:
            return self.r.validate(msgspec.structs.replace(current, **given, updated_ms=now))

        row = self.repo.update(where, row_id, change)
        if row is None:
            raise self._missing(f"{self.r.title} {row_id}")
        return row

    def delete_many(self, where: Where, row_ids: list[str]) -> list[M]:
        """Delete every row named, or none: an unknown id is ``NotFound``, a row in use ``InUse``."""

        def check(row: M, references: int) -> None:
            if references:
                raise InUse(f"The {self.r.title} {row.id} is used by {references} other object(s)")  # type: ignore[attr-defined]

        def missing(row_id: str) -> NotFound:
            return self._missing(f"{self.r.title} {row_id}")

        return self.repo.delete_many(where, row_ids, self.clock.now_ms(), check, self.registry, missing)

    def delete(self, where: Where, row_id: str) -> M:
        def check(row: M, references: int) -> None:
            if references:
                raise InUse(f"The {self.r.title} {row_id} is used by {references} other object(s)")

        row = self.repo.delete(where, row_id, self.clock.now_ms(), check, self.registry)
        if row is None:
            raise self._missing(f"{self.r.title} {row_id}")
        return row


class ResourceServices:
    """The services of every resource of a registry over one store: one container per runtime."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        registry: Registry = REGISTRY,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        db = Database(store)  # type: ignore[arg-type]  # both stores are SqlStores
        self.registry = registry
        self._services = {r.name: ResourceService(db, r, registry, clock, new_id) for r in registry}

    def __getitem__(self, name: str) -> ResourceService[Any]:
        return self._services[name]
