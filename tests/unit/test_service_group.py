"""Service groups and their members over HTTP, in-process, on both stores: what is particular to
them (the common behaviour of every registry resource is in test_resource_contract.py)."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest

from opencfw.resources import service_group
from opencfw.resources.registry import Registry
from opencfw.service.resources import ResourceServices, Where
from tests.unit import test_api
from tests.unit.test_api import P, assert_error, call
from tests.unit.test_api_protection import running

env = test_api.env
api = test_api.api

SET = f"/v1/{P}/service-set"
SETS = f"/v1/{P}/service-sets"
ITEMS = f"/v1/{P}/service-items"
UNKNOWN = "f588ce71-e26c-400d-8981-f854355f6849"
HTTPS = {"protocol": 6, "source_port": "1-65535", "dest_port": "443"}


def group(client, obj: str, name: str = "web", **more) -> str:
    reply = call(client, "POST", SET, {"object_id": obj, "name": name, **more})
    assert reply.status == 200, reply.body
    assert reply.json["data"] == {"id": reply.json["data"]["id"], "name": name}
    return reply.json["data"]["id"]


def add(client, set_id: str, *services: dict):
    return call(client, "POST", ITEMS, {"set_id": set_id, "service_items": list(services)})


def members(client, set_id: str, query: str = "") -> dict:
    reply = call(client, "GET", f"{ITEMS}?set_id={set_id}&offset=0&limit=100{query}")
    assert reply.status == 200, reply.body
    return reply.json["data"]


def test_a_group_reads_back_with_its_members_protocols(api):
    """The list record carries the SDK's fields and the distinct protocols of its members; the
    detail its own fields."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    set_id = group(client, obj, "web services", description="front")
    reply = add(
        client,
        set_id,
        HTTPS,
        {**HTTPS, "dest_port": "80"},
        {"protocol": 17, "source_port": "53", "dest_port": "53"},
        {"protocol": 1},
    )
    assert reply.status == 200, reply.body
    assert len(reply.json["data"]["items"]) == 4
    reply = call(client, "GET", f"{SETS}?object_id={obj}&offset=0&limit=10")
    assert reply.json["data"]["records"] == [
        {
            "set_id": set_id,
            "name": "web services",
            "description": "front",
            "service_set_type": 0,
            "ref_count": 0,
            "project_id": P,
            "protocols": [1, 6, 17],
        }
    ]
    assert call(client, "GET", f"{SETS}/{set_id}").json == {
        "data": {"id": set_id, "name": "web services", "description": "front", "service_set_type": 0}
    }
    icmp = [r for r in members(client, set_id)["records"] if r["protocol"] == 1]
    assert icmp == [
        {
            "item_id": icmp[0]["item_id"],
            "protocol": 1,
            "source_port": "",
            "dest_port": "",
            "description": None,
            "name": None,
        }
    ]
    reply = call(client, "GET", f"{SETS}?object_id={obj}&offset=0&limit=10&query_service_set_type=1")
    assert set_id not in [r["set_id"] for r in reply.json["data"]["records"]]


@pytest.mark.parametrize(
    "service, field",
    [
        ({"protocol": 6, "dest_port": "80"}, "source_port"),
        ({"protocol": 17, "source_port": "1", "dest_port": ""}, "dest_port"),
        ({"protocol": 6, "source_port": "0", "dest_port": "80"}, "source_port"),
        ({"protocol": 6, "source_port": "1-65536", "dest_port": "80"}, "source_port"),
        ({"protocol": 6, "source_port": "90-80", "dest_port": "80"}, "source_port"),
        ({"protocol": -1, "source_port": "1-65535", "dest_port": "http"}, "dest_port"),
        ({"protocol": 1, "source_port": "80", "dest_port": ""}, "source_port"),
        ({"protocol": 2, "source_port": "80", "dest_port": "80"}, "protocol"),
    ],
)
def test_bad_services_are_refused_and_nothing_is_added(api, service, field):
    runtime, _, client = api
    _, obj = running(runtime, client)
    set_id = group(client, obj)
    assert_error(add(client, set_id, HTTPS, service), 400, "CFW.00200001", field)
    assert members(client, set_id)["total"] == 0


