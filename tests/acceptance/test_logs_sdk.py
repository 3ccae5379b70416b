"""Logs and statistics through the official SDK against a real server process: records injected
through the admin API (as the policy evaluator records flows) are what every log read answers."""

from __future__ import annotations

import time

import pytest
from huaweicloudsdkcfw.v1 import (
    ExportLogsRequest,
    ExportLogsRequestBody,
    Filter,
    ListAccessControlLogsRequest,
    ListAttackLogsRequest,
    ListAttackStatisticRequest,
    ListFlowLogsRequest,
    ListFlowStatisticRequest,
    ListLogsRequest,
    ListLogsRequestBody,
    ShowAccessDetailRequest,
    ShowAccessTopRequest,
    ShowAttackDetailRequest,
    ShowAttackTopRequest,
    ShowAttackTotalRequest,
    ShowAttackTrendRequest,
    ShowFlowDetailRequest,
    ShowFlowTopRequest,
    ShowFlowTrendRequest,
    ShowLogsCountRequest,
    ShowTrafficTrendRequest,
)
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.acceptance import sdk
from tests.acceptance.server import ADMIN_TOKEN, PROJECT


def inject(server, flows=(), attacks=()):
    status, _, body = server.request(
        "POST",
        f"/_opencfw/admin/projects/{PROJECT}/logs",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        body={"flows": list(flows), "attacks": list(attacks)},
    )
    assert status == 200, body
    return body


def attack(fw, **changes):
    """An IPS event as the admin API takes it."""
    return {
        "fw_instance_id": fw,
        "src_ip": "203.0.113.7",
        "dst_ip": "192.168.1.10",
        "dst_port": 80,
        "protocol": 6,
        "direction": "out2in",
        "action": "deny",
        "attack_type": "Web attack",
        "attack_rule": "SQL injection",
        "attack_rule_id": "330001",
        "level": "HIGH",
        **changes,
    }


def flow(fw, i, **extra):
    return {
        "fw_instance_id": fw,
        "src_ip": f"10.0.0.{i % 4 + 1}",
        "src_port": 40000 + i,
        "dst_ip": "192.168.1.10",
        "dst_port": 443 if i % 2 else 22,
        "protocol": 6,
        "direction": "out2in",
        "action": "permit",
        "rule_id": "rule-allow",
        "rule_name": "allow-web",
        "bytes": 1000 * (i + 1),
        "packets": i + 1,
        **extra,
    }


@pytest.fixture
def logged(spawn):
    """A server with an admin token, a running firewall and a known set of records."""
    server = spawn(admin_token=ADMIN_TOKEN, provision_seconds="0")
    cfw = sdk.client(server.url)
    fw = cfw.create_firewall(sdk.create_request("logs")).job_id
    assert sdk.wait_job(cfw, fw) == "Success"
    now = int(time.time() * 1000)
    flows = [flow(fw, i, start_ms=now - 60_000 + i) for i in range(6)]
    flows += [flow(fw, 10, action="deny", rule_id="rule-deny", rule_name="deny-ssh", direction="in2out")]
    flows += [flow(fw, 11, rule_id=None, rule_name=None, start_ms=now - 30_000)]  # no rule: flow log only
    attacks = [attack(fw, action="deny" if i < 2 else "permit", event_ms=now - 1000 * i) for i in range(3)]
    made = inject(server, flows, attacks)
    return server, cfw, fw, now, made


