"""What the data plane enforces for one firewall, independent of how the API stores it.

The store's rows (protected EIPs, black/white list entries, ACL rules and the groups they name) are
turned into one ``Policy``; ``nft.compile_table`` turns a ``Policy`` into an nftables table. The
policy evaluator and the kernel must agree on every flow, so the meaning of each field is fixed
here, once:

- Traffic to or from an address that is not a protected EIP bypasses the firewall (allowed, no
  rule counted); so does everything while ``bypass`` (the "bypass all" switch) is on.
- Whitelist entries are checked first (allow), then blacklist entries (deny), then the rules in
  order; the first rule that matches decides; traffic no rule matches is allowed.
- ``Direction.INBOUND`` is Internet → EIP, ``OUTBOUND`` EIP → Internet, ``ANY`` both.
- An empty address or service tuple means "any".
"""

from __future__ import annotations

import enum
import ipaddress
from typing import Literal

from msgspec import Struct

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

TCP, UDP, ICMP, ICMPV6, SCTP, ANY_PROTOCOL = 6, 17, 1, 58, 132, -1


class Direction(enum.IntEnum):
    INBOUND = 0
    OUTBOUND = 1
    ANY = 2


class Service(Struct, frozen=True):
    """A protocol and, for TCP/UDP/SCTP, destination and source port ranges (inclusive)."""

    protocol: int = ANY_PROTOCOL
    ports: tuple[tuple[int, int], ...] = ()
    source_ports: tuple[tuple[int, int], ...] = ()


class Addresses(Struct, frozen=True):
    """Literal networks or ranges, and the names of address groups (``Policy.groups``)."""

    networks: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    def is_any(self) -> bool:
        return not self.networks and not self.groups


class Rule(Struct, frozen=True):
    id: str
    action: Literal["allow", "deny"]
    direction: Direction = Direction.ANY
    sources: Addresses = Addresses()
    destinations: Addresses = Addresses()
    services: tuple[Service, ...] = ()
    enabled: bool = True
    #: the rule's name, for the access-control log records its hits make
    name: str = ""


class ListEntry(Struct, frozen=True):
    """A black or white list entry: ``address`` is the flow's source (``direction`` 0) or destination (1)."""

    id: str
    address: str
    direction: Literal[0, 1]
    protocol: int = ANY_PROTOCOL
    port: tuple[int, int] | None = None


class Policy(Struct, frozen=True):
    firewall_id: str
    protected: tuple[str, ...] = ()
    bypass: bool = False
    whitelist: tuple[ListEntry, ...] = ()
    blacklist: tuple[ListEntry, ...] = ()
    rules: tuple[Rule, ...] = ()
    groups: dict[str, tuple[str, ...]] = {}


def parse_network(text: str) -> list[Network]:
    """A network, an address or an ``a-b`` range, as the networks that cover it exactly."""
    text = text.strip()
    if "-" in text:
        first, last = (ipaddress.ip_address(part.strip()) for part in text.split("-", 1))
        if first.version != last.version or int(last) < int(first):
            raise ValueError(f"not an address range: {text!r}")
        return list(ipaddress.summarize_address_range(first, last))  # type: ignore[arg-type]
    return [ipaddress.ip_network(text, strict=False)]


class Flow(Struct, frozen=True):
    """One connection attempt: ``direction`` INBOUND (Internet → EIP) or OUTBOUND."""

    source: str
    destination: str
    protocol: int
    port: int = 0
    source_port: int = 0
    direction: Direction = Direction.INBOUND


class Verdict(Struct, frozen=True):
    action: Literal["allow", "deny"]
    #: what decided: ``bypass`` (EIP not protected, or bypass all), ``whitelist``, ``blacklist``,
    #: ``rule``, or ``default`` (no rule matched)
    by: str
    id: str | None = None


def _in(address: str, networks: tuple[str, ...]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in network for text in networks for network in parse_network(text))


def _addresses_match(policy: Policy, addresses: Addresses, address: str) -> bool:
    if addresses.is_any():
        return True
    return _in(address, addresses.networks) or any(
        _in(address, policy.groups.get(group, ())) for group in addresses.groups
    )


def _service_match(service: Service, flow: Flow) -> bool:
    """As the evaluator judges: the protocol (any matches every one), then ICMP without ports, every
    other protocol by its ports."""
    if service.protocol != ANY_PROTOCOL and service.protocol != flow.protocol:
        return False
    if flow.protocol in (ICMP, ICMPV6):
        return True
    ok = not service.ports or any(lo <= flow.port <= hi for lo, hi in service.ports)
    return ok and (
        not service.source_ports or any(lo <= flow.source_port <= hi for lo, hi in service.source_ports)
    )


def _entry_match(entry: ListEntry, flow: Flow) -> bool:
    address = flow.source if entry.direction == 0 else flow.destination
    if not _in(address, (entry.address,)):
        return False
    return _service_match(Service(entry.protocol, (entry.port,) if entry.port else ()), flow)


def decide(policy: Policy, flow: Flow) -> Verdict:
    """The verdict for a flow, straight from the definitions in this module's docstring.

    The reference the kernel's table and the API's evaluator are both tested against: it scans
    everything for every flow, on purpose."""
    eip = flow.destination if flow.direction == Direction.INBOUND else flow.source
    if policy.bypass or not _in(eip, policy.protected):
        return Verdict("allow", "bypass")
    for entry in policy.whitelist:
        if _entry_match(entry, flow):
            return Verdict("allow", "whitelist", entry.id)
    for entry in policy.blacklist:
        if _entry_match(entry, flow):
            return Verdict("deny", "blacklist", entry.id)
    for rule in policy.rules:
        if not rule.enabled or rule.direction not in (Direction.ANY, flow.direction):
            continue
        if not _addresses_match(policy, rule.sources, flow.source):
            continue
        if not _addresses_match(policy, rule.destinations, flow.destination):
            continue
        if rule.services and not any(_service_match(s, flow) for s in rule.services):
            continue
        return Verdict(rule.action, "rule", rule.id)
    return Verdict("allow", "default")
