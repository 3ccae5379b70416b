"""East-west private network segments, the ER and inspection VPC reads and protected VPCs, over
HTTP in-process on both stores."""

from __future__ import annotations

import pytest

from tests.unit import test_api
from tests.unit.test_api import OTHER, P, assert_error, call
from tests.unit.test_api_protection import EAST_WEST, other_project, running

env = test_api.env
api = test_api.api


def _url(fw: str, tail: str = "") -> str:
    return f"/v2/{P}/firewall/{fw}/east-west/private-network-segments{tail}"


def _segments(client, fw: str) -> dict:
    reply = call(client, "GET", _url(fw))
    assert reply.status == 200, reply.body
    return reply.json["data"]


def test_segments_are_added_changed_and_deleted(api):
    """A batch adds all; the list answers them in order with the quota; a change keeps the id;
    a batch delete takes all or none."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    body = {
        "private_network_segments": [
            {"protect_network": "10.0.0.0/8", "az_info": "az1"},
            {"protect_network": "192.168.1.7/24"},
        ]
    }
    assert call(client, "POST", _url(fw, "/batch-create"), body).json == {"data": fw}
    data = _segments(client, fw)
    assert [s["protect_network"] for s in data["private_network_list"]] == ["10.0.0.0/8", "192.168.1.0/24"]
    assert (data["total"], data["quota"]) == (2, 100)
    first, second = (s["conf_id"] for s in data["private_network_list"])
    changed = call(
        client, "PUT", _url(fw), {"conf_id": first, "protect_network": "172.16.0.0/12", "subnet_name": "s"}
    )
    assert changed.status == 200, changed.body
    assert _segments(client, fw)["private_network_list"][0] == {
        "conf_id": first,
        "protect_network": "172.16.0.0/12",
        "az_info": None,
        "subnet_name": "s",
    }
    unknown = "f588ce71-e26c-400d-8981-f854355f6849"
    assert_error(
        call(client, "POST", _url(fw, "/batch-delete"), {"conf_ids": [first, unknown]}), 400, "CFW.00200005"
    )
    assert _segments(client, fw)["total"] == 2
    assert call(client, "POST", _url(fw, "/batch-delete"), {"conf_ids": [first, second]}).status == 200
    assert _segments(client, fw)["total"] == 0


@pytest.mark.parametrize(
    ("networks", "code"),
    [
        (["8.8.8.0/24"], "CFW.00200001"),
        (["not a network"], "CFW.00200001"),
        (["fd00::/8"], "CFW.00200001"),
        (["10.0.0.0/8", "10.0.0.1/8"], "CFW.00400004"),
        ([], "CFW.00200001"),
    ],
)
def test_bad_segments_change_nothing(api, networks, code):
    """Public, malformed, IPv6 or repeated networks are refused and nothing is added."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    body = {"private_network_segments": [{"protect_network": n} for n in networks]}
    assert_error(call(client, "POST", _url(fw, "/batch-create"), body), 400, code)
    assert _segments(client, fw)["total"] == 0


def test_east_west_reads_and_isolation(api):
    """Without east-west protection the ER and inspection VPC lists are empty; protected VPCs need
    a known object; another project's firewall is CFW.00200005."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    er = call(client, "GET", f"/v1/{P}/firewall/east-west/enterprise-router?fw_instance_id={fw}")
    assert er.json == {"data": {"er_list": []}}
    vpc = call(client, "GET", f"/v1/{P}/firewall/east-west/inspection-vpc?fw_instance_id={fw}")
    assert vpc.json == {"data": {"inspection_vpc_list": []}}
    protected = call(client, "GET", f"/v1/{P}/vpcs/protection?object_id={obj}&fw_instance_id={fw}")
    assert protected.json["data"]["total"] == 0 and protected.json["data"]["protect_vpcs"] == []
    assert_error(call(client, "GET", f"/v1/{P}/vpcs/protection?object_id=nothing"), 400, "CFW.00200005")
    token = other_project(runtime, client)
    foreign = call(
        client, "GET", f"/v2/{OTHER}/firewall/{fw}/east-west/private-network-segments", token=token
    )
    assert_error(foreign, 400, "CFW.00200005")
    foreign_er = call(
        client, "GET", f"/v1/{OTHER}/firewall/east-west/enterprise-router?fw_instance_id={fw}", token=token
    )
    assert_error(foreign_er, 400, "CFW.00200005")


def test_the_er_and_inspection_vpc_of_east_west_protection(api):
    """With east-west protection, the reads answer its ER and inspection VPC; without a firewall
    id, those of the project's first firewall that has it; the VPC border object is known."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    created = call(client, "POST", f"/v1/{P}/firewall/east-west?fw_instance_id={fw}", EAST_WEST)
    assert created.status == 200, created.body
    vpc_id = created.json["data"]["inspertion_vpc"]["vpc_id"]
    er = call(client, "GET", f"/v1/{P}/firewall/east-west/enterprise-router?fw_instance_id={fw}")
    assert er.json == {"data": {"er_list": [{"er_id": "er-0001", "name": "er-0001"}]}}
    vpc = call(client, "GET", f"/v1/{P}/firewall/east-west/inspection-vpc")
    assert vpc.json == {"data": {"inspection_vpc_list": [{"inspection_vpc_id": vpc_id, "name": vpc_id}]}}
    border = created.json["data"]["id"]
    assert call(client, "GET", f"/v1/{P}/vpcs/protection?object_id={border}").status == 200
