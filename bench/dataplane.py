"""The nftables data plane: compile and apply, big groups, change-to-packet latency, probes.

    .venv/bin/python bench/dataplane.py [--rules 20000] [--addresses 100000] [--changes 40] [--probes 300]
                                        [--burst 20000]

Root on Linux with nftables and iproute2. Everything happens in network namespaces this script
creates (names ``ocfw-bench…``) and removes; bounded in count and time. In one run:
  (a) compile and apply a table of N ACL rules (each with its own addresses and port), against the
      same batch with one rule (the fixed cost of a batch: spawning nft, the transaction);
  (b) a rule on a group of M single addresses (a hash of elements in an interval set), applied,
      then one element more (that set is sent again), then a rule added beside it (the unchanged
      set is kept), against the same table sent whole;
  (c) change-to-packet latency: the reconciler thread is told of a change (as the store's change
      notification does) and a prober measures when the verdict flips (p50/p99 over --changes);
      against a probe's own time;
  (d) probe throughput, TCP allowed and TCP denied (reject), through a table of 20 rules, against
      the same probes with no table at all;
  (e) the kernel's logs (NFLOG and conntrack events read by ``flow_logs``): packet to
      access-control record and connection end to flow record (p50/p99 over --changes probes), and
      a burst of --burst new UDP connections to a denied port sent as fast as one socket can:
      records per second against the burst's own send rate, and events the kernel dropped.
"""

from __future__ import annotations

import argparse
import ipaddress
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from opencfw.dataplane import netns, nft, probe, runner
from opencfw.dataplane.flow_logs import FlowLogs
from opencfw.dataplane.policy import TCP, UDP, Addresses, Direction, Policy, Rule, Service
from opencfw.dataplane.reconciler import Reconciler
from opencfw.dataplane.source import Desired

EIP = "203.0.113.7"
INSTANCE = "bench0"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def rules(count: int) -> tuple[Rule, ...]:
    base = int(ipaddress.ip_address("10.0.0.0"))
    return tuple(
        Rule(
            f"rule-{i}",
            "deny" if i % 2 else "allow",
            Direction.INBOUND,
            sources=Addresses((str(ipaddress.ip_address(base + i * 4)) + "/30",)),
            services=(Service(TCP, ((1000 + i % 60000, 1000 + i % 60000),)),),
        )
        for i in range(count)
    )


def apply(lab: netns.Lab, policy: Policy, previous: Policy | None = None) -> tuple[float, float]:
    existing = nft.objects(nft.listing(lab.firewall))
    started = time.perf_counter()
    batch, _ = nft.compile_table(policy, "reject", existing, previous)
    compiled = time.perf_counter() - started
    return compiled, timed(lambda: nft.apply(lab.firewall, batch))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", type=int, default=20000)
    parser.add_argument("--addresses", type=int, default=100000)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument("--burst", type=int, default=20000)
    args = parser.parse_args()
    reason = runner.problem()
    if reason:
        print(f"bench: {reason}", file=sys.stderr)
        return 2
    lab = netns.Lab.for_firewall("bench", INSTANCE)
    try:
        netns.create(lab, [EIP])
        print(f"data plane, {args.rules} rules / {args.addresses} addresses (times in ms)")

        one_compile, one_apply = apply(lab, Policy("bench", protected=(EIP,), rules=rules(1)))
        many_compile, many_apply = apply(lab, Policy("bench", protected=(EIP,), rules=rules(args.rules)))
        _again_compile, again_apply = apply(lab, Policy("bench", protected=(EIP,), rules=rules(args.rules)))
        print(
            f"(a) {args.rules} rules: compile {many_compile * 1000:.0f}, apply {many_apply * 1000:.0f} "
            f"(re-apply {again_apply * 1000:.0f}); one rule: compile {one_compile * 1000:.1f}, "
            f"apply {one_apply * 1000:.1f}; apply ratio {many_apply / one_apply:.1f}x "
            f"= {(many_apply - one_apply) / args.rules * 1e6:.1f} us per rule"
        )

        base = int(ipaddress.ip_address("172.16.0.0"))
        members = tuple(str(ipaddress.ip_address(base + i)) for i in range(args.addresses))
        group_rule = Rule("big-group", "deny", Direction.INBOUND, sources=Addresses(groups=("big",)))
        policy = Policy("bench", protected=(EIP,), rules=(group_rule,), groups={"big": members})
        compiled, applied = apply(lab, policy)
        more = Policy("bench", protected=(EIP,), rules=(group_rule,), groups={"big": (*members, "192.0.2.1")})
        _, applied_more = apply(lab, more, previous=policy)
        beside = Policy("bench", protected=(EIP,), rules=(*rules(1), group_rule), groups=more.groups)
        beside_compiled, beside_applied = apply(lab, beside, previous=more)
        _, whole = apply(lab, beside)
        print(
            f"(b) group of {args.addresses} addresses: compile {compiled * 1000:.0f}, apply "
            f"{applied * 1000:.0f}; one element more (that set again) {applied_more * 1000:.0f}; "
            f"a rule added beside it: compile {beside_compiled * 1000:.1f}, apply "
            f"{beside_applied * 1000:.1f} (everything sent again: {whole * 1000:.0f}, ratio "
            f"{whole / beside_applied:.0f}x)"
        )
        netns.destroy(lab)

        state: dict[str, tuple[Rule, ...]] = {"rules": ()}
        deny_ssh = Rule("deny-ssh", "deny", Direction.INBOUND, services=(Service(TCP, ((22, 22),)),))

        def load() -> dict[str, Desired]:
            return {"bench": Desired("p", Policy("bench", protected=(EIP,), rules=state["rules"]), (EIP,))}

        reconciler = Reconciler(load, INSTANCE, deny="reject", resync=60)
        reconciler.start()
        try:
            lab = reconciler.lab("bench")
            deadline = time.monotonic() + 15
            while reconciler.passes == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            latencies, probe_times = [], []
            for i in range(args.changes):
                state["rules"] = () if i % 2 else (deny_ssh,)
                expect_allowed = bool(i % 2)
                changed = time.perf_counter()
                reconciler.changed()
                while True:
                    started = time.perf_counter()
                    got = probe.probe(lab, "internet", EIP, "tcp", 22, timeout=0.2)
                    probe_times.append(time.perf_counter() - started)
                    if got == expect_allowed:
                        break
                    if time.perf_counter() - changed > 5:
                        raise RuntimeError("a change did not reach the packets in 5 s")
                latencies.append(time.perf_counter() - changed)
            print(
                f"(c) change to packet over {args.changes} changes: p50 "
                f"{percentile(latencies, 0.5) * 1000:.1f}, p99 {percentile(latencies, 0.99) * 1000:.1f}, "
                f"max {max(latencies) * 1000:.1f}; one probe p50 {statistics.median(probe_times) * 1000:.2f}"
            )
        finally:
            reconciler.stop()

        lab = netns.Lab.for_firewall("bench-probes", INSTANCE)
        netns.create(lab, [EIP])

        def rate(port: int, allowed: bool) -> float:
            started = time.perf_counter()
            for _ in range(args.probes):
                assert probe.probe(lab, "internet", EIP, "tcp", port, timeout=1.0) is allowed
            return args.probes / (time.perf_counter() - started)

        bare = rate(80, True)
        twenty = (
            *tuple(
                Rule(f"r{i}", "allow", Direction.INBOUND, services=(Service(TCP, ((2000 + i, 2000 + i),)),))
                for i in range(19)
            ),
            deny_ssh,
        )
        apply(lab, Policy("bench", protected=(EIP,), rules=twenty))
        through = rate(80, True)
        denied = rate(22, False)
        print(
            f"(d) probes/s: allowed {through:.0f} (no table {bare:.0f}, ratio {through / bare:.2f}), "
            f"denied {denied:.0f}"
        )
        netns.destroy(lab)
        kernel_logs(args.changes, args.burst)
    finally:
        for made in netns.labs(INSTANCE):
            netns.destroy(made)
    return 0


