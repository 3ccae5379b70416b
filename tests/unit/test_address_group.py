"""Address groups and their members over HTTP, in-process, on both stores: what is particular to
them (the common behaviour of every registry resource is in test_resource_contract.py)."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest

from opencfw.resources import address_group
from opencfw.resources.registry import Registry
from opencfw.service.resources import ResourceServices, Where
from tests.unit import test_api
from tests.unit.test_api import P, assert_error, call
from tests.unit.test_api_protection import running

env = test_api.env
api = test_api.api

SET = f"/v1/{P}/address-set"
SETS = f"/v1/{P}/address-sets"
ITEMS = f"/v1/{P}/address-items"
UNKNOWN = "f588ce71-e26c-400d-8981-f854355f6849"


def group(client, obj: str, name: str = "web", **more) -> str:
    reply = call(client, "POST", SET, {"object_id": obj, "name": name, **more})
    assert reply.status == 200, reply.body
    assert reply.json["data"] == {"id": reply.json["data"]["id"], "name": name}
    return reply.json["data"]["id"]


def add(client, set_id: str, *addresses: str, **more):
    items = [{"address": a, **more} for a in addresses]
    return call(client, "POST", ITEMS, {"set_id": set_id, "address_items": items})


def members(client, set_id: str, query: str = "") -> dict:
    reply = call(client, "GET", f"{ITEMS}?set_id={set_id}&offset=0&limit=100{query}")
    assert reply.status == 200, reply.body
    return reply.json["data"]


def groups(client, obj: str, query: str = "") -> dict:
    reply = call(client, "GET", f"{SETS}?object_id={obj}&offset=0&limit=100{query}")
    assert reply.status == 200, reply.body
    return reply.json["data"]


# -- groups


def test_a_group_reads_back_in_the_list_and_by_id(api):
    """The list record and the detail carry the SDK's fields; a user-defined group is of type 0 and
    referred to by nothing yet."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    set_id = group(client, obj, "web-servers", description="front", address_type=1)
    assert groups(client, obj)["records"] == [
        {
            "set_id": set_id,
            "ref_count": 0,
            "description": "front",
            "address_type": 1,
            "object_id": obj,
            "address_set_type": 0,
            "name": "web-servers",
        }
    ]
    reply = call(client, "GET", f"{SETS}/{set_id}")
    assert reply.json == {
        "data": {
            "id": set_id,
            "name": "web-servers",
            "description": "front",
            "address_set_type": 0,
            "address_type": 1,
        }
    }


def test_group_filters(api):
    """``key_word`` is a case-insensitive part of the name or description; ``address_type``,
    ``address_set_type`` and ``query_address_set_type`` (0 user-defined, 1 predefined) exact."""
    runtime, clock, client = api
    _, obj = running(runtime, client)
    a = group(client, obj, "Web", description="front")
    clock.advance(0.001)
    b = group(client, obj, "db", description="backend web", address_type=1)
    clock.advance(0.001)
    group(client, obj, "other")
    ids = lambda query: [r["set_id"] for r in groups(client, obj, query)["records"]]  # noqa: E731
    assert ids("&key_word=WEB") == [a, b]
    assert ids("&key_word=web&address_type=1") == [b]
    assert ids("&address_type=0") == [a, groups(client, obj)["records"][2]["set_id"]]
    # user-defined groups unless predefined ones are asked for (test_predefined.py)
    assert ids("&query_address_set_type=0") == ids("&address_set_type=0") == ids("")
    assert a not in ids("&query_address_set_type=1") and ids("&address_set_type=3") == []
    assert_error(
        call(client, "GET", f"{SETS}?object_id={obj}&offset=0&limit=1&query_address_set_type=2"),
        400,
        "CFW.00200001",
        "query_address_set_type",
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": ""}, "name"),
        ({"name": "a b"}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"name": "ok", "address_type": 2}, "address_type"),
        ({"name": "ok", "description": "d" * 256}, "description"),
        ({"description": "no name"}, "name"),
    ],
)
def test_bad_groups_are_refused_naming_the_field(api, body, field):
    runtime, _, client = api
    _, obj = running(runtime, client)
    assert_error(call(client, "POST", SET, {"object_id": obj, **body}), 400, "CFW.00200001", field)
    assert groups(client, obj)["total"] == 0


