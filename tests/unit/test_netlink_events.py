"""The netfilter netlink events the data plane reads, and the log records they make (no kernel
needed: messages are built here byte by byte, as the kernel's ABI lays them out)."""

from __future__ import annotations

import errno
import ipaddress
import struct

import pytest

from opencfw.dataplane import netlink, netns, nft
from opencfw.dataplane.flow_logs import FlowLogs, _Watched
from opencfw.dataplane.policy import Rule


def nla(kind: int, value: bytes, nested: bool = False) -> bytes:
    raw = struct.pack("=HH", 4 + len(value), kind | (0x8000 if nested else 0)) + value
    return raw + b"\0" * (-len(raw) % 4)


def message(kind: int, body: bytes, family: int = 2) -> bytes:
    payload = struct.pack("!BBH", family, 0, 0) + body
    return struct.pack("=IHHII", 16 + len(payload), kind, 0, 0, 0) + payload


def ipv4(source: str, destination: str, protocol: int, transport: bytes, fragment: int = 0) -> bytes:
    length = 20 + len(transport)
    header = struct.pack("!BBHHHBBH", 0x45, 0, length, 1, fragment, 64, protocol, 0)
    return (
        header + ipaddress.IPv4Address(source).packed + ipaddress.IPv4Address(destination).packed + transport
    )


def logged(packet: bytes, prefix: bytes = b"rule-1\0", indev: int = 2) -> bytes:
    body = nla(netlink.NFULA_IFINDEX_INDEV, struct.pack("!I", indev))
    body += nla(netlink.NFULA_PAYLOAD, packet) + nla(netlink.NFULA_PREFIX, prefix)
    return message(netlink.NFNL_SUBSYS_ULOG << 8 | netlink.NFULNL_MSG_PACKET, body)


def ended(
    source: str = "100.64.0.10",
    destination: str = "198.51.100.7",
    ports: tuple[int, int] = (40000, 443),
    counters: tuple[tuple[int, int], tuple[int, int]] = ((6, 500), (4, 3000)),
    times: tuple[int, int] | None = (1_700_000_000_000_000_000, 1_700_000_002_500_000_000),
    mark: int | None = 1,
) -> bytes:
    v4 = ":" not in source
    ip = nla(netlink.CTA_IP_V4_SRC if v4 else netlink.CTA_IP_V6_SRC, ipaddress.ip_address(source).packed)
    ip += nla(
        netlink.CTA_IP_V4_DST if v4 else netlink.CTA_IP_V6_DST, ipaddress.ip_address(destination).packed
    )
    proto = nla(netlink.CTA_PROTO_NUM, bytes([6]))
    proto += nla(netlink.CTA_PROTO_SRC_PORT, struct.pack("!H", ports[0]))
    proto += nla(netlink.CTA_PROTO_DST_PORT, struct.pack("!H", ports[1]))
    tuple_ = nla(netlink.CTA_TUPLE_IP, ip, True) + nla(netlink.CTA_TUPLE_PROTO, proto, True)
    body = nla(netlink.CTA_TUPLE_ORIG, tuple_, True)
    for side, (packets, octets) in zip((netlink.CTA_COUNTERS_ORIG, netlink.CTA_COUNTERS_REPLY), counters):
        count = nla(netlink.CTA_COUNTERS_PACKETS, struct.pack("!Q", packets))
        count += nla(netlink.CTA_COUNTERS_BYTES, struct.pack("!Q", octets))
        body += nla(side, count, True)
    if times is not None:
        stamp = nla(netlink.CTA_TIMESTAMP_START, struct.pack("!Q", times[0]))
        stamp += nla(netlink.CTA_TIMESTAMP_STOP, struct.pack("!Q", times[1]))
        body += nla(netlink.CTA_TIMESTAMP, stamp, True)
    if mark is not None:
        body += nla(netlink.CTA_MARK, struct.pack("!I", mark))
    return message(netlink.NFNL_SUBSYS_CTNETLINK << 8 | netlink.IPCTNL_MSG_CT_DELETE, body)


