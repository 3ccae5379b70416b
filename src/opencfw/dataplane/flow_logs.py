"""Access-control and flow log records from the kernel: what the firewalls' labs really saw.

Each lab's firewall namespace gets two netlink sockets (``netlink.py``) while its lab stands:

- NFLOG group ``nft.LOG_GROUP``: the first packet of every connection an ACL rule decided (the
  table logs it with the rule id as prefix) becomes an **access-control** record: the 5-tuple, the
  direction, the rule, and the rule's action (permit or deny);
- conntrack's DESTROY events: every connection that passed the rules becomes a **flow** record when
  the kernel forgets it (closed, or quiet: ``netns.FIREWALL_SYSCTLS``; a sweep every ``sweep``
  seconds has it forget expired ones at once), with packets and bytes counted both ways and the
  kernel's start and end times. Only connections the policy judged carry
  a direction mark (``nft.MARK_*``): traffic of unprotected EIPs, everything while "bypass all" is
  on, and the lab's own packets make no record, as the evaluator logs no bypassed flow.

One thread reads every lab's sockets and hands the records to ``record`` (the logs service) in
batches per project, at most every ``interval`` seconds. A batch the store refuses (its firewall was
deleted meanwhile) is dropped with a warning; events the kernel could not queue (a socket's buffer
was full) are counted in ``overflows``, and records beyond ``backlog`` waiting for the store (a flood
faster than the store writes) in ``dropped``.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from opencfw.dataplane import netlink, netns, nft
from opencfw.dataplane.policy import Rule
from opencfw.domain.logs import Action, Direction, Flow

log = logging.getLogger("opencfw.dataplane")

#: ``record(project_id, flows, flow_records)``: False records the access-control records alone
Record = Callable[[str, list[Flow], bool], None]

_DIRECTION: dict[int, Direction] = {nft.MARK_INBOUND: "out2in", nft.MARK_OUTBOUND: "in2out"}


@dataclass
class _Watched:
    lab: netns.Lab
    firewall_id: str
    project_id: str
    #: the firewall namespace's interface facing the Internet (packets in on it are inbound)
    inbound: int
    sockets: tuple[socket.socket, ...]
    #: rule id -> (name, log action) of the rules the table has
    rules: dict[str, tuple[str, Action]] = field(default_factory=dict)


def _open(lab: netns.Lab) -> tuple[int, tuple[socket.socket, ...]]:
    """The lab's sockets: NFLOG, conntrack events, and one to sweep with (``netlink.sweep``)."""

    def make() -> tuple[int, tuple[socket.socket, ...]]:
        made: list[socket.socket] = []
        try:
            made.append(netlink.nflog_socket(nft.LOG_GROUP))
            made.append(netlink.conntrack_socket())
            made.append(netlink.conntrack_socket(events=False))
        except BaseException:
            for sock in made:
                sock.close()
            raise
        return socket.if_nametoindex(nft.INTERNET_IF), tuple(made)

    inbound, sockets = netns.in_namespace(lab.firewall, make)
    for sock in sockets:
        sock.setblocking(False)
    return inbound, sockets


