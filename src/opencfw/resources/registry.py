"""What a resource is, declared once: the types of the resource registry.

A declaration names the resource, its table and row model, the request structs, where it lives
(project, firewall or protected object), its unique keys, list filters, the API view, validation
hooks, what it references, what happens when its firewall or project goes, and its operations
(method, path, the official SDK's operation name). The generic repository (``store.repository``),
service (``service.resources``), routes and OpenAPI (``api.resource_routes``) and the contract tests
are driven by it. This module is pure: no I/O, no HTTP, no SQL text.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import msgspec

from opencfw.domain.errors import OpenCfwError

M = TypeVar("M", bound=msgspec.Struct)
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*\Z")


class Scope(enum.Enum):
    """What a resource belongs to, and so which columns its table always has."""

    PROJECT = "project"  # id, project_id
    FIREWALL = "firewall"  # + firewall_id
    OBJECT = "object"  # + firewall_id, object_id (a protected object of the firewall)
    #: a child row of another resource's row (an address group's members): + firewall_id (the
    #: parent's) and the column naming the parent (``Parent.column``, see ``Resource.scope_columns``)
    PARENT = "parent"

    @property
    def columns(self) -> tuple[str, ...]:
        return {
            Scope.PROJECT: ("id", "project_id"),
            Scope.FIREWALL: ("id", "project_id", "firewall_id"),
            Scope.OBJECT: ("id", "project_id", "firewall_id", "object_id"),
            Scope.PARENT: ("id", "project_id", "firewall_id"),
        }[self]


class Match(enum.Enum):
    """How a list filter compares the query's value with a column (a named query each)."""

    EXACT = "filter_exact"
    #: case-insensitive substring of any of the filter's columns (``key_word``: name or description)
    KEY_WORD = "filter_key_word"
    #: the stored address equals the value, or is the value followed by ``/prefix`` (``2.2.2.0`` finds ``2.2.2.0/24``)
    ADDRESS = "filter_address"


@dataclass(frozen=True)
class Filter:
    """A list filter: the query parameter, how it matches, on which columns (default: its name)."""

    param: str
    match: Match = Match.EXACT
    columns: tuple[str, ...] = ()
    #: ``(table, parent column)`` of a child resource: the filter matches rows having a child
    #: whose columns match (ListAddressSets' ``address``: a group holding that address)
    child: tuple[str, str] | None = None

    @property
    def targets(self) -> tuple[str, ...]:
        return self.columns or (self.param,)


@dataclass(frozen=True)
class Quota:
    """At most ``limit`` rows share the values of the ``per`` columns; one more is ``error()``."""

    limit: int
    per: tuple[str, ...]
    error: Callable[[], OpenCfwError]
    #: row -> bool: the quota counts only when the new rows pass (a domain group's members count
    #: against the limits of its type: ``lambda row: row.domain_set_type == 0``)
    when: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Reference:
    """``column`` of this resource holds the id of a row of ``target``: while it does, that row
    cannot be deleted (``InUse``, CFW.00200004)."""

    column: str
    target: str


@dataclass(frozen=True)
class Parent:
    """The row a child row (``Scope.PARENT``) belongs to: ``column`` holds the id of a row of the
    resource named ``resource``, of the same project. The parent must exist when a child is created
    or listed (else CFW.00200005); deleting it deletes its children."""

    resource: str
    column: str


@dataclass(frozen=True)
class Nested:
    """Children made with their parent: the create body's list field ``field`` holds the create
    bodies' items of the child resource ``child`` (a domain group's ``domain_names``). The parent and
    all its children are added in one transaction, or nothing."""

    field: str
    child: str


@dataclass(frozen=True)
class Batch:
    """A batch delete: ``body`` names the scope (``object_id`` or the parent's column) and, in its
    field ``ids``, the rows; all of them are deleted or none. ``answer(rows)`` is the ``data``."""

    body: type[msgspec.Struct]
    ids: str
    answer: Callable[[list[Any]], Any]
    #: body fields every row named must match (a black/white list batch names its ``list_type``)
    same: tuple[str, ...] = ()


