"""A ``Policy`` as one nftables table in its firewall's namespace, applied in one transaction.

The table (``table inet opencfw``) has one base chain on the forward hook. Interfaces are named by
the lab's topology: ``inet`` faces the Internet, ``eips`` the hosts behind the project's EIPs.

Each change is one ``nft -f`` batch: the chain and the sets are flushed and filled again, in one
kernel transaction (a failing batch leaves the old ruleset in place). Every ACL rule counts into a
named counter object ``r_<n>`` that outlives the flush, so hit counts survive rule changes; counters
and sets of rules and groups that are gone are deleted in the same batch.

Every ACL rule also logs the first packet of each connection it decides to NFLOG group
``LOG_GROUP`` with the rule id as prefix, and every connection that reaches the rules is marked
with its direction (``ct mark``), so that ``flow_logs`` can turn the kernel's events into
access-control and flow log records.

The CLI ``nft`` is used rather than libnftables bindings: the Python bindings need the system
interpreter (Debian's package) or a binding from PyPI that wraps the same C library, and the text
format is what both take anyway. Measured on this machine: 10,000 rules apply in 380-570 ms.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import subprocess
from collections.abc import Iterable, Sequence
from typing import Any

from opencfw.dataplane.policy import (
    ANY_PROTOCOL,
    ICMP,
    ICMPV6,
    Addresses,
    Direction,
    ListEntry,
    Policy,
    Rule,
    Service,
    parse_network,
)

TABLE = "opencfw"
CHAIN = "forward"
INTERNET_IF = "inet"
EIPS_IF = "eips"

#: the NFLOG group each rule's hits are logged to (one per namespace: the labs' do not mix)
LOG_GROUP = 1
#: the conntrack marks of connections the policy judged (bypassed ones have none)
MARK_INBOUND, MARK_OUTBOUND = 1, 2

_PROTOCOLS = {6: "tcp", 17: "udp", 132: "sctp", ICMP: "icmp", ICMPV6: "ipv6-icmp"}
_FAMILY = {4: ("ip", "ipv4_addr", "ipv4"), 6: ("ip6", "ipv6_addr", "ipv6")}


class NftError(RuntimeError):
    """``nft`` refused a batch or could not run; the message is its own."""


def counter_name(rule_id: str) -> str:
    """A counter object's name for an API rule id (nft names: letters, digits, ``_``; short)."""
    return "r_" + hashlib.blake2s(rule_id.encode(), digest_size=10).hexdigest()


@functools.lru_cache(maxsize=262_144)
def _normalised(text: str) -> tuple[tuple[int, str], ...]:
    """An address, network or range as nft elements with their IP version (parsed once, cached:
    every pass of the reconciler compiles the same rows again)."""
    if "/" not in text and "-" not in text:  # a single address: the common case, made cheap
        address = ipaddress.ip_address(text.strip())
        return ((address.version, str(address)),)
    return tuple(
        (
            network.version,
            str(network.network_address) if network.prefixlen == network.max_prefixlen else str(network),
        )
        for network in parse_network(text)
    )


def _elements(networks: Iterable[str], version: int) -> list[str]:
    return [element for text in networks for v, element in _normalised(text) if v == version]


def _set(name: str, version: int, elements: Sequence[str], refill: bool = True) -> list[str]:
    """A set's statements: made if missing, and (``refill``) emptied and filled with ``elements``."""
    kind = _FAMILY[version][1]
    lines = [f"add set inet {TABLE} {name} {{ type {kind}; flags interval; auto-merge; }}"]
    if not refill:
        return lines
    lines.append(f"flush set inet {TABLE} {name}")
    for start in range(0, len(elements), 4096):  # keep each statement a reasonable size
        chunk = ", ".join(elements[start : start + 4096])
        lines.append(f"add element inet {TABLE} {name} {{ {chunk} }}")
    return lines


def _ports(ranges: Sequence[tuple[int, int]]) -> str:
    items = [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges]
    return items[0] if len(items) == 1 else "{ " + ", ".join(items) + " }"


def _service(service: Service, version: int) -> list[str]:
    """The alternatives matching one service (``[""]``: anything), none when it cannot match this
    address family. As the evaluator judges: ICMP matches without ports; a service of any protocol
    with ports matches ICMP, and other protocols by their ports."""
    icmp = ICMP if version == 4 else ICMPV6
    ports = []
    if service.ports:
        ports.append(f"th dport {_ports(service.ports)}")
    if service.source_ports:
        ports.append(f"th sport {_ports(service.source_ports)}")
    if service.protocol == ANY_PROTOCOL:
        if not ports:
            return [""]
        return [f"meta l4proto {_PROTOCOLS[icmp]}", " ".join(ports)]
    if service.protocol in (ICMP, ICMPV6):
        return [f"meta l4proto {_PROTOCOLS[icmp]}"] if service.protocol == icmp else []
    name = _PROTOCOLS.get(service.protocol, str(service.protocol))
    return [" ".join([f"meta l4proto {name}", *ports])]