def test_an_nflog_packet_gives_the_rule_and_the_five_tuple():
    tcp = struct.pack("!HH", 51000, 22) + b"\0" * 16
    (event,) = netlink.events(logged(ipv4("100.64.0.10", "203.0.113.20", 6, tcp)))
    assert event == netlink.Logged("rule-1", "100.64.0.10", "203.0.113.20", 6, 51000, 22, 40, 2)


def test_ipv6_udp_icmp_and_fragments():
    udp = struct.pack("!HHHH", 5353, 53, 8, 0)
    v6 = struct.pack("!IHBB", 6 << 28, len(udp), 17, 64)
    v6 += ipaddress.IPv6Address("2001:db8::1").packed + ipaddress.IPv6Address("2001:db8::2").packed + udp
    (event,) = netlink.events(logged(v6, b"r6\0"))
    assert (event.source, event.destination, event.protocol, event.source_port, event.destination_port) == (
        "2001:db8::1",
        "2001:db8::2",
        17,
        5353,
        53,
    )
    assert event.length == 48
    (icmp,) = netlink.events(logged(ipv4("10.0.0.1", "10.0.0.2", 1, b"\x08\0\0\0\0\1\0\1")))
    assert (icmp.protocol, icmp.source_port, icmp.destination_port) == (1, 0, 0)
    # a later fragment has no transport header: its "ports" are payload, read as none
    (fragment,) = netlink.events(logged(ipv4("10.0.0.1", "10.0.0.2", 6, b"\1\2\3\4", fragment=185)))
    assert (fragment.source_port, fragment.destination_port) == (0, 0)


def test_what_is_not_an_ip_packet_or_not_whole_is_skipped_without_an_error():
    assert list(netlink.events(logged(b"\x00" * 10))) == []  # neither IPv4 nor IPv6
    whole = logged(ipv4("10.0.0.1", "10.0.0.2", 6, b"\0" * 20))
    for cut in range(len(whole)):  # every truncation of a datagram
        list(netlink.events(whole[:cut]))
    bad_length = struct.pack("=IHHII", 8, 0, 0, 0, 0) + whole  # a header shorter than itself
    assert list(netlink.events(bad_length)) == []
    other = message(netlink.NFNL_SUBSYS_CTNETLINK << 8 | 0, b"")  # a NEW event: not read
    assert list(netlink.events(other)) == []


def test_a_destroy_event_gives_counters_both_ways_times_and_mark():
    (event,) = netlink.events(ended())
    assert event == netlink.Ended(
        "100.64.0.10",
        "198.51.100.7",
        6,
        40000,
        443,
        10,
        3500,
        1_700_000_000_000_000_000,
        1_700_000_002_500_000_000,
        1,
    )
    (v6,) = netlink.events(ended("2001:db8::1", "2001:db8::2", times=None, mark=None))
    assert (v6.source, v6.start_ns, v6.stop_ns, v6.mark) == ("2001:db8::1", None, None, 0)
    no_tuple = message(netlink.NFNL_SUBSYS_CTNETLINK << 8 | netlink.IPCTNL_MSG_CT_DELETE, b"")
    assert list(netlink.events(no_tuple)) == []


class FakeSocket:
    def __init__(self, answers: list[bytes | OSError]) -> None:
        self.answers = answers

    def recv(self, size: int) -> bytes:
        if not self.answers:
            raise BlockingIOError
        answer = self.answers.pop(0)
        if isinstance(answer, OSError):
            raise answer
        return answer


def test_drain_counts_overflows_and_reads_until_empty():
    found, overflows = netlink.drain(
        FakeSocket([ended(), OSError(errno.ENOBUFS, "full"), ended(mark=2)])  # type: ignore[arg-type]
    )
    assert [e.mark for e in found] == [1, 2] and overflows == 1  # type: ignore[union-attr]
    with pytest.raises(OSError):
        netlink.drain(FakeSocket([OSError(errno.EBADF, "closed")]))  # type: ignore[arg-type]


