"""Real packets through a firewall's lab: does a flow get through?

A probe opens its sockets inside the lab's namespaces from this process (a socket stays in the
namespace it was made in): a listener on the destination host, a client on the source host. TCP is
allowed when the handshake completes, UDP when the listener's echo comes back, ICMP when the echo
reply does. Anything else within the timeout (silence, "host unreachable" from a reject) is denied.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
import time
from dataclasses import dataclass

from opencfw.dataplane.netns import INTERNET_HOST, Lab, in_namespace

PROTOCOLS = ("tcp", "udp", "icmp")


@dataclass(frozen=True)
class Endpoint:
    namespace: str
    address: str


def endpoint(lab: Lab, name: str) -> Endpoint:
    """``internet`` or one of the lab's EIP addresses."""
    if name == "internet":
        return Endpoint(lab.internet, INTERNET_HOST)
    return Endpoint(lab.eips, name)


def _listener(where: Endpoint, kind: int, port: int) -> socket.socket:
    def make() -> socket.socket:
        sock = socket.socket(socket.AF_INET, kind)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((where.address, port))
        if kind == socket.SOCK_STREAM:
            sock.listen(16)
        return sock

    return in_namespace(where.namespace, make)


def _client(where: Endpoint, kind: int, proto: int = 0) -> socket.socket:
    def make() -> socket.socket:
        sock = socket.socket(socket.AF_INET, kind, proto)
        sock.bind((where.address, 0))
        return sock

    return in_namespace(where.namespace, make)


def _tcp(source: Endpoint, target: Endpoint, port: int, timeout: float) -> bool:
    with _listener(target, socket.SOCK_STREAM, port), _client(source, socket.SOCK_STREAM) as client:
        client.settimeout(timeout)
        try:
            client.connect((target.address, port))
        except OSError:  # timeout (dropped), EHOSTUNREACH (rejected), refused
            return False
        return True


def _udp(source: Endpoint, target: Endpoint, port: int, timeout: float) -> bool:
    token = os.urandom(8)
    with _listener(target, socket.SOCK_DGRAM, port) as server, _client(source, socket.SOCK_DGRAM) as client:
        server.settimeout(timeout)

        def echo() -> None:
            with contextlib.suppress(OSError):
                data, peer = server.recvfrom(64)
                server.sendto(data, peer)

        thread = threading.Thread(target=echo, daemon=True)
        thread.start()
        client.settimeout(timeout)
        try:
            client.sendto(token, (target.address, port))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                data, _ = client.recvfrom(64)
                if data == token:
                    return True
        except OSError:
            return False
        finally:
            thread.join(timeout)
        return False


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def _icmp(source: Endpoint, target: Endpoint, timeout: float) -> bool:
    ident = int.from_bytes(os.urandom(2), "big")
    payload = os.urandom(8)
    header = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
    packet = struct.pack("!BBHHH", 8, 0, _checksum(header + payload), ident, 1) + payload
    with _client(source, socket.SOCK_RAW, socket.IPPROTO_ICMP) as sock:
        sock.settimeout(timeout)
        sock.sendto(packet, (target.address, 0))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data, peer = sock.recvfrom(1024)
            except OSError:
                return False
            header_length = (data[0] & 0x0F) * 4
            kind, _, _, got, _ = struct.unpack("!BBHHH", data[header_length : header_length + 8])
            if kind == 0 and got == ident and peer[0] == target.address:
                return True
            sock.settimeout(max(0.001, deadline - time.monotonic()))
        return False


def probe(lab: Lab, source: str, target: str, protocol: str, port: int = 80, timeout: float = 1.0) -> bool:
    """True when the flow ``source`` → ``target`` gets through the firewall."""
    src, dst = endpoint(lab, source), endpoint(lab, target)
    if protocol == "tcp":
        return _tcp(src, dst, port, timeout)
    if protocol == "udp":
        return _udp(src, dst, port, timeout)
    if protocol == "icmp":
        return _icmp(src, dst, timeout)
    raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}")
