"""Netfilter's events over netlink: packets a rule logged (NFLOG) and connections that ended
(conntrack DESTROY events, with their byte counters and timestamps).

Written here rather than taken from a library, for want of one made for the job: pyroute2 (the
maintained netlink library) has no NFLOG family, and the NFLOG bindings on PyPI are C/C++ extensions
of libnetfilter_log that need a compiler and -dev headers at install and call themselves beta. The
part of the protocol used is small and fixed by the kernel's ABI (``linux/netfilter/nfnetlink.h``,
``nfnetlink_log.h``, ``nfnetlink_conntrack.h``): a header, a generic netfilter header, and
type-length-value attributes, some nested.

Sockets must be opened inside the namespace whose events they read (``netns.in_namespace``); they
stay bound to it afterwards, whichever thread reads them.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass

NETLINK_NETFILTER = 12
SOL_NETLINK = 270
NLMSG_ERROR = 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300

NFNL_SUBSYS_CTNETLINK, NFNL_SUBSYS_ULOG = 1, 4
NFULNL_MSG_PACKET, NFULNL_MSG_CONFIG = 0, 1
IPCTNL_MSG_CT_GET, IPCTNL_MSG_CT_DELETE = 1, 2
NFNLGRP_CONNTRACK_DESTROY = 3

# NFLOG configuration attributes and values
NFULA_CFG_CMD, NFULA_CFG_MODE, NFULA_CFG_NLBUFSIZ, NFULA_CFG_TIMEOUT, NFULA_CFG_QTHRESH = 1, 2, 3, 4, 5
NFULNL_CFG_CMD_BIND = 1
NFULNL_COPY_PACKET = 2
# NFLOG packet attributes
NFULA_IFINDEX_INDEV, NFULA_PAYLOAD, NFULA_PREFIX = 4, 9, 10
# conntrack attributes
CTA_TUPLE_ORIG, CTA_MARK, CTA_COUNTERS_ORIG, CTA_COUNTERS_REPLY, CTA_TIMESTAMP = 1, 8, 9, 10, 20
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST, CTA_IP_V6_SRC, CTA_IP_V6_DST = 1, 2, 3, 4
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3
CTA_COUNTERS_PACKETS, CTA_COUNTERS_BYTES = 1, 2
CTA_TIMESTAMP_START, CTA_TIMESTAMP_STOP = 1, 2

_HEADER = struct.Struct("=IHHII")  # length, type, flags, sequence, port id
_NFGEN = struct.Struct("!BBH")  # family, version, resource id (the NFLOG group)
_ATTR = struct.Struct("=HH")  # length, type
_NLA_TYPE_MASK = 0x3FFF  # without the nested and byte-order flags
#: bytes of each logged packet the kernel copies: the IP and transport headers are enough
COPY_RANGE = 128
_PORTED = (6, 17, 132, 136)
SO_RCVBUFFORCE = 33
#: each event socket's receive buffer: room for a burst of some ten thousand events
BUFFER = 8 << 20
#: packets NFLOG gathers into one message under load
BATCH = 64  # TCP, UDP, SCTP, UDP-Lite: ports right after the IP header


class NetlinkError(OSError):
    """The kernel refused a netlink request (its errno)."""


@dataclass(frozen=True, slots=True)
class Logged:
    """A packet an nft ``log group`` statement sent: the rule's prefix and the packet's 5-tuple."""

    prefix: str
    source: str
    destination: str
    protocol: int
    source_port: int
    destination_port: int
    length: int
    indev: int


@dataclass(frozen=True, slots=True)
class Ended:
    """A connection conntrack forgot, with what it counted both ways."""

    source: str
    destination: str
    protocol: int
    source_port: int
    destination_port: int
    packets: int
    bytes: int
    start_ns: int | None
    stop_ns: int | None
    mark: int


def _align(n: int) -> int:
    return (n + 3) & ~3


def attributes(data: bytes, start: int = 0, end: int | None = None) -> dict[int, bytes]:
    """Top-level attributes between ``start`` and ``end``, by type (the last one wins)."""
    end = len(data) if end is None else end
    found: dict[int, bytes] = {}
    at = start
    while at + _ATTR.size <= end:
        length, kind = _ATTR.unpack_from(data, at)
        if length < _ATTR.size or at + length > end:
            break
        found[kind & _NLA_TYPE_MASK] = data[at + _ATTR.size : at + length]
        at += _align(length)
    return found


def messages(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """Each message of a datagram: (type, sequence, payload after the netlink header)."""
    at = 0
    while at + _HEADER.size <= len(data):
        length, kind, _flags, sequence, _port = _HEADER.unpack_from(data, at)
        if length < _HEADER.size or at + length > len(data):
            break
        yield kind, sequence, data[at + _HEADER.size : at + length]
        at += _align(length)


def _attribute(kind: int, value: bytes) -> bytes:
    raw = _ATTR.pack(_ATTR.size + len(value), kind) + value
    return raw + b"\0" * (_align(len(raw)) - len(raw))


def _request(sock: socket.socket, kind: int, family: int, resource: int, body: bytes, sequence: int) -> None:
    """Send one request and wait for its acknowledgement; NetlinkError when refused."""
    payload = _NFGEN.pack(family, 0, resource) + body
    sock.send(
        _HEADER.pack(_HEADER.size + len(payload), kind, NLM_F_REQUEST | NLM_F_ACK, sequence, 0) + payload
    )
    while True:
        for got, seq, data in messages(sock.recv(65536)):
            if got == NLMSG_ERROR and seq == sequence:
                code = -struct.unpack_from("=i", data)[0]
                if code:
                    raise NetlinkError(code, f"netlink: {errno.errorcode.get(code, code)}")
                return


def _buffer(sock: socket.socket, size: int) -> None:
    """A receive buffer of ``size`` bytes: beyond the host's ``rmem_max`` where permitted (root)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, size)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)


