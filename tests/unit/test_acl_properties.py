"""Property tests of the ACL rules: random inserts, moves and deletes keep the order equal to a
plain list's (both stores); the compiled evaluator agrees with a plain scan on random rule sets
and flows."""

from __future__ import annotations

import ipaddress

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencfw.domain import policy
from opencfw.resources.acl_rule import AddRuleAclDto, OrderRuleAclDto
from tests.unit import test_api
from tests.unit.test_acl_rule import rule
from tests.unit.test_api import P
from tests.unit.test_api_protection import running

env = test_api.env
api = test_api.api

#: one step: ("add" | "move", where, which rule) or ("delete", which rule)
STEP = st.one_of(
    st.tuples(
        st.sampled_from(["add", "move"]), st.sampled_from(["top", "bottom", "after"]), st.integers(0, 10**6)
    ),
    st.tuples(st.just("delete"), st.just(""), st.integers(0, 10**6)),
)


def test_random_inserts_moves_and_deletes_keep_the_order(api):
    runtime, _, client = api
    _, obj = running(runtime, client)
    rules = runtime.acl_rules

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(steps=st.lists(STEP, max_size=40))
    def run(steps):
        model: list[str] = []
        existing = [r["rule_id"] for r in _page(rules, obj)]
        if existing:
            rules.delete_many(P, None, obj, existing)
        for kind, where, pick in steps:
            if kind == "delete":
                if model:
                    victim = model.pop(pick % len(model))
                    rules.delete_many(P, None, obj, [victim])
                continue
            if where == "after" and not model:
                where = "top"
            target = model[pick % len(model)] if where == "after" else None
            sequence = {"top": {"top": 1}, "bottom": {"bottom": 1}, "after": {"dest_rule_id": target}}[where]
            if kind == "add":
                body = msgspec.convert(
                    {"object_id": obj, "type": 0, "rules": [rule(sequence=sequence)]}, AddRuleAclDto
                )
                (row,) = rules.add(P, None, body)
                moved = row.id
            else:
                if not model:
                    continue
                moved = model[(pick * 7) % len(model)]
                if moved == target:
                    continue
                rules.move(P, None, moved, msgspec.convert(sequence, OrderRuleAclDto))
                model.remove(moved)
            if where == "top":
                model.insert(0, moved)
            elif where == "bottom":
                model.append(moved)
            else:
                model.insert(model.index(target) + 1, moved)
        records = _page(rules, obj)
        assert [r["rule_id"] for r in records] == model
        assert [r["order_id"] for r in records] == list(range(1, len(model) + 1))

    run()


def _page(rules, obj):
    from opencfw.resources.acl_rule import ListAclRulesQuery

    return rules.page(P, None, ListAclRulesQuery(object_id=obj), 0, 1024)[2]


# -- the evaluator against a plain scan

ADDRESSES = st.sampled_from(
    ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.3", "192.168.0.0/24", "8.8.8.8", "0.0.0.0/1", "10.1.2.0-10.1.3.255"]
)
PORTS = st.sampled_from([(0, 65535), (80, 80), (1, 1024), (443, 443), (53, 53), (8000, 9000)])


def _ranges(values):
    return tuple(policy.address_ranges(v) for v in values)


RULE = st.builds(
    lambda i, action, direction, sources, destinations, services: policy.Rule(
        id=f"r{i}",
        name=f"r{i}",
        action=action,
        direction=direction,
        sources=None if sources is None else _ranges(sources),
        destinations=None if destinations is None else _ranges(destinations),
        services=services,
    ),
    st.integers(0, 10**9),
    st.sampled_from([0, 1]),
    st.sampled_from([None, 0, 1]),
    st.one_of(st.none(), st.lists(ADDRESSES, max_size=3)),
    st.one_of(st.none(), st.lists(ADDRESSES, max_size=3)),
    st.one_of(
        st.none(),
        st.lists(st.tuples(st.sampled_from([-1, 6, 17, 1]), PORTS, PORTS), min_size=1, max_size=3).map(tuple),
    ),
)
ENTRY = st.builds(
    lambda i, kind, direction, address, protocol, ports: policy.ListEntry(
        f"e{i}", kind, direction, policy.address_ranges(address), protocol, ports
    ),
    st.integers(0, 10**9),
    st.sampled_from([4, 5]),
    st.sampled_from([0, 1]),
    ADDRESSES,
    st.sampled_from([-1, 6, 17]),
    PORTS,
)
IP = st.one_of(
    st.sampled_from(["10.1.2.3", "10.1.3.7", "8.8.8.8", "192.168.0.9", "127.0.0.1", "10.200.0.1"]),
    st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n))),
)
FLOW = st.builds(
    policy.Flow,
    IP,
    IP,
    st.sampled_from([6, 17, 1]),
    st.sampled_from([0, 1]),
    st.one_of(st.none(), st.integers(1, 65535)),
    st.one_of(st.none(), st.sampled_from([53, 80, 443, 8080, 8500, 22]), st.integers(1, 65535)),
)


