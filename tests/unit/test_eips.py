"""EIPs over HTTP, in-process, on both stores: the inventory a project starts with, sync,
protection within the firewall's quota, auto-protection, the bypass-all switch and its job, the
alarm whitelist, the policy evaluator's question, and bad input of every kind."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencfw.config import ConfigError, Settings
from opencfw.domain.eips import ADDRESSES, nth_eip
from tests.unit import test_api
from tests.unit.test_api import P, assert_error, call
from tests.unit.test_api_protection import OTHER, other_project, running

env = test_api.env
api = test_api.api

LIST = f"/v1/{P}/eips/protect"
PROTECT = f"/v1/{P}/eip/protect"
WHITELIST = f"/v1/{P}/eip/alarm-whitelist"
OWN = f"/_opencfw/v1/{P}/eips"
ADMIN = f"/_opencfw/admin/projects/{P}/eips"


def eips(client, obj, query=""):
    reply = call(client, "GET", f"{LIST}?object_id={obj}&offset=0&limit=1024{query}")
    assert reply.status == 200, reply.body
    return reply.json["data"]


def admin(runtime, client, method, url, body=None):
    headers = {"x-opencfw-admin-token": runtime.admin_token}
    return client.request(method, url, headers=headers, json_body=body)


def change(client, obj, status, *ids):
    reply = call(
        client, "POST", PROTECT, {"object_id": obj, "status": status, "ip_infos": [{"id": i} for i in ids]}
    )
    assert reply.status == 200, reply.body
    return reply.json["data"]


def switch(client, fw, operation):
    return call(client, "POST", f"/v1/{P}/eip/protect/all/{fw}/operation", {"bypass_operation": operation})


def protection_status(client, fw):
    reply = call(client, "GET", f"/v1/{P}/eip/protection-status/{fw}")
    assert reply.status == 200, reply.body
    return reply.json["data"]["protection_status"]


def state(runtime, client, fw, obj):
    """Everything a bad request must leave as it was."""
    return (
        [(e.id, e.public_ip, e.synced, e.firewall_id) for e in runtime.eips.inventory(P)],
        runtime.eips.protection_status(P, fw),
        runtime.eips.whitelisted(P, fw, None, 0, 1024),
        runtime.eips.auto_protect(P, obj, None),
    )


# -- the inventory


def test_a_new_project_starts_with_its_eips(env):
    """At its first use a project has OPENCFW_EIP_COUNT EIPs in the documentation ranges, with ids
    and addresses that depend on the project id only (so every server gives it the same)."""
    runtime, _, client = env(eip_count=3)
    client.token = test_api.token_for(client, P)
    _, obj = running(runtime, client)
    records = eips(client, obj)["records"]
    assert len(records) == 3
    assert {r["id"] for r in records} == {nth_eip(P, i)[0] for i in range(3)}
    for r in records:
        assert r["public_ip"] in ADDRESSES and ipaddress.ip_address(r["public_ip"]).is_private
        assert r["status"] == 1 and r["fw_instance_id"] is None and r["bypass_status"] == 0


def test_no_eips_with_a_count_of_zero_and_the_inventory_routes(api):
    """The project's keys and the admin token both manage the inventory; the admin routes refuse
    the project's token."""
    runtime, _, client = api
    assert len(call(client, "GET", OWN).json["eips"]) == 4
    added = call(client, "POST", OWN, {"eips": [{"public_ip": "198.51.100.77", "device_name": "web"}]})
    assert added.status == 201, added.body
    made = added.json["eips"][0]
    assert made["public_ip"] == "198.51.100.77" and made["synced"] is False and made["device_name"] == "web"
    assert admin(runtime, client, "POST", ADMIN, {"count": 2}).status == 201
    listed = admin(runtime, client, "GET", ADMIN).json["eips"]
    assert len(listed) == 7
    assert call(client, "GET", ADMIN).status == 401
    assert call(client, "DELETE", f"{OWN}/{made['id']}").json == {"removed": made["id"]}
    assert_error(call(client, "DELETE", f"{OWN}/{made['id']}"), 400, "CFW.00200005")
    assert len(call(client, "GET", OWN).json["eips"]) == 6


