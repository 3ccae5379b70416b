"""The store's state as one ``Policy`` per firewall that is up (the reconciler's desired state).

The rules and the black/white lists come from the ACL service's compiled policy of the firewall's
Internet-border object: the very input of the policy evaluator, so the kernel and the evaluator
judge the same rule set. Protected EIPs and the bypass-all switch come from the EIP tables.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from opencfw.dataplane.policy import Addresses, Direction, ListEntry, Policy, Rule, Service
from opencfw.domain import policy as acl
from opencfw.domain.eips import BYPASS_ON
from opencfw.store.dataplane_sql import Snapshot

BLACKLIST, WHITELIST = 4, 5
_V6 = 1 << 128
_V4_LAST = (1 << 32) - 1


@dataclass(frozen=True)
class Desired:
    """A firewall's policy and the EIP hosts its lab has (protected or not)."""

    project_id: str
    policy: Policy
    eips: tuple[str, ...] = ()


def _text(low: int, high: int) -> str:
    first, last = (
        ipaddress.ip_address(k - _V6) if k >= _V6 else ipaddress.ip_address(k) for k in (low, high)
    )
    return str(first) if low == high else f"{first}-{last}"


def _networks(ranges: tuple[acl.Range, ...]) -> tuple[str, ...]:
    """The evaluator's address key ranges (IPv6 keys after every IPv4 one) as addresses and ranges."""
    found = []
    for low, high in ranges:
        if high <= _V4_LAST or low >= _V6:
            found.append(_text(low, high))
            continue
        if low <= _V4_LAST:  # a range across both families: split it
            found.append(_text(low, _V4_LAST))
        if high >= _V6:
            found.append(_text(max(low, _V6), high))
    return tuple(found)


def _ports(found: acl.Range) -> tuple[tuple[int, int], ...]:
    return () if found == acl.ALL_PORTS else (found,)


def rule(compiled: acl.Rule) -> Rule | None:
    """An evaluator rule as the data plane's; None when it can match no flow given by addresses
    (a rule on domains or regions only)."""
    sides = []
    for side in (compiled.sources, compiled.destinations):
        if side is not None and not side:
            return None
        sides.append(Addresses() if side is None else Addresses(_networks(side)))
    services: tuple[Service, ...] = ()
    if compiled.services is not None:
        services = tuple(Service(p, _ports(d), _ports(s)) for p, s, d in compiled.services)
    direction = {None: Direction.ANY, 0: Direction.INBOUND, 1: Direction.OUTBOUND}[compiled.direction]
    return Rule(
        compiled.id,
        "allow" if compiled.action == 0 else "deny",
        direction,
        sides[0],
        sides[1],
        services,
        name=compiled.name,
    )


def entry(compiled: acl.ListEntry) -> ListEntry:
    port = None if compiled.ports == acl.ALL_PORTS else compiled.ports
    side: Literal[0, 1] = 0 if compiled.direction == 0 else 1
    return ListEntry(compiled.id, _text(*compiled.addresses), side, compiled.protocol, port)


def policies(snapshot: Snapshot, compiled: Callable[[str, str], acl.Policy]) -> dict[str, Desired]:
    """``compiled(project id, object id)``: the ACL service's compiled policy of an object."""
    eips: dict[str, list[str]] = defaultdict(list)
    for project_id, address in snapshot.eips:
        eips[project_id].append(address)
    protected: dict[str, list[str]] = defaultdict(list)
    for firewall_id, address in snapshot.protected:
        protected[firewall_id].append(address)
    found = {}
    for firewall_id, project_id, object_id in snapshot.firewalls:
        rules = compiled(project_id, object_id)
        made = (rule(r) for r in rules.rules)
        policy = Policy(
            firewall_id,
            protected=tuple(sorted(protected[firewall_id])),
            bypass=snapshot.protection_status.get(firewall_id, 0) in BYPASS_ON,
            whitelist=tuple(entry(e) for e in rules.entries if e.list_type == WHITELIST),
            blacklist=tuple(entry(e) for e in rules.entries if e.list_type == BLACKLIST),
            rules=tuple(r for r in made if r is not None),
        )
        found[firewall_id] = Desired(project_id, policy, tuple(sorted(eips[project_id])))
    return found
