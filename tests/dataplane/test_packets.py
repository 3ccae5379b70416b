"""Real packets through a firewall's lab: the compiled table does what the policy says."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencfw.dataplane import netns, nft, probe
from opencfw.dataplane.policy import (
    TCP,
    UDP,
    Addresses,
    Direction,
    Flow,
    ListEntry,
    Policy,
    Rule,
    Service,
    decide,
)

EIP_A, EIP_B = "203.0.113.5", "203.0.113.6"
INTERNET = netns.INTERNET_HOST


def apply(lab: netns.Lab, policy: Policy, deny: str = "reject") -> None:
    existing = nft.objects(nft.listing(lab.firewall))
    nft.apply(lab.firewall, nft.compile_table(policy, deny, existing)[0])


def tcp(lab: netns.Lab, source: str, target: str, port: int, timeout: float = 1.0) -> bool:
    return probe.probe(lab, source, target, "tcp", port, timeout)


@pytest.fixture
def two_eips(lab: netns.Lab) -> netns.Lab:
    netns.create(lab, [EIP_A, EIP_B])
    return lab


def test_a_deny_rule_drops_only_its_traffic_and_only_for_protected_eips(two_eips):
    lab = two_eips
    assert tcp(lab, "internet", EIP_A, 22)  # no table yet: everything passes
    deny_ssh = Rule("deny-ssh", "deny", Direction.INBOUND, services=(Service(TCP, ((22, 22),)),))
    apply(lab, Policy("fw", protected=(EIP_A,), rules=(deny_ssh,)))
    assert not tcp(lab, "internet", EIP_A, 22)
    assert tcp(lab, "internet", EIP_A, 80)
    assert probe.probe(lab, "internet", EIP_A, "udp", 22)
    assert probe.probe(lab, "internet", EIP_A, "icmp")
    assert tcp(lab, "internet", EIP_B, 22)  # not protected: bypasses the firewall
    assert tcp(lab, EIP_A, "internet", 22)  # the rule is inbound only


def test_drop_mode_times_out_where_reject_answers_at_once(two_eips):
    lab = two_eips
    deny_all = Rule("deny-all", "deny")
    apply(lab, Policy("fw", protected=(EIP_A,), rules=(deny_all,)), deny="drop")
    assert not tcp(lab, "internet", EIP_A, 80, timeout=0.3)
    assert not probe.probe(lab, "internet", EIP_A, "icmp", timeout=0.3)


def test_first_match_wins_and_disabled_rules_are_skipped(two_eips):
    lab = two_eips
    allow_web = Rule("allow-web", "allow", services=(Service(TCP, ((80, 80),)),))
    deny_all = Rule("deny-all", "deny")
    apply(lab, Policy("fw", protected=(EIP_A,), rules=(allow_web, deny_all)))
    assert tcp(lab, "internet", EIP_A, 80)
    assert not tcp(lab, "internet", EIP_A, 443)
    disabled = Rule("allow-web", "allow", services=(Service(TCP, ((80, 80),)),), enabled=False)
    apply(lab, Policy("fw", protected=(EIP_A,), rules=(disabled, deny_all)))
    assert not tcp(lab, "internet", EIP_A, 80)


def test_whitelist_before_blacklist_before_rules_and_bypass_all(two_eips):
    lab = two_eips
    deny_all = Rule("deny-all", "deny")
    white = ListEntry("w1", f"{INTERNET}/32", 0, TCP, (8080, 8080))
    black = ListEntry("b1", EIP_A, 1, -1)
    policy = Policy("fw", protected=(EIP_A,), whitelist=(white,), blacklist=(black,), rules=(deny_all,))
    apply(lab, policy)
    assert tcp(lab, "internet", EIP_A, 8080)  # whitelisted
    assert not tcp(lab, "internet", EIP_A, 80)  # blacklisted destination
    apply(lab, Policy("fw", protected=(EIP_A,), blacklist=(black,), bypass=True))
    assert tcp(lab, "internet", EIP_A, 80)  # bypass all


def test_groups_are_sets_and_ranges_work(two_eips):
    lab = two_eips
    policy = Policy(
        "fw",
        protected=(EIP_A, EIP_B),
        groups={"office": ("192.0.2.0/24", f"{INTERNET}-{INTERNET}", "2001:db8::/32")},
        rules=(Rule("deny-office", "deny", Direction.INBOUND, sources=Addresses(groups=("office",))),),
    )
    apply(lab, policy)
    assert not tcp(lab, "internet", EIP_A, 80)
    assert not tcp(lab, "internet", EIP_B, 80)
    table = nft.run_nft(lab.firewall, ["list", "table", "inet", nft.TABLE])
    for version in (4, 6):
        assert f"set {nft.group_set_name('office', version)}" in table


def test_sets_whose_members_did_not_change_are_kept_and_others_refilled(two_eips):
    """With the policy the table was filled from, a change sends only the sets that changed: a rule
    change beside a big group does not send its members again, and they still match."""
    lab = two_eips
    deny_office = Rule("deny-office", "deny", Direction.INBOUND, sources=Addresses(groups=("office",)))
    deny_other = Rule("deny-other", "deny", Direction.INBOUND, destinations=Addresses(groups=("servers",)))
    first = Policy(
        "fw",
        protected=(EIP_A, EIP_B),
        groups={"office": ("192.0.2.0/24", INTERNET), "servers": (EIP_B,)},
        rules=(deny_office,),
    )
    batch, objects = nft.compile_table(first, "reject", nft.objects(nft.listing(lab.firewall)))
    nft.apply(lab.firewall, batch)
    office, servers = nft.group_set_name("office", 4), nft.group_set_name("servers", 4)
    assert not tcp(lab, "internet", EIP_A, 80)
    # the rules change, the groups do not: no member is sent again, and the office still matches
    second = Policy("fw", protected=(EIP_A, EIP_B), groups=first.groups, rules=(deny_other, deny_office))
    batch, objects = nft.compile_table(second, "reject", objects, previous=first)
    assert f"flush set inet {nft.TABLE} {office}" not in batch
    assert f"add element inet {nft.TABLE} {office}" not in batch
    assert f"add element inet {nft.TABLE} {servers}" in batch  # new in the table: filled
    nft.apply(lab.firewall, batch)
    assert not tcp(lab, "internet", EIP_A, 80)
    # one group changes: that set alone is sent again
    third = Policy(
        "fw",
        protected=(EIP_A, EIP_B),
        groups={"office": ("192.0.2.0/24",), "servers": (EIP_B,)},
        rules=(deny_office,),
    )
    batch, _ = nft.compile_table(third, "reject", objects, previous=second)
    assert f"flush set inet {nft.TABLE} {office}" in batch
    assert f"flush set inet {nft.TABLE} {servers}" not in batch
    nft.apply(lab.firewall, batch)
    assert tcp(lab, "internet", EIP_A, 80)  # the Internet host left the office group
    # an unknown past (a restart): everything is sent
    batch, objects = nft.compile_table(third, "reject", objects)
    assert f"flush set inet {nft.TABLE} {office}" in batch


def test_counters_count_hits_and_survive_a_change(two_eips):
    lab = two_eips
    deny_ssh = Rule("deny-ssh", "deny", Direction.INBOUND, services=(Service(TCP, ((22, 22),)),))
    apply(lab, Policy("fw", protected=(EIP_A,), rules=(deny_ssh,)))
    for _ in range(3):
        assert not tcp(lab, "internet", EIP_A, 22)
    name = nft.counter_name("deny-ssh")
    packets, _ = nft.counters(nft.listing(lab.firewall))[name]
    assert packets >= 3
    other = Rule("allow-web", "allow", services=(Service(TCP, ((80, 80),)),))
    apply(lab, Policy("fw", protected=(EIP_A,), rules=(other, deny_ssh)))
    assert nft.counters(nft.listing(lab.firewall))[name][0] == packets
    nft.reset_counters(lab.firewall, [name])
    assert nft.counters(nft.listing(lab.firewall))[name][0] == 0
    apply(lab, Policy("fw", protected=(EIP_A,), rules=(other,)))
    assert name not in nft.counters(nft.listing(lab.firewall))  # its rule went: so did its counter


def test_a_refused_batch_leaves_the_ruleset_as_it_was(two_eips):
    lab = two_eips
    deny_ssh = Rule("deny-ssh", "deny", services=(Service(TCP, ((22, 22),)),))
    apply(lab, Policy("fw", protected=(EIP_A,), rules=(deny_ssh,)))
    before = nft.run_nft(lab.firewall, ["list", "table", "inet", nft.TABLE])
    batch, _ = nft.compile_table(Policy("fw", protected=(EIP_A,)), "reject")
    with pytest.raises(nft.NftError):
        nft.apply(lab.firewall, batch + "add rule inet opencfw forward this is not nft\n")
    assert nft.run_nft(lab.firewall, ["list", "table", "inet", nft.TABLE]) == before
    assert not tcp(lab, "internet", EIP_A, 22)


# --- the kernel agrees with the reference on random rule sets and flows --------------------------

_ports = st.sampled_from([22, 80, 443, 8080])
_networks = st.sampled_from(
    [f"{INTERNET}/32", "100.64.0.0/24", "192.0.2.0/24", EIP_A, EIP_B, "203.0.113.0/28"]
)
_services = st.lists(
    st.builds(
        lambda proto, ports: Service(proto, tuple((p, p) for p in ports)),
        st.sampled_from([TCP, UDP]),
        st.lists(_ports, max_size=2, unique=True),
    ),
    max_size=2,
)
_rules = st.lists(
    st.builds(
        lambda i, action, direction, sources, destinations, services, enabled: Rule(
            f"r{i}",
            action,
            direction,
            Addresses(tuple(sources)),
            Addresses(tuple(destinations)),
            tuple(services),
            enabled,
        ),
        st.integers(0, 10**6),
        st.sampled_from(["allow", "deny"]),
        st.sampled_from(list(Direction)),
        st.lists(_networks, max_size=2),
        st.lists(_networks, max_size=2),
        _services,
        st.booleans(),
    ),
    max_size=6,
    unique_by=lambda r: r.id,
)
_flows = st.lists(
    st.tuples(
        st.sampled_from(["in", "out"]),
        st.sampled_from([EIP_A, EIP_B]),
        st.sampled_from(["tcp", "udp"]),
        _ports,
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rules=_rules,
    protected=st.lists(st.sampled_from([EIP_A, EIP_B]), unique=True),
    black=st.lists(st.sampled_from([EIP_A, EIP_B, f"{INTERNET}/32"]), max_size=1),
    flows=_flows,
)
def test_kernel_agrees_with_the_reference(two_eips, rules, protected, black, flows):
    lab = two_eips
    blacklist = tuple(ListEntry(f"b{i}", a, 1 if a != f"{INTERNET}/32" else 0) for i, a in enumerate(black))
    policy = Policy("fw", protected=tuple(protected), blacklist=blacklist, rules=tuple(rules))
    apply(lab, policy)
    for way, eip, protocol, port in flows:
        source, target = ("internet", eip) if way == "in" else (eip, "internet")
        flow = Flow(
            INTERNET if source == "internet" else source,
            INTERNET if target == "internet" else target,
            TCP if protocol == "tcp" else UDP,
            port,
            direction=Direction.INBOUND if way == "in" else Direction.OUTBOUND,
        )
        expected = decide(policy, flow).action == "allow"
        assert probe.probe(lab, source, target, protocol, port, 0.5) == expected, (flow, decide(policy, flow))
