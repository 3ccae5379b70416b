"""The contract every resource of the registry keeps, written once and run for each declared
resource on both stores, over HTTP in-process: create, read, update, delete; offset paging with an
exact total and an empty page past the end; CFW.00200005 for unknown ids; another project's ids
answering exactly like unknown ones; an event for every change; unique keys; what goes with a
firewall or a project. A new resource only adds its example bodies to EXAMPLES."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from opencfw.resources import REGISTRY
from opencfw.resources.registry import Resource, Scope
from opencfw.service.resources import Where
from tests.unit import test_api
from tests.unit.test_api import P, assert_error, call
from tests.unit.test_api_protection import other_project, running

env = test_api.env
api = test_api.api

UNKNOWN = "f588ce71-e26c-400d-8981-f854355f6849"

#: per resource: the i-th of many distinct valid create bodies (scope keys are filled in), and a
#: valid change with the model field it shows up in
EXAMPLES: dict[str, tuple[Callable[[int], dict[str, Any]], dict[str, Any], str]] = {
    "black_white_list": (
        lambda i: {
            "list_type": 4,
            "direction": 0,
            "address_type": 0,
            "address": f"10.1.{i // 250}.{i % 250 + 1}",
            "protocol": 6,
            "port": "443",
        },
        {"description": "changed"},
        "description",
    ),
    "address_set": (
        lambda i: {"name": f"group-{i}", "address_type": 0},
        {"description": "changed"},
        "description",
    ),
    "service_set": (lambda i: {"name": f"services-{i}"}, {"description": "changed"}, "description"),
    "service_item": (
        lambda i: {"service_items": [{"protocol": 6, "source_port": "1-65535", "dest_port": str(i + 1)}]},
        {},
        "",
    ),
    "address_item": (
        lambda i: {"address_items": [{"address": f"10.2.{i // 250}.{i % 250 + 1}"}]},
        {},
        "",
    ),
    "domain_set": (
        lambda i: {"name": f"domains-{i}", "domain_set_type": i % 2},
        {"name": "renamed", "description": "changed"},
        "description",
    ),
    "domain": (lambda i: {"domain_names": [{"domain_name": f"n{i}.example.com"}]}, {}, ""),
    "schedule": (
        lambda i: {
            "name": f"plan-{i}",
            "periodic": [{"type": 0, "start_time": "08:00", "end_time": "18:00"}],
        },
        {"description": "changed"},
        "description",
    ),
    "report_profile": (
        lambda i: {"category": "daily", "name": f"daily-{i}", "topic_urn": "urn:smn:r:p:t", "send_period": 8},
        {"description": "changed"},
        "description",
    ),
}
_IPS_RULE = {
    "ips_name": "rule",
    "protocol": 9,
    "affected_os": 0,
    "attack_type": 5,
    "direction": 0,
    "severity": 1,
    "software": 0,
    "src_port": {"port_type": -1},
    "dst_port": {"port_type": 0, "ports": "80"},
    "contents": [
        {
            "content": "evil",
            "depth": 64,
            "is_hex": False,
            "is_ignore": True,
            "is_uri": True,
            "offset": 0,
            "relative_position": 0,
        }
    ],
}
_CAPTURE = {
    "duration": 5,
    "max_packets": 1000,
    "source": {"address": "10.0.0.1", "address_type": 0},
    "destination": {"address": "10.0.0.2", "address_type": 0},
    "service": {"protocol": 6, "source_port": "1-65535", "dest_port": "443"},
}
EXAMPLES |= {
    "customer_ips": (lambda i: {**_IPS_RULE, "ips_name": f"rule-{i}"}, {"severity": 3}, "severity"),
    "ips_whitelist": (
        lambda i: {
            "ips_white_list_dto_list": [
                {
                    "name": f"allow-{i}",
                    "ip_version": 4,
                    "ips_id": "all",
                    "effective_scopes": ["EIP"],
                    "source_address": f"10.3.{i // 250}.{i % 250 + 1}",
                }
            ]
        },
        {"description": "changed"},
        "description",
    ),
    "capture_task": (lambda i: {**_CAPTURE, "name": f"capture-{i}"}, {}, ""),
}
#: resources stored by declaration but served by declared actions (settings) have no contract here
RESOURCES = [pytest.param(r, id=r.name) for r in REGISTRY if r.operation("create")]
#: settings served by hand (their API has its own tests, tests/unit/test_api_protection.py)
SERVED_BY_HAND = {"ips_settings", "east_west"}


class World:
    """One resource under test: its scope in the caller's project, and its operations as calls."""

    def __init__(self, api, resource: Resource[Any]) -> None:
        self.runtime, self.clock, self.client = api
        self.r = resource
        self.make, self.change, self.changed_field = EXAMPLES[resource.name]
        self.scope: dict[str, str] = {}
        self.firewall_id = ""
        if resource.scope is not Scope.PROJECT:
            self.firewall_id, obj = running(self.runtime, self.client)
            self.scope = {"object_id": obj} if resource.scope is Scope.OBJECT else {}
        if resource.parent is not None:  # a child row: made in a fresh row of its parent
            parent = REGISTRY[resource.parent.resource]
            op = parent.operation("create")
            assert op is not None and parent.scope is Scope.OBJECT
            body = {**EXAMPLES[parent.name][0](0), "object_id": obj}
            reply = call(self.client, "POST", op.path.replace("{project_id}", P), body)
            assert reply.status == 200, reply.body
            self.scope = {resource.parent.column: reply.json["data"]["id"]}
            if "object_id" in resource.create.__struct_fields__:  # a domain names its group's object
                self.scope["object_id"] = obj

    def url(self, kind: str, row_id: str = "", **query: Any) -> str:
        op = self.r.operation(kind)  # type: ignore[arg-type]
        assert op is not None
        path = op.path.replace("{project_id}", P).replace("{fw_instance_id}", self.firewall_id)
        if op.parent_param and self.r.parent is not None:  # the parent is named by the path
            parent_id = query.pop(self.r.parent.column, self.scope.get(self.r.parent.column, ""))
            path = path.replace("{" + op.parent_param + "}", parent_id)
        if op.id_param:
            path = path.replace("{" + op.id_param + "}", row_id)
        if self.r.scope is Scope.FIREWALL:
            query = {"fw_instance_id": self.firewall_id, **query}
        return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")

    def create(self, i: int = 0, token: str | None = None):
        return call(self.client, "POST", self.url("create"), {**self.make(i), **self.scope}, token=token)

    def created(self, i: int = 0) -> str:
        reply = self.create(i)
        assert reply.status == 200, reply.body
        data = reply.json["data"]
        if self.r.settled is not None:  # a row being applied refuses changes for a while
            self.clock.advance(60)
        if self.r.items and "items" not in data and "id" in data:  # AddDomains answers its group
            return self.ids(limit=1024)[-1]
        if not self.r.items:
            return str(data["id"])
        return str(data["items"][0]["id"] if "items" in data else next(iter(data.values()))[0])

    def list(self, offset: int = 0, limit: int = 10, token: str | None = None, **extra: str):
        filters = {f.param: v for f in self.r.filters if (v := self.make(0).get(f.param)) is not None}
        # only the filters that every example shares (the scope and list kind, not the address)
        shared = {k: v for k, v in filters.items() if all(self.make(i).get(k) == v for i in range(3))}
        query = {**shared, **self.scope, **extra, "offset": offset, "limit": limit}
        project = query.pop("project", P)
        return call(self.client, "GET", self.url("list", **query).replace(P, project), token=token)

    def ids(self, **kw: Any) -> list[str]:
        reply = self.list(**kw)
        assert reply.status == 200, reply.body
        id_field = (
            next(k for k, v in self.r.view.items() if v == "id") if "id" in self.r.view.values() else "id"
        )
        return [rec[id_field] for rec in reply.json["data"]["records"]]

    def by_id(self, kind: str, row_id: str, token: str | None = None, project: str = P):
        if kind == "delete" and self.r.settled is not None:  # after the last change is applied
            self.clock.advance(60)
        if kind == "delete" and self.r.operation("delete") is None:  # only a batch delete
            assert self.r.batch is not None
            body = {self.r.batch.ids: [row_id], **self.scope}
            return call(self.client, "POST", self.url("delete_many").replace(P, project), body, token=token)
        method = {"get": "GET", "update": "PUT", "delete": "DELETE"}[kind]
        body = self.change if kind == "update" else None
        return call(self.client, method, self.url(kind, row_id).replace(P, project), body, token=token)

    def kinds_by_id(self) -> list[str]:
        return [k for k in ("get", "update", "delete") if self.r.operation(k) is not None]