def group_set_name(group: str, version: int) -> str:
    """A group's set, named after the group (not its place in the policy): a set whose members did
    not change is the same set in the next table, and is left as it is."""
    return f"g_{hashlib.blake2s(group.encode(), digest_size=8).hexdigest()}_{version}"


class _Compiler:
    def __init__(self, policy: Policy, deny: str, previous: Policy | None, existing: set[str]) -> None:
        self.policy = policy
        #: the policy the table enforces now (None: unknown), and the sets it has
        self.previous = previous
        self.existing = existing
        self.deny = "drop" if deny == "drop" else "reject with icmpx type admin-prohibited"
        self.sets: list[str] = []
        self.set_names: set[str] = set()
        self.group_sets: dict[tuple[str, int], str | None] = {}
        self.counters: set[str] = set()

    def unchanged(self, name: str, same: bool) -> bool:
        """The table has set ``name`` with the very elements wanted (``same``: the policy it was
        filled from has them): no need to send them again."""
        return same and self.previous is not None and name in self.existing

    def group_set(self, group: str, version: int) -> str | None:
        key = (group, version)
        if key not in self.group_sets:
            members = self.policy.groups.get(group, ())
            name: str | None = group_set_name(group, version)
            assert name is not None
            same = self.previous is not None and self.previous.groups.get(group) == members
            if self.unchanged(name, same):  # the table has it, full (an empty set is never made)
                self.sets.extend(_set(name, version, (), refill=False))
                self.set_names.add(name)
            elif elements := _elements(members, version):
                self.sets.extend(_set(name, version, elements))
                self.set_names.add(name)
            else:
                name = None
            self.group_sets[key] = name
        return self.group_sets[key]

    def address_terms(self, addresses: Addresses, version: int, field: str) -> list[str] | None:
        """The alternatives matching ``addresses`` (``[""]`` for any), or None if none of this family."""
        if addresses.is_any():
            return [""]
        keyword = _FAMILY[version][0]
        terms = []
        literal = _elements(addresses.networks, version)
        if len(literal) == 1:
            terms.append(f"{keyword} {field} {literal[0]}")
        elif literal:
            terms.append(f"{keyword} {field} {{ {', '.join(literal)} }}")
        for group in addresses.groups:
            name = self.group_set(group, version)
            if name:
                terms.append(f"{keyword} {field} @{name}")
        return terms or None

    def rule_lines(self, rule: Rule) -> list[str]:
        if not rule.enabled:
            return []
        direction = {
            Direction.INBOUND: f'iifname "{INTERNET_IF}"',
            Direction.OUTBOUND: f'iifname "{EIPS_IF}"',
            Direction.ANY: "",
        }[rule.direction]
        verdict = "accept" if rule.action == "allow" else self.deny
        tail = (
            f'counter name "{counter_name(rule.id)}" log prefix "{_quote(rule.id)}" group {LOG_GROUP} '
            f'{verdict} comment "{_quote(rule.id)}"'
        )
        lines = []
        for version in (4, 6):
            sources = self.address_terms(rule.sources, version, "saddr")
            destinations = self.address_terms(rule.destinations, version, "daddr")
            if sources is None or destinations is None:
                continue
            family = f"meta nfproto {_FAMILY[version][2]}"
            services = [m for s in rule.services for m in _service(s, version)] if rule.services else [""]
            for source in sources:
                for destination in destinations:
                    for service in services:
                        match = " ".join(p for p in (family, direction, source, destination, service) if p)
                        lines.append(f"add rule inet {TABLE} {CHAIN} {match} {tail}")
        return lines

    def list_lines(self, entry: ListEntry, verdict: str) -> list[str]:
        lines = []
        for network in parse_network(entry.address):
            keyword = _FAMILY[network.version][0]
            field = "saddr" if entry.direction == 0 else "daddr"
            service = Service(entry.protocol, (entry.port,) if entry.port else ())
            for match in _service(service, network.version):
                parts = " ".join(p for p in (f"{keyword} {field} {network}", match) if p)
                lines.append(f'add rule inet {TABLE} {CHAIN} {parts} {verdict} comment "{_quote(entry.id)}"')
        return lines

    def compile(self, existing: dict[str, list[str]]) -> str:
        policy = self.policy
        chain: list[str] = ["ct state established,related accept"]
        if policy.bypass:
            chain.append("accept")
        for version in (4, 6):
            name = f"protected{version}"
            same = self.previous is not None and self.previous.protected == policy.protected
            refill = not self.unchanged(name, same)
            self.sets.extend(_set(name, version, _elements(policy.protected, version), refill))
            self.set_names.add(name)
            keyword, _, proto = _FAMILY[version]
            # traffic of an EIP that is not protected bypasses the firewall
            chain.append(f'meta nfproto {proto} iifname "{INTERNET_IF}" {keyword} daddr != @{name} accept')
            chain.append(f'meta nfproto {proto} iifname "{EIPS_IF}" {keyword} saddr != @{name} accept')
        # a connection the policy judges is marked with its direction: the flow logs are of these
        chain.append(f'iifname "{INTERNET_IF}" ct mark set {MARK_INBOUND}')
        chain.append(f'iifname "{EIPS_IF}" ct mark set {MARK_OUTBOUND}')
        rules = [f"add rule inet {TABLE} {CHAIN} {line}" for line in chain]
        for entry in policy.whitelist:
            rules.extend(self.list_lines(entry, "accept"))
        for entry in policy.blacklist:
            rules.extend(self.list_lines(entry, self.deny))
        counters = []
        for rule in policy.rules:
            counters.append(counter_name(rule.id))
            rules.extend(self.rule_lines(rule))
        head = [f"add table inet {TABLE}"]
        head += [f"add counter inet {TABLE} {name}" for name in counters]
        head += self.sets
        head += [
            f"add chain inet {TABLE} {CHAIN} {{ type filter hook forward priority filter; policy accept; }}",
            f"flush chain inet {TABLE} {CHAIN}",
        ]
        wanted = set(counters)
        tail = [
            f"delete set inet {TABLE} {name}"
            for name in existing.get("set", [])
            if name not in self.set_names
        ]
        tail += [
            f"delete counter inet {TABLE} {name}"
            for name in existing.get("counter", [])
            if name not in wanted
        ]
        self.counters = wanted
        return "\n".join(head + rules + tail) + "\n"


