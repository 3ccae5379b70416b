"""The policy evaluator: which black/white list entry or ACL rule a flow meets, and the verdict.

A rule set is compiled once (``Policy``) and reused until the project changes: the enabled rules
in their order, each with its addresses and services as integer ranges, and per dimension
(direction, source, destination, destination port, protocol) an index of the rules that match a
value there, as bit masks (bit i: the i-th rule). A flow's candidates are the AND of one mask per
dimension, lowest bit (highest priority) first; the first candidate whose services match as a
whole wins, so a flow costs a few index lookups and big-integer ANDs, not a scan.

Semantics (docs/api-notes.md): the whitelist is checked first (allow), then the blacklist (deny),
then the rules, first match wins; no match allows. A flow through the Internet border whose EIP
(the destination inbound, the source outbound) is not protected bypasses the firewall. A rule
whose source or destination is a domain or a region matches no flow given by IP addresses.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

ANY = -1
Range = tuple[int, int]
#: a service: protocol (-1 any), source and destination port ranges
Service = tuple[int, Range, Range]
ALL_PORTS: Range = (0, 65535)
_V6 = 1 << 128
ALL_ADDRESSES: Range = (0, (_V6 << 1) - 1)


def address_key(value: str) -> int:
    ip = ipaddress.ip_address(value)
    return int(ip) if ip.version == 4 else _V6 + int(ip)


def address_ranges(value: str) -> Range:
    """An address, network or ``a-b`` range as a range of keys (IPv6 keys follow every IPv4 one)."""
    low, dash, high = value.partition("-")
    if dash:
        return address_key(low), address_key(high)
    net = ipaddress.ip_network(value, strict=False)
    base = 0 if net.version == 4 else _V6
    return base + int(net.network_address), base + int(net.broadcast_address)


def port_range(value: str | None) -> Range:
    if not value:
        return ALL_PORTS
    low, _, high = value.partition("-")
    return int(low), int(high or low)


@dataclass(frozen=True)
class Rule:
    """A rule as the evaluator sees it. ``sources``/``destinations`` None: any address; an empty
    tuple: nothing (a domain or region). ``services`` None: any service."""

    id: str
    name: str
    action: int  # 0 permit, 1 deny
    direction: int | None  # None: both
    sources: tuple[Range, ...] | None
    destinations: tuple[Range, ...] | None
    services: tuple[Service, ...] | None


@dataclass(frozen=True)
class ListEntry:
    id: str
    list_type: int  # 4 blacklist, 5 whitelist
    direction: int  # 0 the entry is the flow's source, 1 its destination
    addresses: Range
    protocol: int
    ports: Range


@dataclass(frozen=True)
class Flow:
    source: str
    destination: str
    protocol: int
    direction: int = 0
    source_port: int | None = None
    dest_port: int | None = None


@dataclass(frozen=True)
class Verdict:
    action: str  # "allow" or "deny"
    matched: str  # "rule", "whitelist", "blacklist", "bypassed", "default"
    rule_id: str | None = None
    rule_name: str | None = None
    list_id: str | None = None


def _inside(value: int, ranges: Iterable[Range]) -> bool:
    return any(low <= value <= high for low, high in ranges)


def _service_matches(services: tuple[Service, ...] | None, flow: Flow) -> bool:
    if services is None:
        return True
    for protocol, sports, dports in services:
        if protocol not in (ANY, flow.protocol):
            continue
        if flow.protocol in (1, 58):
            return True
        sport = flow.source_port if flow.source_port is not None else sports[0]
        dport = flow.dest_port if flow.dest_port is not None else dports[0]
        if sports[0] <= sport <= sports[1] and dports[0] <= dport <= dports[1]:
            return True
    return False


def rule_matches(rule: Rule, flow: Flow, src: int, dst: int) -> bool:
    if rule.direction is not None and rule.direction != flow.direction:
        return False
    if rule.sources is not None and not _inside(src, rule.sources):
        return False
    if rule.destinations is not None and not _inside(dst, rule.destinations):
        return False
    return _service_matches(rule.services, flow)


class _Index:
    """The rules (by their place) whose ranges in one dimension cover a point: a static segment
    tree over the ranges' end points; rules that cover everything are kept apart (``wild``)."""

    def __init__(self, ranges: list[tuple[int, tuple[Range, ...] | None]]) -> None:
        self.wild: list[int] = []
        points: set[int] = set()
        spans = []
        for place, found in ranges:
            if found is None:
                self.wild.append(place)
                continue
            for low, high in found:
                points.update((low, high + 1))
                spans.append((place, low, high + 1))
        self.points = sorted(points)
        size = 1
        while size < max(len(self.points), 1):
            size <<= 1
        self.size = size
        self.nodes: dict[int, list[int]] = {}
        at = {point: i for i, point in enumerate(self.points)}
        for place, low, high in spans:
            left, right = at[low] + size, at[high] + size
            while left < right:
                if left & 1:
                    self._add(left, place)
                    left += 1
                if right & 1:
                    right -= 1
                    self._add(right, place)
                left >>= 1
                right >>= 1

        self.wild_mask = _mask(self.wild)
        #: the bit masks of the nodes that hold many rules (the others' are made per lookup)
        self.masks = {node: _mask(found) for node, found in self.nodes.items() if len(found) >= 64}

    def mask(self, value: int) -> int:
        """A bit per rule (by place) whose ranges cover ``value``."""
        found = self.wild_mask
        leaf = bisect.bisect_right(self.points, value) - 1
        if 0 <= leaf < len(self.points) - 1:
            node = leaf + self.size
            while node:
                whole = self.masks.get(node)
                if whole is not None:
                    found |= whole
                else:
                    for place in self.nodes.get(node, ()):
                        found |= 1 << place
                node >>= 1
        return found

    def _add(self, node: int, place: int) -> None:
        found = self.nodes.setdefault(node, [])
        if not found or found[-1] != place:
            found.append(place)


