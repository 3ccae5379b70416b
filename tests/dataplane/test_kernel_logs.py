"""Access-control and flow logs made by the kernel from real packets (NFLOG and conntrack events)."""

from __future__ import annotations

import threading
import time

import pytest

from opencfw.dataplane import netns, probe
from opencfw.dataplane.flow_logs import FlowLogs
from opencfw.dataplane.policy import TCP, Direction, Policy, Rule, Service
from opencfw.dataplane.reconciler import Reconciler
from opencfw.dataplane.source import Desired
from opencfw.domain.logs import Flow

EIP, UNPROTECTED = "203.0.113.30", "203.0.113.31"
INTERNET = netns.INTERNET_HOST
NO_SSH = Rule("r-no-ssh", "deny", Direction.INBOUND, services=(Service(TCP, ((22, 22),)),), name="no-ssh")
WEB = Rule("r-web", "allow", services=(Service(TCP, ((80, 80),)),), name="web")


class Recorded:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acl: list[Flow] = []
        self.flows: list[Flow] = []

    def __call__(self, project_id: str, flows: list[Flow], flow_records: bool) -> None:
        assert project_id == "p-logs"
        with self.lock:
            (self.flows if flow_records else self.acl).extend(flows)

    def until(self, acl: int, flows: int, seconds: float = 30.0) -> None:
        """Wait for at least that many records (the kernel forgets a closed connection within
        seconds: see netns.FIREWALL_SYSCTLS)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if len(self.acl) >= acl and len(self.flows) >= flows:
                return
            time.sleep(0.1)
        pytest.fail(f"records after {seconds} s: {self.acl} / {self.flows}")


def test_rule_hits_and_ended_connections_become_records_with_what_the_kernel_saw(instance):
    recorded = Recorded()
    logs = FlowLogs(recorded, interval=0.05)
    want = {
        "fw-logs": Desired(
            "p-logs", Policy("fw-logs", protected=(EIP,), rules=(NO_SSH, WEB)), (EIP, UNPROTECTED)
        )
    }
    reconciler = Reconciler(lambda: want, instance, deny="reject", logs=logs)
    reconciler.reconcile()
    assert logs.watched() == ["fw-logs"] and logs.errors == {}
    logs.start()
    lab = reconciler.lab("fw-logs")
    try:
        assert not probe.probe(lab, "internet", EIP, "tcp", 22)  # the deny rule
        assert probe.probe(lab, "internet", EIP, "tcp", 80)  # the allow rule, inbound
        assert probe.probe(lab, EIP, "internet", "tcp", 80)  # the allow rule, outbound
        assert probe.probe(lab, "internet", EIP, "udp", 53)  # no rule: allowed, a flow record only
        assert probe.probe(lab, "internet", UNPROTECTED, "tcp", 22)  # bypasses the firewall: nothing
        recorded.until(acl=3, flows=3)
        time.sleep(3)  # anything else the kernel would still report (the bypassed connection)

        acl = {(f.dst_port, f.direction): f for f in recorded.acl}
        assert set(acl) == {(22, "out2in"), (80, "out2in"), (80, "in2out")}
        denied = acl[22, "out2in"]
        assert (denied.rule_id, denied.rule_name, denied.action) == ("r-no-ssh", "no-ssh", "deny")
        assert (denied.src_ip, denied.dst_ip, denied.protocol) == (INTERNET, EIP, 6)
        assert denied.src_port > 1023 and denied.packets == 1 and denied.bytes >= 40
        assert acl[80, "in2out"].src_ip == EIP and acl[80, "in2out"].action == "permit"

        flows = {(f.protocol, f.dst_port, f.direction): f for f in recorded.flows}
        assert set(flows) == {(6, 80, "out2in"), (6, 80, "in2out"), (17, 53, "out2in")}
        web = flows[6, 80, "out2in"]
        assert web.rule_id is None and web.action == "permit" and web.src_port == acl[80, "out2in"].src_port
        assert web.packets >= 3 and web.bytes >= 3 * 40  # the handshake both ways at least
        assert web.start_ms is not None and web.end_ms is not None
        assert abs(web.start_ms - time.time() * 1000) < 60_000 and web.end_ms >= web.start_ms
        udp = flows[17, 53, "out2in"]
        assert udp.packets == 2 and udp.bytes == 2 * (20 + 8 + 8)  # the probe's 8 bytes and the echo
        assert all(UNPROTECTED not in (f.src_ip, f.dst_ip) for f in recorded.acl + recorded.flows)
    finally:
        reconciler.stop()
        reconciler.remove_all()


def test_labs_rebuilt_or_gone_are_read_again_or_forgotten(instance):
    recorded = Recorded()
    logs = FlowLogs(recorded, interval=0.05)
    want = {"fw-logs": Desired("p-logs", Policy("fw-logs", protected=(EIP,), rules=(NO_SSH,)), (EIP,))}
    reconciler = Reconciler(lambda: want, instance, deny="reject", logs=logs)
    logs.start()
    try:
        reconciler.reconcile()
        lab = reconciler.lab("fw-logs")
        netns.destroy(lab)  # the lab vanished (an operator, a crash): the next pass rebuilds it
        assert reconciler.reconcile().created == 1 and logs.watched() == ["fw-logs"]
        assert not probe.probe(lab, "internet", EIP, "tcp", 22)
        recorded.until(acl=1, flows=0)  # read from the new namespace
        renamed = Rule(NO_SSH.id, "deny", NO_SSH.direction, services=NO_SSH.services, name="renamed")
        want["fw-logs"] = Desired("p-logs", Policy("fw-logs", protected=(EIP,), rules=(renamed,)), (EIP,))
        assert reconciler.reconcile().applied == 1
        assert not probe.probe(lab, "internet", EIP, "tcp", 22)
        recorded.until(acl=2, flows=0)
        assert recorded.acl[-1].rule_name == "renamed"
        want.clear()  # the firewall is deleted
        reconciler.reconcile()
        assert logs.watched() == [] and netns.labs(instance) == set()
    finally:
        reconciler.stop()