@settings(max_examples=400, deadline=None, database=None)
@given(
    rules=st.lists(RULE, max_size=30),
    entries=st.lists(ENTRY, max_size=3),
    flows=st.lists(FLOW, min_size=1, max_size=10),
    unprotected=st.sets(IP, max_size=2),
)
def test_the_compiled_policy_agrees_with_a_plain_scan(rules, entries, flows, unprotected):
    compiled = policy.Policy(rules, entries)
    for flow in flows:
        protected = lambda address: address not in unprotected  # noqa: E731
        assert compiled.evaluate(flow, protected) == policy.reference(rules, entries, flow, protected)


def test_concurrent_inserts_and_moves_keep_every_rule_once(api):
    """Inserts that renumber the object's rules and moves of other rules, from several threads at
    once: none fails (no lock cycle on PostgreSQL), and the order holds every rule exactly once."""
    import threading

    from opencfw.resources.acl_rule import ListAclRulesQuery

    runtime, _, client = api
    _, obj = running(runtime, client)
    rules = runtime.acl_rules

    def body(sequence: dict) -> AddRuleAclDto:
        return msgspec.convert(
            {"object_id": obj, "type": 0, "rules": [rule(sequence=sequence)]}, AddRuleAclDto
        )

    (anchor,) = rules.add(P, None, body({"bottom": 1}))
    movers = [
        row.id
        for row in rules.add(
            P,
            None,
            msgspec.convert(
                {"object_id": obj, "type": 0, "rules": [rule() for _ in range(5)]}, AddRuleAclDto
            ),
        )
    ]
    errors: list[BaseException] = []

    def insert() -> None:
        try:
            for _ in range(25):
                rules.add(P, None, body({"dest_rule_id": anchor.id}))
        except BaseException as exc:
            errors.append(exc)

    def shuffle(start: int) -> None:
        try:
            for i in range(25):
                rules.move(P, None, movers[(start + i) % len(movers)], OrderRuleAclDto(top=1))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=insert), threading.Thread(target=insert)]
    threads += [threading.Thread(target=shuffle, args=(n,)) for n in (0, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total, _, records = rules.page(P, None, ListAclRulesQuery(object_id=obj), 0, 1024)
    ids = [r["rule_id"] for r in records]
    assert total == len(ids) == 1 + 5 + 50 and len(set(ids)) == len(ids)
    assert [r["order_id"] for r in records] == list(range(1, len(ids) + 1))


def test_a_list_entrys_port_is_the_destination_port_whichever_side_it_names():
    """AddBlackWhiteList's ``port`` is the destination port: an entry naming the flow's source
    (direction 0) with port 22 blocks that source's traffic to port 22, not traffic from its port 22."""
    from opencfw.domain import policy as acl

    entry = acl.ListEntry("b1", 4, 0, acl.address_ranges("198.51.100.7"), 6, (22, 22))
    compiled = acl.Policy([], [entry])

    def verdict(source_port: int, dest_port: int) -> str:
        flow = acl.Flow("198.51.100.7", "203.0.113.5", 6, 0, source_port, dest_port)
        return compiled.evaluate(flow).matched

    assert verdict(40000, 22) == "blacklist"
    assert verdict(22, 80) == "default"
