"""Network namespaces: one small lab per firewall, and sockets opened inside them.

A firewall's lab is three namespaces, named from the firewall's id::

    <base>-net  the "Internet": one host, INTERNET_HOST, default route to the firewall
    <base>-fw   the firewall: forwards between its interfaces ``inet`` and ``eips``; the nft table
    <base>-eip  the hosts behind the project's EIPs: every protected or unprotected EIP is an
                address here, default route to the firewall

Veth pairs are created inside the namespaces, so nothing appears in the host's own namespace, and
addresses repeat freely across labs: only the namespace names must be unique. Only IPv4 EIPs get a
host in the lab (IPv6 rules are compiled and enforced all the same).
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import ipaddress
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

PREFIX = "ocfw-"
INTERNET_HOST = "100.64.0.10"
INTERNET_GATEWAY = "100.64.0.1"
INTERNET_PREFIX = 24
EIP_GATEWAY = "169.254.0.1"
EIP_LINK = "169.254.0.2"
CLONE_NEWNET = 0x40000000
NETNS_DIR = "/run/netns"

T = TypeVar("T")

#: the firewall namespace's settings. Conntrack counts bytes and stamps start and end of every
#: connection (the flow logs' figures); a closed TCP connection is forgotten after 1 s and a quiet
#: UDP or ICMP one after 2 s (the kernel's defaults are 10 s to 2 min), so that a connection's
#: flow log record follows its end within seconds. The kernel's timeouts of open TCP connections
#: are kept.
FIREWALL_SYSCTLS = (
    "net.ipv4.ip_forward=1",
    "net.ipv4.icmp_ratelimit=0",
    "net.netfilter.nf_conntrack_acct=1",
    "net.netfilter.nf_conntrack_timestamp=1",
    *(
        f"net.netfilter.nf_conntrack_tcp_timeout_{state}=1"
        for state in ("close", "time_wait", "fin_wait", "close_wait", "last_ack")
    ),
    "net.netfilter.nf_conntrack_udp_timeout=2",
    "net.netfilter.nf_conntrack_udp_timeout_stream=2",
    "net.netfilter.nf_conntrack_icmp_timeout=2",
)


class LabError(RuntimeError):
    """A namespace command failed; the message says which and why."""


@dataclass(frozen=True)
class Lab:
    base: str

    @classmethod
    def for_firewall(cls, firewall_id: str, instance: str) -> Lab:
        """The lab of a firewall; ``instance`` (see ``instance_of``) separates the labs of several
        opencfw stores on one host."""
        digest = hashlib.blake2s(firewall_id.encode(), digest_size=5).hexdigest()
        return cls(f"{PREFIX}{instance}-{digest}")

    @property
    def firewall(self) -> str:
        return self.base + "-fw"

    @property
    def internet(self) -> str:
        return self.base + "-net"

    @property
    def eips(self) -> str:
        return self.base + "-eip"

    @property
    def namespaces(self) -> tuple[str, str, str]:
        return (self.internet, self.firewall, self.eips)


def instance_of(store_identity: str) -> str:
    """Six hex digits naming a store (its file or its database URL without credentials)."""
    return hashlib.blake2s(store_identity.encode(), digest_size=3).hexdigest()


def labs(instance: str) -> set[Lab]:
    """The labs of an instance that have at least one namespace on this host (whole or not)."""
    start = f"{PREFIX}{instance}-"
    return {Lab(name.rsplit("-", 1)[0]) for name in namespaces() if name.startswith(start)}


def _run(command: list[str], stdin: str | None = None) -> str:
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"{' '.join(command[:4])}: {exc}") from exc
    if done.returncode != 0:
        raise LabError(f"{' '.join(command[:4])}: {done.stderr.strip() or done.returncode}")
    return done.stdout


def namespaces_supported() -> bool:
    import shutil
    import sys

    return sys.platform.startswith("linux") and shutil.which("ip") is not None


def namespaces() -> list[str]:
    """Every named network namespace this host has (``ip netns`` keeps them in /run/netns)."""
    try:
        return sorted(os.listdir(NETNS_DIR))
    except FileNotFoundError:
        return []


def exists(lab: Lab) -> bool:
    return all(name in namespaces() for name in lab.namespaces)


def create(lab: Lab, eips: Iterable[str] = ()) -> None:
    """Build the lab (replacing any half-built one of the same name) and let traffic settle."""
    destroy(lab)
    net, fw, eip = lab.internet, lab.firewall, lab.eips
    per_namespace = {
        fw: [
            f"link add inet type veth peer name uplink netns {net}",
            f"link add eips type veth peer name uplink netns {eip}",
            f"addr add {INTERNET_GATEWAY}/{INTERNET_PREFIX} dev inet",
            f"addr add {EIP_GATEWAY}/30 dev eips",
            "link set lo up",
            "link set inet up",
            "link set eips up",
        ],
        net: [
            f"addr add {INTERNET_HOST}/{INTERNET_PREFIX} dev uplink",
            "link set lo up",
            "link set uplink up",
            f"route add default via {INTERNET_GATEWAY}",
        ],
        eip: [
            f"addr add {EIP_LINK}/30 dev uplink",
            "link set lo up",
            "link set uplink up",
            f"route add default via {EIP_GATEWAY}",
        ],
    }
    try:
        _run(["ip", "-batch", "-"], "".join(f"netns add {name}\n" for name in lab.namespaces))
        for name, commands in per_namespace.items():  # the firewall's first: it makes the veth pairs
            _run(["ip", "-n", name, "-batch", "-"], "\n".join(commands) + "\n")
        # forward; answer every rejected packet (the kernel rate-limits ICMP errors otherwise);
        # count and time connections, and forget closed or quiet ones soon (the flow logs)
        _run(["ip", "netns", "exec", fw, "sysctl", "-qw", *FIREWALL_SYSCTLS])
        set_eips(lab, eips)
        settle(lab)
    except Exception:
        destroy(lab)
        raise


def lab_eips(lab: Lab) -> list[str]:
    """The EIP addresses the lab's hosts have now."""
    out = _run(["ip", "-n", lab.eips, "-o", "-4", "addr", "show", "dev", "uplink"])
    found = []
    for line in out.split("\n"):
        parts = line.split()
        if "inet" in parts:
            address = parts[parts.index("inet") + 1].split("/")[0]
            if address != EIP_LINK:
                found.append(address)
    return found


