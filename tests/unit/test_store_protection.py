"""Protection state in the store, on SQLite and PostgreSQL: concurrent changes never overwrite
each other, and migration 3 applies on top of a store with data."""

from __future__ import annotations

import dataclasses
import threading

from opencfw.domain.models import Edition, Tag
from opencfw.domain.protection import IpsMode
from opencfw.service.firewalls import Firewalls, NewFirewall
from opencfw.service.jobs import ProvisioningPolicy

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
    """A mode change and a switch change racing on an object without settings yet both stick."""
    for round_ in range(5):
        _, obj = firewall(store, clock, f"fw{round_}")

        def set_mode():
            store.change_ips_settings(P, obj, lambda _, s: dataclasses.replace(s, mode=IpsMode.LOOSE), 1)

        def set_patches():
            store.change_ips_settings(
                P, obj, lambda _, s: dataclasses.replace(s, virtual_patches_status=1), 1
            )

        in_threads(set_mode, set_patches)
        settings = store.get_ips_settings(P, obj)
        assert (settings.mode, settings.virtual_patches_status) == (IpsMode.LOOSE, 1)


def test_unknown_object_and_firewall_are_none(store, clock):
    """Unknown ids read as None and change nothing."""
    assert store.get_ips_settings(P, "nope") is None
    assert store.change_ips_settings(P, "nope", lambda _, s: s, 1) is None
    assert store.change_firewall_tags(P, "nope", lambda tags: tags, 1) is None
    assert store.get_east_west(P, "nope") is None
    assert store.vpc_border_objects(P) == {}
