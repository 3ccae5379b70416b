"""Black/white list entries over HTTP, in-process, on both stores: what is particular to them (the
common behaviour of every registry resource is in test_resource_contract.py)."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest

from opencfw.resources import black_white_list
from opencfw.resources.registry import Registry
from opencfw.service.resources import ResourceServices, Where
from tests.unit import test_api
from tests.unit.test_api import P, assert_error, call
from tests.unit.test_api_protection import EAST_WEST, running

env = test_api.env
api = test_api.api

BASE = f"/v1/{P}/black-white-list"
LIST = f"/v1/{P}/black-white-lists"
UNKNOWN = "f588ce71-e26c-400d-8981-f854355f6849"


def entry(obj: str, **changes):
    return {
        "object_id": obj,
        "list_type": 4,
        "direction": 0,
        "address_type": 0,
        "address": "1.1.1.1",
        "protocol": 6,
        "port": "80",
        "description": "d",
        **changes,
    }


def listing(client, obj: str, query: str = "", list_type: int = 4):
    reply = call(client, "GET", f"{LIST}?object_id={obj}&list_type={list_type}&offset=0&limit=10{query}")
    assert reply.status == 200, reply.body
    return reply.json["data"]


def test_add_answers_id_and_address_and_lists_the_entry(api):
    """Add answers data.id and data.name (the address); the list shows the record with its fields."""
    runtime, clock, client = api
    _, obj = running(runtime, client)
    reply = call(client, "POST", BASE, entry(obj))
    assert reply.status == 200, reply.body
    entry_id = reply.json["data"]["id"]
    assert reply.json["data"] == {"id": entry_id, "name": "1.1.1.1"}
    data = listing(client, obj)
    assert data["total"] == 1 and (data["offset"], data["limit"]) == (0, 10)
    record = data["records"][0]
    assert record == {
        "list_id": entry_id,
        "direction": 0,
        "address_type": 0,
        "address": "1.1.1.1",
        "protocol": 6,
        "port": "80",
        "description": "d",
        "created_date": clock.now_ms(),
        "modified_date": clock.now_ms(),
    }
    assert listing(client, obj, list_type=5)["total"] == 0


def test_bad_entries_are_refused_naming_the_field(api):
    """Unknown enums, malformed addresses and ports are 400 CFW.00200001 naming the field; all
    addresses (0.0.0.0/0, ::/0) are CFW.00200022; nothing is stored."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    for change, field in [
        ({"list_type": 3}, "list_type"),
        ({"direction": 2}, "direction"),
        ({"protocol": 7}, "protocol"),
        ({"address_type": 2}, "address_type"),
        ({"address": "1.1.1.300"}, "address"),
        ({"address": ""}, "address"),
        ({"address": "::1"}, "address_type"),
        ({"port": "70000"}, "port"),
        ({"port": "80\n"}, "port"),
        ({"port": "a"}, "port"),
        ({"description": "x" * 256}, "description"),
        ({"object_id": None}, "object_id"),
    ]:
        assert_error(call(client, "POST", BASE, entry(obj, **change)), 400, "CFW.00200001", field)
    for address, address_type in (("0.0.0.0/0", 0), ("::/0", 1)):
        reply = call(client, "POST", BASE, entry(obj, address=address, address_type=address_type))
        assert_error(reply, 400, "CFW.00200022")
    assert listing(client, obj)["total"] == 0


