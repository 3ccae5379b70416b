"""IPS, anti-virus, alarm, LTS log, DNS and capture-task operations over HTTP in-process, on both
stores: bad input of every kind is a documented 400 that changes nothing (property-based), each
project sees only its own, settings go with their firewall and project, and the times at which a
custom rule is applied and a capture task ends."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencfw.resources import capture, ips, ips_signatures
from opencfw.service.resources import Where
from tests.unit import test_api
from tests.unit.test_api import OTHER, P, assert_error, call
from tests.unit.test_api_protection import other_project, running
from tests.unit.test_resource_contract import _CAPTURE, _IPS_RULE

env = test_api.env
api = test_api.api

URN = "urn:smn:cn-north-4:0123456789abcdef0123456789abcdef:alarms"
#: every write of this area: (method, path, valid body) given the firewall and object ids
WRITES: list[tuple[str, str, Callable[[str, str], dict[str, Any]]]] = [
    ("POST", "/v1/{p}/ips/custom-rule?fw_instance_id={fw}", lambda fw, obj: dict(_IPS_RULE)),
    (
        "POST",
        "/v1/{p}/cfw/{fw}/ips/whitelist/batch-create",
        lambda fw, obj: {
            "ips_white_list_dto_list": [
                {
                    "name": "w",
                    "ip_version": 4,
                    "ips_id": "all",
                    "effective_scopes": ["EIP"],
                    "source_address": "10.0.0.1",
                }
            ]
        },
    ),
    (
        "POST",
        "/v1/{p}/ips-rule/mode",
        lambda fw, obj: {"object_id": obj, "ips_ids": ["330001"], "status": "CLOSE"},
    ),
    (
        "POST",
        "/v1/{p}/advanced-ips-rule",
        lambda fw, obj: {
            "object_id": obj,
            "ips_rule_id": "x",
            "ips_rule_type": 0,
            "action": 1,
            "status": 1,
            "param": "{}",
        },
    ),
    ("PUT", "/v1/{p}/anti-virus/switch", lambda fw, obj: {"object_id": obj, "anti_virus_status": 1}),
    (
        "PUT",
        "/v1/{p}/anti-virus/rule",
        lambda fw, obj: {"object_id": obj, "scan_protocol_configs": [{"protocol_type": 0, "action": 1}]},
    ),
    (
        "PUT",
        "/v1/{p}/cfw/alarm/config?fw_instance_id={fw}",
        lambda fw, obj: {
            "alarm_type": 0,
            "enable_status": 1,
            "alarm_time_period": 1,
            "frequency_count": 10,
            "frequency_time": 5,
            "severity": "CRITICAL",
            "topic_urn": URN,
        },
    ),
    (
        "POST",
        "/v1/{p}/cfw/logs/configuration?fw_instance_id={fw}",
        lambda fw, obj: {"fw_instance_id": fw, "lts_enable": 1, "lts_log_group_id": "group"},
    ),
    (
        "PUT",
        "/v1/{p}/dns/servers?fw_instance_id={fw}",
        lambda fw, obj: {"dns_server": [{"server_ip": "100.125.1.250", "is_customized": 0, "is_applied": 1}]},
    ),
    ("POST", "/v1/{p}/capture-task?fw_instance_id={fw}", lambda fw, obj: {**_CAPTURE, "name": "c"}),
]
CODES = {"CFW.00200001", "CFW.00200005", "CFW.00200007", "CFW.00109003", "CFW.00200009"}

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _spoil(body: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """The body with one field (at any depth of objects and lists) removed or given another value."""
    spoiled = copy.deepcopy(body)
    place: Any = spoiled
    while True:
        keys = list(place) if isinstance(place, dict) else list(range(len(place)))
        key = data.draw(st.sampled_from(keys))
        if isinstance(place[key], (dict, list)) and place[key] and data.draw(st.booleans()):
            place = place[key]
            continue
        if isinstance(place, dict) and data.draw(st.booleans()):
            del place[key]
        else:
            place[key] = data.draw(JSON.filter(lambda v, old=place[key]: v != old))
        return spoiled


_WORLDS: dict[int, tuple[str, str]] = {}


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_bad_input_is_a_documented_400_that_changes_nothing(api, data):
    """A valid body with one field removed or replaced by any JSON value is answered 200 or a 400
    with a documented code; a 400 writes nothing (no event)."""
    runtime, _, client = api
    if id(runtime) not in _WORLDS:  # one firewall for all the examples of a store
        _WORLDS[id(runtime)] = running(runtime, client)
    fw, obj = _WORLDS[id(runtime)]
    method, path, make = data.draw(st.sampled_from(WRITES))
    url = path.format(p=P, fw=fw)
    body = _spoil(make(fw, obj), data)
    before = runtime.store.last_event_seq(P)
    reply = call(client, method, url, body)
    assert reply.status in (200, 400), reply.body
    if reply.status == 400:
        assert reply.json["error_code"] in CODES and reply.json["error_msg"], reply.body
        assert runtime.store.last_event_seq(P) == before, (url, body, reply.body)
    assert call(client, "GET", f"/v1/{P}/anti-virus/switch?object_id={obj}").status == 200


def test_every_write_accepts_its_valid_body(api):
    """The bodies the property test spoils are valid (else it would test nothing)."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    rule_id = next(
        r["ips_rule_id"]
        for r in call(client, "GET", f"/v1/{P}/advanced-ips-rules?object_id={obj}").json["data"][
            "advanced_ips_rules"
        ]
        if r["ips_rule_type"] == 0
    )
    for method, path, make in WRITES:
        body = make(fw, obj)
        if "ips_rule_id" in body:
            body["ips_rule_id"] = rule_id
        reply = call(client, method, path.format(p=P, fw=fw), body)
        assert reply.status == 200, (path, reply.body)


