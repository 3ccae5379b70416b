"""The data plane in a real server: firewalls made through the SDK get labs; `opencfw lab` probes them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from opencfw.config import Settings
from opencfw.dataplane import netns, runner
from opencfw.dataplane.policy import TCP, Direction, Policy, Rule, Service
from opencfw.dataplane.reconciler import Reconciler
from opencfw.dataplane.source import Desired
from tests.acceptance import sdk
from tests.acceptance.server import Server, server_environ
from tests.dataplane import kernel

pytestmark = pytest.mark.acceptance

EIP = "203.0.113.20"


def lab_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opencfw", "lab", *args], env=env, capture_output=True, text=True, timeout=60
    )


def until(check, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_lab_probe_answers_allowed_or_denied_with_fixed_exit_codes(tmp_path: Path):
    kernel.require()
    env = server_environ(OPENCFW_DATA_DIR=str(tmp_path))
    instance = runner.instance(Settings(data_dir=tmp_path))
    deny = Rule("deny-ssh", "deny", Direction.INBOUND, services=(Service(TCP, ((22, 22),)),))
    want = {"fw-cli": Desired("p", Policy("fw-cli", protected=(EIP,), rules=(deny,)), (EIP,))}
    reconciler = Reconciler(lambda: want, instance, deny="reject")
    reconciler.reconcile()
    try:
        probe = ["probe", "--firewall", "fw-cli", "--protocol", "tcp"]
        allowed = lab_cli(env, *probe, "--from", "internet", "--to", EIP, "--port", "80")
        assert (allowed.returncode, allowed.stdout) == (0, "allowed\n")
        denied = lab_cli(env, *probe, "--from", "internet", "--to", EIP, "--port", "22")
        assert (denied.returncode, denied.stdout) == (1, "denied\n")
        outbound = lab_cli(env, *probe, "--from", EIP, "--to", "internet", "--port", "22")
        assert outbound.returncode == 0
        unknown_eip = lab_cli(env, *probe, "--from", "internet", "--to", "203.0.113.99")
        assert unknown_eip.returncode == 4 and "is not an EIP" in unknown_eip.stderr
        both_eips = lab_cli(env, *probe, "--from", EIP, "--to", EIP)
        assert both_eips.returncode == 3 and "one side" in both_eips.stderr
        not_an_address = lab_cli(env, *probe, "--from", "internet", "--to", "example.com")
        assert not_an_address.returncode == 3
        bad_port = lab_cli(env, *probe, "--from", "internet", "--to", EIP, "--port", "70000")
        assert bad_port.returncode == 3 and "--port" in bad_port.stderr
        no_lab = lab_cli(
            env, "probe", "--firewall", "nope", "--from", "internet", "--to", EIP, "--protocol", "icmp"
        )
        assert no_lab.returncode == 4 and "has no lab" in no_lab.stderr
        shown = lab_cli(env, "show", "--firewall", "fw-cli")
        assert shown.returncode == 0
        assert EIP in shown.stdout and 'comment "deny-ssh"' in shown.stdout
    finally:
        reconciler.remove_all()


def test_a_firewall_made_through_the_sdk_gets_a_lab_until_it_is_deleted(
    tmp_path: Path, database_url, sdk_home
):
    kernel.require()
    srv = Server(
        tmp_path / "data",
        database_url,
        dataplane="nftables",
        dataplane_deny="reject",
        provision_seconds="0.2",
    )
    srv.start()
    env = {**srv.env}
    try:
        cfw = sdk.client(srv.url)
        firewall_id = cfw.create_firewall(sdk.create_request("lab")).job_id
        assert sdk.wait_job(cfw, firewall_id) == "Success"
        assert until(lambda: lab_cli(env, "show", "--firewall", firewall_id).returncode == 0)
        instance = runner.instance(Settings(data_dir=srv.data_dir, database_url=None))
        if database_url is None:
            assert netns.Lab.for_firewall(firewall_id, instance) in netns.labs(instance)
        from huaweicloudsdkcfw.v1 import DeleteFirewallRequest

        cfw.delete_firewall(DeleteFirewallRequest(resource_id=firewall_id))
        assert until(lambda: lab_cli(env, "show", "--firewall", firewall_id).returncode == 4)
        second = cfw.create_firewall(sdk.create_request("lab2")).job_id
        assert sdk.wait_job(cfw, second) == "Success"
        assert until(lambda: lab_cli(env, "show", "--firewall", second).returncode == 0)
    finally:
        assert srv.stop() == 0
    assert lab_cli(env, "show", "--firewall", second).returncode == 4  # a stop removes the labs


def test_the_walk_through_rules_set_through_the_sdk_filter_real_packets(
    tmp_path: Path, database_url, sdk_home
):
    """The README's walk-through: a firewall made with the SDK, an EIP protected, port 22 allowed;
    a deny rule added with the SDK, port 22 denied within 2 s, its hit count 1 (the kernel's
    counter); the kernel's access-control and flow log records read with the SDK; the evaluator
    gives the same verdicts; the rule deleted, allowed again."""
    from huaweicloudsdkcfw.v1 import (
        AddAclRuleRequest,
        AddRuleAclDto,
        AddRuleAclDtoRules,
        ChangeEipStatusRequest,
        DeleteAclRuleRequest,
        EipOperateProtectReq,
        EipOperateProtectReqIpInfos,
        ListAccessControlLogsRequest,
        ListAclRuleHitCountRequest,
        ListEipsRequest,
        ListFlowLogsRequest,
        ListRuleHitCountDto,
        OrderRuleAclDto,
        RuleAddressDtoForRequest,
        RuleServiceDto,
    )

    kernel.require()
    srv = Server(
        tmp_path / "data",
        database_url,
        dataplane="nftables",
        dataplane_deny="reject",
        provision_seconds="0.2",
    )
    srv.start()
    env = {**srv.env}
    try:
        cfw = sdk.client(srv.url)
        firewall_id = cfw.create_firewall(sdk.create_request("walk")).job_id
        assert sdk.wait_job(cfw, firewall_id) == "Success"
        obj = sdk.detail(cfw, firewall_id).data.records[0].protect_objects[0].object_id
        eip = cfw.list_eips(ListEipsRequest(object_id=obj, sync=1, limit=1024, offset=0)).data.records[0]
        info = EipOperateProtectReqIpInfos(id=eip.id, public_ip=eip.public_ip)
        cfw.change_eip_status(
            ChangeEipStatusRequest(body=EipOperateProtectReq(object_id=obj, status=0, ip_infos=[info]))
        )
        probe = ("probe", "--firewall", firewall_id, "--from", "internet", "--to", eip.public_ip)
        ssh = (*probe, "--protocol", "tcp", "--port", "22")
        assert until(lambda: lab_cli(env, *ssh).stdout == "allowed\n")

        rule = AddRuleAclDtoRules(
            name="no-ssh",
            sequence=OrderRuleAclDto(top=1),
            address_type=0,
            action_type=1,
            status=1,
            long_connect_enable=0,
            direction=0,
            source=RuleAddressDtoForRequest(type=0, address="0.0.0.0/0"),
            destination=RuleAddressDtoForRequest(type=0, address="0.0.0.0/0"),
            service=RuleServiceDto(type=0, protocol=6, source_port="1-65535", dest_port="22"),
        )
        added = cfw.add_acl_rule(AddAclRuleRequest(body=AddRuleAclDto(object_id=obj, type=0, rules=[rule])))
        rule_id = added.data.rules[0].id
        changed = time.monotonic()
        assert until(lambda: lab_cli(env, *ssh).returncode == 1, seconds=2.0)
        print(f"change to packet: {(time.monotonic() - changed) * 1000:.0f} ms")
        web = lab_cli(env, *probe, "--protocol", "tcp", "--port", "80")
        assert (web.returncode, web.stdout) == (0, "allowed\n")

        def hits() -> int:
            body = ListRuleHitCountDto(rule_ids=[rule_id])
            return (
                cfw.list_acl_rule_hit_count(ListAclRuleHitCountRequest(body=body))
                .data.records[0]
                .rule_hit_count
            )

        assert hits() >= 1  # every denied probe's first packet (each run sent one, or retried one)

        # the kernel's logs, read with the SDK: the denied SYN (its client's port, not 0 as an
        # evaluated flow's), and the web connection with what conntrack counted when it ended
        now = int(time.time() * 1000)
        span = {"fw_instance_id": firewall_id, "start_time": now - 600_000, "end_time": now + 600_000}

        def denied_by_the_kernel() -> list:
            request = ListAccessControlLogsRequest(limit=100, rule_id=rule_id, action="deny", **span)
            records = cfw.list_access_control_logs(request).data.records
            return [r for r in records if r.src_port and r.dst_port == 22 and r.dst_ip == eip.public_ip]

        assert until(lambda: denied_by_the_kernel() != [], seconds=10.0)
        assert denied_by_the_kernel()[0].rule_name == "no-ssh"

        def web_flows() -> list:
            records = cfw.list_flow_logs(ListFlowLogsRequest(limit=100, dst_port=80, **span)).data.records
            return [r for r in records if r.dst_ip == eip.public_ip and r.packets >= 3]

        assert until(lambda: web_flows() != [], seconds=15.0)
        flow = web_flows()[0]
        assert flow.src_ip == "100.64.0.10" and flow.src_port > 0 and flow.bytes >= 120
        assert flow.direction == "out2in" and flow.end_time >= flow.start_time

        import urllib.request

        with urllib.request.urlopen(srv.url + "/_opencfw/metrics", timeout=10) as reply:
            exposed = dict(
                line.rsplit(" ", 1)
                for line in reply.read().decode().splitlines()
                if line[:1] not in ("#", "")
            )
        assert exposed["opencfw_dataplane_driving"] == "1.0" and float(exposed["opencfw_dataplane_labs"]) >= 1
        assert float(exposed["opencfw_dataplane_log_records_total"]) >= 2
        assert exposed['opencfw_dataplane_log_events_lost_total{reason="kernel_buffer"}'] == "0.0"
        status, _, body = srv.request(
            "POST",
            f"/_opencfw/v1/{sdk.PROJECT}/firewalls/{firewall_id}/evaluate",
            headers={"X-Auth-Token": srv.token()},
            body={"source": "100.64.0.10", "destination": eip.public_ip, "protocol": 6, "dest_port": 22},
        )
        assert status == 200 and (body["data"]["action"], body["data"]["rule_id"]) == ("deny", rule_id)

        cfw.delete_acl_rule(DeleteAclRuleRequest(acl_rule_id=rule_id))
        assert until(lambda: lab_cli(env, *ssh).returncode == 0, seconds=2.0)
    finally:
        assert srv.stop() == 0


def test_serve_refuses_to_start_where_the_data_plane_cannot_run(tmp_path: Path):
    env = server_environ(OPENCFW_DATA_DIR=str(tmp_path), OPENCFW_DATAPLANE="nftables", OPENCFW_PORT="0")
    env["PATH"] = str(tmp_path)  # neither ip nor nft on the PATH
    done = subprocess.run(
        [sys.executable, "-m", "opencfw", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "needs ip and nft" in done.stderr and "OPENCFW_DATAPLANE=none" in done.stderr
    assert not (tmp_path / "opencfw.sqlite3").exists()  # nothing was created
