"""The answers of opencfw's own resolver for domain names: deterministic, never the network.

A name without a configured answer (the admin API sets those) resolves to one IPv4 address of the
documentation ranges (RFC 5737) and one IPv6 address of 2001:db8::/32 (RFC 3849), both derived
from a hash of the name, so the same name always gives the same addresses on every server. A
wildcard name (``*.example.com``) resolves to nothing: no resolver can answer for it.
"""

from __future__ import annotations

import hashlib
import ipaddress

from msgspec import Struct

DOCUMENTATION_V4 = (
    ipaddress.IPv4Network("192.0.2.0/24"),
    ipaddress.IPv4Network("198.51.100.0/24"),
    ipaddress.IPv4Network("203.0.113.0/24"),
)
DOCUMENTATION_V6 = ipaddress.IPv6Network("2001:db8::/32")
#: at most this many addresses of one name are in force (a network domain group's limit per name)
ADDRESSES_PER_NAME = 1000


class Answer(Struct, forbid_unknown_fields=True):
    """The addresses a name resolves to, per family."""

    ipv4: list[str] = []
    ipv6: list[str] = []

    def addresses(self, address_type: int | None) -> list[str]:
        """The addresses of one family (0 IPv4, 1 IPv6) or, with None, of both."""
        if address_type is None:
            return [*self.ipv4, *self.ipv6]
        return list(self.ipv6 if address_type == 1 else self.ipv4)


def canonical(name: str) -> str:
    """Names compare without case and without a final dot."""
    return name.lower().rstrip(".")


def derived(name: str) -> Answer:
    """The answer for a name nobody configured: addresses derived from its hash."""
    name = canonical(name)
    if name.startswith("*."):
        return Answer()
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    network = DOCUMENTATION_V4[digest[0] % len(DOCUMENTATION_V4)]
    v4 = network.network_address + 1 + digest[1] % 254
    host = int.from_bytes(digest[2:14], "big") or 1
    v6 = DOCUMENTATION_V6.network_address + host
    return Answer(ipv4=[str(v4)], ipv6=[str(v6)])


def normalised(answer: Answer) -> Answer:
    """A configured answer checked and in canonical form: each address of its family, once, in the
    order given. Raises ValueError naming the address otherwise."""
    found: dict[str, list[str]] = {"ipv4": [], "ipv6": []}
    for family, version in (("ipv4", 4), ("ipv6", 6)):
        for raw in getattr(answer, family):
            address = ipaddress.ip_address(raw)
            if address.version != version:
                raise ValueError(f"`{family}` holds {raw!r}, which is not an IPv{version} address")
            if str(address) not in found[family]:
                found[family].append(str(address))
    return Answer(**found)