def answered(reply) -> str:
    """The id an answer names: ``data.id``, or the first of the answer's only list of ids."""
    data = reply.json["data"]
    if "id" in data:
        return str(data["id"])
    found = next(iter(data.values()))
    return str(found[0] if isinstance(found, list) else found)


def test_every_resource_has_examples():
    """Adding a resource to the registry without example bodies for its contract fails here."""
    assert {r.name for r in REGISTRY if r.operation("create")} <= set(EXAMPLES)
    assert all(not REGISTRY[name].operations for name in SERVED_BY_HAND)


@pytest.mark.parametrize("resource", RESOURCES)
def test_create_read_update_delete(api, resource):
    """Create answers the new id; the list (and read) show it; an update changes it; a delete
    answers the id and the row is gone; the same id then answers CFW.00200005."""
    world = World(api, resource)
    row_id = world.created()
    assert world.ids() == [row_id]
    if world.r.operation("get"):
        assert world.by_id("get", row_id).status == 200
    if world.r.operation("update"):
        world.clock.advance(1)
        reply = world.by_id("update", row_id)
        assert (reply.status, answered(reply)) == (200, row_id), reply.body
        row = world.runtime.resources[resource.name].get(Where(P), row_id)
        assert getattr(row, world.changed_field) == world.change[world.changed_field]
        assert row.updated_ms == world.clock.now_ms() > row.created_ms
    if world.r.operation("delete") is None:  # deleted in batches only (the resource's own tests)
        return
    reply = world.by_id("delete", row_id)
    assert (reply.status, answered(reply)) == (200, row_id), reply.body
    assert world.ids() == []
    for kind in world.kinds_by_id():
        assert_error(world.by_id(kind, row_id), 400, "CFW.00200005", row_id)