def _quote(text: str) -> str:
    return text.replace("\\", "").replace('"', "")[:120]


def compile_table(
    policy: Policy,
    deny: str = "drop",
    existing: dict[str, list[str]] | None = None,
    previous: Policy | None = None,
) -> tuple[str, dict[str, list[str]]]:
    """The nft batch that makes the table enforce ``policy``, and the sets and counters the table
    has after it.

    ``existing`` names the sets and counters the table has now (``objects``), so that the batch
    deletes those no longer wanted; ``previous`` is the policy the table was last filled from, when
    known: the sets whose elements did not change since are kept, not sent again (a rule change
    beside a group of 100,000 addresses sends the rules alone). ``deny`` is ``drop`` or ``reject``
    (an immediate ICMP answer)."""
    existing = existing or {}
    compiler = _Compiler(policy, deny, previous, set(existing.get("set", [])))
    batch = compiler.compile(existing)
    return batch, {"set": sorted(compiler.set_names), "counter": sorted(compiler.counters)}


def run_nft(namespace: str | None, args: Sequence[str], stdin: str | None = None, timeout: float = 60) -> str:
    command = ["nft", *args]
    if namespace:
        command = ["ip", "netns", "exec", namespace, *command]
    try:
        done = subprocess.run(
            command, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NftError(f"{' '.join(command[:5])}: {exc}") from exc
    if done.returncode != 0:
        raise NftError(done.stderr.strip() or f"nft exited with {done.returncode}")
    return done.stdout


def apply(namespace: str | None, batch: str) -> None:
    run_nft(namespace, ["-f", "-"], stdin=batch)


def listing(namespace: str | None) -> list[dict[str, Any]]:
    """The table's objects as ``nft -j`` gives them, or [] when there is no table."""
    try:
        out = run_nft(namespace, ["-j", "list", "table", "inet", TABLE])
    except NftError as exc:
        if "No such file or directory" in str(exc):
            return []
        raise
    return [item for item in json.loads(out).get("nftables", []) if "metainfo" not in item]


def objects(items: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"set": [], "counter": []}
    for item in items:
        for kind in found:
            if kind in item:
                found[kind].append(item[kind]["name"])
    return found


def counters(items: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Packets and bytes of every named counter, by counter name."""
    return {
        item["counter"]["name"]: (int(item["counter"]["packets"]), int(item["counter"]["bytes"]))
        for item in items
        if "counter" in item
    }


def counter_values(namespace: str | None) -> dict[str, tuple[int, int]]:
    """The table's named counters alone (cheaper than listing a big table's rules)."""
    try:
        out = run_nft(namespace, ["-j", "list", "counters", "table", "inet", TABLE])
    except NftError as exc:
        if "No such file or directory" in str(exc):
            return {}
        raise
    return counters(json.loads(out).get("nftables", []))


def reset_counters(namespace: str | None, names: Iterable[str]) -> None:
    batch = "".join(f"reset counter inet {TABLE} {name}\n" for name in names)
    if batch:
        run_nft(namespace, ["-f", "-"], stdin=batch)


def is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