def nflog_socket(group: int, buffer: int = BUFFER) -> socket.socket:
    """A socket receiving the packets nft logs to ``group`` in the current namespace: batched by
    the kernel under load (up to ``BATCH`` packets), otherwise within 10 ms."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    try:
        _buffer(sock, buffer)
        sock.bind((0, 0))
        kind = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG
        bind = _attribute(NFULA_CFG_CMD, bytes([NFULNL_CFG_CMD_BIND]))
        _request(sock, kind, socket.AF_UNSPEC, group, bind, 1)
        mode = _attribute(NFULA_CFG_MODE, struct.pack("!IBB", COPY_RANGE, NFULNL_COPY_PACKET, 0))
        batching = _attribute(NFULA_CFG_QTHRESH, struct.pack("!I", BATCH))
        batching += _attribute(NFULA_CFG_TIMEOUT, struct.pack("!I", 1))  # in 1/100 s
        batching += _attribute(NFULA_CFG_NLBUFSIZ, struct.pack("!I", 1 << 16))
        _request(sock, kind, socket.AF_UNSPEC, group, mode + batching, 2)
    except BaseException:
        sock.close()
        raise
    return sock


def conntrack_socket(buffer: int = BUFFER, events: bool = True) -> socket.socket:
    """A socket receiving conntrack's DESTROY events in the current namespace (``events`` False:
    a socket for requests, such as ``sweep``)."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    try:
        _buffer(sock, buffer if events else 1 << 20)
        sock.bind((0, 1 << (NFNLGRP_CONNTRACK_DESTROY - 1) if events else 0))
    except BaseException:
        sock.close()
        raise
    return sock


def sweep(sock: socket.socket, sequence: int) -> None:
    """Ask for a dump of the namespace's connections on ``sock`` (the answer is of no use and is
    drained unread): the kernel forgets the expired connections a dump meets, and reports them at
    once. Without it, an expired connection is reported when the kernel's garbage collector next
    passes, which was measured here at 2 to over 30 seconds."""
    kind = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET
    payload = _NFGEN.pack(socket.AF_UNSPEC, 0, 0)
    sock.send(
        _HEADER.pack(_HEADER.size + len(payload), kind, NLM_F_REQUEST | NLM_F_DUMP, sequence, 0) + payload
    )


def _ports(protocol: int, transport: bytes) -> tuple[int, int]:
    if protocol in _PORTED and len(transport) >= 4:
        source, destination = struct.unpack_from("!HH", transport)
        return source, destination
    return 0, 0