def set_eips(lab: Lab, eips: Iterable[str]) -> None:
    """Give the lab exactly these EIP hosts (IPv4 only)."""
    wanted = {str(a) for a in (ipaddress.ip_address(e) for e in eips) if a.version == 4}
    have = set(lab_eips(lab))
    hosts: list[str] = []
    routes: list[str] = []
    for address in sorted(wanted - have):
        hosts.append(f"addr add {address}/32 dev uplink")
        routes.append(f"route replace {address}/32 via {EIP_LINK} dev eips")
    for address in sorted(have - wanted):
        hosts.append(f"addr del {address}/32 dev uplink")
        routes.append(f"route del {address}/32")
    for name, commands in ((lab.eips, hosts), (lab.firewall, routes)):
        if commands:
            _run(["ip", "-n", name, "-batch", "-"], "\n".join(commands) + "\n")


def destroy(lab: Lab) -> None:
    present = set(namespaces())
    for name in lab.namespaces:
        if name in present:
            _run(["ip", "netns", "del", name])


def in_namespace(name: str, make: Callable[[], T]) -> T:
    """``make()`` run in a thread that joined namespace ``name``; a socket it opens stays there."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            fd = os.open(f"{NETNS_DIR}/{name}", os.O_RDONLY)
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    code = ctypes.get_errno()
                    raise OSError(code, f"setns {name}: {os.strerror(code)}")
            finally:
                os.close(fd)
            box["value"] = make()
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc

    thread = threading.Thread(target=target, name=f"netns-{name}")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def _refused(namespace: str, source: str, target: str, deadline: float) -> None:
    """Send UDP to a closed port until the target answers "refused" (its neighbour entry is there)."""

    def make() -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((source, 0))
        sock.connect((target, 9))
        sock.settimeout(0.01)
        return sock

    sock = in_namespace(namespace, make)
    try:
        while time.monotonic() < deadline:
            try:
                sock.send(b"settle")
                sock.recv(16)
            except ConnectionRefusedError:
                return
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EHOSTUNREACH, None) and not isinstance(
                    exc, TimeoutError
                ):
                    raise
        raise LabError(f"the lab's links did not come up: no answer from {target} in {namespace}")
    finally:
        sock.close()


def settle(lab: Lab, seconds: float = 3.0) -> None:
    """Wait out the first lost ARP of new links (a measured trap): each link answers before rules load."""
    deadline = time.monotonic() + seconds
    _refused(lab.internet, INTERNET_HOST, INTERNET_GATEWAY, deadline)
    _refused(lab.eips, EIP_LINK, EIP_GATEWAY, deadline)
    _refused(lab.internet, INTERNET_HOST, EIP_LINK, deadline)