def watched() -> _Watched:
    found = _Watched(netns.Lab("ocfw-test"), "fw-1", "project-1", inbound=2, sockets=())
    found.rules = {"r-deny": ("no-ssh", "deny"), "r-allow": ("web", "permit")}
    return found


def test_records_a_rules_hit_as_an_access_control_record_in_its_direction():
    into = netlink.Logged("r-deny", "100.64.0.10", "203.0.113.20", 6, 51000, 22, 60, indev=2)
    flow, is_flow = FlowLogs.flow(watched(), into)  # type: ignore[misc]
    assert not is_flow
    assert (flow.rule_id, flow.rule_name, flow.action, flow.direction) == (
        "r-deny",
        "no-ssh",
        "deny",
        "out2in",
    )
    assert (flow.src_port, flow.dst_port, flow.bytes, flow.packets) == (51000, 22, 60, 1)
    out = netlink.Logged("r-allow", "203.0.113.20", "100.64.0.10", 6, 51000, 80, 60, indev=3)
    flow, _ = FlowLogs.flow(watched(), out)  # type: ignore[misc]
    assert (flow.action, flow.direction) == ("permit", "in2out")
    gone = netlink.Logged("r-removed", "100.64.0.10", "203.0.113.20", 6, 1, 2, 60, indev=2)
    assert FlowLogs.flow(watched(), gone) is None


def test_records_an_ended_connection_the_policy_judged_as_a_flow_record():
    (event,) = netlink.events(ended(mark=nft.MARK_OUTBOUND))
    flow, is_flow = FlowLogs.flow(watched(), event)  # type: ignore[misc]
    assert is_flow and flow.rule_id is None and flow.action == "permit" and flow.direction == "in2out"
    assert (flow.bytes, flow.packets) == (3500, 10)
    assert (flow.start_ms, flow.end_ms) == (1_700_000_000_000, 1_700_000_002_500)
    (bypassed,) = netlink.events(ended(mark=None))
    assert FlowLogs.flow(watched(), bypassed) is None


def test_a_batch_the_store_refuses_is_dropped_and_the_next_recorded():
    calls: list[tuple[str, int, bool]] = []

    def record(project_id: str, flows: list, flow_records: bool) -> None:
        calls.append((project_id, len(flows), flow_records))
        if project_id == "gone":
            raise LookupError("The firewall does not exist")

    logs = FlowLogs(record, batch=2)
    flow, _ = FlowLogs.flow(watched(), next(iter(netlink.events(ended()))))  # type: ignore[misc]
    logs._pending = {"flow:gone": [flow], "flow:project-1": [flow] * 3}
    logs.flush()
    assert calls == [("gone", 1, True), ("project-1", 2, True), ("project-1", 1, True)]
    assert logs.recorded == 3 and logs._pending == {}
    logs.stop()


def test_rules_of_a_firewall_not_watched_are_ignored():
    logs = FlowLogs(lambda *_: None)
    logs.rules("fw-unknown", [Rule("r", "allow")])
    assert logs.watched() == [] and logs.stats() == {"labs": 0, "recorded": 0, "overflows": 0, "dropped": 0}
    logs.stop()


def test_records_beyond_the_backlog_are_dropped_and_counted():
    import selectors
    import socket

    logs = FlowLogs(lambda *_: None, backlog=2)
    ours, kernel = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    ours.setblocking(False)
    found = watched()
    found.sockets = (ours,)
    logs._watched["fw-1"] = found
    logs._selector.register(ours, selectors.EVENT_READ, found)
    for _ in range(3):
        kernel.send(ended())
    assert logs._collect(1.0) == 2
    assert (logs.dropped, len(logs._pending["flow:project-1"])) == (1, 2)
    logs.stop()  # closes our end too
    kernel.close()