def test_another_projects_firewalls_and_objects_answer_like_unknown_ones(api):
    """Every read and write of this area, for a firewall or object of another project, is CFW.00200005."""
    runtime, _, client = api
    fw, obj = running(runtime, client)
    other = other_project(runtime, client)
    reads = [
        f"/v1/{{p}}/anti-virus/switch?object_id={obj}",
        f"/v1/{{p}}/anti-virus/rule?object_id={obj}&limit=10&offset=0",
        f"/v1/{{p}}/cfw/alarm/config?fw_instance_id={fw}",
        f"/v1/{{p}}/cfw/logs/configuration?fw_instance_id={fw}",
        f"/v1/{{p}}/dns/servers?fw_instance_id={fw}",
        f"/v1/{{p}}/ips-rule?object_id={obj}&limit=10&offset=0",
        f"/v1/{{p}}/ips-rule/detail?fw_instance_id={fw}",
        f"/v1/{{p}}/advanced-ips-rules?object_id={obj}",
        f"/v1/{{p}}/ips/custom-rule?fw_instance_id={fw}&limit=10&offset=0",
        f"/v1/{{p}}/cfw/{fw}/ips/whitelist?limit=10&offset=0",
        f"/v1/{{p}}/capture-task?fw_instance_id={fw}&limit=10&offset=0",
    ]
    for url in reads:
        assert call(client, "GET", url.format(p=P)).status == 200, url
        assert_error(call(client, "GET", url.format(p=OTHER), token=other), 400, "CFW.00200005")
    for method, path, make in WRITES:
        before = runtime.store.last_event_seq(P)
        reply = call(client, method, path.format(p=OTHER, fw=fw), make(fw, obj), token=other)
        assert_error(reply, 400, "CFW.00200005")
        assert runtime.store.last_event_seq(P) == before