def parse_logged(payload: bytes) -> Logged | None:
    """An NFLOG packet message's payload (after the netlink header); None if not IP."""
    found = attributes(payload, _NFGEN.size)
    packet = found.get(NFULA_PAYLOAD, b"")
    prefix = found.get(NFULA_PREFIX, b"").split(b"\0", 1)[0].decode("utf-8", "replace")
    indev = struct.unpack("!I", found[NFULA_IFINDEX_INDEV])[0] if NFULA_IFINDEX_INDEV in found else 0
    if len(packet) >= 20 and packet[0] >> 4 == 4:
        header = (packet[0] & 0x0F) * 4
        length, protocol = struct.unpack_from("!H", packet, 2)[0], packet[9]
        source, destination = (str(ipaddress.IPv4Address(packet[at : at + 4])) for at in (12, 16))
        transport = packet[header:] if struct.unpack_from("!H", packet, 6)[0] & 0x1FFF == 0 else b""
    elif len(packet) >= 40 and packet[0] >> 4 == 6:
        length, protocol = struct.unpack_from("!H", packet, 4)[0] + 40, packet[6]
        source, destination = (str(ipaddress.IPv6Address(packet[at : at + 16])) for at in (8, 24))
        transport = packet[40:]  # extension headers are not followed: their ports read as 0
    else:
        return None
    sport, dport = _ports(protocol, transport)
    return Logged(prefix, source, destination, protocol, sport, dport, length, indev)


def _number(data: bytes | None) -> int | None:
    return None if data is None else int.from_bytes(data, "big")


def parse_ended(payload: bytes) -> Ended | None:
    """A conntrack DESTROY event's payload; None when it has no original tuple."""
    found = attributes(payload, _NFGEN.size)
    if CTA_TUPLE_ORIG not in found:
        return None
    tuple_ = attributes(found[CTA_TUPLE_ORIG])
    ip, proto = attributes(tuple_.get(CTA_TUPLE_IP, b"")), attributes(tuple_.get(CTA_TUPLE_PROTO, b""))
    if CTA_IP_V4_SRC in ip and CTA_IP_V4_DST in ip:
        source, destination = (str(ipaddress.IPv4Address(ip[k])) for k in (CTA_IP_V4_SRC, CTA_IP_V4_DST))
    elif CTA_IP_V6_SRC in ip and CTA_IP_V6_DST in ip:
        source, destination = (str(ipaddress.IPv6Address(ip[k])) for k in (CTA_IP_V6_SRC, CTA_IP_V6_DST))
    else:
        return None
    protocol = proto.get(CTA_PROTO_NUM, b"\0")[0]
    packets = octets = 0
    for side in (CTA_COUNTERS_ORIG, CTA_COUNTERS_REPLY):
        counters = attributes(found.get(side, b""))
        packets += _number(counters.get(CTA_COUNTERS_PACKETS)) or 0
        octets += _number(counters.get(CTA_COUNTERS_BYTES)) or 0
    times = attributes(found.get(CTA_TIMESTAMP, b""))
    return Ended(
        source,
        destination,
        protocol,
        _number(proto.get(CTA_PROTO_SRC_PORT)) or 0,
        _number(proto.get(CTA_PROTO_DST_PORT)) or 0,
        packets,
        octets,
        _number(times.get(CTA_TIMESTAMP_START)),
        _number(times.get(CTA_TIMESTAMP_STOP)),
        _number(found.get(CTA_MARK)) or 0,
    )


def events(data: bytes) -> Iterator[Logged | Ended]:
    """The NFLOG packets and conntrack DESTROY events of one datagram (other messages skipped)."""
    for kind, _sequence, payload in messages(data):
        if kind == (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET:
            logged = parse_logged(payload)
            if logged is not None:
                yield logged
        elif kind == (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE:
            ended = parse_ended(payload)
            if ended is not None:
                yield ended


def drain(sock: socket.socket, limit: int = 256) -> tuple[list[Logged | Ended], int]:
    """What a non-blocking socket holds now (at most ``limit`` datagrams), and how many times the
    kernel said it had to drop events because the socket's buffer was full."""
    found: list[Logged | Ended] = []
    overflows = 0
    for _ in range(limit):
        try:
            data = sock.recv(1 << 16)
        except BlockingIOError:
            break
        except OSError as exc:
            if exc.errno != errno.ENOBUFS:
                raise
            overflows += 1
            continue
        found.extend(events(data))
    return found, overflows