def test_one_entry_per_address_in_each_list(api):
    """The same address twice in a list is CFW.00400011; in the other list, or with a prefix, it is
    another entry."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    assert call(client, "POST", BASE, entry(obj)).status == 200
    assert_error(call(client, "POST", BASE, entry(obj, direction=1, port=None)), 400, "CFW.00400011")
    assert call(client, "POST", BASE, entry(obj, list_type=5)).status == 200
    assert call(client, "POST", BASE, entry(obj, address="1.1.1.1/32")).status == 200
    assert [listing(client, obj, list_type=t)["total"] for t in (4, 5)] == [2, 1]


def test_the_address_filter_matches_the_ip_part(api):
    """``address=2.2.2.0`` finds ``2.2.2.0/24`` and ``2.2.2.0`` (what Terraform reads back), not
    ``2.2.2.1`` nor ``12.2.2.0``; address_type and port filter exactly."""
    runtime, clock, client = api
    _, obj = running(runtime, client)
    for address in ("2.2.2.0/24", "2.2.2.0", "12.2.2.0", "2.2.2.1"):
        assert call(client, "POST", BASE, entry(obj, address=address, port="22")).status == 200
        clock.advance(0.001)
    assert call(client, "POST", BASE, entry(obj, address="2001:db8::/32", address_type=1)).status == 200
    found = [r["address"] for r in listing(client, obj, "&address=2.2.2.0")["records"]]
    assert found == ["2.2.2.0/24", "2.2.2.0"]
    assert [r["address"] for r in listing(client, obj, "&address=2.2.2.0/24")["records"]] == ["2.2.2.0/24"]
    assert listing(client, obj, "&address=2.2.2")["total"] == 0
    assert listing(client, obj, "&address_type=1")["records"][0]["address"] == "2001:db8::/32"
    assert listing(client, obj, "&port=22")["total"] == 4
    assert listing(client, obj, "&port=2")["total"] == 0
    assert_error(
        call(client, "GET", f"{LIST}?object_id={obj}&offset=0&limit=10"), 400, "CFW.00200001", "list_type"
    )
    reply = call(client, "GET", f"{LIST}?object_id={obj}&list_type=x&offset=0&limit=10")
    assert_error(reply, 400, "CFW.00200001", "list_type")


def test_update_changes_only_what_it_names(api):
    """A PUT changes the fields it sends (list_type, as Terraform sends it, is ignored); a change to
    a bad or duplicate address is refused and leaves the entry as it was."""
    runtime, clock, client = api
    _, obj = running(runtime, client)
    first = call(client, "POST", BASE, entry(obj)).json["data"]["id"]
    clock.advance(0.001)
    call(client, "POST", BASE, entry(obj, address="3.3.3.3"))
    clock.advance(2)
    reply = call(client, "PUT", f"{BASE}/{first}", {"list_type": 5, "port": "8080", "description": None})
    assert reply.json == {"data": {"id": first, "name": "1.1.1.1"}}
    record = listing(client, obj)["records"][0]
    assert (record["port"], record["description"], record["direction"]) == ("8080", None, 0)
    assert record["modified_date"] == record["created_date"] + 2001
    assert_error(call(client, "PUT", f"{BASE}/{first}", {"address": "0.0.0.0/0"}), 400, "CFW.00200022")
    assert_error(call(client, "PUT", f"{BASE}/{first}", {"address": "3.3.3.3"}), 400, "CFW.00400011")
    assert_error(
        call(client, "PUT", f"{BASE}/{first}", {"address_type": 1}), 400, "CFW.00200001", "address_type"
    )
    assert listing(client, obj)["records"][0] == record


def test_entries_belong_to_the_object_and_the_firewall_named(api):
    """Entries are per protected object (the VPC border object too); naming another firewall in
    the query makes an entry, or an object, not found."""
    runtime, _, client = api
    firewall_id, obj = running(runtime, client)
    other_firewall, other_obj = running(runtime, client, name="fw-2")
    reply = call(client, "POST", f"/v1/{P}/firewall/east-west?fw_instance_id={firewall_id}", EAST_WEST)
    assert reply.status == 200, reply.body
    vpc = reply.json["data"]["id"]
    entry_id = call(client, "POST", BASE, entry(obj)).json["data"]["id"]
    assert call(client, "POST", BASE, entry(vpc, address="10.0.0.1")).status == 200
    assert call(client, "POST", BASE, entry(other_obj)).status == 200
    assert [listing(client, o)["total"] for o in (obj, vpc, other_obj)] == [1, 1, 1]
    assert_error(
        call(client, "DELETE", f"{BASE}/{entry_id}?fw_instance_id={other_firewall}"), 400, "CFW.00200005"
    )
    reply = call(client, "POST", f"{BASE}?fw_instance_id={other_firewall}", entry(obj, address="9.9.9.9"))
    assert_error(reply, 400, "CFW.00200005")
    reply = call(client, "DELETE", f"{BASE}/{entry_id}?fw_instance_id={firewall_id}")
    assert reply.json == {"data": {"id": entry_id, "name": "1.1.1.1"}}


def test_answers_match_the_generated_document(api):
    """Every answer of the four operations, successes and errors, matches the OpenAPI document."""
    from tests.unit.test_openapi import validate

    runtime, _, client = api
    _, obj = running(runtime, client)
    reply = call(client, "POST", BASE, entry(obj))
    validate(reply, "POST", "/v1/{project_id}/black-white-list")
    entry_id = reply.json["data"]["id"]
    for bad in (entry(obj), entry(obj, address="0.0.0.0/0"), entry(obj, list_type=1), entry("nope")):
        validate(call(client, "POST", BASE, bad), "POST", "/v1/{project_id}/black-white-list")
    for query in ("&offset=0&limit=10", "&offset=9&limit=10", "&limit=0", "&offset=0&limit=1&address_type=7"):
        url = f"{LIST}?object_id={obj}&list_type=4{query}"
        validate(call(client, "GET", url), "GET", "/v1/{project_id}/black-white-lists")
    item = "/v1/{project_id}/black-white-list/{list_id}"
    validate(call(client, "PUT", f"{BASE}/{entry_id}", {"port": "1-2"}), "PUT", item)
    validate(call(client, "PUT", f"{BASE}/{entry_id}", {"port": 1}), "PUT", item)
    validate(call(client, "DELETE", f"{BASE}/{entry_id}"), "DELETE", item)
    validate(call(client, "DELETE", f"{BASE}/{entry_id}"), "DELETE", item)


def test_a_list_holds_at_most_its_quota(api):
    """Each list of an object holds at most 2,000 entries (CFW.00400013); the other list and other
    objects count apart (checked with the quota lowered to 2)."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    _, other_obj = running(runtime, client, name="fw-2")
    assert black_white_list.RESOURCE.quota.limit == 2000
    small = dataclasses.replace(
        black_white_list.RESOURCE, quota=dataclasses.replace(black_white_list.RESOURCE.quota, limit=2)
    )
    entries = ResourceServices(runtime.store, runtime.clock, Registry([small]))["black_white_list"]

    def add(o: str, i: int, **changes):
        body = msgspec.convert(
            entry(o, address=f"10.0.0.{i}", **changes), black_white_list.AddBlackWhiteListDto
        )
        return entries.create(Where(P, None, o), body)

    add(obj, 1)
    add(obj, 2)
    with pytest.raises(black_white_list.ListFull):
        add(obj, 3)
    add(obj, 3, list_type=5)
    add(other_obj, 3)
    assert listing(client, obj)["total"] == 2


