"""The store's rows as one ``Policy`` per firewall that is up (the reconciler's desired state)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from opencfw.dataplane.policy import ListEntry, Policy
from opencfw.store.dataplane_sql import Snapshot

BLACKLIST, WHITELIST = 4, 5


@dataclass(frozen=True)
class Desired:
    """A firewall's policy and the EIP hosts its lab has (protected or not)."""

    project_id: str
    policy: Policy
    eips: tuple[str, ...] = ()


def _port(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    low, _, high = text.partition("-")
    return int(low), int(high or low)


def policies(snapshot: Snapshot) -> dict[str, Desired]:
    lists: dict[tuple[str, int], list[ListEntry]] = defaultdict(list)
    for firewall_id, entry_id, list_type, direction, address, protocol, port in snapshot.lists:
        entry = ListEntry(entry_id, address, direction, protocol, _port(port))
        lists[(firewall_id, list_type)].append(entry)
    found = {}
    for firewall_id, project_id, _ in snapshot.firewalls:
        policy = Policy(
            firewall_id,
            whitelist=tuple(lists[(firewall_id, WHITELIST)]),
            blacklist=tuple(lists[(firewall_id, BLACKLIST)]),
        )
        found[firewall_id] = Desired(project_id, policy)
    return found