def test_group_names_are_unique_within_an_object(api):
    """A second group of a name in an object, by add or rename, is CFW.00200007; another object's
    group may share it."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    _, other_obj = running(runtime, client, name="fw-2")
    group(client, obj, "web")
    assert_error(call(client, "POST", SET, {"object_id": obj, "name": "web"}), 400, "CFW.00200007")
    group(client, other_obj, "web")
    db = group(client, obj, "db")
    assert_error(call(client, "PUT", f"{SETS}/{db}", {"name": "web"}), 400, "CFW.00200007")
    reply = call(client, "PUT", f"{SETS}/{db}", {"name": "db2", "description": "x"})
    assert reply.json == {"data": {"id": db, "name": "db2"}}
    assert_error(call(client, "PUT", f"{SETS}/{db}", {"name": "a b"}), 400, "CFW.00200001", "name")


def test_a_firewall_holds_at_most_its_quota_of_groups(api):
    """At most 3,800 groups per firewall (CFW.00900020), counted over its objects; another
    firewall counts apart (checked with the quota lowered to 2)."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    _, other_obj = running(runtime, client, name="fw-2")
    resource = address_group.ADDRESS_SET
    assert resource.quota is not None and resource.quota.limit == 3800
    small = dataclasses.replace(resource, quota=dataclasses.replace(resource.quota, limit=2))
    sets = ResourceServices(runtime.store, runtime.clock, Registry([small]))["address_set"]

    def make(o: str, name: str):
        body = msgspec.convert({"object_id": o, "name": name}, address_group.AddAddressSetDto)
        return sets.create(Where(P, None, o), body)

    make(obj, "a")
    make(obj, "b")
    with pytest.raises(address_group.GroupsFull):
        make(obj, "c")
    make(other_obj, "c")
    assert groups(client, obj)["total"] == 2


# -- members


def test_members_are_added_many_at_once_and_listed_with_their_group(api):
    """One call adds every address, answering their ids in order; the list names the group and
    gives each member the family of its address when none was sent. (Members added in one call
    share their creation time, so they list in id order.)"""
    runtime, _, client = api
    _, obj = running(runtime, client)
    for address_type, addresses in (
        (1, ["2001:db8::1", "2001:db8::/32", "::1-::5"]),
        (0, ["10.0.0.1", "10.1.0.0/16", "10.2.0.1-10.2.0.9"]),
    ):
        set_id = group(client, obj, f"v{address_type}", address_type=address_type)
        reply = add(client, set_id, *addresses)
        assert reply.status == 200, reply.body
        ids = [item["id"] for item in reply.json["data"]["items"]]
        assert len(set(ids)) == 3 and reply.json["data"]["covered_ip"] == []
        data = members(client, set_id)
        assert (data["set_id"], data["total"]) == (set_id, 3)
        assert sorted((r["item_id"], r["address"], r["address_type"]) for r in data["records"]) == sorted(
            (i, a, address_type) for i, a in zip(ids, addresses, strict=True)
        )
    assert members(client, set_id, "&address=10.0.0.1")["records"] == [
        {
            "item_id": ids[0],
            "name": None,
            "description": None,
            "address_type": 0,
            "address": "10.0.0.1",
        }
    ]