def test_a_nul_character_is_a_bad_parameter(api):
    """Text with a NUL character (which PostgreSQL cannot store) is 400 CFW.00200001 naming the
    field, in bodies and list filters, on both stores."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    assert_error(
        call(client, "POST", BASE, entry(obj, description="a\x00b")), 400, "CFW.00200001", "description"
    )
    entry_id = call(client, "POST", BASE, entry(obj)).json["data"]["id"]
    reply = call(client, "PUT", f"{BASE}/{entry_id}", {"description": "\x00"})
    assert_error(reply, 400, "CFW.00200001", "description")
    assert_error(
        call(client, "GET", f"{LIST}?object_id={obj}&list_type=4&offset=0&limit=1&address=1%00"),
        400,
        "CFW.00200001",
        "address",
    )


# -- batches


MANY = f"/v1/{P}/black-white-lists"
ONE = f"/v1/{P}/black-white-list"


def _items(*addresses: str, **more):
    return [{"address": a, "direction": 0, "protocol": 6, "port": "80", **more} for a in addresses]


def _entries(client, obj: str, list_type: int = 4) -> list[dict]:
    reply = call(client, "GET", f"{MANY}?object_id={obj}&list_type={list_type}&offset=0&limit=1024")
    assert reply.status == 200, reply.body
    return list(reply.json["data"]["records"])


def test_a_batch_adds_every_entry_or_none(api):
    """BatchCreateBlackWhiteList adds all its items (answered in success_list, a missing
    address_type given the address's family, SCTP accepted) or, for a duplicate (also within the
    call), 0.0.0.0/0, a bad address or a full list, none of them."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    body = {"object_id": obj, "list_type": 4, "list_items": _items("1.1.1.1", "2001:db8::/64", protocol=132)}
    reply = call(client, "POST", MANY, body)
    assert reply.status == 200, reply.body
    success = reply.json["data"]["success_list"]
    assert [(i["address"], i["address_type"], i["protocol"]) for i in success] == [
        ("1.1.1.1", 0, 132),
        ("2001:db8::/64", 1, 132),
    ]
    assert reply.json["data"]["failed_list"] == reply.json["data"]["duplicated_list"] == []
    assert [e["address"] for e in _entries(client, obj)] == ["1.1.1.1", "2001:db8::/64"]
    for items, code in (
        (_items("3.3.3.3", "1.1.1.1"), "CFW.00400011"),
        (_items("3.3.3.3", "3.3.3.3"), "CFW.00400011"),
        (_items("3.3.3.3", "0.0.0.0/0"), "CFW.00200022"),
        (_items("3.3.3.3", "not-an-ip"), "CFW.00200001"),
        (_items("3.3.3.3", address_type=1), "CFW.00200001"),
    ):
        assert_error(call(client, "POST", MANY, {**body, "list_items": items}), 400, code)
    assert len(_entries(client, obj)) == 2
    full = [f"10.{i // 250}.{i % 250}.1" for i in range(1998)]
    assert call(client, "POST", MANY, {**body, "list_items": _items(*full)}).status == 200
    reply = call(client, "POST", MANY, {**body, "list_items": _items("4.4.4.4")})
    assert_error(reply, 400, "CFW.00400013")
    reply = call(client, "GET", f"{MANY}?object_id={obj}&list_type=4&offset=0&limit=1")
    assert reply.json["data"]["total"] == 2000
    assert _entries(client, obj, 5) == []