class FlowLogs:
    def __init__(
        self,
        record: Record,
        interval: float = 0.25,
        batch: int = 1000,
        sweep: float = 1.0,
        backlog: int = 100_000,
    ) -> None:
        self.record = record
        self.interval = interval
        #: seconds between sweeps of each lab's connections (ended ones are reported at once)
        self.sweep = sweep
        self._sweeps = 0
        self.batch = batch
        self.overflows = 0
        #: records waiting for the store at most (a flood beyond what the store takes is dropped)
        self.backlog = backlog
        self.dropped = 0
        self.recorded = 0
        self.errors: dict[str, str] = {}
        self._watched: dict[str, _Watched] = {}  # by firewall id
        self._lock = threading.Lock()
        self._selector = selectors.DefaultSelector()
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._selector.register(self._wake_read, selectors.EVENT_READ)
        self._pending: dict[str, list[Flow]] = {}  # by _key(is a flow record, project id)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- which labs: called by the reconciler ----------------------------------------------------

    def watching(self, firewall_id: str) -> bool:
        return firewall_id in self._watched

    def watched(self) -> list[str]:
        return list(self._watched)

    def watch(self, lab: netns.Lab, firewall_id: str, project_id: str) -> None:
        """Read the lab's events from now on (its sockets are opened here; failures are logged and
        kept in ``errors``: the firewall filters all the same)."""
        if firewall_id in self._watched:
            return
        try:
            inbound, sockets = _open(lab)
        except OSError as exc:
            self.errors[firewall_id] = f"kernel logs unavailable: {exc}"
            log.warning("data plane: firewall %s: kernel logs unavailable: %s", firewall_id, exc)
            return
        self.errors.pop(firewall_id, None)
        watched = _Watched(lab, firewall_id, project_id, inbound, sockets)
        with self._lock:
            self._watched[firewall_id] = watched
            for sock in sockets:
                self._selector.register(sock, selectors.EVENT_READ, watched)

    def rules(self, firewall_id: str, rules: Iterable[Rule]) -> None:
        """The rules the firewall's table has now: names and actions of the records their hits make."""
        watched = self._watched.get(firewall_id)
        if watched is not None:
            watched.rules = {r.id: (r.name, "permit" if r.action == "allow" else "deny") for r in rules}

    def forget(self, firewall_id: str) -> None:
        """Stop reading the firewall's lab (before it is destroyed or rebuilt)."""
        with self._lock:
            watched = self._watched.pop(firewall_id, None)
            if watched is None:
                return
            for sock in watched.sockets:
                with contextlib.suppress(KeyError, ValueError):
                    self._selector.unregister(sock)
                sock.close()
        self.errors.pop(firewall_id, None)

    def forget_all(self) -> None:
        for firewall_id in list(self._watched):
            self.forget(firewall_id)

    # --- turning events into records ------------------------------------------------------------

    @staticmethod
    def flow(watched: _Watched, event: netlink.Logged | netlink.Ended) -> tuple[Flow, bool] | None:
        """The record an event makes (and whether it is a flow record), or None."""
        seen: dict[str, Any] = {
            "fw_instance_id": watched.firewall_id,
            "src_ip": event.source,
            "src_port": event.source_port,
            "dst_ip": event.destination,
            "dst_port": event.destination_port,
            "protocol": event.protocol,
        }
        if isinstance(event, netlink.Logged):
            known = watched.rules.get(event.prefix)
            if known is None:  # a rule that left the table since: nothing to name it by
                return None
            name, action = known
            direction: Direction = "out2in" if event.indev == watched.inbound else "in2out"
            made = Flow(
                **seen,
                direction=direction,
                action=action,
                rule_id=event.prefix,
                rule_name=name,
                bytes=event.length,
                packets=1,
            )
            return made, False
        if event.mark not in _DIRECTION:  # a connection the firewall did not judge
            return None
        end_ms = None if event.stop_ns is None else event.stop_ns // 1_000_000
        start_ms = None if event.start_ns is None else event.start_ns // 1_000_000
        if start_ms is not None and end_ms is None:
            end_ms = max(start_ms, int(time.time() * 1000))
        made = Flow(
            **seen,
            direction=_DIRECTION[event.mark],
            action="permit",
            bytes=event.bytes,
            packets=event.packets,
            start_ms=start_ms,
            end_ms=end_ms if start_ms is not None else None,
        )
        return made, True

    def _collect(self, timeout: float) -> int:
        """Wait up to ``timeout`` for events; queue their records. Returns how many were queued."""
        queued = 0
        for key, _ in self._selector.select(timeout):
            if key.fileobj is self._wake_read:
                with contextlib.suppress(BlockingIOError):
                    self._wake_read.recv(4096)
                continue
            watched: _Watched = key.data
            with self._lock:
                if self._watched.get(watched.firewall_id) is not watched:
                    continue  # forgotten meanwhile: its socket is closed
                try:
                    found, overflows = netlink.drain(key.fileobj)  # type: ignore[arg-type]
                except OSError as exc:
                    log.warning("data plane: firewall %s: kernel logs: %s", watched.firewall_id, exc)
                    continue
            self.overflows += overflows
            for event in found:
                made = self.flow(watched, event)
                if made is not None and _size(self._pending) >= self.backlog:
                    self.dropped += 1
                elif made is not None:
                    flow, is_flow = made
                    self._pending.setdefault(_key(is_flow, watched.project_id), []).append(flow)
                    queued += 1
        return queued

    def flush(self) -> None:
        pending, self._pending = self._pending, {}
        for key, flows in pending.items():
            kind, project_id = key.split(":", 1)
            for start in range(0, len(flows), self.batch):
                chunk = flows[start : start + self.batch]
                try:
                    self.record(project_id, chunk, kind == "flow")
                    self.recorded += len(chunk)
                except Exception as exc:  # a deleted firewall, a store outage: these records go
                    log.warning("data plane: %d kernel log records not recorded: %s", len(chunk), exc)

    # --- the thread ------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="opencfw-dataplane-logs", daemon=True)
        self._thread.start()

    def _sweep(self) -> None:
        with self._lock:
            for watched in self._watched.values():
                self._sweeps += 1
                try:
                    netlink.sweep(watched.sockets[2], self._sweeps)
                except OSError as exc:  # a dump still running (a big table): the next sweep
                    log.debug("data plane: firewall %s: sweep: %s", watched.firewall_id, exc)

    def _run(self) -> None:
        last = swept = time.monotonic()
        while not self._stop.is_set():
            try:
                self._collect(min(self.interval, self.sweep))
                now = time.monotonic()
                if now - swept >= self.sweep:
                    self._sweep()
                    swept = now
                if now - last >= self.interval or _size(self._pending) >= self.batch:
                    self.flush()
                    last = now
            except Exception:  # a socket closed under us, an unforeseen message: keep reading
                log.exception("data plane: reading the kernel's logs failed; going on")
                self._stop.wait(self.interval)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop reading; what was read is recorded; every lab is forgotten."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self._wake_write.send(b"x")
        if self._thread is not None:
            self._thread.join(timeout)
        else:
            self._collect(0)
        self.flush()
        self.forget_all()
        self._selector.close()
        self._wake_read.close()
        self._wake_write.close()

    def stats(self) -> dict[str, int]:
        return {
            "labs": len(self._watched),
            "recorded": self.recorded,
            "overflows": self.overflows,
            "dropped": self.dropped,
        }


def _key(is_flow: bool, project_id: str) -> str:
    return f"{'flow' if is_flow else 'acl'}:{project_id}"


def _size(pending: dict[str, list[Flow]]) -> int:
    return sum(len(flows) for flows in pending.values())
