"""Configuration quotas count the firewall's rows now, against the limits opencfw enforces; member
descriptions change through update_object_config_desc."""

from __future__ import annotations

from tests.unit import test_api
from tests.unit.test_api import P, assert_error, call
from tests.unit.test_api_protection import running

env = test_api.env
api = test_api.api


def _quota(client, fw: str, query: str) -> dict:
    reply = call(client, "GET", f"/v2/{P}/cfw/{fw}/quota?{query}")
    assert reply.status == 200, reply.body
    return reply.json["data"]


def test_quotas_count_what_the_firewall_has(api):
    """Address groups, members per group and per firewall, blacklist entries and private network
    segments are counted; a kind not served here counts 0; a bad kind is CFW.00200001."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    assert _quota(client, fw, "config_type=ADDR_SET") == {
        "quota_type": "ADDR_SET",
        "max_quota": 3800,
        "used_quota": 0,
    }
    set_id = call(
        client, "POST", f"/v1/{P}/address-set", {"object_id": obj, "name": "g", "address_type": 0}
    ).json["data"]["id"]
    items = {"set_id": set_id, "address_items": [{"address": "1.1.1.1"}, {"address": "2.2.2.2"}]}
    item_ids = [i["id"] for i in call(client, "POST", f"/v1/{P}/address-items", items).json["data"]["items"]]
    assert _quota(client, fw, "config_type=ADDR_SET")["used_quota"] == 1
    per_set = _quota(client, fw, f"config_type=ADDR_SET_ITEM&set_id={set_id}")
    assert per_set["used_quota"] == 2 and per_set["item_info"] == {
        "max_quota": 640,
        "used_quota": 2,
        "extras_info": {},
    }
    entry = {
        "object_id": obj,
        "list_type": 4,
        "direction": 0,
        "address_type": 0,
        "address": "3.3.3.3",
        "protocol": -1,
    }
    call(client, "POST", f"/v1/{P}/black-white-list", entry)
    assert _quota(client, fw, "config_type=BLACKLIST")["used_quota"] == 1
    assert _quota(client, fw, "config_type=WHITELIST")["used_quota"] == 0
    assert call(
        client,
        "POST",
        f"/v2/{P}/firewall/{fw}/east-west/private-network-segments/batch-create",
        {"private_network_segments": [{"protect_network": "10.1.0.0/16"}]},
    ).json == {"data": fw}
    assert _quota(client, fw, "config_type=PRIVATE_NETWORK_SEGMENT")["used_quota"] == 1
    assert _quota(client, fw, "config_type=DOMAIN")["used_quota"] == 0
    assert_error(call(client, "GET", f"/v2/{P}/cfw/{fw}/quota?config_type=NOPE"), 400, "CFW.00200001")
    assert_error(
        call(client, "GET", f"/v2/{P}/cfw/{fw}/quota?config_type=ADDR_SET_ITEM&set_id=nothing"),
        400,
        "CFW.00200005",
    )
    # the member's description
    body = {
        "fw_instance_id": fw,
        "set_id": set_id,
        "item_id": item_ids[0],
        "type": "ADDR_SET",
        "description": "gateway",
    }
    assert call(client, "PUT", f"/v1/{P}/config/object/description", body).json == {"data": item_ids[0]}
    listed = call(client, "GET", f"/v1/{P}/address-items?set_id={set_id}&limit=10&offset=0").json["data"][
        "records"
    ]
    assert [r["description"] for r in listed] == ["gateway", None]
    wrong = {**body, "set_id": "f588ce71-e26c-400d-8981-f854355f6849"}
    assert_error(call(client, "PUT", f"/v1/{P}/config/object/description", wrong), 400, "CFW.00200005")
    assert_error(
        call(client, "PUT", f"/v1/{P}/config/object/description", {**body, "type": "URL_SET"}),
        400,
        "CFW.00200005",
    )
