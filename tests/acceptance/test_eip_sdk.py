"""EIP protection through the official SDK against a real server process, and the call sequences
of the Terraform resources huaweicloud_cfw_eip_protection, _eip_auto_protection,
_eip_alarm_whitelist, _eip_all_protection_switch and the EIP data sources (eip_count,
eip_auto_protect_status, sn_firewall_protection_status), as the provider makes them."""

from __future__ import annotations

import time

import pytest
from huaweicloudsdkcfw.v1 import (
    AddEipAlarmWhitelistRequest,
    AddEipAlarmWhitelistRequestBody,
    ChangeEipStatusRequest,
    EipBypassDto,
    EipInfo,
    EipOperateProtectReq,
    EipOperateProtectReqIpInfos,
    ListAlarmWhitelistRequest,
    ListEipCountRequest,
    ListEipsRequest,
    ShowAutoProtectStatusRequest,
    ShowSnFirewallProtectionStatusRequest,
    SwitchAutoProtectStatusRequest,
    SwitchEipStatusDto,
    SwitchFirewallEipProtectionRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.acceptance import sdk
from tests.acceptance.server import PROJECT

P = f"/v1/{PROJECT}"


def _firewall(cfw, name: str) -> tuple[str, str]:
    firewall_id = cfw.create_firewall(sdk.create_request(name)).job_id
    assert sdk.wait_job(cfw, firewall_id) == "Success"
    return firewall_id, sdk.detail(cfw, firewall_id).data.records[0].protect_objects[0].object_id


def _new_eips(server, token: str, count: int) -> list[dict]:
    """EIPs of the project's inventory made for this test (shown to CFW after a sync)."""
    status, _, body = server.request(
        "POST", f"/_opencfw/v1/{PROJECT}/eips", headers={"X-Auth-Token": token}, body={"count": count}
    )
    assert status == 201, body
    return body["eips"]


def _fails(call, code: str) -> None:
    with pytest.raises(ClientRequestException) as err:
        call()
    assert (err.value.status_code, err.value.error_code) == (400, code)


def _until(read, wanted, timeout: float = 20.0):
    """Poll as the provider does (it polls every 10 s; here every 50 ms) until ``read()`` is ``wanted``."""
    deadline = time.monotonic() + timeout
    while (value := read()) != wanted and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def test_eip_operations_through_the_sdk(server):
    """Every EIP operation answers what the SDK's models say, with the documented errors."""
    cfw = sdk.client(server.url)
    fw, obj = _firewall(cfw, "eips")
    made = _new_eips(server, server.token(), 2)
    ids = [e["id"] for e in made]

    listed = cfw.list_eips(ListEipsRequest(object_id=obj, sync=1, limit=1024, offset=0)).data
    mine = {r.id: r for r in listed.records if r.id in ids}
    assert set(mine) == set(ids) and all(r.status == 1 for r in mine.values())
    assert listed.total >= 2 and mine[ids[0]].public_ip == made[0]["public_ip"]

    infos = [
        EipOperateProtectReqIpInfos(id=ids[0], public_ip=made[0]["public_ip"]),
        EipOperateProtectReqIpInfos(id="gone"),
    ]
    changed = cfw.change_eip_status(
        ChangeEipStatusRequest(body=EipOperateProtectReq(object_id=obj, status=0, ip_infos=infos))
    ).data
    assert (changed.object_id, changed.id, changed.fail_eip_id_list) == (obj, fw, ["gone"])
    assert changed.fail_eip_list[0].id == "gone" and changed.fail_eip_list[0].error_message

    protected = cfw.list_eips(ListEipsRequest(object_id=obj, status="0", limit=10, offset=0)).data
    assert [(r.id, r.status, r.fw_instance_id, r.fw_instance_name) for r in protected.records] == [
        (ids[0], 0, fw, "eips")
    ]
    count = cfw.list_eip_count(ListEipCountRequest(object_id=obj, fw_instance_id=fw)).data
    assert count.eip_protected_self == 1 and count.eip_total >= 2

    switched = cfw.switch_auto_protect_status(
        SwitchAutoProtectStatusRequest(body=SwitchEipStatusDto(fw_instance_id=fw, object_id=obj, status=1))
    )
    assert switched.status_code == 200 and switched.to_json_object() == {"data": obj}
    auto = cfw.show_auto_protect_status(ShowAutoProtectStatusRequest(object_id=obj)).data
    assert (auto.status, auto.object_id, auto.eip_protected_self, auto.available_eip_count) == (
        1,
        obj,
        1,
        999,
    )
    assert auto.beyond_max_count is False
    # off again: the other tests on this server add EIPs that no firewall should take
    off = SwitchEipStatusDto(fw_instance_id=fw, object_id=obj, status=0)
    cfw.switch_auto_protect_status(SwitchAutoProtectStatusRequest(body=off))
    assert cfw.show_auto_protect_status(ShowAutoProtectStatusRequest(object_id=obj)).data.status == 0

    bypass = cfw.switch_firewall_eip_protection(
        SwitchFirewallEipProtectionRequest(fw_instance_id=fw, body=EipBypassDto(bypass_operation=1))
    )
    assert (bypass.data.protection_status, bypass.data.id, bypass.data.object_id) == (1, fw, obj)
    assert bypass.fail_reason == ""

    def read():
        return cfw.show_sn_firewall_protection_status(
            ShowSnFirewallProtectionStatusRequest(fw_instance_id=fw)
        ).data.protection_status

    assert _until(read, 2) == 2
    status = cfw.show_sn_firewall_protection_status(
        ShowSnFirewallProtectionStatusRequest(fw_instance_id=fw)
    ).data
    assert (status.id, status.object_id, status.failed_eip_list, status.failed_eip_id_list) == (
        fw,
        obj,
        [],
        [],
    )
    again = SwitchFirewallEipProtectionRequest(fw_instance_id=fw, body=EipBypassDto(bypass_operation=1))
    _fails(lambda: cfw.switch_firewall_eip_protection(again), "CFW.00400002")

    body = AddEipAlarmWhitelistRequestBody(
        fw_instance_id=fw,
        eip_infos=[EipInfo(eip_id=ids[1], public_ip=made[1]["public_ip"], fw_instance_id=fw)],
    )
    assert cfw.add_eip_alarm_whitelist(AddEipAlarmWhitelistRequest(body=body)).data.id == fw
    whitelist = cfw.list_alarm_whitelist(
        ListAlarmWhitelistRequest(fw_instance_id=fw, ip_address=made[1]["public_ip"], limit=1024, offset=0)
    ).data
    assert [(e.eip_id, e.public_ip, e.type) for e in whitelist.list] == [(ids[1], made[1]["public_ip"], 1)]
    assert (whitelist.pages, whitelist.size) == (1, 1024)

    _fails(lambda: cfw.list_eip_count(ListEipCountRequest(object_id="no-such-object")), "CFW.00200005")
    _fails(
        lambda: cfw.show_sn_firewall_protection_status(
            ShowSnFirewallProtectionStatusRequest(fw_instance_id="nope")
        ),
        "CFW.00200005",
    )


# -- the provider's call sequences, as plain HTTP with the provider's query strings


def _call(server, token, method, path, body=None):
    status, _, answer = server.request(method, path, headers={"X-Auth-Token": token}, body=body)
    return status, answer


def _synced(server, token, obj) -> list[dict]:
    """QuerySyncedEips: pages of 100 with sync=1 until an empty page."""
    records, offset = [], 0
    while True:
        status, body = _call(
            server, token, "GET", f"{P}/eips/protect?offset={offset}&limit=100&sync=1&object_id={obj}"
        )
        assert status == 200, body
        page = body["data"]["records"]
        if not page:
            return records
        records += page
        offset += 100


def _statuses(server, token, obj, ids) -> dict[str, int]:
    return {r["id"]: r["status"] for r in _synced(server, token, obj) if r["id"] in ids}


def test_provider_eip_protection_sequence(server):
    """huaweicloud_cfw_eip_protection: wait until every EIP is listed with status 1, protect, wait
    for status 0, read back the protected ones; update unprotects one; delete unprotects the rest."""
    token = server.token()
    cfw = sdk.client(server.url)
    _, obj = _firewall(cfw, "tf-eip-protection")
    ids = [e["id"] for e in _new_eips(server, token, 3)]
    assert _until(lambda: _statuses(server, token, obj, ids), dict.fromkeys(ids, 1)) == dict.fromkeys(ids, 1)
    status, body = _call(
        server,
        token,
        "POST",
        f"{P}/eip/protect",
        {"object_id": obj, "status": 0, "ip_infos": [{"id": i} for i in ids]},
    )
    assert status == 200 and body["data"]["fail_eip_id_list"] == [], body
    assert _until(lambda: _statuses(server, token, obj, ids), dict.fromkeys(ids, 0)) == dict.fromkeys(ids, 0)
    read = {r["id"] for r in _synced(server, token, obj) if r["status"] == 0}
    assert read == set(ids)
    # update: one EIP leaves the set
    status, body = _call(
        server,
        token,
        "POST",
        f"{P}/eip/protect",
        {"object_id": obj, "status": 1, "ip_infos": [{"id": ids[2]}]},
    )
    assert status == 200, body
    assert _statuses(server, token, obj, ids) == {ids[0]: 0, ids[1]: 0, ids[2]: 1}
    # delete
    status, body = _call(
        server,
        token,
        "POST",
        f"{P}/eip/protect",
        {"object_id": obj, "status": 1, "ip_infos": [{"id": i} for i in ids[:2]]},
    )
    assert status == 200, body
    assert _statuses(server, token, obj, ids) == dict.fromkeys(ids, 1)
    assert not [r for r in _synced(server, token, obj) if r["status"] == 0]  # the resource reads as gone


def test_provider_auto_protection_whitelist_and_switch_sequences(server):
    """_eip_auto_protection (id = data, read by object id, status 0 = gone), _eip_alarm_whitelist
    (id = data.id, read with ip_address, type 1 = present), _eip_all_protection_switch and the data
    sources eip_count, eip_auto_protect_status and sn_firewall_protection_status."""
    token = server.token()
    cfw = sdk.client(server.url)
    fw, obj = _firewall(cfw, "tf-eip-auto")
    eip = _new_eips(server, token, 1)[0]
    _synced(server, token, obj)

    status, body = _call(
        server,
        token,
        "POST",
        f"{P}/eip/auto-protect-status/switch?enterprise_project_id=0",
        {"fw_instance_id": fw, "object_id": obj, "status": 1},
    )
    assert status == 200 and isinstance(body["data"], str), body
    status, read = _call(
        server, token, "GET", f"{P}/eip/auto-protect-status/{body['data']}?enterprise_project_id=0"
    )
    assert status == 200 and read["data"]["status"] == 1 and read["data"]["object_id"] == obj
    _call(
        server,
        token,
        "POST",
        f"{P}/eip/auto-protect-status/switch",
        {"fw_instance_id": fw, "object_id": obj, "status": 0},
    )
    assert _call(server, token, "GET", f"{P}/eip/auto-protect-status/{obj}")[1]["data"]["status"] == 0

    status, body = _call(
        server,
        token,
        "POST",
        f"{P}/eip/alarm-whitelist",
        {
            "fw_instance_id": fw,
            "eip_infos": [{"eip_id": eip["id"], "public_ip": eip["public_ip"], "fw_instance_id": fw}],
        },
    )
    assert status == 200, body
    whitelist_id = body["data"]["id"]
    status, read = _call(
        server,
        token,
        "GET",
        f"{P}/eip/alarm-whitelist/{whitelist_id}?ip_address={eip['public_ip']}&limit=1024&offset=0",
    )
    assert status == 200 and read["data"]["list"][0]["type"] != 0
    assert read["data"]["list"][0]["eip_id"] == eip["id"]

    status, body = _call(
        server, token, "POST", f"{P}/eip/protect/all/{fw}/operation", {"bypass_operation": 1}
    )
    assert status == 200 and body["data"]["id"] == fw and body["data"]["object_id"] == obj, body
    assert body["fail_reason"] == ""

    def state():
        return _call(server, token, "GET", f"{P}/eip/protection-status/{fw}")[1]["data"]["protection_status"]

    assert _until(state, 2) == 2
    status, body = _call(
        server, token, "POST", f"{P}/eip/protect/all/{fw}/operation", {"bypass_operation": 0}
    )
    assert status == 200 and body["data"]["protection_status"] == 4
    assert _until(state, 0) == 0

    status, count = _call(
        server, token, "GET", f"{P}/eip-count/{obj}?enterprise_project_id=0&fw_instance_id={fw}"
    )
    assert status == 200 and set(count["data"]) == {"eip_total", "eip_protected", "eip_protected_self"}