def test_the_inventory_refuses_bad_additions(api):
    """Both or neither of count and eips, a bad address, an address twice or one the project has:
    400 naming the problem, nothing added."""
    runtime, _, client = api
    before = call(client, "GET", OWN).json["eips"]
    taken = before[0]["public_ip"]
    for body, message in [
        ({}, "either `count` or `eips`"),
        ({"count": 1, "eips": [{}]}, "either"),
        ({"count": 0}, "count"),
        ({"eips": [{"public_ip": "300.1.1.1"}]}, "public_ip"),
        ({"eips": [{"public_ip": "2001:db8::1"}]}, "IPv4"),
        ({"eips": [{"public_ipv6": "192.0.2.1"}]}, "IPv6"),
        ({"eips": [{"public_ip": "192.0.2.9"}, {"public_ip": "192.0.2.9"}]}, "twice"),
        ({"eips": [{"public_ip": taken}]}, "already has"),
        ({"eips": [{"associate_instance_type": "VM"}]}, "associate_instance_type"),
        ({"count": 1, "extra": 1}, "extra"),
    ]:
        assert_error(call(client, "POST", OWN, body), 400, "CFW.00200001", message)
    assert call(client, "GET", OWN).json["eips"] == before
    assert_error(admin(runtime, client, "GET", "/_opencfw/admin/projects/nope/eips"), 400, "CFW.00200005")


def test_new_eips_show_after_a_sync_and_auto_protection_takes_them(api):
    """EIPs added later list only after sync=1; a firewall with auto-protection on then protects them."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    assert eips(client, obj)["total"] == 4
    on = call(
        client,
        "POST",
        f"/v1/{P}/eip/auto-protect-status/switch",
        {"fw_instance_id": fw, "object_id": obj, "status": 1},
    )
    assert on.json == {"data": obj}
    new = {e["id"] for e in call(client, "POST", OWN, {"count": 2}).json["eips"]}
    assert eips(client, obj)["total"] == 4
    synced = eips(client, obj, "&sync=1")
    assert synced["total"] == 6
    assert {r["id"] for r in synced["records"] if r["status"] == 0} == new
    assert {r["fw_instance_name"] for r in synced["records"] if r["id"] in new} == {"fw-1"}
    status = call(client, "GET", f"/v1/{P}/eip/auto-protect-status/{obj}").json["data"]
    assert status == {
        "object_id": obj,
        "status": 1,
        "available_eip_count": 998,
        "beyond_max_count": False,
        "eip_protected_self": 2,
        "eip_total": 6,
        "eip_un_protected": 4,
    }


# -- protection


def test_protect_and_unprotect_with_the_failure_lists(api):
    """Status 0 protects, 1 unprotects; an unknown EIP, a wrong address and another firewall's EIP
    are listed as failures while the others change."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    _fw2, obj2 = running(runtime, client, name="fw-2")
    ids = [r["id"] for r in eips(client, obj)["records"]]
    data = change(client, obj, 0, ids[0], ids[1], "no-such-eip")
    assert data["object_id"] == obj and data["id"] == fw
    assert data["fail_eip_id_list"] == ["no-such-eip"]
    assert data["fail_eip_list"] == [
        {"id": "no-such-eip", "error_message": "The EIP no-such-eip does not exist"}
    ]
    other = change(client, obj2, 0, ids[1], ids[2])
    assert other["fail_eip_id_list"] == [ids[1]] and fw in other["fail_eip_list"][0]["error_message"]
    wrong = call(
        client,
        "POST",
        PROTECT,
        {"object_id": obj, "status": 0, "ip_infos": [{"id": ids[3], "public_ip": "192.0.2.254"}]},
    )
    assert wrong.json["data"]["fail_eip_id_list"] == [ids[3]]
    assert [r["id"] for r in eips(client, obj, "&status=0")["records"]] == sorted(ids[:2], key=ids.index)
    assert {r["id"] for r in eips(client, obj, "&status=1")["records"]} == {ids[2], ids[3]}
    count = call(client, "GET", f"/v1/{P}/eip-count/{obj}").json["data"]
    assert count == {"eip_total": 4, "eip_protected": 3, "eip_protected_self": 2}
    assert change(client, obj, 1, ids[0], ids[3])["fail_eip_id_list"] == []  # ids[3]: nothing to do
    assert change(client, obj, 1, ids[2])["fail_eip_id_list"] == [ids[2]]  # fw-2's
    assert {r["id"] for r in eips(client, obj, "&status=0")["records"]} == {ids[1]}


