"""The evaluator and the kernel agree: random rule sets, compiled by the ACL service's evaluator
(``domain/policy.py``) and turned into the data plane's table (``dataplane/source.py``), judge
random flows alike, the kernel with real packets — and the rule the kernel logs a flow's packet to
(its access-control record) is the rule the evaluator names."""

from __future__ import annotations

import select
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencfw.dataplane import netlink, netns, nft, probe, source
from opencfw.dataplane.policy import Policy
from opencfw.domain import policy as acl

EIP_A, EIP_B = "203.0.113.5", "203.0.113.6"
INTERNET = netns.INTERNET_HOST
PORTS = [22, 80, 443]


@pytest.fixture
def lab2(lab: netns.Lab) -> netns.Lab:
    netns.create(lab, [EIP_A, EIP_B])
    return lab


_addresses = st.sampled_from(
    [
        None,
        (INTERNET + "/32",),
        ("100.64.0.0/24",),
        (EIP_A,),
        (EIP_B,),
        ("203.0.113.0/29",),
        ("192.0.2.0/24",),
    ]
)
_services = st.one_of(
    st.none(),
    st.lists(
        st.tuples(st.sampled_from([6, 17, -1]), st.sampled_from([None, *PORTS])),
        min_size=1,
        max_size=2,
    ),
)


@st.composite
def rules(draw: st.DrawFn) -> acl.Rule:
    def side() -> tuple[acl.Range, ...] | None:
        found = draw(_addresses)
        return None if found is None else tuple(acl.address_ranges(a) for a in found)

    services = draw(_services)
    return acl.Rule(
        id=f"r{draw(st.integers(0, 10**9))}",
        name="r",
        action=draw(st.sampled_from([0, 1])),
        direction=draw(st.sampled_from([None, 0, 1])),
        sources=side(),
        destinations=side(),
        services=None
        if services is None
        else tuple(
            (p, acl.ALL_PORTS, acl.ALL_PORTS if port is None else (port, port)) for p, port in services
        ),
    )


_flows = st.lists(
    st.tuples(
        st.sampled_from([0, 1]),
        st.sampled_from([EIP_A, EIP_B]),
        st.sampled_from([6, 17]),
        st.sampled_from(PORTS),
    ),
    min_size=1,
    max_size=4,
)


@st.composite
def entries(draw: st.DrawFn) -> acl.ListEntry:
    direction = draw(st.sampled_from([0, 1]))
    address = draw(st.sampled_from([INTERNET, "100.64.0.0/24"] if direction == 0 else [EIP_A, EIP_B]))
    port = draw(st.sampled_from([None, *PORTS]))
    return acl.ListEntry(
        id=f"l{draw(st.integers(0, 10**9))}",
        list_type=draw(st.sampled_from([4, 5])),
        direction=direction,
        addresses=acl.address_ranges(address),
        protocol=draw(st.sampled_from([-1, 6, 17])),
        ports=acl.ALL_PORTS if port is None else (port, port),
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rule_set=st.lists(rules(), max_size=6, unique_by=lambda r: r.id),
    lists=st.lists(entries(), max_size=2, unique_by=lambda e: e.id),
    flows=_flows,
)
def test_the_evaluator_and_the_kernel_agree(lab2, rule_set, lists, flows):
    compiled = acl.Policy(rule_set, lists)
    made = (source.rule(r) for r in compiled.rules)
    table = Policy(
        "fw",
        protected=(EIP_A,),
        whitelist=tuple(source.entry(e) for e in compiled.entries if e.list_type == 5),
        blacklist=tuple(source.entry(e) for e in compiled.entries if e.list_type == 4),
        rules=tuple(r for r in made if r is not None),
    )
    existing = nft.objects(nft.listing(lab2.firewall))
    nft.apply(lab2.firewall, nft.compile_table(table, "reject", existing)[0])
    with netns.in_namespace(lab2.firewall, lambda: netlink.nflog_socket(nft.LOG_GROUP)) as logged:
        logged.setblocking(False)
        for flow, verdict in _probe_all(lab2, compiled, flows):
            expected = {verdict.rule_id} if verdict.matched == "rule" else set()
            assert _logged_rules(logged, expected) == expected, (flow, verdict, rule_set, lists)


def _logged_rules(sock, expected: set[str | None]) -> set[str]:
    """The rules whose log the kernel sent since the last call: waiting for the expected one (up
    to 2 s), or 50 ms when none is expected (NFLOG sends within 10 ms)."""
    found: set[str] = set()
    deadline = time.monotonic() + (2.0 if expected else 0.05)
    while time.monotonic() < deadline and not (expected and expected <= found):
        select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
        events, _ = netlink.drain(sock)
        found.update(e.prefix for e in events if isinstance(e, netlink.Logged))
    return found


def _probe_all(lab2: netns.Lab, compiled: acl.Policy, flows):
    for direction, eip, protocol, port in flows:
        src, dst = (INTERNET, eip) if direction == 0 else (eip, INTERNET)
        flow = acl.Flow(src, dst, protocol, direction, None, port)
        verdict = compiled.evaluate(flow, lambda address: address == EIP_A)
        name = "tcp" if protocol == 6 else "udp"
        got = probe.probe(
            lab2,
            "internet" if direction == 0 else eip,
            eip if direction == 0 else "internet",
            name,
            port,
            0.5,
        )
        assert got == (verdict.action == "allow"), (flow, verdict, compiled.rules, list(compiled.entries))
        yield flow, verdict


def test_a_rule_of_any_protocol_with_a_port_matches_that_port_and_icmp(lab2):
    """Found by the property test: a service of any protocol with destination port 22 matches TCP
    to 22 and ICMP (which has no ports), not TCP to 80 — in the evaluator and in the kernel."""
    deny = acl.Rule("r0", "r", 1, None, None, None, ((-1, acl.ALL_PORTS, (22, 22)),))
    compiled = acl.Policy([deny])
    table = Policy("fw", protected=(EIP_A,), rules=(source.rule(deny),))  # type: ignore[arg-type]
    nft.apply(lab2.firewall, nft.compile_table(table, "reject", nft.objects(nft.listing(lab2.firewall)))[0])
    for protocol, port, allowed in ((6, 80, True), (6, 22, False), (17, 22, False), (1, 0, False)):
        verdict = compiled.evaluate(
            acl.Flow(INTERNET, EIP_A, protocol, 0, None, port or None), lambda a: True
        )
        assert (verdict.action == "allow") is allowed, (protocol, port)
        name = {6: "tcp", 17: "udp", 1: "icmp"}[protocol]
        assert probe.probe(lab2, "internet", EIP_A, name, port or 80, 0.5) is allowed, (protocol, port)
