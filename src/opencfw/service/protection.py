"""What a firewall protects and how: IPS mode and switches, east-west protection, tags.

IPS settings and east-west protection are resources of the registry (``resources/ips_settings.py``,
``resources/east_west.py``), stored by its generic repository; their rules are here. Tags are a
column of the firewall's row (the firewall lifecycle owns it). Another project's objects and
firewalls answer exactly as unknown ones (``NotFound``).
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable

import msgspec

from opencfw.domain.clock import Clock
from opencfw.domain.errors import BadParameter, InstanceStatusError, NotFound
from opencfw.domain.models import Tag
from opencfw.domain.protection import (
    EastWestStatus,
    IpsMode,
    IpsSettings,
    IpsType,
)
from opencfw.resources.east_west import AlreadyProtected, EastWestRow
from opencfw.resources.ips_settings import IpsSettingsRow
from opencfw.service.jobs import validate_tags
from opencfw.service.resources import ResourceServices, Where
from opencfw.store.base import Store

#: the only east-west mode there is: through an enterprise router
EAST_WEST_MODES = frozenset({"er"})
#: every firewall of a project (a project has far fewer)
_ALL = 1_000_000


def _object_not_found(object_id: str) -> NotFound:
    return NotFound(f"The protected object {object_id} does not exist")


def _firewall_not_found(firewall_id: str) -> NotFound:
    return NotFound(f"The firewall instance {firewall_id} does not exist")


def _settings(row: IpsSettingsRow) -> IpsSettings:
    return IpsSettings(row.id, IpsMode(row.mode), row.basic_defense_status, row.virtual_patches_status)


class Protection:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
        resources: ResourceServices | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.new_id = new_id
        services = resources if resources is not None else ResourceServices(store, clock)
        self.ips = services["ips_settings"].repo
        self.ew = services["east_west"].repo

    # -- IPS

    def ips_settings(self, project_id: str, object_id: str, firewall_id: str | None = None) -> IpsSettings:
        """An object's IPS settings (the defaults until changed); with ``firewall_id``, the object
        must be that firewall's."""
        found = self.ips.page(Where(project_id, firewall_id, object_id), {}, 0, 1)
        if found is None:
            raise _object_not_found(object_id)
        rows = found[1]
        return _settings(rows[0]) if rows else IpsSettings(object_id)

    def set_ips_mode(
        self, project_id: str, object_id: str, mode: int, firewall_id: str | None = None
    ) -> None:
        if mode not in IpsMode._value2member_map_:
            raise BadParameter(
                "Invalid request body: `mode` must be 0 (observe), 1 (strict), 2 (medium) or 3 (loose)"
            )
        self._change_ips(project_id, object_id, firewall_id, {"mode": mode})

    def set_ips_switch(
        self, project_id: str, object_id: str, ips_type: int, status: int, firewall_id: str | None = None
    ) -> None:
        if ips_type not in IpsType._value2member_map_:
            raise BadParameter(
                "Invalid request body: `ips_type` must be 1 (basic defense) or 2 (virtual patches)"
            )
        if status not in (0, 1):
            raise BadParameter("Invalid request body: `status` must be 0 (off) or 1 (on)")
        # a VPC border object (east-west) has no switches; objects never change type
        if self.ew.get(Where(project_id, firewall_id), object_id) is not None:
            raise BadParameter("Invalid request body: `object_id` must be an Internet border object (type 0)")
        field = "basic_defense_status" if ips_type == IpsType.BASIC_DEFENSE else "virtual_patches_status"
        self._change_ips(project_id, object_id, firewall_id, {field: status})

    def _change_ips(
        self, project_id: str, object_id: str, firewall_id: str | None, given: dict[str, int]
    ) -> None:
        now = self.clock.now_ms()

        def change(owner: str, current: IpsSettingsRow | None) -> IpsSettingsRow:
            if current is None:
                defaults = IpsSettings(object_id)
                current = IpsSettingsRow(
                    id=object_id,
                    project_id=project_id,
                    firewall_id=owner,
                    object_id=object_id,
                    mode=int(defaults.mode),
                    basic_defense_status=defaults.basic_defense_status,
                    virtual_patches_status=defaults.virtual_patches_status,
                    created_ms=now,
                    updated_ms=now,
                )
            return msgspec.structs.replace(current, **given, updated_ms=now)

        if self.ips.put(Where(project_id, firewall_id, object_id), object_id, change) is None:
            raise _object_not_found(object_id)

    # -- east-west

    def east_west(self, project_id: str, firewall_id: str) -> EastWestRow | None:
        """The firewall's east-west protection, None when it has none (404s for unknown firewalls)."""
        found = self.ew.page(Where(project_id, firewall_id), {}, 0, 1)
        if found is None:
            raise _firewall_not_found(firewall_id)
        return found[1][0] if found[1] else None

    def create_east_west(
        self, project_id: str, firewall_id: str, *, er_id: str, inspection_cidr: str, mode: str
    ) -> EastWestRow:
        if mode not in EAST_WEST_MODES:
            raise BadParameter("Invalid request body: `mode` must be er")
        try:
            network = ipaddress.ip_network(inspection_cidr, strict=True)
        except ValueError as exc:
            raise BadParameter(
                f"Invalid request body: `inspection_cidr` is not a network: {inspection_cidr[:64]!r}"
            ) from exc
        if network.version != 4 or not network.is_private or not 8 <= network.prefixlen <= 24:
            raise BadParameter(
                "Invalid request body: `inspection_cidr` must be a private IPv4 network, /8 to /24"
            )
        now = self.clock.now_ms()
        object_id = self.new_id()
        row = EastWestRow(
            id=object_id,
            project_id=project_id,
            firewall_id=firewall_id,
            object_id=object_id,
            status=int(EastWestStatus.NOT_PROTECTING),
            mode=mode,
            er_id=er_id,
            er_attachment_id=self.new_id(),
            inspection_cidr=str(network),
            inspection_vpc_id=self.new_id(),
            created_ms=now,
            updated_ms=now,
        )
        try:
            created = self.ew.create(Where(project_id, firewall_id), lambda _: row)
        except AlreadyProtected as exc:
            raise InstanceStatusError(
                f"The firewall instance {firewall_id} already has east-west protection"
            ) from exc
        if created is None:
            raise _firewall_not_found(firewall_id)
        return created

    def set_east_west_status(
        self, project_id: str, object_id: str, status: int, firewall_id: str | None = None
    ) -> None:
        if status not in EastWestStatus._value2member_map_:
            raise BadParameter("Invalid request body: `status` must be 0 (protect) or 1 (do not protect)")
        now = self.clock.now_ms()
        where = Where(project_id, firewall_id)
        changed = self.ew.update(
            where, object_id, lambda row: msgspec.structs.replace(row, status=status, updated_ms=now)
        )
        if changed is None:
            if self.ips.page(Where(project_id, firewall_id, object_id), {}, 0, 1) is not None:
                raise BadParameter("Invalid request body: `object_id` must be a VPC border object (type 1)")
            raise _object_not_found(object_id)

    def vpc_border_objects(self, project_id: str) -> dict[str, str]:
        """``{firewall id: VPC border object id}`` of the project's firewalls with east-west protection."""
        found = self.ew.page(Where(project_id), {}, 0, _ALL)
        return {} if found is None else {row.firewall_id: row.id for row in found[1]}

    # -- tags

    def add_tags(self, project_id: str, firewall_id: str, tags: list[Tag]) -> list[Tag]:
        """Add tags, replacing the value of a key the firewall already has."""
        validate_tags(tags)  # the request alone (a key twice), before the firewall is read

        def change(current: list[Tag]) -> list[Tag]:
            merged = {t.key: t.value for t in current} | {t.key: t.value for t in tags}
            new = [Tag(k, v) for k, v in merged.items()]
            validate_tags(new)  # the whole new set, as a create checks it
            return new

        return self._change_tags(project_id, firewall_id, change)

    def remove_tags(self, project_id: str, firewall_id: str, keys: list[str]) -> list[Tag]:
        """Remove the tags with these keys; keys the firewall does not have are ignored."""
        gone = set(keys)
        # a subset of a valid set is valid: nothing to check, and a firewall that holds a bad
        # reserved tag from before every write was checked can still have it removed
        return self._change_tags(
            project_id, firewall_id, lambda current: [t for t in current if t.key not in gone]
        )

    def _change_tags(
        self, project_id: str, firewall_id: str, change: Callable[[list[Tag]], list[Tag]]
    ) -> list[Tag]:
        new = self.store.change_firewall_tags(project_id, firewall_id, change, self.clock.now_ms())
        if new is None:
            raise _firewall_not_found(firewall_id)
        return new

    def save_tags(self, project_id: str, firewall_id: str, tags: list[Tag]) -> list[Tag]:
        """Replace the firewall's tags with these (SaveTags), checked as a create checks them."""
        validate_tags(tags)
        return self._change_tags(project_id, firewall_id, lambda _: list(tags))

    def firewall_tags(self, project_id: str, firewall_id: str) -> list[Tag]:
        firewall = self.store.get_firewall(project_id, firewall_id)
        if firewall is None:
            raise _firewall_not_found(firewall_id)
        return list(firewall.tags)

    def project_tags(self, project_id: str) -> list[tuple[str, list[str]]]:
        """Every tag key of the project's firewalls with its distinct values, both sorted."""
        _, firewalls = self.store.list_firewalls(project_id, limit=None)
        values: dict[str, set[str]] = {}
        for firewall in firewalls:
            for tag in firewall.tags:
                values.setdefault(tag.key, set()).add(tag.value)
        return [(key, sorted(found)) for key, found in sorted(values.items())]
