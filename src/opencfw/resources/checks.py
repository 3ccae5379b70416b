"""Checks that many resources of the policy API share (addresses, ports), for their validate hooks.
Each raises ``BadParameter`` naming the field, as the decoder does for the structs' constraints."""

from __future__ import annotations

import ipaddress
import re

from opencfw.domain.errors import BadParameter

_PORTS = re.compile(r"([0-9]{1,5})(?:-([0-9]{1,5}))?")


def network(
    value: str, address_type: int, field: str = "address"
) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """An IP address or network (``a.b.c.d`` or ``a.b.c.d/n``) of the family ``address_type``
    says (0 IPv4, 1 IPv6)."""
    try:
        found = ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise BadParameter(
            f"Invalid request body: `{field}` is not an IP address or network: {value!r}"
        ) from exc
    if found.version != (4 if address_type == 0 else 6):
        raise BadParameter(f"Invalid request body: `{field}` does not match `address_type` (0 IPv4, 1 IPv6)")
    return found


def ports(value: str | None, field: str = "port") -> None:
    """Nothing, a port (``80``) or a range (``80-90``) of ports 1-65535."""
    if not value:
        return
    found = _PORTS.fullmatch(value)
    if found is None or not all(1 <= int(p) <= 65535 for p in found.groups() if p is not None):
        raise BadParameter(f"Invalid request body: `{field}` must be a port 1-65535 or a range of them")


def address(value: str, field: str = "address") -> int:
    """An address as address groups hold them: an IP address, a network (``a.b.c.d/n``) or a range
    (``a.b.c.d-a.b.c.e``, low to high, one family). Returns its family as ``address_type`` says
    (0 IPv4, 1 IPv6)."""
    low, dash, high = value.partition("-")
    try:
        if dash:
            first, last = ipaddress.ip_address(low), ipaddress.ip_address(high)
            if first.version != last.version or int(first) > int(last):
                raise ValueError(value)
            return 0 if first.version == 4 else 1
        return 0 if ipaddress.ip_network(value, strict=False).version == 4 else 1
    except ValueError as exc:
        raise BadParameter(
            f"Invalid request body: `{field}` is not an IP address, network or range: {value!r}"
        ) from exc


def address_family(value: str, field: str = "address") -> int:
    """The family of an IP address or network as ``address_type`` says (0 IPv4, 1 IPv6)."""
    try:
        return 0 if ipaddress.ip_network(value, strict=False).version == 4 else 1
    except ValueError as exc:
        raise BadParameter(
            f"Invalid request body: `{field}` is not an IP address or network: {value!r}"
        ) from exc
