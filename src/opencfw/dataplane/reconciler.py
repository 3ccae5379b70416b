"""The data plane's reconciler: make the kernel match the store, again and again.

Desired state is read from the store (``source.policies``); actual state is what the host has (the
lab namespaces of this instance, the EIP hosts in them, the table last applied). A pass

- removes the labs of firewalls that are gone (deleted, or left by a crash before a restart),
- builds the lab of every firewall that is up and has none,
- gives each lab the project's EIPs as hosts, and
- applies the firewall's table when its policy changed since this process last applied it (every
  table once after a start, so a restart rebuilds everything from the store; what the kernel has is
  read then, and afterwards known: this process is the only writer of its labs).

Passes run on a thread of their own: after every change notification of the store (the API's
writes, and on PostgreSQL the other processes' NOTIFY), and every ``resync`` seconds whatever
happens. A failing firewall does not stop the others; its error is kept for ``status()``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from opencfw.dataplane import netns, nft
from opencfw.dataplane.flow_logs import FlowLogs
from opencfw.dataplane.policy import Policy
from opencfw.dataplane.source import Desired

log = logging.getLogger("opencfw.dataplane")


@dataclass(frozen=True)
class Applied:
    policy: Policy
    hosts: list[str]
    objects: dict[str, list[str]]


@dataclass
class PassReport:
    created: int = 0
    removed: int = 0
    applied: int = 0
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


class Reconciler:
    def __init__(
        self,
        load: Callable[[], dict[str, Desired]],
        instance: str,
        deny: str = "drop",
        resync: float = 10.0,
        host_lock: Callable[[], contextlib.AbstractContextManager[Callable[[], bool] | None]] | None = None,
        logs: FlowLogs | None = None,
    ) -> None:
        self.load = load
        self.instance = instance
        self.deny = deny
        self.resync = resync
        self.host_lock = host_lock
        #: the kernel's access-control and flow logs of the labs (None: not recorded)
        self.logs = logs
        self.applied: dict[str, Applied] = {}  # by firewall id: what this process applied last
        self.errors: dict[str, str] = {}
        self.passes = 0
        #: this process holds the host lock and drives the namespaces
        self.driving = False
        #: times the host lock was found lost while driving (its database session ended)
        self.lock_losses = 0
        #: monotonic time of the last pass that started after the last change notification
        self.settled_at = 0.0
        self._changed = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def lab(self, firewall_id: str) -> netns.Lab:
        return netns.Lab.for_firewall(firewall_id, self.instance)

    def reconcile(self) -> PassReport:
        """One pass; safe to call from any thread (passes never overlap)."""
        with self._lock:
            started = time.monotonic()
            report = PassReport()
            desired = self.load()
            wanted = {self.lab(firewall_id): firewall_id for firewall_id in desired}
            for lab in netns.labs(self.instance) - set(wanted):
                netns.destroy(lab)
                report.removed += 1
            for firewall_id in set(self.applied) - set(desired):
                self.applied.pop(firewall_id, None)
            if self.logs is not None:
                for firewall_id in set(self.logs.watched()) - set(desired):
                    self.logs.forget(firewall_id)
            present = set(netns.namespaces())
            for lab, firewall_id in wanted.items():
                try:
                    self._one(lab, desired[firewall_id], present, report)
                    self.errors.pop(firewall_id, None)
                except (netns.LabError, nft.NftError, OSError, ValueError) as exc:
                    report.errors[firewall_id] = self.errors[firewall_id] = str(exc)
                    self.applied.pop(firewall_id, None)
                    log.warning("data plane: firewall %s: %s", firewall_id, exc)
            for firewall_id in set(self.errors) - set(desired):
                self.errors.pop(firewall_id)
            report.seconds = time.monotonic() - started
            self.passes += 1
            return report

    def _one(self, lab: netns.Lab, want: Desired, present: set[str], report: PassReport) -> None:
        firewall_id = want.policy.firewall_id
        hosts = sorted(set(want.eips) | set(want.policy.protected))
        applied = self.applied.get(firewall_id)
        if not all(name in present for name in lab.namespaces):
            if self.logs is not None:
                self.logs.forget(firewall_id)  # its sockets are in the namespace that goes
            netns.create(lab, hosts)
            applied = None
            report.created += 1
        elif applied is None or applied.hosts != hosts:
            netns.set_eips(lab, hosts)
        if applied is not None and applied.policy == want.policy:
            if applied.hosts != hosts:
                self.applied[firewall_id] = Applied(want.policy, hosts, applied.objects)
        else:
            # what the table has: known when this process made it, else read from the kernel
            existing = applied.objects if applied is not None else nft.objects(nft.listing(lab.firewall))
            previous = applied.policy if applied is not None else None
            batch, objects = nft.compile_table(want.policy, self.deny, existing, previous)
            nft.apply(lab.firewall, batch)
            if self.logs is not None:
                self.logs.rules(firewall_id, want.policy.rules)
            self.applied[firewall_id] = Applied(want.policy, hosts, objects)
            report.applied += 1
        # after the table (measured: a listener bound before the first table gets no conntrack events)
        if self.logs is not None and not self.logs.watching(firewall_id):
            self.logs.watch(lab, firewall_id, want.project_id)
            self.logs.rules(firewall_id, want.policy.rules)

    # --- hit counts: the rules' counters in the kernel

    def hits(self, firewall_id: str, rule_ids: list[str]) -> dict[str, int]:
        """Packets each rule matched in the firewall's table (first packets of connections: the
        established ones pass before the rules), by rule id; {} when the firewall has no lab."""
        lab = self.lab(firewall_id)
        if not netns.exists(lab):
            return {}
        found = nft.counter_values(lab.firewall)
        names = {rule_id: nft.counter_name(rule_id) for rule_id in rule_ids}
        return {rule_id: found[name][0] for rule_id, name in names.items() if name in found}

    def reset_hits(self, firewall_id: str, rule_ids: list[str]) -> None:
        lab = self.lab(firewall_id)
        if not netns.exists(lab):
            return
        present = nft.counter_values(lab.firewall)
        nft.reset_counters(lab.firewall, [n for n in map(nft.counter_name, rule_ids) if n in present])

    # --- running on a thread -------------------------------------------------------------------

    def changed(self, projects: object = None) -> None:
        """Safe from any thread: the store changed; a pass follows soon."""
        self._changed.set()

    def start(self) -> None:
        if self.logs is not None:
            self.logs.start()
        self._thread = threading.Thread(target=self._run, name="opencfw-dataplane", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0, remove: bool = True) -> None:
        """Stop the thread; then, if this process drove the data plane, remove its labs (a next
        start rebuilds them from the store)."""
        self._stop.set()
        self._changed.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.logs is not None:
            self.logs.stop()
        if remove and self.driving:
            self.remove_all()

    @contextlib.contextmanager
    def _driving(self) -> Iterator[Callable[[], bool] | None]:
        if self.host_lock is None:
            yield lambda: True
        else:
            with self.host_lock() as held:
                yield held

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._driving() as held:
                if held is None:  # another process on this host drives the data plane
                    self._stop.wait(min(self.resync, 5.0))
                    continue
                log.info("data plane: this process drives the firewalls' namespaces")
                self.driving = True
                while not self._stop.is_set():
                    if not held():  # another process may take over: try to hold it again
                        log.warning("data plane: the host lock was lost; trying to take it again")
                        self.lock_losses += 1
                        self.driving = False
                        self._let_go()
                        break
                    self._changed.clear()
                    mark = time.monotonic()
                    try:
                        self.reconcile()
                        self.settled_at = mark
                    except Exception:  # a store outage: try again at the next change or resync
                        log.exception("data plane: reconcile pass failed")
                    self._changed.wait(self.resync)
                    time.sleep(0.02)  # gather a burst of changes into one pass
        log.info("data plane: stopped")

    def _let_go(self) -> None:
        """Another process may drive the labs now: stop reading their logs (it will: records are
        made once) and forget what was applied (a next hold of the lock applies every table)."""
        with self._lock:
            if self.logs is not None:
                self.logs.forget_all()
            self.applied.clear()

    def remove_all(self) -> None:
        """Every lab of this instance goes (the data plane is switched off, or the tests end)."""
        with self._lock:
            if self.logs is not None:
                self.logs.forget_all()
            for lab in netns.labs(self.instance):
                netns.destroy(lab)
            self.applied.clear()