@dataclass(frozen=True)
class Many:
    """A create of many rows in one call beside the one-row create (BatchCreateBlackWhiteList):
    ``body``'s list field ``items`` holds the rows' fields, the body's other fields are shared;
    all are added or none. ``answer(rows)`` is the ``data``."""

    body: type[msgspec.Struct]
    items: str
    answer: Callable[[list[Any]], Any]


@dataclass(frozen=True)
class Link:
    """A table outside the registry whose ``column`` holds ids of rows of the resource ``target``
    (an ACL rule's link rows naming the groups it uses): while a row there does, the target row
    cannot be deleted (``InUse``), and it counts in the target's ``ref_count``. With ``owner``
    (the table of the rows owning the link rows, named by their ``owner_column``), those rows'
    ``{"id", "name"}`` are the target's ``ref_rows`` (a domain group's ``rules``)."""

    table: str
    column: str
    target: str
    owner: str | None = None
    owner_column: str | None = None


@dataclass(frozen=True)
class Action:
    """An operation served by its own handler rather than a generic one (ACL rules: ordering),
    declared so that the OpenAPI document is generated from its structs all the same."""

    method: str
    path: str
    sdk: str
    title: str
    body: type[msgspec.Struct] | None = None
    query: type[msgspec.Struct] | None = None
    #: the error codes it may answer beyond the common ones (for the OpenAPI document)
    errors: tuple[type[OpenCfwError], ...] = ()
    #: the query has ``offset`` and ``limit``
    paged: bool = False
    #: the media type of a successful answer (a file download answers bytes)
    produces: str = "application/json"
    #: the body is a ``multipart/form-data`` upload of one ``file``
    upload: bool = False


#: what happens to a resource's rows when their firewall is deleted or their project reset
Cascade = Literal["delete"]

Kind = Literal["create", "create_many", "list", "get", "update", "delete", "delete_many", "fixed"]


@dataclass(frozen=True)
class Operation:
    """One operation of the API: the official SDK's name for it, method and path template."""

    kind: Kind
    method: str
    path: str
    sdk: str

    @property
    def parent_param(self) -> str | None:
        """The path parameter naming the parent row of a child resource's create, list or batch
        delete (``/domain-set/domains/{set_id}``), when the path names it rather than the body."""
        if self.kind not in ("create", "create_many", "list", "delete_many"):
            return None
        found = re.findall(r"\{(\w+)\}", self.path)
        return found[-1] if len(found) > 1 else None

    @property
    def id_param(self) -> str | None:
        """The path parameter naming the resource's id (the last one after ``project_id``)."""
        if self.kind in ("create", "create_many", "list", "delete_many", "fixed"):
            return None
        found = re.findall(r"\{(\w+)\}", self.path)
        return found[-1] if len(found) > 1 else None