@pytest.mark.parametrize("resource", RESOURCES)
def test_paging_has_an_exact_total_and_an_empty_page_past_the_end(api, resource):
    """Pages follow creation order without gaps or repeats; total is exact on every page, also on
    the empty page past the end."""
    world = World(api, resource)
    made = []
    for i in range(5):
        made.append(world.created(i))
        world.clock.advance(0.001)
    seen = []
    for offset in (0, 2, 4):
        reply = world.list(offset=offset, limit=2)
        data = reply.json["data"]
        assert (data["total"], data["offset"], data["limit"]) == (5, offset, 2)
        seen += world.ids(offset=offset, limit=2)
    assert seen == made
    for offset in (5, 6, 2**31 - 1):
        data = world.list(offset=offset, limit=2).json["data"]
        assert (data["total"], data["records"]) == (5, [])
    assert_error(world.list(limit=0), 400, "CFW.00200001", "limit")
    assert_error(world.list(offset=-1), 400, "CFW.00200001", "offset")


@pytest.mark.parametrize("resource", RESOURCES)
def test_unknown_ids_and_scopes_are_not_found(api, resource):
    """Every operation by id answers 400 CFW.00200005 for an unknown id; create and list for an
    unknown protected object or firewall."""
    world = World(api, resource)
    for kind in world.kinds_by_id():
        assert_error(world.by_id(kind, UNKNOWN), 400, "CFW.00200005", UNKNOWN)
    if resource.scope is Scope.OBJECT:
        reply = call(world.client, "POST", world.url("create"), {**world.make(0), "object_id": UNKNOWN})
        assert_error(reply, 400, "CFW.00200005", UNKNOWN)
        assert_error(world.list(object_id=UNKNOWN), 400, "CFW.00200005", UNKNOWN)
        # an object of the project, but not of the firewall named in the query
        reply = world.list(fw_instance_id=UNKNOWN)
        assert_error(reply, 400, "CFW.00200005")
    if resource.parent is not None:
        key = resource.parent.column
        url = world.url("create", **{key: UNKNOWN})
        reply = call(world.client, "POST", url, {**world.make(0), **world.scope, key: UNKNOWN})
        assert_error(reply, 400, "CFW.00200005", UNKNOWN)
        assert_error(world.list(**{key: UNKNOWN}), 400, "CFW.00200005", UNKNOWN)
        assert_error(world.list(fw_instance_id=UNKNOWN), 400, "CFW.00200005")


@pytest.mark.parametrize("resource", RESOURCES)
def test_another_projects_ids_answer_like_unknown_ones(api, resource):
    """Seen from another project of the same account, a row and its object answer exactly what an
    unknown id answers (same status, code and message but for the id)."""
    world = World(api, resource)
    row_id = world.created()
    other = other_project(world.runtime, world.client)
    for kind in world.kinds_by_id():
        foreign = world.by_id(kind, row_id, token=other, project=test_api.OTHER)
        unknown = world.by_id(kind, UNKNOWN, token=other, project=test_api.OTHER)
        assert foreign.status == unknown.status == 400
        assert foreign.json == {
            **unknown.json,
            "error_msg": unknown.json["error_msg"].replace(UNKNOWN, row_id),
        }
    if resource.scope is Scope.OBJECT:
        obj = world.scope["object_id"]
        foreign = world.list(token=other, project=test_api.OTHER)
        unknown = world.list(token=other, project=test_api.OTHER, object_id=UNKNOWN)
        assert foreign.json == {**unknown.json, "error_msg": unknown.json["error_msg"].replace(UNKNOWN, obj)}
    if resource.parent is not None:
        key = resource.parent.column
        parent_id = world.scope[key]
        foreign = world.list(token=other, project=test_api.OTHER)
        unknown = world.list(token=other, project=test_api.OTHER, **{key: UNKNOWN})
        assert foreign.status == unknown.status == 400
        assert foreign.json == {
            **unknown.json,
            "error_msg": unknown.json["error_msg"].replace(UNKNOWN, parent_id),
        }
    assert world.ids() == [row_id]  # and nothing was changed by those attempts


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_change_is_an_event(api, resource):
    """Create, update and delete each write one event ``<resource>.<change>`` naming the row."""
    world = World(api, resource)
    store = world.runtime.store
    after = store.last_event_seq(P)
    row_id = world.created()
    if world.r.operation("update"):
        world.by_id("update", row_id)
    deletes = world.r.operation("delete") is not None
    if deletes:
        world.by_id("delete", row_id)
    events = [(kind, data["id"]) for _, kind, data, _ in store.events_since(P, after)]
    changes = [
        "created",
        *(["updated"] if world.r.operation("update") else []),
        *(["deleted"] if deletes else []),
    ]
    assert events == [(f"{resource.name}.{change}", row_id) for change in changes]