def test_list_filters(api):
    """key_word finds an id or part of an address, device_key a device, fw_key_word a firewall,
    address_type 1 only EIPs with an IPv6 address; paging has an exact total."""
    runtime, _, client = api
    _, obj = running(runtime, client)
    call(
        client,
        "POST",
        OWN,
        {
            "eips": [
                {
                    "public_ip": "203.0.113.250",
                    "public_ipv6": "2001:DB8::5",
                    "device_id": "dev-1",
                    "device_name": "Web-Server",
                }
            ]
        },
    )
    records = eips(client, obj, "&sync=1")["records"]
    target = next(r for r in records if r["public_ip"] == "203.0.113.250")
    assert target["public_ipv6"] == "2001:db8::5"
    assert [r["id"] for r in eips(client, obj, "&key_word=113.250")["records"]] == [target["id"]]
    assert [r["id"] for r in eips(client, obj, f"&key_word={target['id']}")["records"]] == [target["id"]]
    assert [r["id"] for r in eips(client, obj, "&device_key=web-s")["records"]] == [target["id"]]
    assert [r["id"] for r in eips(client, obj, "&device_key=dev-1")["records"]] == [target["id"]]
    assert [r["id"] for r in eips(client, obj, "&address_type=1")["records"]] == [target["id"]]
    change(client, obj, 0, target["id"])
    assert [r["id"] for r in eips(client, obj, "&fw_key_word=FW-1")["records"]] == [target["id"]]
    page = call(client, "GET", f"{LIST}?object_id={obj}&offset=4&limit=2").json["data"]
    assert page["total"] == 5 and len(page["records"]) == 1
    past = call(client, "GET", f"{LIST}?object_id={obj}&offset=9&limit=2").json["data"]
    assert past["total"] == 5 and past["records"] == []


def test_the_quota_is_the_firewalls_eip_count(api):
    """A firewall protects at most its flavor's eip_count EIPs (1000): the rest are failures."""
    runtime, _, client = api
    _fw, obj = running(runtime, client)
    # the documentation ranges hold 762 addresses: the rest are given
    many = [{"public_ip": f"100.64.{i // 256}.{i % 256}"} for i in range(1000)]
    assert call(client, "POST", OWN, {"eips": many}).status == 201
    ids = [r["id"] for r in eips(client, obj, "&sync=1")["records"]]
    assert len(ids) == 1004
    data = change(client, obj, 0, *ids[:1003])
    assert len(data["fail_eip_id_list"]) == 3
    assert "quota" in data["fail_eip_list"][0]["error_message"]
    assert call(client, "GET", f"/v1/{P}/eip-count/{obj}").json["data"]["eip_protected_self"] == 1000
    auto = call(client, "GET", f"/v1/{P}/eip/auto-protect-status/{obj}").json["data"]
    assert auto["available_eip_count"] == 0 and auto["beyond_max_count"] is True


def test_deleting_the_firewall_unprotects_its_eips(api):
    """When the firewall's deletion job succeeds its EIPs are unprotected and its whitelist gone."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    _, obj2 = running(runtime, client, name="fw-2")
    ids = [r["id"] for r in eips(client, obj)["records"]]
    change(client, obj, 0, *ids[:2])
    call(client, "POST", WHITELIST, {"fw_instance_id": fw, "eip_infos": [{"eip_id": ids[0]}]})
    assert call(client, "DELETE", f"/v2/{P}/firewall/{fw}").status == 200
    address = next(r["public_ip"] for r in eips(client, obj2)["records"] if r["id"] == ids[0])
    assert runtime.eips.verdict(P, fw, address).protected is True  # until the deletion ends
    while runtime.worker.run_once():
        pass
    assert runtime.eips.verdict(P, fw, address).protected is False
    assert all(r["status"] == 1 and r["fw_instance_id"] is None for r in eips(client, obj2)["records"])
    assert_error(call(client, "GET", f"{LIST}?object_id={obj}&offset=0&limit=10"), 400, "CFW.00200005")
    assert call(client, "GET", f"/v1/{P}/eip-count/{obj2}").json["data"]["eip_protected"] == 0
    assert change(client, obj2, 0, ids[0])["fail_eip_id_list"] == []


def test_another_projects_objects_and_firewalls_are_unknown(api):
    """A firewall or object of another project answers CFW.00200005, like an unknown one."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    token = other_project(runtime, client)
    for method, url, body in [
        ("GET", f"/v1/{OTHER}/eips/protect?object_id={obj}&offset=0&limit=10", None),
        ("GET", f"/v1/{OTHER}/eip-count/{obj}", None),
        ("GET", f"/v1/{OTHER}/eip/auto-protect-status/{obj}", None),
        ("GET", f"/v1/{OTHER}/eip/protection-status/{fw}", None),
        ("GET", f"/v1/{OTHER}/eip/alarm-whitelist/{fw}?offset=0&limit=10", None),
        ("POST", f"/v1/{OTHER}/eip/protect", {"object_id": obj, "status": 0, "ip_infos": [{"id": "x"}]}),
        ("POST", f"/v1/{OTHER}/eip/protect/all/{fw}/operation", {"bypass_operation": 1}),
    ]:
        assert_error(call(client, method, url, body, token=token), 400, "CFW.00200005")
    assert_error(call(client, "GET", f"/v1/{P}/eip-count/{obj}?fw_instance_id=other"), 400, "CFW.00200005")


