"""ListRegions, a fixed-data declaration (resources/regions.py), over HTTP in-process on both
stores: the SDK's record shape, the firewall it needs, another project's firewall like an unknown one."""

from __future__ import annotations

import json

from huaweicloudsdkcfw.v1.model import IpRegionResponseBodyData

from opencfw.resources.regions import CONTINENTS
from tests.unit import test_api
from tests.unit.test_api import OTHER, P, assert_error, call
from tests.unit.test_api_protection import UNKNOWN, other_project, running

env = test_api.env
api = test_api.api


def test_the_regions_are_the_continents_in_the_sdks_shape(api):
    runtime, _, client = api
    firewall_id, _ = running(runtime, client)
    reply = call(client, "GET", f"/v1/{P}/regions?fw_instance_id={firewall_id}&enterprise_project_id=0")
    assert reply.status == 200, reply.body
    data = reply.json["data"]
    assert [r["region_id"] for r in data] == [code for code, _, _ in CONTINENTS]
    assert {r["region_type"] for r in data} == {2}
    fields = set(IpRegionResponseBodyData.openapi_types)
    assert all(set(r) == fields for r in data)
    assert data[0] == {
        "region_id": "AF",
        "description_cn": "非洲",
        "description_en": "Africa",
        "region_type": 2,
        "superior_region_id": None,
    }


def test_the_regions_need_a_firewall_of_the_project(api):
    runtime, _, client = api
    firewall_id, _ = running(runtime, client)
    assert_error(call(client, "GET", f"/v1/{P}/regions"), 400, "CFW.00200001", "fw_instance_id")
    assert_error(call(client, "GET", f"/v1/{P}/regions?fw_instance_id=a.b"), 400, "CFW.00200001")
    unknown = call(client, "GET", f"/v1/{P}/regions?fw_instance_id={UNKNOWN}")
    assert_error(unknown, 400, "CFW.00200005")
    token = other_project(runtime, client)
    foreign = call(client, "GET", f"/v1/{OTHER}/regions?fw_instance_id={firewall_id}", token=token)
    unknown = call(client, "GET", f"/v1/{OTHER}/regions?fw_instance_id={UNKNOWN}", token=token)
    assert_error(foreign, 400, "CFW.00200005")
    assert json.loads(foreign.body)["error_msg"].replace(firewall_id, UNKNOWN) == unknown.json["error_msg"]
    assert_error(client.request("GET", f"/v1/{P}/regions?fw_instance_id={firewall_id}"), 401, "APIGW.0301")
