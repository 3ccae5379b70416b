"""The Terraform provider's calls for ``huaweicloud_cfw_firewall``, replayed against a real server
on both stores and signed as its Go client signs: apply, refresh, import, update, destroy."""

from __future__ import annotations

import http.client
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.acceptance.server import AK, PROJECT, SK
from tests.gosign import go_headers

P = PROJECT
DEADLINE_S = 20


class GoClient:
    """What the provider's client sends: Go-style signature, JSON bodies, X-Project-Id."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.calls: list[tuple[str, str]] = []

    def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        raw = None if body is None else json.dumps(body).encode()
        sdk_date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        headers = go_headers(method, path, ak=AK, sk=SK, sdk_date=sdk_date, project_id=P, body=raw)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=raw, headers=headers)
            reply = conn.getresponse()
            status, payload = reply.status, reply.read()
        finally:
            conn.close()
        self.calls.append((method, path.split("?")[0]))
        return status, json.loads(payload)

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, payload = self(method, path, body)
        assert status == 200, (method, path, payload)
        return payload


def wait_job(tf: GoClient, job_id: str) -> str:
    """Poll the job as the provider does (it waits 10 s between reads; here 0.05 s) until it ends."""
    began = time.monotonic()
    while time.monotonic() - began < DEADLINE_S:
        status = tf.ok("GET", f"/v3/{P}/jobs/{job_id}")["data"]["status"]
        if status != "Running":
            return str(status)
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still running after {DEADLINE_S} s")


def detail_path(firewall_id: str) -> str:
    return f"/v1/{P}/firewall/exist?offset=0&limit=10&service_type=0&fw_instance_id={firewall_id}"


def check_record(rec: dict[str, Any]) -> None:
    """Every field the provider reads, with the JSON type it parses."""
    for field in ("fw_instance_id", "fw_instance_name", "enterprise_project_id", "tags"):
        assert isinstance(rec[field], str), field
    for field in ("charge_mode", "engine_type", "ha_type", "service_type", "status"):
        assert type(rec[field]) is int, field
    assert rec["charge_mode"] == 1 and rec["enterprise_project_id"] == "0"
    assert isinstance(rec["support_ipv6"], bool)
    flavor = rec["flavor"]
    for field in (
        "version",
        "eip_count",
        "vpc_count",
        "bandwidth",
        "log_storage",
        "default_eip_count",
        "default_vpc_count",
        "default_bandwidth",
        "default_log_storage",
    ):
        assert type(flavor[field]) is int, field
    for obj in rec["protect_objects"]:
        assert isinstance(obj["object_id"], str) and isinstance(obj["object_name"], str)
        assert obj["type"] in (0, 1) and type(obj["type"]) is int
    if rec["tags"]:
        assert isinstance(json.loads(rec["tags"]), dict)


def read(tf: GoClient, firewall_id: str) -> dict[str, Any]:
    """resourceFirewallRead: the record, the IPS mode and switch of its type-0 object, east-west."""
    records = tf.ok("GET", detail_path(firewall_id))["data"]["records"]
    rec = next(r for r in records if r["fw_instance_id"] == firewall_id)
    check_record(rec)
    internet = next(o["object_id"] for o in rec["protect_objects"] if o["type"] == 0)
    mode = tf.ok("GET", f"/v1/{P}/ips/protect?object_id={internet}")["data"]
    assert mode["id"] == internet and type(mode["mode"]) is int
    switch = tf.ok("GET", f"/v1/{P}/ips/switch?object_id={internet}")["data"]
    assert type(switch["virtual_patches_status"]) is int and type(switch["basic_defense_status"]) is int
    east_west = tf.ok("GET", f"/v1/{P}/firewall/east-west?offset=0&limit=10&fw_instance_id={firewall_id}")[
        "data"
    ]
    assert east_west["status"] in (None, 0, 1)
    return {
        "record": rec,
        "internet": internet,
        "ips_protection_mode": mode["mode"],
        "ips_switch_status": switch["virtual_patches_status"],
        "east_west_status": east_west["status"],
        "tags": json.loads(rec["tags"]) if rec["tags"] else {},
    }


def destroy(tf: GoClient, firewall_id: str) -> None:
    """Delete, then poll the detail read until it answers 400 CFW.00200005 (1 and 2 keep waiting)."""
    task = tf.ok("DELETE", f"/v2/{P}/firewall/{firewall_id}")["data"]
    assert isinstance(task, str) and task
    began = time.monotonic()
    while time.monotonic() - began < DEADLINE_S:
        status, payload = tf("GET", detail_path(firewall_id))
        if status == 400:
            assert payload["error_code"] == "CFW.00200005", payload
            return
        assert status == 200, payload
        rec = next((r for r in payload["data"]["records"] if r["fw_instance_id"] == firewall_id), None)
        assert rec is not None, "a record must not vanish from a 200 answer before the 400"
        assert rec["status"] in (1, 2), rec["status"]
        time.sleep(0.05)
    raise AssertionError("the firewall was not gone in time")


@pytest.mark.parametrize("tags", [[{"key": "team", "value": "qa"}], None], ids=["tags", "tags-null"])
def test_apply_refresh_import_update_destroy(spawn, tags):
    """The provider's whole sequence works, signed its way, and every read has the types it parses."""
    srv = spawn(provision_seconds="0.3")
    tf = GoClient(srv.port)
    # create
    body = {
        "name": "tf-fw",
        "flavor": {"version": "Professional"},
        "tags": tags,
        "charge_info": {"charge_mode": "postPaid", "is_auto_pay": True},
    }
    created = tf.ok("POST", f"/v2/{P}/firewall", body)
    assert not created.get("order_id")
    firewall_id = created["job_id"]
    assert wait_job(tf, firewall_id) == "Success"
    # resourceFirewallUpdate on a new resource: the record, then the configured IPS mode (strict)
    rec = tf.ok("GET", detail_path(firewall_id))["data"]["records"][0]
    assert [o["type"] for o in rec["protect_objects"]] == [0]  # no VPC border: no east-west call
    internet = rec["protect_objects"][0]["object_id"]
    assert tf.ok("POST", f"/v1/{P}/ips/protect", {"object_id": internet, "mode": 1}) == {
        "data": {"id": internet}
    }
    state = read(tf, firewall_id)
    assert state["record"]["status"] == 2 and state["record"]["fw_instance_name"] == "tf-fw"
    assert (state["ips_protection_mode"], state["ips_switch_status"], state["east_west_status"]) == (
        1,
        0,
        None,
    )
    assert state["tags"] == ({"team": "qa"} if tags else {})
    # refresh and import: the same reads by id give the same state
    assert read(tf, firewall_id) == state
    # update: rename, tags (old ones deleted, then new ones created), IPS mode and patch switch
    renamed = tf.ok(
        "PUT", f"/v1/{P}/firewall/name?fw_instance_id={firewall_id}", {"fw_instance_name": "tf-fw-2"}
    )
    assert renamed["data"]["name"] == "tf-fw-2"
    if tags:
        tf.ok("DELETE", f"/v2/{P}/cfw-cfw/{firewall_id}/tags/delete", {"tags": tags})
    tf.ok("POST", f"/v2/{P}/cfw-cfw/{firewall_id}/tags/create", {"tags": [{"key": "env", "value": "prod"}]})
    tf.ok(
        "POST",
        f"/v1/{P}/ips/switch?fw_instance_id={firewall_id}",
        {"object_id": internet, "ips_type": 2, "status": 1},
    )
    tf.ok("POST", f"/v1/{P}/ips/protect", {"object_id": internet, "mode": 3})
    after = read(tf, firewall_id)
    assert after["record"]["fw_instance_name"] == "tf-fw-2"
    assert after["tags"] == {"env": "prod"}
    assert (after["ips_protection_mode"], after["ips_switch_status"]) == (3, 1)
    # destroy
    destroy(tf, firewall_id)
    status, payload = tf("GET", f"/v1/{P}/ips/protect?object_id={internet}")
    assert (status, payload["error_code"]) == (400, "CFW.00200005")