def kernel_logs(count: int, burst: int) -> None:
    arrived: list[tuple[float, bool, int]] = []  # (when, a flow record, destination port)

    def record(_project: str, flows: list, flow_records: bool) -> None:
        now = time.perf_counter()
        arrived.extend((now, flow_records, f.dst_port) for f in flows)

    deny_ssh = Rule("deny-ssh", "deny", Direction.INBOUND, services=(Service(TCP, ((22, 22),)),))
    deny_udp = Rule("deny-udp", "deny", Direction.INBOUND, services=(Service(UDP),))
    web = Rule("web", "allow", Direction.INBOUND, services=(Service(TCP, ((80, 80),)),))
    policy = Policy("bench-logs", protected=(EIP,), rules=(deny_ssh, deny_udp, web))
    logs = FlowLogs(record, interval=0.05)
    reconciler = Reconciler(
        lambda: {"bench-logs": Desired("p", policy, (EIP,))}, INSTANCE, "reject", logs=logs
    )
    reconciler.reconcile()
    logs.start()
    lab = reconciler.lab("bench-logs")
    try:

        def wait(what: bool, port: int, since: float, seconds: float) -> float:
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                for when, is_flow, dst in reversed(arrived):
                    if when >= since and is_flow is what and dst == port:
                        return when - since
                time.sleep(0.002)
            raise RuntimeError("no record in time")

        to_acl, to_flow = [], []
        for _ in range(count):
            sent = time.perf_counter()
            assert not probe.probe(lab, "internet", EIP, "tcp", 22)
            to_acl.append(wait(False, 22, sent, 5))
            assert probe.probe(lab, "internet", EIP, "tcp", 80)
            closed = time.perf_counter()
            to_flow.append(wait(True, 80, closed, 10))
        print(
            f"(e) kernel logs: packet to access-control record p50 {percentile(to_acl, 0.5) * 1000:.1f}, "
            f"p99 {percentile(to_acl, 0.99) * 1000:.1f}; connection end to flow record p50 "
            f"{percentile(to_flow, 0.5) * 1000:.0f}, p99 {percentile(to_flow, 0.99) * 1000:.0f} "
            "(1 s of it is the lab's close timeout)"
        )
        import socket as sockets

        sender = netns.in_namespace(lab.internet, lambda: sockets.socket(sockets.AF_INET, sockets.SOCK_DGRAM))
        arrived.clear()
        started = time.perf_counter()
        for i in range(burst):
            sender.sendto(b"x", (EIP, 1024 + i % 60000))
        sending = time.perf_counter() - started
        deadline = time.perf_counter() + 30
        while len(arrived) < burst and time.perf_counter() < deadline:
            time.sleep(0.01)
        took = (arrived[-1][0] if arrived else time.perf_counter()) - started
        sender.close()
        print(
            f"    burst of {burst} new UDP connections: sent at {burst / sending:.0f}/s, "
            f"{len(arrived)} records in {took:.2f} s ({len(arrived) / took:.0f}/s, "
            f"ratio to sending {len(arrived) / took / (burst / sending):.2f}); kernel overflows "
            f"{logs.overflows}"
        )
    finally:
        reconciler.stop()
        reconciler.remove_all()


if __name__ == "__main__":
    raise SystemExit(main())
