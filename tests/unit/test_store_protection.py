"""Protection state in the store, on SQLite and PostgreSQL: concurrent changes never overwrite
each other, and migration 3 applies on top of a store with data."""

from __future__ import annotations

import threading

import pytest

from opencfw.domain.errors import NotFound
from opencfw.domain.models import Edition, Tag
from opencfw.domain.protection import IpsMode, IpsType
from opencfw.service.firewalls import Firewalls, NewFirewall
from opencfw.service.jobs import ProvisioningPolicy, finish_now

P = "b" * 32


def firewall(store, clock, name="fw"):
    fws = Firewalls(store, clock, ProvisioningPolicy(duration_ms=0))
    firewall_id = fws.create(P, NewFirewall(name, "0", Edition.STANDARD, 0, 0, 0, []))
    return firewall_id, fws.get(P, firewall_id).internet_object_id


def in_threads(*jobs) -> None:
    threads = [threading.Thread(target=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


def test_concurrent_tag_additions_all_land(store, clock):
    """Eight threads adding one tag each to the same firewall leave all eight tags."""
    firewall_id, _ = firewall(store, clock)

    def add(i):
        return lambda: store.change_firewall_tags(
            P, firewall_id, lambda tags: [*tags, Tag(f"k{i}", "v")], clock.now_ms()
        )

    in_threads(*(add(i) for i in range(8)))
    assert sorted(t.key for t in store.get_firewall(P, firewall_id).tags) == [f"k{i}" for i in range(8)]


def test_concurrent_ips_changes_of_a_fresh_object_keep_both(store, clock):
    """A mode change and a switch change racing on an object without settings yet both stick (the
    registry's ``put`` reads and writes under the owning firewall's lock)."""
    from opencfw.service.protection import Protection

    protection = Protection(store, clock)
    for round_ in range(5):
        _, obj = firewall(store, clock, f"fw{round_}")

        def set_mode():
            protection.set_ips_mode(P, obj, int(IpsMode.LOOSE))

        def set_patches():
            protection.set_ips_switch(P, obj, int(IpsType.VIRTUAL_PATCHES), 1)

        in_threads(set_mode, set_patches)
        settings = protection.ips_settings(P, obj)
        assert (settings.mode, settings.virtual_patches_status) == (IpsMode.LOOSE, 1)


def test_unknown_object_and_firewall_are_not_found(store, clock):
    """Unknown ids answer NotFound and change nothing."""
    from opencfw.service.protection import Protection

    protection = Protection(store, clock)
    assert store.change_firewall_tags(P, "nope", lambda tags: tags, 1) is None
    for call in (
        lambda: protection.ips_settings(P, "nope"),
        lambda: protection.set_ips_mode(P, "nope", 1),
        lambda: protection.east_west(P, "nope"),
        lambda: protection.set_east_west_status(P, "nope", 0),
        lambda: protection.firewall_tags(P, "nope"),
        lambda: protection.save_tags(P, "nope", []),
    ):
        with pytest.raises(NotFound):
            call()
    assert protection.vpc_border_objects(P) == {}
    assert protection.project_tags(P) == []
    assert _protection_rows(store) == (0, 0)


def _protection_rows(store) -> tuple[int, int]:
    with store._read() as conn:
        ips = conn.execute("SELECT COUNT(*) FROM ips_settings").fetchone()[0]
        east_west = conn.execute("SELECT COUNT(*) FROM east_west").fetchone()[0]
    return int(ips), int(east_west)


def _protect(store, clock, name):
    """A firewall with changed IPS settings and east-west protection (two rows of each kind)."""
    from opencfw.service.protection import Protection

    firewall_id, object_id = firewall(store, clock, name)
    protection = Protection(store, clock)
    protection.set_ips_mode(P, object_id, 1)
    ew = protection.create_east_west(P, firewall_id, er_id="er-1", inspection_cidr="10.0.0.0/16", mode="er")
    protection.set_ips_mode(P, ew.object_id, 2)
    return firewall_id


def test_project_reset_removes_ips_and_east_west_rows(store, clock):
    """Resetting a project leaves no IPS settings or east-west protection behind; another
    project's stay."""
    _protect(store, clock, "a")
    other_fw = Firewalls(store, clock, ProvisioningPolicy(duration_ms=0))
    other_id = other_fw.create("c" * 32, NewFirewall("o", "0", Edition.PROFESSIONAL, 0, 0, 0, []))
    from opencfw.service.protection import Protection

    Protection(store, clock).set_ips_mode("c" * 32, other_fw.get("c" * 32, other_id).internet_object_id, 3)
    assert _protection_rows(store) == (3, 1)
    store.reset_project(P, clock.now_ms())
    assert _protection_rows(store) == (1, 0)


def test_retention_purge_removes_protection_of_purged_firewalls(store, clock):
    """When the retention purge removes a deleted firewall, its IPS and east-west rows go too;
    a live firewall keeps its rows."""
    from opencfw.domain.models import JobStatus

    gone = _protect(store, clock, "gone")
    _protect(store, clock, "kept")
    assert _protection_rows(store) == (4, 2)
    fws = Firewalls(store, clock, ProvisioningPolicy(duration_ms=0))
    for job_id in (gone,):  # the creation job (its id is the firewall's) ends, then the deletion
        finish_now(store, job_id, JobStatus.SUCCESS, None, clock.now_ms())
    deletion = fws.delete(P, gone)
    finish_now(store, deletion.id, JobStatus.SUCCESS, None, clock.now_ms())
    clock.advance(10)
    store.purge_finished(clock.now_ms())
    assert store.get_firewall(P, gone) is None
    assert _protection_rows(store) == (2, 1)