def test_a_firewall_that_is_not_running_cannot_change(api):
    """Protection, switches and the whitelist need a running firewall: CFW.00200016 otherwise."""
    runtime, _, client = api
    fw = test_api.create(client)
    obj = runtime.store.get_firewall(P, fw).internet_object_id
    ids = [e.id for e in runtime.eips.inventory(P)]
    reply = call(client, "POST", PROTECT, {"object_id": obj, "status": 0, "ip_infos": [{"id": ids[0]}]})
    assert_error(reply, 400, "CFW.00200016")
    assert_error(switch(client, fw, 1), 400, "CFW.00200016")
    assert eips(client, obj)["total"] == 4  # reads work


# -- the bypass-all switch


def test_bypass_and_restore_go_through_their_jobs(api):
    """1 (bypassing) until its job succeeds, then 2; restore 4 then 0. Asking for where it is is
    CFW.00400002; a switch while a job runs CFW.00200016. The evaluator sees the bypass."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    eip = eips(client, obj)["records"][0]
    change(client, obj, 0, eip["id"])
    assert protection_status(client, fw) == 0
    assert_error(switch(client, fw, 0), 400, "CFW.00400002")
    reply = switch(client, fw, 1)
    assert reply.json == {"data": {"protection_status": 1, "id": fw, "object_id": obj}, "fail_reason": ""}
    assert protection_status(client, fw) == 1
    assert runtime.eips.verdict(P, fw, eip["public_ip"]).bypassed is False
    assert_error(switch(client, fw, 0), 400, "CFW.00200016")
    while runtime.worker.run_once():
        pass
    assert protection_status(client, fw) == 2
    assert eips(client, obj, "&status=0")["records"][0]["bypass_status"] == 1
    assert runtime.eips.verdict(P, fw, eip["public_ip"]).bypassed is True
    assert_error(switch(client, fw, 1), 400, "CFW.00400002")
    assert switch(client, fw, 0).json["data"]["protection_status"] == 4
    while runtime.worker.run_once():
        pass
    assert protection_status(client, fw) == 0
    assert runtime.eips.verdict(P, fw, eip["public_ip"]).bypassed is False
    jobs = call(client, "GET", f"/_opencfw/v1/{P}/jobs?kind=bypass").json
    assert [j["kind"] for j in jobs["jobs"]] == ["bypass"]


def test_failed_switch_jobs_leave_the_failure_statuses(api):
    """A bypass job that fails leaves 3 (bypass off: bypass again is allowed); a failed restoration
    leaves 5 (bypass still on)."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    job_of = lambda: runtime.eips.protection_status(P, fw).job_id  # noqa: E731
    switch(client, fw, 1)
    assert (
        admin(runtime, client, "POST", f"/_opencfw/admin/jobs/{job_of()}/fail", {"message": "no"}).status
        == 200
    )
    assert protection_status(client, fw) == 3
    assert_error(switch(client, fw, 0), 400, "CFW.00400002")
    switch(client, fw, 1)
    while runtime.worker.run_once():
        pass
    switch(client, fw, 0)
    assert admin(runtime, client, "POST", f"/_opencfw/admin/jobs/{job_of()}/fail", {}).status == 200
    assert protection_status(client, fw) == 5
    assert runtime.eips.verdict(P, fw, "192.0.2.1").bypassed is True
    assert switch(client, fw, 0).json["data"]["protection_status"] == 4