@pytest.mark.parametrize(
    "item",
    [
        {"address": "10.0.0"},
        {"address": "10.0.0.1/33"},
        {"address": "10.0.0.9-10.0.0.1"},
        {"address": "10.0.0.1-::1"},
        {"address": "web.example.com"},
        {"address": "10.0.0.1", "address_type": 1},
        {"address": "::1", "address_type": 0},
        {"address": ""},
    ],
)
def test_bad_members_are_refused_and_nothing_is_added(api, item):
    """A bad address anywhere in the call is 400 CFW.00200001 naming `address`, and none of the
    call's addresses is added."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    set_id = group(client, obj)
    body = {"set_id": set_id, "address_items": [{"address": "10.9.9.9"}, item]}
    assert_error(call(client, "POST", ITEMS, body), 400, "CFW.00200001", "address")
    assert members(client, set_id)["total"] == 0


def test_a_group_holds_addresses_of_its_family(api):
    """An IPv6 address in an IPv4 group, or the reverse, is CFW.00200028 and the call adds nothing."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    v4, v6 = group(client, obj, "v4"), group(client, obj, "v6", address_type=1)
    assert_error(add(client, v4, "10.0.0.1", "2001:db8::1"), 400, "CFW.00200028", "2001:db8::1")
    assert_error(add(client, v6, "::1", "10.0.0.0/8"), 400, "CFW.00200028", "10.0.0.0/8")
    assert members(client, v4)["total"] == members(client, v6)["total"] == 0


def test_an_empty_call_is_refused(api):
    runtime, _, client = api
    _, obj = running(runtime, client)
    set_id = group(client, obj)
    reply = call(client, "POST", ITEMS, {"set_id": set_id, "address_items": []})
    assert_error(reply, 400, "CFW.00200001", "address_items")


def test_an_address_is_once_in_a_group(api):
    """An address already in the group, or twice in one call, is CFW.00400004 and the call adds
    nothing; another group may hold it."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    set_id, other = group(client, obj), group(client, obj, "other")
    assert add(client, set_id, "10.0.0.1").status == 200
    assert_error(add(client, set_id, "10.0.0.2", "10.0.0.1"), 400, "CFW.00400004")
    assert_error(add(client, set_id, "10.0.0.3", "10.0.0.3"), 400, "CFW.00400004")
    assert [r["address"] for r in members(client, set_id)["records"]] == ["10.0.0.1"]
    assert add(client, other, "10.0.0.1").status == 200


def test_a_group_holds_at_most_its_quota_of_members(api):
    """At most 640 addresses per group (CFW.00200024), a call counted whole; another group counts
    apart (checked with the quota lowered to 3)."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    set_id, other = group(client, obj), group(client, obj, "other")
    resource = address_group.ADDRESS_ITEM
    assert resource.quota is not None and resource.quota.limit == 640
    small = dataclasses.replace(resource, quota=dataclasses.replace(resource.quota, limit=3))
    registry = Registry([address_group.ADDRESS_SET, small])
    items = ResourceServices(runtime.store, runtime.clock, registry)["address_item"]

    def put(s: str, *addresses: str):
        body = {"set_id": s, "address_items": [{"address": a} for a in addresses]}
        return items.create_many(
            Where(P, parent_id=s), msgspec.convert(body, address_group.AddAddressItemsInfoDto)
        )

    put(set_id, "10.0.0.1", "10.0.0.2")
    with pytest.raises(address_group.ItemsFull):
        put(set_id, "10.0.0.3", "10.0.0.4")
    put(set_id, "10.0.0.3")
    put(other, "10.0.0.1", "10.0.0.2", "10.0.0.3")
    assert members(client, set_id)["total"] == 3
    # and through HTTP: 641 in one call is refused by the body's bound
    many = [f"10.1.{i // 250}.{i % 250 + 1}" for i in range(641)]
    assert_error(add(client, other, *many), 400, "CFW.00200001", "address_items")