def test_log_lists_through_the_sdk(logged):
    """The three lists answer the injected records with exact totals, filters and paging; ListLogs
    filters by field and operator; ExportLogs is a CSV of the same records."""
    _, cfw, fw, now, made = logged
    span = {"fw_instance_id": fw, "start_time": now - 3_600_000, "end_time": now + 60_000}
    acl = cfw.list_access_control_logs(ListAccessControlLogsRequest(limit=3, offset=0, **span)).data
    assert acl.total == 7 and len(acl.records) == 3 and acl.records[0].hit_time >= acl.records[1].hit_time
    page2 = cfw.list_access_control_logs(ListAccessControlLogsRequest(limit=3, offset=6, **span)).data
    assert page2.total == 7 and len(page2.records) == 1
    denied = cfw.list_access_control_logs(ListAccessControlLogsRequest(limit=10, action="deny", **span)).data
    assert denied.total == 1 and denied.records[0].rule_name == "deny-ssh"
    assert denied.records[0].log_id == made["flows"][6]["acl_log_id"]
    flows = cfw.list_flow_logs(ListFlowLogsRequest(limit=100, dst_port=443, **span)).data
    assert flows.total == 4 and {r.dst_port for r in flows.records} == {443}
    every = cfw.list_flow_logs(ListFlowLogsRequest(limit=100, **span)).data
    assert every.total == 7  # the denied flow passed nothing
    assert sum(r.bytes for r in every.records) == sum(1000 * (i + 1) for i in [0, 1, 2, 3, 4, 5, 11])
    attacks = cfw.list_attack_logs(ListAttackLogsRequest(limit=10, level="HIGH", **span)).data
    assert attacks.total == 3 and attacks.records[0].attack_rule == "SQL injection"
    old = {**span, "start_time": now - 7_200_000, "end_time": now - 3_600_000}
    assert cfw.list_attack_logs(ListAttackLogsRequest(limit=10, **old)).data.total == 0

    body = ListLogsRequestBody(
        type="flow",
        start_time=span["start_time"],
        end_time=span["end_time"],
        limit=1024,
        offset=0,
        filters=[Filter(field="src_ip", operator="starts_with", values=["10.0.0.1", "10.0.0.2"])],
    )
    listed = cfw.list_logs(ListLogsRequest(fw_instance_id=fw, body=body)).data
    assert listed.total == 4 and {r.src_ip for r in listed.records} <= {"10.0.0.1", "10.0.0.2"}

    export = ExportLogsRequestBody(type="acl", start_time=span["start_time"], end_time=span["end_time"])
    response = cfw.export_logs(ExportLogsRequest(fw_instance_id=fw, body=export))
    chunks = []
    response.consume_download_stream(lambda stream: chunks.extend(stream.iter_content(1024)))
    lines = b"".join(chunks).decode().splitlines()
    assert len(lines) == 8 and "rule_name" in lines[0]

    with pytest.raises(ClientRequestException) as err:
        cfw.list_flow_logs(ListFlowLogsRequest(limit=10, **{**span, "start_time": now, "end_time": now - 1}))
    assert (err.value.status_code, err.value.error_code) == (400, "CFW.00500002")
    with pytest.raises(ClientRequestException) as err:
        cfw.list_flow_logs(ListFlowLogsRequest(limit=10, **{**span, "fw_instance_id": "no-such-firewall"}))
    assert (err.value.status_code, err.value.error_code) == (400, "CFW.00200005")


def test_log_statistics_through_the_sdk(logged):
    """Tops, trends, totals and details are computed from the same records."""
    _, cfw, fw, _, _ = logged
    day = {"fw_instance_id": fw, "range": 1}
    total = cfw.show_attack_total(ShowAttackTotalRequest(**day)).data
    assert (total.attack_count, total.deny_count, total.permit_count, total.risk_ports) == (3, 2, 1, 1)
    trend = cfw.show_attack_trend(ShowAttackTrendRequest(**day)).data
    assert sum(p.deny_count for p in trend) == 2 and sum(p.permit_count for p in trend) == 1
    top = cfw.show_attack_top(ShowAttackTopRequest(item=["src_ip", "attack_rule"], **day)).data
    assert top.src_ip[0].item == "203.0.113.7" and top.src_ip[0].count == 3
    assert (top.attack_rule[0].item, top.attack_rule[0].item_id) == ("SQL injection", "330001")
    detail = cfw.show_attack_detail(
        ShowAttackDetailRequest(item="dst_port", value="80", action=1, **day)
    ).data
    assert detail.count == 2 and len(detail.records) == 2
    stats = cfw.list_attack_statistic(ListAttackStatisticRequest(item="src", **day)).data
    assert stats[0].ip == "203.0.113.7" and stats[0].attack_count == 3 and stats[0].deny_count == 2

    access = cfw.show_access_top(ShowAccessTopRequest(**day)).data
    assert (access.hit_count, access.deny_count, access.permit_count) == (7, 1, 6)
    assert access.deny_top_one_acl_name == "deny-ssh" and access.permit_top_one_acl_id == "rule-allow"
    assert sum(r.total_access_top_counts for r in access.records) == 7
    assert access.in2out_deny_dst_ip_list[0].item == "192.168.1.10"
    detail = cfw.show_access_detail(
        ShowAccessDetailRequest(item="top_deny_rule", item_id="rule-deny", **day)
    ).data
    assert (detail.session_count, detail.all_session_count, detail.rule_hit_count) == (1, 7, 1)

    flows = cfw.list_flow_statistic(ListFlowStatisticRequest(item="dst_port", **day)).data
    assert flows.total == 2 and {r.item for r in flows.records} == {"443", "22"}
    top = cfw.show_flow_top(ShowFlowTopRequest(item=["src_ip"], order="byte", size=1, **day)).data
    assert len(top["src_ip"]) == 1
    fdetail = cfw.show_flow_detail(ShowFlowDetailRequest(item="dst_port", value="443", **day)).data
    assert fdetail.sessions == 4 and fdetail.bytes == 2000 + 4000 + 6000 + 12000
    ftrend = cfw.show_flow_trend(ShowFlowTrendRequest(**day)).data
    assert ftrend.total == len(ftrend.records) and sum(r.in_bps for r in ftrend.records) > 0
    traffic = cfw.show_traffic_trend(ShowTrafficTrendRequest(agg_type="max", **day)).data
    assert max(p.bps for p in traffic) > 0
    count = cfw.show_logs_count(ShowLogsCountRequest(item="open_port", **day)).data
    assert count.count == 2
    assert cfw.show_logs_count(ShowLogsCountRequest(**day)).data.count == 7 + 7 + 3
