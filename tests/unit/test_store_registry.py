"""The registry's repository and service on SQLite and PostgreSQL: lifecycles that leave no table
behind, and, on a registry of two test resources, project and firewall scopes, key-word filters,
unique keys and in-use references."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest
from msgspec import UNSET, Meta, Struct, UnsetType

from opencfw.domain.errors import InUse, NameConflict, NotFound
from opencfw.domain.protection import IpsMode
from opencfw.resources import REGISTRY
from opencfw.resources.registry import Filter, Match, Operation, Reference, Registry, Resource, Scope
from opencfw.service.protection import Protection
from opencfw.service.resources import ResourceServices, Where
from opencfw.store import lifecycles
from opencfw.store.db import Database
from tests.unit.test_store_protection import P, firewall

#: tables whose rows the project reset or firewall deletion deal with by hand, or that hold no
#: project data (accounts, keys, the event log kept across a reset)
HANDLED = {"firewalls", "jobs", "job_steps", "idempotency_keys", "events", "meta", "domains", "projects"}
HANDLED |= {"users", "access_keys", "schema_migrations"}
#: the EIP inventory is the project's, not a firewall's: a project reset deletes it by hand
HANDLED |= {"eips", "eip_inventories"}


def tables(store) -> dict[str, set[str]]:
    """``{table: columns}`` of the store's schema."""
    with store._read() as conn:
        if store.dialect == "sqlite":
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                ).fetchall()
            ]
        else:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                ).fetchall()
            ]
        found = {}
        for name in names:
            cur = conn.execute(f"SELECT * FROM {name} LIMIT 0")
            found[name] = {d[0] for d in cur.description}
    return found


def test_no_table_is_forgotten(store):
    """Every table of the schema is a registry resource, a table the registry clears for code
    outside it, or one the lifecycle code handles by hand: a new table must be declared somewhere."""
    schema = tables(store)
    declared = {r.table for r in REGISTRY} | set(REGISTRY.owned_elsewhere)
    assert set(schema) - declared - HANDLED == set()
    for table in REGISTRY.owned_elsewhere:
        assert {"project_id", "firewall_id"} <= schema[table]


def count(store, table: str) -> int:
    with store._read() as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_project_reset_clears_ips_settings_and_east_west(store, clock):
    """A reset used to leave the project's IPS settings and east-west rows behind; now it walks the
    registry, which names those tables too."""
    firewall_id, obj = firewall(store, clock)
    protection = Protection(store, clock)
    protection.set_ips_mode(P, obj, int(IpsMode.STRICT))
    protection.create_east_west(P, firewall_id, er_id="er", inspection_cidr="10.0.0.0/16", mode="er")
    assert (count(store, "ips_settings"), count(store, "east_west")) == (1, 1)
    store.reset_project(P, clock.now_ms())
    assert (count(store, "ips_settings"), count(store, "east_west")) == (0, 0)


# -- a registry of two test resources


class Gadget(Struct):
    id: str
    project_id: str
    name: str
    description: str | None
    created_ms: int
    updated_ms: int


class GadgetIn(Struct):
    name: Annotated[str, Meta(min_length=1)]
    description: str | None = None


class GadgetChange(Struct):
    name: str | UnsetType = UNSET
    description: str | UnsetType | None = UNSET


class GadgetQuery(Struct):
    key_word: str | None = None


class Widget(Struct):
    id: str
    project_id: str
    firewall_id: str
    gadget_id: str
    created_ms: int
    updated_ms: int


class WidgetIn(Struct):
    gadget_id: str


def _ops(name: str) -> tuple[Operation, ...]:
    return (Operation("list", "GET", f"/v1/{{project_id}}/{name}s", f"list_{name}s"),)


GADGET = Resource(
    name="gadget",
    title="gadget",
    table="test_gadgets",
    model=Gadget,
    create=GadgetIn,
    update=GadgetChange,
    query=GadgetQuery,
    record=Gadget,
    scope=Scope.PROJECT,
    operations=_ops("gadget"),
    filters=(Filter("key_word", Match.KEY_WORD, ("name", "description")),),
    unique=(("project_id", "name"),),
    conflict=NameConflict,
)
WIDGET = Resource(
    name="widget",
    title="widget",
    table="test_widgets",
    model=Widget,
    create=WidgetIn,
    update=None,
    query=GadgetQuery,
    record=Widget,
    scope=Scope.FIREWALL,
    operations=_ops("widget"),
    references=(Reference("gadget_id", "gadget"),),
)
TOYS = Registry([GADGET, WIDGET])
DDL = [
    "CREATE TABLE test_gadgets (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, name TEXT NOT NULL, "
    "description TEXT, created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL)",
    "CREATE UNIQUE INDEX test_gadgets_name ON test_gadgets (project_id, name)",
    "CREATE TABLE test_widgets (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, firewall_id TEXT NOT NULL, "
    "gadget_id TEXT NOT NULL, created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL)",
]


@pytest.fixture
def toys(store, clock):
    with store._write() as conn:
        for statement in DDL:
            conn.execute(statement)
    return ResourceServices(store, clock, TOYS)