def test_member_filters(api):
    """``address`` finds a member by its address or IP part; ``key_word`` by name or description."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    set_id = group(client, obj)
    body = {
        "set_id": set_id,
        "address_items": [
            {"address": "10.0.0.0/24", "description": "Office"},
            {"address": "10.0.0.1", "name": "gateway"},
            {"address": "10.0.0.10"},
        ],
    }
    assert call(client, "POST", ITEMS, body).status == 200
    found = lambda query: [r["address"] for r in members(client, set_id, query)["records"]]  # noqa: E731
    assert found("&address=10.0.0.0") == ["10.0.0.0/24"]
    assert found("&address=10.0.0.1") == ["10.0.0.1"]
    assert found("&key_word=OFFICE") == ["10.0.0.0/24"]
    assert found("&key_word=gate") == ["10.0.0.1"]


def test_unknown_groups_are_not_found(api):
    """Adding to or listing an unknown group, or another project's, is CFW.00200005."""
    runtime, _, client = api
    running(runtime, client)
    assert_error(add(client, UNKNOWN, "10.0.0.1"), 400, "CFW.00200005", UNKNOWN)
    reply = call(client, "GET", f"{ITEMS}?set_id={UNKNOWN}&offset=0&limit=10")
    assert_error(reply, 400, "CFW.00200005", UNKNOWN)
    assert_error(call(client, "DELETE", f"{ITEMS}/{UNKNOWN}"), 400, "CFW.00200005", UNKNOWN)


def test_deleting_a_member_answers_its_address(api):
    runtime, _, client = api
    _, obj = running(runtime, client)
    set_id = group(client, obj)
    item_id = add(client, set_id, "10.0.0.0/8").json["data"]["items"][0]["id"]
    reply = call(client, "DELETE", f"{ITEMS}/{item_id}")
    assert reply.json == {"data": {"id": item_id, "name": "10.0.0.0/8"}}
    assert members(client, set_id)["total"] == 0


