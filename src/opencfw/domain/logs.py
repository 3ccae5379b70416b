"""Log records: what a flow or an attack leaves behind, and the inputs that record them.

A flow (a 5-tuple with its direction, the ACL rule that decided it, the action, its bytes and
packets and times) makes an access-control record when a rule decided it and a flow record when
it passed; an attack (an IPS event) makes an attack record. ``log_records`` holds the three kinds.
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

KINDS = ("acl", "flow", "attack")
Kind = Literal["acl", "flow", "attack"]
LogType = Literal["internet", "nat", "vpc", "vgw"]
Direction = Literal["in2out", "out2in"]
Action = Literal["permit", "deny"]
Level = Literal["CRITICAL", "HIGH", "MEDIUM", "LOW"]

#: IP protocol numbers as the logs name them (anything else is its number)
PROTOCOL_NAMES = {6: "TCP", 17: "UDP", 1: "ICMP", 58: "ICMPV6", -1: "ANY"}

Port = Annotated[int, Meta(ge=0, le=65535)]
Text = Annotated[str, Meta(max_length=255)]
Address = Annotated[str, Meta(min_length=2, max_length=45)]
Instant = Annotated[int, Meta(ge=0, le=2**53)]
Amount = Annotated[int, Meta(ge=0, le=2**62)]
Id = Annotated[str, Meta(pattern="^[A-Za-z0-9_-]{1,64}$")]


class Place(Struct, frozen=True, forbid_unknown_fields=True):
    """Where an address is (all optional): region id and name, province and city names."""

    src_region_id: Text = ""
    src_region_name: Text = ""
    dst_region_id: Text = ""
    dst_region_name: Text = ""
    src_province_name: Text = ""
    dst_province_name: Text = ""
    src_city_name: Text = ""
    dst_city_name: Text = ""


NOWHERE = Place()


class Seen(Struct, kw_only=True, forbid_unknown_fields=True):
    """What a flow and an attack both are: a 5-tuple through a firewall, its direction, what was
    done, and where it was seen (``object_id`` empty: the firewall's Internet-border object)."""

    fw_instance_id: Id
    object_id: Annotated[str, Meta(max_length=64)] = ""
    src_ip: Address
    src_port: Port = 0
    dst_ip: Address
    dst_port: Port = 0
    protocol: Annotated[int, Meta(ge=-1, le=255)]
    direction: Direction
    action: Action
    log_type: LogType = "internet"
    app: Annotated[str, Meta(max_length=32)] = "ANY"
    dst_host: Text = ""
    place: Place = NOWHERE


class Flow(Seen, kw_only=True, forbid_unknown_fields=True):
    """One flow through a firewall, as the policy evaluator or a data plane saw it.

    ``protocol`` is the IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, -1 any);
    ``rule_id``/``rule_name`` name the ACL rule that decided it (None: no rule matched, the
    default action applied); ``start_ms`` defaults to the service clock's now, ``end_ms`` to it.
    """

    rule_id: Annotated[str, Meta(max_length=64)] | None = None
    rule_name: Text | None = None
    bytes: Amount = 0
    packets: Amount = 0
    start_ms: Instant | None = None
    end_ms: Instant | None = None


class Attack(Seen, kw_only=True, forbid_unknown_fields=True):
    """One IPS event: the flow it was seen in, the signature that matched and what was done."""

    attack_type: Text
    attack_rule: Text
    attack_rule_id: Annotated[str, Meta(max_length=64)]
    level: Level
    source: Text = ""
    packet: Annotated[str, Meta(max_length=4096)] = ""
    packet_length: Amount = 0
    event_ms: Instant | None = None


class LogRecord(Struct, kw_only=True):
    """A row of ``log_records`` (fields in column order)."""

    id: str
    project_id: str
    firewall_id: str
    object_id: str
    kind: str
    log_type: str
    at_ms: int
    end_ms: int
    direction: str
    action: str
    src_ip: str
    src_port: int
    dst_ip: str
    dst_port: int
    protocol: str
    app: str
    dst_host: str
    rule_id: str
    rule_name: str
    bytes: int
    packets: int
    attack_type: str
    level: str
    source: str
    packet: str
    src_region_id: str
    src_region_name: str
    dst_region_id: str
    dst_region_name: str
    src_province_name: str
    dst_province_name: str
    src_city_name: str
    dst_city_name: str


COLUMNS = tuple(LogRecord.__struct_fields__)


def protocol_name(number: int) -> str:
    return PROTOCOL_NAMES.get(number, str(number))