def test_key_word_matches_part_of_any_named_column_in_any_case(toys):
    """``key_word`` finds rows whose name or description contains it, ignoring case."""
    gadgets = toys["gadget"]
    where = Where(P)
    a = gadgets.create(where, GadgetIn("Alpha-One", "first"))
    b = gadgets.create(where, GadgetIn("beta", "the ALPHA team"))
    gadgets.create(where, GadgetIn("gamma"))
    assert {g.id for g in gadgets.list(where, {"key_word": "alpha"}, 0, 10)[1]} == {a.id, b.id}
    assert gadgets.list(where, {"key_word": "ONE"}, 0, 10)[0] == 1
    assert gadgets.list(where, {"key_word": "%"}, 0, 10)[0] == 0  # no LIKE wildcards
    assert gadgets.list(Where("c" * 32), {}, 0, 10) == (0, [])  # another project sees nothing


def test_a_unique_name_and_a_rename_onto_it_conflict(toys):
    """A second gadget with a name, or a rename onto a used name, is the declared conflict."""
    gadgets = toys["gadget"]
    gadgets.create(Where(P), GadgetIn("one"))
    two = gadgets.create(Where(P), GadgetIn("two"))
    with pytest.raises(NameConflict):
        gadgets.create(Where(P), GadgetIn("one"))
    with pytest.raises(NameConflict):
        gadgets.update(Where(P), two.id, GadgetChange(name="one"))
    assert gadgets.update(Where(P), two.id, GadgetChange(description=None)).name == "two"
    assert gadgets.create(Where("c" * 32), GadgetIn("one")).name == "one"  # per project


def test_a_referenced_row_cannot_be_deleted(store, clock, toys):
    """While a widget refers to a gadget, deleting the gadget is CFW.00200004 and changes nothing;
    once the widget is gone, the gadget can go."""
    firewall_id, _ = firewall(store, clock)
    gadget = toys["gadget"].create(Where(P), GadgetIn("g"))
    widget = toys["widget"].create(Where(P, firewall_id), WidgetIn(gadget.id))
    with pytest.raises(InUse) as caught:
        toys["gadget"].delete(Where(P), gadget.id)
    assert caught.value.error_code == "CFW.00200004"
    assert toys["gadget"].get(Where(P), gadget.id) == gadget
    toys["widget"].delete(Where(P), widget.id)
    toys["gadget"].delete(Where(P), gadget.id)
    with pytest.raises(NotFound):
        toys["gadget"].get(Where(P), gadget.id)


def test_firewall_scope_needs_a_live_firewall_of_the_project(store, clock, toys):
    """A firewall-scoped row needs an existing firewall of the caller's project; reads by id with
    another firewall named answer not found."""
    firewall_id, _ = firewall(store, clock)
    with pytest.raises(NotFound, match="firewall instance nope"):
        toys["widget"].create(Where(P, "nope"), WidgetIn("g"))
    with pytest.raises(NotFound):
        toys["widget"].create(Where("c" * 32, firewall_id), WidgetIn("g"))
    widget = toys["widget"].create(Where(P, firewall_id), WidgetIn("g"))
    assert toys["widget"].get(Where(P, firewall_id), widget.id) == widget
    with pytest.raises(NotFound):
        toys["widget"].get(Where(P, "other"), widget.id)


def test_purges_walk_every_table_of_a_registry(store, clock, toys):
    """Deleting a firewall's rows leaves the project's other rows; a project purge takes all."""
    firewall_id, _ = firewall(store, clock)
    other_firewall, _ = firewall(store, clock, "fw2")
    gadget = toys["gadget"].create(Where(P), GadgetIn("g"))
    toys["widget"].create(Where(P, firewall_id), WidgetIn(gadget.id))
    kept = toys["widget"].create(Where(P, other_firewall), WidgetIn(gadget.id))
    db = Database(store)
    with store._write() as conn:
        assert lifecycles.purge_firewall(db, conn, Registry([GADGET, WIDGET]), firewall_id) == 1
    assert toys["widget"].list(Where(P, other_firewall), {}, 0, 10) == (1, [kept])
    with store._write() as conn:
        assert lifecycles.purge_project(db, conn, TOYS, P) == 2
    assert toys["gadget"].list(Where(P), {}, 0, 10) == (0, [])


def test_the_model_is_the_row(toys):
    """What create returns is what a read returns: every column round-trips on both stores."""
    created = toys["gadget"].create(Where(P), GadgetIn("g", "d"))
    assert msgspec.structs.asdict(toys["gadget"].get(Where(P), created.id)) == msgspec.structs.asdict(created)


def test_retention_takes_what_a_long_deleted_firewall_left(store, clock):
    """Rows of a firewall deleted before its rows went with it (a store older than the registry)
    are purged with the firewall by retention."""
    firewall_id, obj = firewall(store, clock)
    Protection(store, clock).set_ips_mode(P, obj, int(IpsMode.STRICT))
    with store._write() as conn:
        conn.execute(store._q("UPDATE firewalls SET status = 4 WHERE id = ?"), (firewall_id,))
    store.purge_finished(clock.now_ms() - 1)
    assert count(store, "ips_settings") == 1  # not old enough yet
    store.purge_finished(clock.now_ms() + 1)
    assert count(store, "ips_settings") == 0