@pytest.mark.parametrize("resource", [r for r in RESOURCES if r.values[0].unique])
def test_a_unique_key_twice_is_the_resources_conflict(api, resource):
    """A second row with the same unique key answers the resource's conflict error; nothing is added."""
    world = World(api, resource)
    world.created()
    reply = world.create()
    assert_error(reply, 400, resource.conflict().error_code)
    assert len(world.ids()) == 1


@pytest.mark.parametrize("resource", RESOURCES)
def test_rows_go_with_their_project_and_firewall(api, resource):
    """A project reset deletes the project's rows; deleting a firewall deletes the rows it owned,
    whose ids then answer CFW.00200005."""
    world = World(api, resource)
    row_id = world.created()
    repo = world.runtime.resources[resource.name].repo
    if resource.scope is not Scope.PROJECT:
        reply = call(world.client, "DELETE", f"/v2/{P}/firewall/{world.firewall_id}")
        assert reply.status == 200, reply.body
        world.clock.advance(1)
        while world.runtime.worker.run_once():
            pass
        assert repo.get(Where(P), row_id) is None
        for kind in world.kinds_by_id():
            assert_error(world.by_id(kind, row_id), 400, "CFW.00200005")
        world = World(api, resource)
        row_id = world.created()
    world.runtime.store.reset_project(P, world.clock.now_ms())
    assert repo.get(Where(P), row_id) is None


# -- the resources served by hand keep the repository's part of the contract

STORE_P = "b" * 32  # the project of tests.unit.test_store_protection's firewalls


def _made(store, clock, name: str, i: int) -> tuple[Where, str]:
    """A row of a hand-served resource, through its service: where it lives and its id."""
    from opencfw.service.protection import Protection
    from tests.unit.test_store_protection import firewall

    firewall_id, obj = firewall(store, clock, f"fw-{i}")
    protection = Protection(store, clock)
    if name == "ips_settings":
        protection.set_ips_mode(STORE_P, obj, 1)
        return Where(STORE_P, firewall_id, obj), obj
    ew = protection.create_east_west(
        STORE_P, firewall_id, er_id="er", inspection_cidr="10.0.0.0/16", mode="er"
    )
    return Where(STORE_P, firewall_id), ew.object_id


@pytest.mark.parametrize("name", sorted(SERVED_BY_HAND))
def test_hand_served_resources_keep_the_repository_contract(store, clock, name):
    """IPS settings and east-west protection, stored by the registry: an exact total and an empty
    page past the end, another project's ids read exactly like unknown ones, an event per change,
    and rows gone with their firewall's project."""
    from opencfw.service.resources import ResourceServices

    repo = ResourceServices(store, clock)[name].repo
    made = [_made(store, clock, name, i) for i in range(3)]
    for where, row_id in made:
        total, rows = repo.page(where, {}, 0, 10)
        assert total == len(rows) >= 1 and row_id in [r.id for r in rows]
        assert repo.page(where, {}, total, 10) == (total, [])
        assert repo.get(where, row_id).id == row_id
        other = Where("c" * 32, where.firewall_id, where.object_id)
        assert repo.get(other, row_id) is None and repo.get(where, UNKNOWN) is None
        assert repo.page(other, {}, 0, 10) == repo.page(Where("c" * 32, UNKNOWN, UNKNOWN), {}, 0, 10)
    changed = repo.update(made[0][0], made[0][1], lambda row: row)
    assert changed is not None
    events = [(kind, data) for _, kind, data, _ in store.events_since(STORE_P, 0)]
    created = [data["id"] for kind, data in events if kind == f"{name}.created"]
    assert created == [row_id for _, row_id in made]
    assert (f"{name}.updated", {k: v for k, v in events[-1][1].items()}) == events[-1]
    store.reset_project(STORE_P, clock.now_ms())
    assert all(repo.get(where, row_id) is None for where, row_id in made)