@dataclass(frozen=True)
class Resource(Generic[M]):
    """One resource of the registry. See docs/resources.md for how to add one."""

    name: str  # also the prefix of its event types: ``<name>.created``
    title: str  # in messages: "The <title> <id> does not exist"
    table: str
    model: type[M]  # the stored row: its fields are the table's columns, in order
    create: type[msgspec.Struct]  # the create body
    update: type[msgspec.Struct] | None  # the update body (fields default to msgspec.UNSET)
    query: type[msgspec.Struct]  # the list query: the scope key (e.g. object_id) and the filters
    record: type[msgspec.Struct]  # the API view of a row
    scope: Scope
    operations: tuple[Operation, ...]
    filters: tuple[Filter, ...] = ()
    #: API field name -> model field, for the view fields whose names differ
    view: Mapping[str, str] = field(default_factory=dict)
    #: column tuples that are unique within a project; a second row raises ``conflict()``
    unique: tuple[tuple[str, ...], ...] = ()
    conflict: Callable[[], OpenCfwError] | None = None
    references: tuple[Reference, ...] = ()
    quota: Quota | None = None
    #: further quotas, checked after ``quota`` (a group's members also count per firewall)
    more_quotas: tuple[Quota, ...] = ()
    #: model -> model: checks a complete new or changed row (raises BadParameter & co.), may normalise it
    validate: Callable[[M], M] = field(default=lambda row: row)
    #: the ``data`` of the create, update and delete answers (default ``{"id"}``)
    answer: Callable[[M], dict[str, Any]] = field(default=lambda row: {"id": row.id})
    #: the error codes its operations may answer beyond the common ones (for the OpenAPI document)
    errors: tuple[type[OpenCfwError], ...] = ()
    on_firewall_delete: Cascade = "delete"
    on_project_reset: Cascade = "delete"
    #: for ``Scope.PARENT``: the parent row's resource and the column naming it
    parent: Parent | None = None
    #: (parent row, new child row) -> None: checks that a new child fits its parent (may raise)
    fits: Callable[[Any, M], None] | None = None
    #: the create body's list field whose elements each become a row (with the body's other
    #: fields): one create adds them all or none; the answer is then ``answer_many(rows)``
    items: str | None = None
    answer_many: Callable[[list[M]], dict[str, Any]] | None = None
    #: the body and answer of the ``delete_many`` operation
    batch: Batch | None = None
    #: the body and answer of the ``create_many`` operation
    many: Many | None = None
    #: the API view of one row read by id, when it differs from the list's record
    detail: type[msgspec.Struct] | None = None
    #: the record field that counts the rows of other resources referring to a row (``ref_count``)
    ref_count: str | None = None
    #: the record field listing ``{"id", "name"}`` of the rows referring to a row (a domain group's
    #: ``rules``); a referring child row (a rule's link to a group) is named by its parent row
    ref_rows: str | None = None
    #: record fields listing the distinct values of a column of the row's children, in order:
    #: ``{"protocols": ("service_item", "protocol")}``
    aggregates: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: columns of the parent row copied onto a new child row (a domain keeps its group's type)
    inherit: tuple[str, ...] = ()
    #: a batch delete may not take a parent's last child: this error instead (a domain group keeps
    #: one domain)
    keep_last: Callable[[], OpenCfwError] | None = None
    #: children made in the same create as the row (see ``Nested``)
    nested: Nested | None = None
    #: the rows every new firewall starts with (the predefined groups), stored with it in the same
    #: transaction: ``(project_id, firewall_id, internet_object_id, now_ms) -> rows``
    builtin: Callable[[str, str, str, int], list[M]] | None = None
    #: row -> the error refusing to change or delete it (a predefined group), or None
    read_only: Callable[[M], OpenCfwError | None] | None = None
    #: the error of a create on a VPC-border object (type 1) when only the Internet-border
    #: object (type 0) may hold the resource (AddAddressSet)
    internet_only: Callable[[], OpenCfwError] | None = None
    #: (row, now_ms) -> record fields computed at the time of the read (a status that moves with
    #: time, a JSON column shown as the structure it holds)
    computed: Callable[[M, int], dict[str, Any]] | None = None
    #: the record fields ``computed`` makes
    computed_fields: tuple[str, ...] = ()
    #: (current row, now_ms) -> None: may refuse an update or a delete of the row (a row still
    #: being applied answers a "retry later" error)
    settled: Callable[[M, int], None] | None = None
    #: columns holding structured values (lists, nested objects), stored as JSON text
    json_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        columns = self.columns
        for name in (self.table, *columns):
            if not _IDENTIFIER.match(name):
                raise ValueError(f"{self.name}: {name!r} is not a plain SQL identifier")
        if (self.scope is Scope.PARENT) != (self.parent is not None):
            raise ValueError(f"{self.name}: a parent is declared with Scope.PARENT, and only then")
        if self.items is not None and (
            self.items not in self.create.__struct_fields__ or not self.answer_many
        ):
            raise ValueError(f"{self.name}: `items` names a field of the create body and needs answer_many")
        if (self.batch is not None) != (self.operation("delete_many") is not None):
            raise ValueError(f"{self.name}: a delete_many operation needs its batch, and only it")
        if (self.many is not None) != (self.operation("create_many") is not None):
            raise ValueError(f"{self.name}: a create_many operation needs its `many`, and only it")
        required = (*self.scope_columns, "created_ms", "updated_ms")
        missing = [c for c in required if c not in columns]
        if missing:
            raise ValueError(f"{self.name}: the model lacks the columns {missing}")
        for f in self.filters:
            if f.child is None and any(c not in columns for c in f.targets):
                raise ValueError(f"{self.name}: filter {f.param!r} names an unknown column")
        for key in self.unique:
            if any(c not in columns for c in key):
                raise ValueError(f"{self.name}: unique key {key} names an unknown column")
        if any(c not in columns for q in self.quotas for c in q.per):
            raise ValueError(f"{self.name}: the quota names an unknown column")
        if (self.inherit or self.keep_last) and self.parent is None:
            raise ValueError(f"{self.name}: `inherit` and `keep_last` are for child resources")
        if any(c not in columns for c in self.inherit):
            raise ValueError(f"{self.name}: `inherit` names an unknown column")
        if self.nested is not None and self.nested.field not in self.create.__struct_fields__:
            raise ValueError(f"{self.name}: `nested` names a field of the create body")
        if (self.computed is None) != (not self.computed_fields):
            raise ValueError(f"{self.name}: computed fields need their function, and only they")
        if any(c not in columns for c in self.json_columns):
            raise ValueError(f"{self.name}: a JSON column is not a column")
        if self.unique and self.conflict is None:
            raise ValueError(f"{self.name}: a unique key needs its conflict error")

    @property
    def columns(self) -> tuple[str, ...]:
        return self.model.__struct_fields__

    @property
    def quotas(self) -> tuple[Quota, ...]:
        return (*((self.quota,) if self.quota else ()), *self.more_quotas)

    @property
    def scope_columns(self) -> tuple[str, ...]:
        """The identity and scope columns: the scope's, and the parent's column of a child."""
        return (*self.scope.columns, *((self.parent.column,) if self.parent else ()))

    @property
    def mutable(self) -> tuple[str, ...]:
        """The columns an update may change: everything but the identity and scope."""
        fixed = {*self.scope_columns, "created_ms"}
        return tuple(c for c in self.columns if c not in fixed)

    def operation(self, kind: Kind) -> Operation | None:
        return next((op for op in self.operations if op.kind == kind), None)

    def to_record(
        self, row: M, extra: Mapping[str, Any] | None = None, *, detail: bool = False
    ) -> dict[str, Any]:
        """The API view of a row: the record's (or detail's) fields, renamed per ``view``; the
        computed ``extra`` fields (``ref_count``) as given."""
        record = (self.detail or self.record) if detail else self.record
        more = extra or {}
        return {
            name: more[name] if name in more else getattr(row, self.view.get(name, name))
            for name in record.__struct_fields__
        }


@dataclass(frozen=True)
class Fixed:
    """A read-only operation that answers fixed data rather than rows of a table (ListRegions):
    ``{"data": [record, ...]}``. With ``needs_firewall`` the query names a live firewall of the
    project (``fw_instance_id``, else CFW.00200001; an unknown one is CFW.00200005)."""

    name: str
    operation: Operation
    record: type[msgspec.Struct]
    records: tuple[msgspec.Struct, ...]
    needs_firewall: bool = True


def optional(
    struct: type[msgspec.Struct], name: str, *, exclude: tuple[str, ...] = ()
) -> type[msgspec.Struct]:
    """The usual update body: ``struct``'s fields but ``exclude``, each optional (``msgspec.UNSET``
    when not sent, so that an explicit null can still clear a nullable field)."""
    fields = [
        (f.name, f.type | msgspec.UnsetType, msgspec.UNSET)
        for f in msgspec.structs.fields(struct)
        if f.name not in exclude
    ]
    made: type[msgspec.Struct] = msgspec.defstruct(name, fields, module=struct.__module__)
    return made


class Registry:
    """The resources opencfw serves by declaration, in dependency order (referenced ones first)."""

    def __init__(
        self,
        resources: list[Resource[Any]],
        *,
        owned_elsewhere: tuple[str, ...] = (),
        fixed: tuple[Fixed, ...] = (),
        links: tuple[Link, ...] = (),
        actions: tuple[Action, ...] = (),
    ) -> None:
        self._by_name = {r.name: r for r in resources}
        #: the read-only operations answering fixed data, by name
        self.fixed = {f.name: f for f in fixed}
        if len(self._by_name) != len(resources):
            raise ValueError("two resources share a name")
        for r in resources:
            if r.parent is not None and (
                r.parent.resource not in self._by_name
                or resources.index(self._by_name[r.parent.resource]) > resources.index(r)
            ):
                raise ValueError(f"{r.name}: its parent must be declared before it")
            for ref in r.references:
                if ref.target not in self._by_name or ref.column not in r.columns:
                    raise ValueError(f"{r.name}: bad reference {ref}")
            for child, column in r.aggregates.values():
                found = self._by_name.get(child)
                if found is None or found.parent is None or found.parent.resource != r.name:
                    raise ValueError(f"{r.name}: an aggregate names {child!r}, which is not its child")
                if column not in found.columns:
                    raise ValueError(f"{r.name}: an aggregate names an unknown column of {child}")
            if r.nested is not None:
                found = self._by_name.get(r.nested.child)
                if found is None or found.parent is None or found.parent.resource != r.name:
                    raise ValueError(f"{r.name}: `nested` names {r.nested.child!r}, which is not its child")
        #: tables with ``project_id`` and ``firewall_id`` columns that code outside the registry
        #: writes: project reset and firewall deletion clear them too, so that no table is forgotten
        self.owned_elsewhere = owned_elsewhere
        for link in links:
            names = (link.table, link.column, *((link.owner, link.owner_column) if link.owner else ()))
            if link.target not in self._by_name or not all(
                n is not None and _IDENTIFIER.match(n) for n in names
            ):
                raise ValueError(f"bad link {link}")
        self.links = links
        #: operations with their own handlers (``Action``), for the OpenAPI document
        self.actions = actions

    def __iter__(self) -> Iterator[Resource[Any]]:
        return iter(self._by_name.values())

    def __getitem__(self, name: str) -> Resource[Any]:
        return self._by_name[name]

    def __len__(self) -> int:
        return len(self._by_name)

    def children(self, parent: str) -> list[Resource[Any]]:
        """The resources whose rows are children of ``parent``'s rows (deleted with them)."""
        return [r for r in self if r.parent is not None and r.parent.resource == parent]

    def referrers(self, target: str) -> list[tuple[str, str]]:
        """The tables and columns that may hold ids of ``target``: declared references and links."""
        found = [(r.table, ref.column) for r in self for ref in r.references if ref.target == target]
        return found + [(link.table, link.column) for link in self.links if link.target == target]

    def referring(self, target: str) -> list[tuple[Resource[Any], Reference]]:
        """The declared resources (and their columns) that may hold ids of ``target`` (not links)."""
        return [(r, ref) for r in self for ref in r.references if ref.target == target]

    def teardown_order(self) -> list[Resource[Any]]:
        """Referring resources before the ones they refer to."""
        return list(reversed(list(self)))