def test_a_service_is_once_in_a_group(api):
    """The same protocol and ports again, or twice in a call, is CFW.00400004 and adds nothing;
    ICMP once too; another group may hold them."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    set_id, other = group(client, obj), group(client, obj, "other")
    assert add(client, set_id, HTTPS, {"protocol": 1}).status == 200
    assert_error(add(client, set_id, {**HTTPS, "dest_port": "80"}, HTTPS), 400, "CFW.00400004")
    assert_error(add(client, set_id, {"protocol": 1}), 400, "CFW.00400004")
    assert members(client, set_id)["total"] == 2
    assert add(client, other, HTTPS).status == 200
    assert_error(call(client, "POST", SET, {"object_id": obj, "name": "web"}), 400, "CFW.00200007")


def test_quotas(api):
    """512 groups per firewall and 64 services per group, both CFW.00200024 (checked lowered)."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    assert service_group.SERVICE_SET.quota.limit == 512 and service_group.SERVICE_ITEM.quota.limit == 64
    small_sets = dataclasses.replace(
        service_group.SERVICE_SET, quota=dataclasses.replace(service_group.SERVICE_SET.quota, limit=1)
    )
    small_items = dataclasses.replace(
        service_group.SERVICE_ITEM, quota=dataclasses.replace(service_group.SERVICE_ITEM.quota, limit=2)
    )
    services = ResourceServices(runtime.store, runtime.clock, Registry([small_sets, small_items]))
    body = msgspec.convert({"object_id": obj, "name": "a"}, service_group.AddServiceSetUsingPOSTRequestBody)
    set_id = services["service_set"].create(Where(P, None, obj), body).id
    with pytest.raises(service_group.GroupsFull):
        services["service_set"].create(Where(P, None, obj), msgspec.structs.replace(body, name="b"))

    def put(*ports: str):
        items = [{**HTTPS, "dest_port": p} for p in ports]
        body = msgspec.convert(
            {"set_id": set_id, "service_items": items}, service_group.AddServiceItemsUsingPOSTRequestBody
        )
        return services["service_item"].create_many(Where(P, parent_id=set_id), body)

    put("1", "2")
    with pytest.raises(service_group.ItemsFull):
        put("3")
    assert members(client, set_id)["total"] == 2


def test_deleting_a_group_deletes_its_members(api):
    runtime, _, client = api
    _, obj = running(runtime, client)
    set_id = group(client, obj)
    item = add(client, set_id, HTTPS).json["data"]["items"][0]["id"]
    assert call(client, "DELETE", f"{SETS}/{set_id}").json == {"data": {"id": set_id, "name": "web"}}
    assert_error(call(client, "DELETE", f"{ITEMS}/{item}"), 400, "CFW.00200005", item)
    assert_error(add(client, set_id, HTTPS), 400, "CFW.00200005", set_id)
    assert_error(add(client, UNKNOWN, HTTPS), 400, "CFW.00200005", UNKNOWN)


def test_answers_match_the_generated_document(api):
    from tests.unit.test_openapi import validate

    runtime, _, client = api
    _, obj = running(runtime, client)
    set_id = group(client, obj)
    validate(
        call(client, "GET", f"{SETS}?object_id={obj}&offset=0&limit=5"),
        "GET",
        "/v1/{project_id}/service-sets",
    )
    validate(call(client, "GET", f"{SETS}/{set_id}"), "GET", "/v1/{project_id}/service-sets/{set_id}")
    reply = add(client, set_id, HTTPS)
    validate(reply, "POST", "/v1/{project_id}/service-items")
    validate(add(client, set_id, HTTPS), "POST", "/v1/{project_id}/service-items")
    validate(
        call(client, "GET", f"{ITEMS}?set_id={set_id}&offset=0&limit=5"),
        "GET",
        "/v1/{project_id}/service-items",
    )
    item = reply.json["data"]["items"][0]["id"]
    validate(call(client, "DELETE", f"{ITEMS}/{item}"), "DELETE", "/v1/{project_id}/service-items/{item_id}")


def test_batch_deletes_delete_all_or_nothing(api):
    runtime, _, client = api
    _, obj = running(runtime, client)
    a, b = group(client, obj, "a"), group(client, obj, "b")
    ids = [i["id"] for i in add(client, a, HTTPS, {"protocol": 1}).json["data"]["items"]]

    def drop_items(item_ids: list[str]):
        return call(client, "DELETE", ITEMS, {"set_id": a, "service_item_ids": item_ids})

    assert_error(drop_items([ids[0], UNKNOWN]), 400, "CFW.00200005", UNKNOWN)
    assert members(client, a)["total"] == 2
    assert drop_items([ids[1]]).json == {"data": [ids[1]]}
    batch = f"{SETS}/batch-delete"
    assert_error(
        call(client, "POST", batch, {"object_id": obj, "set_ids": [a, UNKNOWN]}), 400, "CFW.00200005"
    )
    reply = call(client, "POST", batch, {"object_id": obj, "set_ids": [a, b]})
    assert reply.json == {"data": [{"id": a, "name": "a"}, {"id": b, "name": "b"}]}
    assert runtime.resources["service_item"].repo.get(Where(P), ids[0]) is None


def test_a_firewall_holds_at_most_its_quota_of_services(api):
    """At most 900 services per firewall over all its groups (CFW.00900030; checked lowered to 2)."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    resource = service_group.SERVICE_ITEM
    (per_firewall,) = resource.more_quotas
    assert (per_firewall.limit, per_firewall.per) == (900, ("firewall_id", "predefined"))
    small = dataclasses.replace(resource, more_quotas=(dataclasses.replace(per_firewall, limit=2),))
    services = ResourceServices(runtime.store, runtime.clock, Registry([service_group.SERVICE_SET, small]))
    a, b = group(client, obj, "a"), group(client, obj, "b")

    def put(s: str, *ports: str):
        body = {"set_id": s, "service_items": [{**HTTPS, "dest_port": p} for p in ports]}
        body = msgspec.convert(body, service_group.AddServiceItemsUsingPOSTRequestBody)
        return services["service_item"].create_many(Where(P, parent_id=s), body)

    put(a, "1", "2")
    with pytest.raises(service_group.FirewallItemsFull) as err:
        put(b, "1")
    assert err.value.error_code == "CFW.00900030"
    assert members(client, b)["total"] == 0