def test_settings_go_with_their_firewall_and_project(api):
    runtime, clock, client = api
    fw, obj = running(runtime, client)
    for method, path, make in WRITES[4:8]:
        assert call(client, method, path.format(p=P, fw=fw), make(fw, obj)).status == 200
    settings_of = {name: runtime.resources[name] for name in ("firewall_setting", "object_setting")}
    assert all(
        svc.list(Where(P, fw, obj if "object" in n else None), {}, 0, 100)[0]
        for n, svc in settings_of.items()
    )
    assert call(client, "DELETE", f"/v2/{P}/firewall/{fw}").status == 200
    clock.advance(1)
    while runtime.worker.run_once():
        pass
    assert_error(call(client, "GET", f"/v1/{P}/anti-virus/switch?object_id={obj}"), 400, "CFW.00200005")
    assert_error(call(client, "GET", f"/v1/{P}/cfw/alarm/config?fw_instance_id={fw}"), 400, "CFW.00200005")
    with runtime.resources["object_setting"].repo.db.read() as conn:
        for table in ("firewall_settings", "object_settings"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    fw, obj = running(runtime, client)
    method, path, make = WRITES[4]
    assert call(client, method, path.format(p=P, fw=fw), make(fw, obj)).status == 200
    runtime.store.reset_project(P, clock.now_ms())
    with runtime.resources["object_setting"].repo.db.read() as conn:
        assert conn.execute("SELECT count(*) FROM object_settings").fetchone()[0] == 0


def test_a_custom_rule_is_applying_for_a_second_after_each_change(api):
    runtime, clock, client = api
    fw, _ = running(runtime, client)
    made = call(client, "POST", f"/v1/{P}/ips/custom-rule?fw_instance_id={fw}", dict(_IPS_RULE))
    rule_id = made.json["data"]["id"]

    def status() -> int:
        return call(client, "GET", f"/v1/{P}/ips/custom-rule/{rule_id}").json["data"]["config_status"]

    assert status() == ips.APPLYING
    change = call(client, "PUT", f"/v1/{P}/ips/custom-rule/{rule_id}", {"severity": 0})
    assert_error(change, 400, "CFW.00109003")
    clock.advance(ips.APPLY_MS / 1000 - 0.001)
    assert status() == ips.APPLYING
    clock.advance(0.001)
    assert status() == ips.APPLIED
    assert call(client, "PUT", f"/v1/{P}/ips/custom-rule/{rule_id}", {"severity": 0}).status == 200
    assert status() == ips.APPLYING
    delete = {"fw_instance_id": fw, "ips_ids": [rule_id]}
    assert_error(call(client, "POST", f"/v1/{P}/ips/custom-rule/batch-delete", delete), 400, "CFW.00109003")
    clock.advance(1)
    assert call(client, "POST", f"/v1/{P}/ips/custom-rule/batch-delete", delete).status == 200


def test_a_custom_rule_filter_past_a_32_bit_integer_is_a_400(api):
    """ListCustomerIps's integer filters are the SDK's 32-bit integers: a larger one (which SQLite
    cannot bind) is a documented 400, never a 500; one in range filters."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    assert call(client, "POST", f"/v1/{P}/ips/custom-rule?fw_instance_id={fw}", dict(_IPS_RULE)).status == 200
    url = f"/v1/{P}/ips/custom-rule?fw_instance_id={fw}&limit=10&offset=0"
    for name in ("action_type", "affected_os", "attack_type", "protocol", "severity", "software"):
        assert_error(call(client, "GET", f"{url}&{name}={2**80}"), 400, "CFW.00200001")
        assert_error(call(client, "GET", f"{url}&{name}={-(2**31) - 1}"), 400, "CFW.00200001")
    protocol = _IPS_RULE["protocol"]
    assert call(client, "GET", f"{url}&protocol={protocol}").json["data"]["total"] == 1
    assert call(client, "GET", f"{url}&protocol={2**31 - 1}").json["data"]["total"] == 0


def test_the_batch_action_changes_every_rule_or_none(api):
    """One rule still applying (or unknown) in the batch: no rule changes."""
    runtime, clock, client = api
    fw, _ = running(runtime, client)
    url = f"/v1/{P}/ips/custom-rule?fw_instance_id={fw}"
    first = call(client, "POST", url, {**_IPS_RULE, "ips_name": "a"}).json["data"]["id"]
    clock.advance(1)
    second = call(client, "POST", url, {**_IPS_RULE, "ips_name": "b"}).json["data"]["id"]
    action = f"/v1/{P}/ips/custom-rule/action"

    def actions() -> list[int]:
        return [
            call(client, "GET", f"/v1/{P}/ips/custom-rule/{i}").json["data"]["action"]
            for i in (first, second)
        ]

    body = {"fw_instance_id": fw, "action_type": 1, "ips_ids": [first, second]}
    assert_error(call(client, "POST", action, body), 400, "CFW.00109003")
    assert actions() == [0, 0]
    clock.advance(1)
    unknown = {**body, "ips_ids": [first, "f588ce71-e26c-400d-8981-f854355f6849"]}
    assert_error(call(client, "POST", action, unknown), 400, "CFW.00200005")
    assert actions() == [0, 0]
    assert call(client, "POST", action, body).status == 200
    assert actions() == [1, 1]


def test_a_capture_task_runs_for_its_duration_or_until_stopped(api):
    runtime, clock, client = api
    fw, _ = running(runtime, client)
    base = f"/v1/{P}/capture-task"
    task_id = call(client, "POST", f"{base}?fw_instance_id={fw}", {**_CAPTURE, "name": "a"}).json["data"][
        "id"
    ]

    def status() -> int:
        page = call(client, "GET", f"{base}?fw_instance_id={fw}&limit=10&offset=0").json["data"]
        return next(r["status"] for r in page["records"] if r["task_id"] == task_id)

    assert status() == capture.RUNNING
    clock.advance(_CAPTURE["duration"] * 60 - 1)
    assert status() == capture.RUNNING
    clock.advance(1)
    assert status() == capture.DONE
    stop = call(client, "POST", f"{base}/stop?fw_instance_id={fw}", {"task_id": task_id})
    assert stop.status == 200 and status() == capture.DONE  # an ended task stays as it ended
    second = call(client, "POST", f"{base}?fw_instance_id={fw}", {**_CAPTURE, "name": "b"}).json["data"]["id"]
    task_id = second
    call(client, "POST", f"{base}/stop?fw_instance_id={fw}", {"task_id": task_id})
    assert status() == capture.STOPPING
    clock.advance(capture.STOP_MS / 1000)
    assert status() == capture.STOPPED
    clock.advance(_CAPTURE["duration"] * 60)
    assert status() == capture.STOPPED


def test_the_signature_catalogue_is_well_formed():
    lib = ips_signatures.catalogue()
    ids = [s.ips_id for s in lib.signatures]
    assert len(ids) == len(set(ids)) >= 30
    assert {s.ips_level for s in lib.signatures} <= set(ips_signatures.LEVELS)
    assert {s.default_status for s in lib.signatures} <= {"OBSERVE", "ENABLE", "CLOSE"}
    assert {s.ips_group for s in lib.signatures} <= {"0", "1", "2", "3"}
    assert any(s.updated for s in lib.signatures)