def test_deleting_a_group_deletes_its_members(api):
    """Members go with their group: their ids and the group's then answer CFW.00200005; the other
    groups keep theirs."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    set_id, other = group(client, obj), group(client, obj, "other")
    ids = [i["id"] for i in add(client, set_id, "10.0.0.1", "10.0.0.2").json["data"]["items"]]
    assert add(client, other, "10.0.0.1").status == 200
    reply = call(client, "DELETE", f"{SETS}/{set_id}")
    assert reply.json == {"data": {"id": set_id, "name": "web"}}
    items = runtime.resources["address_item"]
    assert all(items.repo.get(Where(P), i) is None for i in ids)
    assert_error(call(client, "DELETE", f"{ITEMS}/{ids[0]}"), 400, "CFW.00200005", ids[0])
    reply = call(client, "GET", f"{ITEMS}?set_id={set_id}&offset=0&limit=10")
    assert_error(reply, 400, "CFW.00200005", set_id)
    assert members(client, other)["total"] == 1


def test_answers_match_the_generated_document(api):
    """Answers of the group and member operations, successes and errors, match the OpenAPI document."""
    from tests.unit.test_openapi import validate

    runtime, _, client = api
    _, obj = running(runtime, client)
    reply = call(client, "POST", SET, {"object_id": obj, "name": "web"})
    validate(reply, "POST", "/v1/{project_id}/address-set")
    set_id = reply.json["data"]["id"]
    validate(
        call(client, "POST", SET, {"object_id": obj, "name": "web"}), "POST", "/v1/{project_id}/address-set"
    )
    validate(
        call(client, "GET", f"{SETS}?object_id={obj}&offset=0&limit=5"),
        "GET",
        "/v1/{project_id}/address-sets",
    )
    by_id = "/v1/{project_id}/address-sets/{set_id}"
    validate(call(client, "GET", f"{SETS}/{set_id}"), "GET", by_id)
    validate(call(client, "PUT", f"{SETS}/{set_id}", {"description": "d"}), "PUT", by_id)
    reply = add(client, set_id, "10.0.0.1")
    validate(reply, "POST", "/v1/{project_id}/address-items")
    validate(add(client, set_id, "nope"), "POST", "/v1/{project_id}/address-items")
    validate(
        members_reply := call(client, "GET", f"{ITEMS}?set_id={set_id}&offset=0&limit=5"),
        "GET",
        "/v1/{project_id}/address-items",
    )
    assert members_reply.status == 200
    item = "/v1/{project_id}/address-items/{item_id}"
    validate(call(client, "DELETE", f"{ITEMS}/{reply.json['data']['items'][0]['id']}"), "DELETE", item)
    validate(call(client, "DELETE", f"{ITEMS}/{UNKNOWN}"), "DELETE", item)
    validate(call(client, "DELETE", f"{SETS}/{set_id}"), "DELETE", by_id)


def test_batch_deletes_delete_all_or_nothing(api):
    """BatchDeleteAddressSets and BatchDeleteAddressItems delete every row named, answering them
    (groups as ``{id, name}``, members as ids); an unknown id, or one of another group or object,
    is CFW.00200005 and nothing is deleted; an empty list is a 400 naming it."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    _, other_obj = running(runtime, client, name="fw-2")
    a, b, c = group(client, obj, "a"), group(client, obj, "b"), group(client, obj, "c")
    elsewhere = group(client, other_obj, "x")
    ids = [i["id"] for i in add(client, a, "10.0.0.1", "10.0.0.2", "10.0.0.3").json["data"]["items"]]
    foreign = add(client, b, "10.0.0.1").json["data"]["items"][0]["id"]

    def drop_items(set_id: str, item_ids: list[str]):
        return call(client, "DELETE", ITEMS, {"set_id": set_id, "address_item_ids": item_ids})

    assert_error(drop_items(a, [ids[0], UNKNOWN]), 400, "CFW.00200005", UNKNOWN)
    assert_error(drop_items(a, [ids[0], foreign]), 400, "CFW.00200005", foreign)
    assert_error(drop_items(a, []), 400, "CFW.00200001", "address_item_ids")
    assert members(client, a)["total"] == 3
    assert drop_items(a, [ids[0], ids[1], ids[0]]).json == {"data": [ids[0], ids[1]]}
    assert [r["item_id"] for r in members(client, a)["records"]] == [ids[2]]

    batch = f"{SETS}/batch-delete"
    for bad in ([a, UNKNOWN], [a, elsewhere]):
        reply = call(client, "POST", batch, {"object_id": obj, "set_ids": bad})
        assert_error(reply, 400, "CFW.00200005", bad[1])
    assert groups(client, obj)["total"] == 3
    reply = call(client, "POST", batch, {"object_id": obj, "set_ids": [a, b]})
    assert reply.json == {"data": [{"id": a, "name": "a"}, {"id": b, "name": "b"}]}
    assert [r["set_id"] for r in groups(client, obj)["records"]] == [c]
    items = runtime.resources["address_item"]
    assert items.repo.get(Where(P), ids[2]) is None and items.repo.get(Where(P), foreign) is None


def test_a_firewall_holds_at_most_its_quota_of_addresses(api):
    """At most 30,000 addresses per firewall over all its groups (CFW.00200024); another firewall
    counts apart (checked with the quota lowered to 3)."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    _, other_obj = running(runtime, client, name="fw-2")
    resource = address_group.ADDRESS_ITEM
    (per_firewall,) = resource.more_quotas
    assert (per_firewall.limit, per_firewall.per) == (30000, ("firewall_id",))
    small = dataclasses.replace(resource, more_quotas=(dataclasses.replace(per_firewall, limit=3),))
    items = ResourceServices(runtime.store, runtime.clock, Registry([address_group.ADDRESS_SET, small]))
    a, b, c = group(client, obj, "a"), group(client, obj, "b"), group(client, other_obj, "c")

    def put(s: str, *addresses: str):
        body = {"set_id": s, "address_items": [{"address": x} for x in addresses]}
        body = msgspec.convert(body, address_group.AddAddressItemsInfoDto)
        return items["address_item"].create_many(Where(P, parent_id=s), body)

    put(a, "10.0.0.1", "10.0.0.2")
    with pytest.raises(address_group.FirewallItemsFull):
        put(b, "10.0.0.3", "10.0.0.4")
    put(b, "10.0.0.3")
    put(c, "10.0.0.1", "10.0.0.2", "10.0.0.3")
    assert members(client, b)["total"] == 1
