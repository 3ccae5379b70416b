"""The Terraform provider's calls for the log data sources (huaweicloud_cfw_access_control_logs,
_attack_logs, _flow_logs and _logs), replayed against a real server on both stores and signed as
its Go client signs, with the query strings and bodies the provider builds (v1.97.1)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tests.acceptance.server import ADMIN_TOKEN, PROJECT
from tests.acceptance.test_logs_sdk import attack, inject
from tests.acceptance.test_terraform import GoClient, wait_job

P = PROJECT
PLACE = (
    "src_region_name",
    "dst_region_name",
    "src_province_name",
    "dst_province_name",
    "src_city_name",
    "dst_city_name",
)


def utc_seconds(ms: int) -> int:
    """What the provider sends for a ``start_time = "2006-01-02 15:04:05"`` argument: whole seconds * 1000."""
    text = datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()) * 1000


@pytest.fixture
def provider(spawn):
    """A server with an admin token, a firewall made as the provider makes one, and 1,100 flows."""
    server = spawn(admin_token=ADMIN_TOKEN, provision_seconds="0")
    tf = GoClient(server.port)
    body = {
        "name": "tf-logs",
        "enterprise_project_id": "0",
        "tags": None,
        "flavor": {"version": "Professional"},
        "charge_info": {"charge_mode": "postPaid", "is_auto_renew": "false", "is_auto_pay": True},
    }
    fw = tf.ok("POST", f"/v2/{P}/firewall", body)["job_id"]
    assert wait_job(tf, fw) == "Success"
    now = int(time.time() * 1000)
    flows = [
        {
            "fw_instance_id": fw,
            "src_ip": f"10.1.{i // 250}.{i % 250 + 1}",
            "src_port": 40000,
            "dst_ip": "192.168.7.7",
            "dst_port": 443,
            "protocol": 6,
            "direction": "out2in",
            "action": "permit" if i % 10 else "deny",
            "rule_id": "rule-1",
            "rule_name": "web",
            "bytes": 1500,
            "packets": 3,
            "start_ms": now - 120_000 - i,
            "place": {"src_region_name": "Ireland", "src_city_name": "Dublin"},
        }
        for i in range(1100)
    ]
    attacks = [
        attack(
            fw,
            src_ip="198.51.100.9",
            dst_ip="192.168.7.7",
            dst_port=443,
            attack_rule="XSS",
            attack_rule_id="440012",
            level="MEDIUM",
            event_ms=now - 60_000,
        )
    ]
    inject(server, flows, attacks)
    return tf, fw, utc_seconds(now - 3_600_000), utc_seconds(now + 1000)


def test_access_control_flow_and_attack_logs_data_sources(provider):
    """Each data source is one GET with limit=1000 and the arguments the configuration sets; the
    records carry every field the provider reads."""
    tf, fw, start, end = provider
    base = f"fw_instance_id={fw}&start_time={start}&end_time={end}"

    acl = tf.ok(
        "GET",
        f"/v1/{P}/cfw/logs/access-control?{base}&rule_name=web&action=deny&src_region_name=Ireland&limit=1000",
    )
    assert acl["data"]["total"] == 110 and len(acl["data"]["records"]) == 110
    record = acl["data"]["records"][0]
    assert {
        "action",
        "rule_name",
        "rule_id",
        "hit_time",
        "log_id",
        "src_ip",
        "src_port",
        "dst_ip",
        "dst_port",
        "protocol",
        "app",
        "dst_host",
        *PLACE,
    } <= set(record)
    assert (record["action"], record["src_city_name"]) == ("deny", "Dublin")

    flows = tf.ok("GET", f"/v1/{P}/cfw/logs/flow?{base}&direction=out2in&dst_port=443&limit=1000")
    assert flows["data"]["total"] == 990 and len(flows["data"]["records"]) == 990
    assert {"bytes", "packets", "start_time", "end_time", "direction", "log_id"} <= set(
        flows["data"]["records"][0]
    )

    query = (
        f"?fw_instance_id={fw}&start_time={start}&end_time={end}&limit=1000&src_ip=198.51.100.9&level=MEDIUM"
    )
    attacks = tf.ok("GET", f"/v1/{P}/cfw/logs/attack{query}&enterprise_project_id=0")
    assert attacks["data"]["total"] == 1
    assert {
        "event_time",
        "attack_type",
        "attack_rule",
        "attack_rule_id",
        "level",
        "packet_length",
        "packet_messages",
        "source",
    } <= set(attacks["data"]["records"][0])
    assert tf.calls[-3:] == [
        ("GET", f"/v1/{P}/cfw/logs/access-control"),
        ("GET", f"/v1/{P}/cfw/logs/flow"),
        ("GET", f"/v1/{P}/cfw/logs/attack"),
    ]


def test_logs_data_source_pages_with_limit_1024_and_growing_offsets(provider):
    """huaweicloud_cfw_logs POSTs its filters with limit 1024, offset absent on the first page and
    grown by the records read, and stops at a page shorter than the limit."""
    tf, fw, start, end = provider
    body = {
        "start_time": start,
        "end_time": end,
        "log_type": "internet",
        "type": "flow",
        "filters": [{"field": "dst_ip", "operator": "equal", "values": ["192.168.7.7"]}],
    }
    pages, offset = [], 0
    while True:
        page = {**body, "limit": 1024, **({"offset": offset} if offset > 0 else {})}
        records = tf.ok("POST", f"/v1/{P}/cfw/{fw}/logs", page)["data"]["records"]
        pages.append(len(records))
        if len(records) == 0 or len(records) < 1024:
            break
        offset += len(records)
    assert pages == [990]  # the permitted flows: one page shorter than the limit
    # access-control records of both actions page the same way
    acl = {
        **body,
        "type": "acl",
        "filters": [{"field": "action", "operator": "equal", "values": ["permit", "deny"]}],
    }
    first = tf.ok("POST", f"/v1/{P}/cfw/{fw}/logs", {**acl, "limit": 1024})["data"]
    second = tf.ok("POST", f"/v1/{P}/cfw/{fw}/logs", {**acl, "limit": 1024, "offset": 1024})["data"]
    assert (first["total"], len(first["records"]), second["total"], len(second["records"])) == (
        1100,
        1024,
        1100,
        76,
    )
    assert not {r["log_id"] for r in first["records"]} & {r["log_id"] for r in second["records"]}
    assert {"hit_time", "rule_id", "rule_name", "action"} <= set(first["records"][0])