def test_a_batch_delete_takes_every_entry_of_its_list_or_none(api):
    """BatchDeleteBlackWhiteLists deletes the ids named; an unknown id, or one of the other list
    or of another object, is CFW.00200005 and deletes nothing."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    _, other_obj = running(runtime, client, name="fw-2")
    for list_type, o in ((4, obj), (5, obj), (4, other_obj)):
        body = {"object_id": o, "list_type": list_type, "list_items": _items("1.1.1.1", "2.2.2.2")}
        assert call(client, "POST", MANY, body).status == 200
    black = [e["list_id"] for e in _entries(client, obj)]
    white = [e["list_id"] for e in _entries(client, obj, 5)]
    elsewhere = [e["list_id"] for e in _entries(client, other_obj)]
    for ids in ([black[0], UNKNOWN], [black[0], white[0]], [black[0], elsewhere[0]]):
        reply = call(client, "DELETE", ONE, {"object_id": obj, "list_type": 4, "list_ids": ids})
        assert_error(reply, 400, "CFW.00200005")
    assert len(_entries(client, obj)) == 2
    reply = call(client, "DELETE", ONE, {"object_id": obj, "list_type": 4, "list_ids": black})
    assert reply.json == {"data": black}
    assert _entries(client, obj) == [] and len(_entries(client, obj, 5)) == 2