def test_east_west_protection_as_the_provider_drives_it(spawn):
    """Create east-west protection, poll it to status 0/1, find the type-1 object, switch it on."""
    srv = spawn(provision_seconds="0")
    tf = GoClient(srv.port)
    body = {"name": "ew", "flavor": {"version": "Professional"}, "charge_info": {"charge_mode": "postPaid"}}
    firewall_id = tf.ok("POST", f"/v2/{P}/firewall", body)["job_id"]
    assert wait_job(tf, firewall_id) == "Success"
    ew = {"er_id": "er-1", "inspection_cidr": "192.168.0.0/16", "mode": "er"}
    tf.ok("POST", f"/v1/{P}/firewall/east-west?fw_instance_id={firewall_id}", ew)
    data = tf.ok("GET", f"/v1/{P}/firewall/east-west?offset=0&limit=10&fw_instance_id={firewall_id}")["data"]
    assert data["status"] in (0, 1) and data["mode"] == "er" and data["er"]["id"] == "er-1"
    rec = tf.ok("GET", detail_path(firewall_id))["data"]["records"][0]
    vpc_object = next(o["object_id"] for o in rec["protect_objects"] if o["type"] == 1)
    assert vpc_object == data["object_id"]
    tf.ok(
        "POST",
        f"/v1/{P}/firewall/east-west/protect?fw_instance_id={firewall_id}",
        {"object_id": vpc_object, "status": 0},
    )
    state = read(tf, firewall_id)
    assert state["east_west_status"] == 0
    destroy(tf, firewall_id)


def test_failed_creation_is_seen_by_the_create_poll(spawn):
    """With OPENCFW_PROVISION_OUTCOME=failed the job ends Failed, the record shows status 6, and
    the firewall can still be destroyed."""
    srv = spawn(provision_seconds="0.2", provision_outcome="failed")
    tf = GoClient(srv.port)
    body = {"name": "doomed", "flavor": {"version": "Professional"}, "charge_info": {"charge_mode": "postPaid"}}
    firewall_id = tf.ok("POST", f"/v2/{P}/firewall", body)["job_id"]
    assert wait_job(tf, firewall_id) == "Failed"
    rec = tf.ok("GET", detail_path(firewall_id))["data"]["records"][0]
    assert rec["status"] == 6
    destroy(tf, firewall_id)
    for path in (
        detail_path(firewall_id),
        f"/v1/{P}/firewall/east-west?offset=0&limit=10&fw_instance_id={firewall_id}",
        f"/v1/{P}/ips/switch?object_id={rec['protect_objects'][0]['object_id']}",
    ):
        status, payload = tf("GET", path)
        assert (status, payload["error_code"]) == (400, "CFW.00200005"), path