@dataclass
class _Direction:
    rules: list[Rule]
    indexes: list[_Index] = field(default_factory=list)
    by_protocol: dict[int, list[int]] = field(default_factory=dict)
    protocol_masks: dict[int, int] = field(default_factory=dict)


class Policy:
    """A compiled rule set (enabled rules only, in order) with the black/white list entries."""

    def __init__(self, rules: Iterable[Rule], entries: Iterable[ListEntry] = ()) -> None:
        self.entries = list(entries)
        all_rules = list(rules)
        #: the enabled rules in priority order, both directions (the data plane compiles these)
        self.rules = all_rules
        self._compiled = self._compile(all_rules)
        #: the rules of each flow direction (a rule without one is in both)
        self._directions = {
            d: _mask(i for i, r in enumerate(all_rules) if r.direction in (None, d)) for d in (0, 1)
        }

    @staticmethod
    def _compile(rules: list[Rule]) -> _Direction:
        compiled = _Direction(rules)

        def dports(rule: Rule) -> tuple[Range, ...] | None:
            if rule.services is None or any(p in (ANY, 1, 58) or d == ALL_PORTS for p, _, d in rule.services):
                return None
            return tuple(d for _, _, d in rule.services)

        compiled.indexes = [
            _Index([(i, r.sources) for i, r in enumerate(rules)]),
            _Index([(i, r.destinations) for i, r in enumerate(rules)]),
            _Index([(i, dports(r)) for i, r in enumerate(rules)]),
        ]
        for i, rule in enumerate(rules):
            protocols = {ANY} if rule.services is None else {p for p, _, _ in rule.services}
            for protocol in protocols:
                compiled.by_protocol.setdefault(protocol, []).append(i)
        compiled.protocol_masks = {p: _mask(places) for p, places in compiled.by_protocol.items()}
        return compiled

    def candidates(self, flow: Flow, src: int, dst: int) -> Iterator[Rule]:
        """The rules that match the flow in each dimension alone, in order: the AND of one bit
        mask per dimension (a rule's services are checked as a whole by the caller)."""
        found = self._compiled
        mask = self._directions[flow.direction] & found.indexes[0].mask(src) & found.indexes[1].mask(dst)
        mask &= found.protocol_masks.get(ANY, 0) | found.protocol_masks.get(flow.protocol, 0)
        if flow.protocol not in (1, 58) and flow.dest_port is not None:
            mask &= found.indexes[2].mask(flow.dest_port)
        while mask:
            low = mask & -mask
            yield found.rules[low.bit_length() - 1]
            mask ^= low

    def evaluate(self, flow: Flow, is_protected: Callable[[str], bool] = lambda address: True) -> Verdict:
        src, dst = address_key(flow.source), address_key(flow.destination)
        eip = flow.destination if flow.direction == 0 else flow.source
        if not is_protected(eip):
            return Verdict("allow", "bypassed")
        for list_type, action, matched in ((5, "allow", "whitelist"), (4, "deny", "blacklist")):
            for entry in self.entries:
                if entry.list_type == list_type and _entry_matches(entry, flow, src, dst):
                    return Verdict(action, matched, list_id=entry.id)
        for rule in self.candidates(flow, src, dst):
            if rule_matches(rule, flow, src, dst):
                action = "allow" if rule.action == 0 else "deny"
                return Verdict(action, "rule", rule_id=rule.id, rule_name=rule.name)
        return Verdict("allow", "default")


def _mask(places: Iterable[int]) -> int:
    """One bit per place (built in a byte array: linear in the places)."""
    wanted = list(places)
    if not wanted:
        return 0
    bits = bytearray(max(wanted) // 8 + 1)
    for place in wanted:
        bits[place >> 3] |= 1 << (place & 7)
    return int.from_bytes(bits, "little")


def _entry_matches(entry: ListEntry, flow: Flow, src: int, dst: int) -> bool:
    # the entry names the flow's source (direction 0) or destination (1); its port is always the
    # destination port (AddBlackWhiteList: "port: destination port")
    address, port = (src if entry.direction == 0 else dst), flow.dest_port
    if not entry.addresses[0] <= address <= entry.addresses[1]:
        return False
    if entry.protocol not in (ANY, flow.protocol):
        return False
    return port is None or flow.protocol in (1, 58) or entry.ports[0] <= port <= entry.ports[1]


def reference(
    rules: list[Rule],
    entries: list[ListEntry],
    flow: Flow,
    is_protected: Callable[[str], bool] = lambda address: True,
) -> Verdict:
    """The same answer by a plain scan (the property tests compare both)."""
    src, dst = address_key(flow.source), address_key(flow.destination)
    if not is_protected(flow.destination if flow.direction == 0 else flow.source):
        return Verdict("allow", "bypassed")
    for entry in entries:
        if entry.list_type == 5 and _entry_matches(entry, flow, src, dst):
            return Verdict("allow", "whitelist", list_id=entry.id)
    for entry in entries:
        if entry.list_type == 4 and _entry_matches(entry, flow, src, dst):
            return Verdict("deny", "blacklist", list_id=entry.id)
    for rule in rules:
        if rule_matches(rule, flow, src, dst):
            return Verdict(
                "allow" if rule.action == 0 else "deny", "rule", rule_id=rule.id, rule_name=rule.name
            )
    return Verdict("allow", "default")