def test_a_switch_job_fails_at_its_step_when_the_server_says_so(api):
    """The server's provisioning outcome applies to switch jobs: a failed job names its step."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    admin(runtime, client, "PUT", "/_opencfw/admin/defaults", {"outcome": "failed"})
    switch(client, fw, 1)
    job_id = runtime.eips.protection_status(P, fw).job_id
    while runtime.worker.run_once():
        pass
    job = call(client, "GET", f"/v3/{P}/jobs/{job_id}").json["data"]
    assert job["status"] == "Failed"
    assert protection_status(client, fw) == 3


# -- the alarm whitelist


def test_whitelist_adds_and_lists_entries_with_type_1(api):
    """Added EIPs list with type 1 (the provider's reading); ip_address filters; adding again is
    harmless; an unknown EIP is CFW.00200005 and adds nothing."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    records = eips(client, obj)["records"]
    body = {
        "fw_instance_id": fw,
        "eip_infos": [{"eip_id": records[0]["id"], "public_ip": records[0]["public_ip"]}],
    }
    assert call(client, "POST", WHITELIST, body).json == {"data": {"id": fw}}
    assert call(client, "POST", WHITELIST, body).status == 200
    listed = call(
        client, "GET", f"{WHITELIST}/{fw}?ip_address={records[0]['public_ip']}&limit=1024&offset=0"
    ).json
    assert listed["data"] == {
        "list": [
            {
                "eip_id": records[0]["id"],
                "fw_instance_id": fw,
                "object_id": obj,
                "public_ip": records[0]["public_ip"],
                "public_ipv6": None,
                "device_name": None,
                "type": 1,
            }
        ],
        "pages": 1,
        "size": 1024,
    }
    other = call(client, "GET", f"{WHITELIST}/{fw}?ip_address={records[1]['public_ip']}&limit=10&offset=0")
    assert other.json["data"]["list"] == []
    bad = {"fw_instance_id": fw, "eip_infos": [{"eip_id": records[1]["id"]}, {"eip_id": "nope"}]}
    assert_error(call(client, "POST", WHITELIST, bad), 400, "CFW.00200005")
    assert len(call(client, "GET", f"{WHITELIST}/{fw}?limit=10&offset=0").json["data"]["list"]) == 1


# -- the evaluator's question, project reset


def test_verdict_answers_for_protected_eips_of_the_firewall_only(api):
    """verdict: the firewall's protected EIP (either spelling of an IPv6 address), nothing else."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    fw2, _ = running(runtime, client, name="fw-2")
    call(client, "POST", OWN, {"eips": [{"public_ipv6": "2001:db8::a"}]})
    records = eips(client, obj, "&sync=1")["records"]
    v6 = next(r for r in records if r["public_ipv6"])
    change(client, obj, 0, records[0]["id"], v6["id"])
    assert runtime.eips.verdict(P, fw, records[0]["public_ip"]).protected is True
    assert runtime.eips.verdict(P, fw, "2001:DB8:0::A").protected is True
    assert runtime.eips.verdict(P, fw, records[1]["public_ip"]).protected is False
    assert runtime.eips.verdict(P, fw2, records[0]["public_ip"]).protected is False
    assert runtime.eips.verdict(P, fw, "not an address").protected is False
    assert runtime.eips.verdict(OTHER, fw, records[0]["public_ip"]).protected is False


def test_a_project_reset_makes_it_new_again(api):
    """A reset deletes the inventory; the next use makes the same EIPs again."""
    runtime, _, client = api
    first = sorted(e.id for e in runtime.eips.inventory(P))
    call(client, "POST", OWN, {"count": 3})
    assert admin(runtime, client, "POST", f"/_opencfw/admin/projects/{P}/reset").status == 200
    assert sorted(e.id for e in runtime.eips.inventory(P)) == first


# -- bad input


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "/eip/protect", {"object_id": "{obj}", "status": 2, "ip_infos": [{"id": "x"}]}, "status"),
        ("POST", "/eip/protect", {"object_id": "{obj}", "status": 0, "ip_infos": []}, "ip_infos"),
        ("POST", "/eip/protect", {"object_id": "{obj}", "status": 0}, "ip_infos"),
        ("POST", "/eip/protect", {"object_id": "a b", "status": 0, "ip_infos": [{"id": "x"}]}, "object_id"),
        (
            "POST",
            "/eip/auto-protect-status/switch",
            {"fw_instance_id": "{fw}", "object_id": "{obj}", "status": "1"},
            "status",
        ),
        ("POST", "/eip/protect/all/{fw}/operation", {"bypass_operation": 3}, "bypass_operation"),
        ("POST", "/eip/protect/all/{fw}/operation", {}, "bypass_operation"),
        ("POST", "/eip/alarm-whitelist", {"fw_instance_id": "{fw}", "eip_infos": []}, "eip_infos"),
        (
            "POST",
            "/eip/alarm-whitelist",
            {"fw_instance_id": "{fw}", "eip_infos": [{"eip_id": "{eip}", "fw_instance_id": "other"}]},
            "fw_instance_id",
        ),
        ("GET", "/eips/protect?object_id={obj}&offset=0&limit=0", None, "limit"),
        ("GET", "/eips/protect?object_id={obj}&offset=0&limit=10&status=2", None, "status"),
        ("GET", "/eips/protect?offset=0&limit=10", None, "object_id"),
        ("GET", "/eip/alarm-whitelist/{fw}?offset=0&limit=10&ip_address=1.2.3", None, "ip_address"),
    ],
)
def test_bad_requests_are_400_and_change_nothing(api, method, path, body, message):
    """Each malformed request answers 400 CFW.00200001 naming the problem, and stores nothing."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    eip = runtime.eips.inventory(P)[0].id

    def fill(value):
        if isinstance(value, str):
            return value.replace("{fw}", fw).replace("{obj}", obj).replace("{eip}", eip)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    before = state(runtime, client, fw, obj)
    assert_error(call(client, method, f"/v1/{P}{fill(path)}", fill(body)), 400, "CFW.00200001", message)
    assert state(runtime, client, fw, obj) == before


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = {
    "/eip/protect": ("object_id", "status", "ip_infos"),
    "/eip/auto-protect-status/switch": ("fw_instance_id", "object_id", "status"),
    "/eip/protect/all/{fw}/operation": ("bypass_operation",),
    "/eip/alarm-whitelist": ("fw_instance_id", "eip_infos"),
}


def test_random_bodies_never_break_anything(api):
    """Property: any JSON body, of any field values, answers 200 or a documented 400, never a 5xx;
    a 400 changes nothing stored."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    ids = [e.id for e in runtime.eips.inventory(P)]
    good = st.sampled_from([fw, obj, *ids, "x", ""])
    value = (
        JSON
        | good
        | st.lists(
            st.fixed_dictionaries({}, optional={"id": good, "eip_id": good, "public_ip": JSON}), max_size=3
        )
    )

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(path=st.sampled_from(sorted(FIELDS)), data=st.data())
    def run(path, data):
        body = data.draw(st.fixed_dictionaries({}, optional={f: value for f in FIELDS[path]}))
        before = state(runtime, client, fw, obj)
        reply = call(client, "POST", f"/v1/{P}{path.replace('{fw}', fw)}", body)
        assert reply.status in (200, 400), reply.body
        if reply.status == 400:
            assert reply.json["error_code"] in (
                "CFW.00200001",
                "CFW.00200005",
                "CFW.00200016",
                "CFW.00400002",
            )
            assert state(runtime, client, fw, obj) == before
        while runtime.worker.run_once():
            pass

    run()


@pytest.mark.parametrize(
    ("raw", "ok"), [("0", 0), ("7", 7), ("1024", 1024), ("-1", None), ("1025", None), ("x", None)]
)
def test_the_eip_count_setting(raw, ok):
    """OPENCFW_EIP_COUNT is 0 to 1024 (default 4); anything else names the variable."""
    assert Settings.load(environ={}).eip_count == 4
    if ok is None:
        with pytest.raises(ConfigError, match="OPENCFW_EIP_COUNT"):
            Settings.load(environ={"OPENCFW_EIP_COUNT": raw})
    else:
        assert Settings.load(environ={"OPENCFW_EIP_COUNT": raw}).eip_count == ok


def test_two_firewalls_racing_for_one_eip(api):
    """Two firewalls protecting the same EIPs at once: each EIP ends with exactly one of them, the
    other lists it as a failure; never an error."""
    import threading

    from opencfw.service.eips import Target

    runtime, _, client = api
    _, obj = running(runtime, client)
    _, obj2 = running(runtime, client, name="fw-2")
    targets = [Target(e.id) for e in runtime.eips.inventory(P)]
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def protect(object_id: str) -> None:
        start.wait()
        try:
            results[object_id] = runtime.eips.change_status(P, object_id, 0, targets)[1]
        except Exception as exc:
            results[object_id] = exc

    threads = [threading.Thread(target=protect, args=(o,)) for o in (obj, obj2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [results[obj], results[obj2]]
    assert all(isinstance(f, list) for f in failed), failed
    assert sorted(len(f) for f in failed) == [0, 4]
