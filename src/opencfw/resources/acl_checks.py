"""The checks of an ACL rule's parts (``acl_rule``'s structs): the fields a source or destination of
each type needs, well-formed addresses of the rule's family, services and long connections."""

from __future__ import annotations

from opencfw.domain.errors import BadParameter
from opencfw.resources import checks
from opencfw.resources.acl_rule import (
    ADDRESSES_PER_SIDE,
    GROUPS_PER_SIDE,
    LONG_CONNECTION_SECONDS,
    SERVICE_GROUPS,
    AddressError,
    LongConnectionProtocol,
    LongConnectionTime,
    RuleAddressDto,
    RuleServiceDto,
)


def _any_ports(value: str | None) -> bool:
    return value in (None, "", "1-65535", "0-65535")


def address(side: RuleAddressDto, address_type: int, field: str) -> None:
    """The fields a source or destination of its ``type`` needs, and well-formed addresses."""
    if side.type == 0:
        if not side.address:
            raise BadParameter(f"Invalid request body: `{field}.address` is required with type 0")
        _address_value(side.address, address_type, f"{field}.address")
    elif side.type == 1 and not side.address_set_id:
        raise BadParameter(f"Invalid request body: `{field}.address_set_id` is required with type 1")
    elif side.type == 2 and not side.domain_address_name:
        raise BadParameter(f"Invalid request body: `{field}.domain_address_name` is required with type 2")
    elif side.type == 3 and not (side.region_list or side.region_list_json):
        raise BadParameter(f"Invalid request body: `{field}.region_list` is required with type 3")
    elif side.type in (4, 6, 7) and not (side.domain_set_id or side.domain_address_name):
        raise BadParameter(f"Invalid request body: `{field}.domain_set_id` is required with type {side.type}")
    elif side.type == 5:
        ips = side.ip_address or []
        groups = [*(side.address_group or []), *(side.predefined_group or [])]
        if not ips and not groups:
            raise BadParameter(f"Invalid request body: `{field}` names no address nor group with type 5")
        if len(ips) > ADDRESSES_PER_SIDE:
            raise BadParameter(f"Invalid request body: `{field}.ip_address` holds more than 20 addresses")
        if len(side.address_group or []) > GROUPS_PER_SIDE:
            raise BadParameter(f"Invalid request body: `{field}.address_group` holds more than 2 groups")
        for i, value in enumerate(ips):
            _address_value(value, address_type, f"{field}.ip_address[{i}]")


def _address_value(value: str, address_type: int, field: str) -> None:
    family = checks.address(value, field)
    if address_type in (0, 1) and family != address_type:
        raise AddressError(f"acl address is error: `{field}` does not match `address_type` (0 IPv4, 1 IPv6)")


def service(svc: RuleServiceDto) -> list[tuple[int, str | None, str | None]]:
    """The manual services of a rule's service, checked: ``(protocol, source_port, dest_port)``."""
    found: list[tuple[int, str | None, str | None]] = []
    if svc.type == 0 or (svc.type == 2 and svc.protocol is not None and not svc.custom_service):
        if svc.protocol is None:
            raise BadParameter("Invalid request body: `service.protocol` is required with type 0")
        found.append((svc.protocol, svc.source_port, svc.dest_port))
    elif svc.type == 1 and not svc.service_set_id:
        raise BadParameter("Invalid request body: `service.service_set_id` is required with type 1")
    for item in svc.custom_service or []:
        found.append((item.protocol, item.source_port, item.dest_port))
    if svc.type == 2 and not found and not svc.service_group and not svc.predefined_group:
        raise BadParameter("Invalid request body: `service` names no service nor group with type 2")
    if len(svc.service_group or []) + len(svc.predefined_group or []) > SERVICE_GROUPS:
        raise BadParameter("Invalid request body: `service` names more than 5 service groups")
    for protocol, source_port, dest_port in found:
        checks.ports(source_port, "service.source_port")
        checks.ports(dest_port, "service.dest_port")
        if protocol in (1, 58) and not (_any_ports(source_port) and _any_ports(dest_port)):
            raise BadParameter("Invalid request body: ICMP services take no ports")
    return found


def long_connection(
    enable: int,
    seconds: int | None,
    parts: tuple[int | None, int | None, int | None],
    services: list[tuple[int, str | None, str | None]],
    groups: int,
) -> int | None:
    """The duration of a long-connection rule in seconds (None when off): 1 s to 1000 days, for
    exactly one TCP or UDP service."""
    if not enable:
        return None
    if seconds is None:
        hour, minute, second = (p or 0 for p in parts)
        seconds = hour * 3600 + minute * 60 + second
    if not 1 <= seconds <= LONG_CONNECTION_SECONDS:
        raise LongConnectionTime()
    if groups or len(services) != 1 or services[0][0] not in (6, 17):
        raise LongConnectionProtocol()
    return seconds
