"""The reconciler against the real kernel, with the desired state given directly."""

from __future__ import annotations

import os
import time

from opencfw.dataplane import netns, nft, probe
from opencfw.dataplane.policy import TCP, Direction, Policy, Rule, Service
from opencfw.dataplane.reconciler import Reconciler
from opencfw.dataplane.source import Desired

EIP = "203.0.113.9"
DENY_SSH = Rule("deny-ssh", "deny", Direction.INBOUND, services=(Service(TCP, ((22, 22),)),))


def desired(
    *firewalls: str, rules: tuple[Rule, ...] = (), eips: tuple[str, ...] = (EIP,)
) -> dict[str, Desired]:
    return {fw: Desired("p1", Policy(fw, protected=(EIP,), rules=rules), eips) for fw in firewalls}


def test_a_pass_builds_changes_and_removes_labs(instance):
    want = desired("fw-1", "fw-2", rules=(DENY_SSH,))
    reconciler = Reconciler(lambda: want, instance, deny="reject")
    report = reconciler.reconcile()
    assert (report.created, report.applied, report.errors) == (2, 2, {})
    lab = reconciler.lab("fw-1")
    assert not probe.probe(lab, "internet", EIP, "tcp", 22)
    assert probe.probe(lab, "internet", EIP, "tcp", 80)
    # nothing changed: nothing applied
    assert reconciler.reconcile().applied == 0
    want = desired("fw-1")  # fw-2 deleted, fw-1's rule removed
    report = reconciler.reconcile()
    assert (report.removed, report.applied) == (1, 1)
    assert probe.probe(lab, "internet", EIP, "tcp", 22)
    assert netns.labs(instance) == {lab}


def test_a_restart_rebuilds_from_the_store_and_cleans_what_a_crash_left(instance):
    first = Reconciler(lambda: desired("fw-1", "fw-gone", rules=(DENY_SSH,)), instance, deny="reject")
    first.reconcile()
    kept = first.lab("fw-1")
    nft.apply(kept.firewall, "flush chain inet opencfw forward\n")  # the kernel drifted meanwhile
    # "crash": the process is gone, its namespaces stay; a new one starts with fw-gone deleted
    second = Reconciler(lambda: desired("fw-1", rules=(DENY_SSH,)), instance, deny="reject")
    report = second.reconcile()
    assert (report.removed, report.applied) == (1, 1)
    assert netns.labs(instance) == {kept}
    assert not probe.probe(kept, "internet", EIP, "tcp", 22)


def test_eips_follow_the_project(instance):
    state = {"eips": (EIP,)}
    reconciler = Reconciler(lambda: desired("fw-1", eips=state["eips"]), instance, deny="reject")
    reconciler.reconcile()
    lab = reconciler.lab("fw-1")
    state["eips"] = (EIP, "203.0.113.10")
    reconciler.reconcile()
    assert set(netns.lab_eips(lab)) == {EIP, "203.0.113.10"}
    assert probe.probe(lab, "internet", "203.0.113.10", "tcp", 80)


def test_one_broken_firewall_does_not_stop_the_others(instance):
    bad = Policy("fw-bad", protected=("not-an-address",))
    want = {**desired("fw-1", rules=(DENY_SSH,)), "fw-bad": Desired("p1", bad, ())}
    reconciler = Reconciler(lambda: want, instance, deny="reject")
    report = reconciler.reconcile()
    assert set(report.errors) == {"fw-bad"}
    assert "fw-bad" in reconciler.errors
    assert not probe.probe(reconciler.lab("fw-1"), "internet", EIP, "tcp", 22)


def test_a_change_notification_reaches_the_packets_within_two_seconds(instance):
    state = {"rules": ()}
    reconciler = Reconciler(lambda: desired("fw-1", rules=state["rules"]), instance, deny="reject", resync=30)
    reconciler.start()
    try:
        deadline = time.monotonic() + 10
        while reconciler.passes == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        lab = reconciler.lab("fw-1")
        assert probe.probe(lab, "internet", EIP, "tcp", 22)
        state["rules"] = (DENY_SSH,)
        changed = time.monotonic()
        reconciler.changed()
        while probe.probe(lab, "internet", EIP, "tcp", 22, timeout=0.2):
            assert time.monotonic() - changed < 2.0, "the change did not reach the packets in 2 s"
    finally:
        reconciler.stop()
    assert netns.labs(instance) == set()  # a stop removes what this process drove


def test_only_the_holder_of_the_host_lock_drives(instance, tmp_path):
    import contextlib
    import fcntl

    path = tmp_path / "dataplane.lock"

    @contextlib.contextmanager
    def lock():
        fd = os.open(path, os.O_RDWR | os.O_CREAT)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield None
                return
            yield lambda: True
        finally:
            os.close(fd)

    one = Reconciler(lambda: desired("fw-1"), instance, deny="reject", host_lock=lock)
    two = Reconciler(lambda: desired("fw-1"), instance, deny="reject", host_lock=lock, resync=0.05)
    one.start()
    try:
        deadline = time.monotonic() + 10
        while one.passes == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        two.start()
        time.sleep(0.3)  # two polls for the lock several times meanwhile
        assert (one.driving, two.driving, two.passes) == (True, False, 0)
    finally:
        two.stop()
        one.stop()
