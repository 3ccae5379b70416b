"""What a firewall protects and how: IPS mode and switches, east-west protection, tags.

Another project's objects and firewalls answer exactly as unknown ones (``NotFound``).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import uuid
from collections.abc import Callable

from opencfw.domain.clock import Clock
from opencfw.domain.errors import BadParameter, InstanceStatusError, NotFound
from opencfw.domain.models import Tag
from opencfw.domain.protection import (
    EastWest,
    EastWestStatus,
    IpsMode,
    IpsSettings,
    IpsType,
    ObjectType,
    ProtectedObject,
)
from opencfw.service.jobs import validate_tags
from opencfw.store.base import Store

#: the only east-west mode there is: through an enterprise router
EAST_WEST_MODES = frozenset({"er"})


def _object_not_found(object_id: str) -> NotFound:
    return NotFound(f"The protected object {object_id} does not exist")


def _firewall_not_found(firewall_id: str) -> NotFound:
    return NotFound(f"The firewall instance {firewall_id} does not exist")


class Protection:
    def __init__(
        self, store: Store, clock: Clock, new_id: Callable[[], str] = lambda: str(uuid.uuid4())
    ) -> None:
        self.store = store
        self.clock = clock
        self.new_id = new_id

    # -- IPS

    def ips_settings(self, project_id: str, object_id: str, firewall_id: str | None = None) -> IpsSettings:
        """An object's IPS settings; with ``firewall_id``, the object must be that firewall's."""
        if firewall_id is not None:
            self._object(project_id, object_id, firewall_id)
        settings = self.store.get_ips_settings(project_id, object_id)
        if settings is None:
            raise _object_not_found(object_id)
        return settings

    def set_ips_mode(
        self, project_id: str, object_id: str, mode: int, firewall_id: str | None = None
    ) -> None:
        if mode not in IpsMode._value2member_map_:
            raise BadParameter(
                "Invalid request body: `mode` must be 0 (observe), 1 (strict), 2 (medium) or 3 (loose)"
            )
        self._change_ips(
            project_id,
            object_id,
            firewall_id,
            lambda _, current: dataclasses.replace(current, mode=IpsMode(mode)),
        )

    def set_ips_switch(
        self, project_id: str, object_id: str, ips_type: int, status: int, firewall_id: str | None = None
    ) -> None:
        if ips_type not in IpsType._value2member_map_:
            raise BadParameter(
                "Invalid request body: `ips_type` must be 1 (basic defense) or 2 (virtual patches)"
            )
        if status not in (0, 1):
            raise BadParameter("Invalid request body: `status` must be 0 (off) or 1 (on)")

        def change(found: ProtectedObject, current: IpsSettings) -> IpsSettings:
            if found.type is not ObjectType.INTERNET_BORDER:
                raise BadParameter(
                    "Invalid request body: `object_id` must be an Internet border object (type 0)"
                )
            if ips_type == IpsType.BASIC_DEFENSE:
                return dataclasses.replace(current, basic_defense_status=status)
            return dataclasses.replace(current, virtual_patches_status=status)

        self._change_ips(project_id, object_id, firewall_id, change)

    def _change_ips(
        self,
        project_id: str,
        object_id: str,
        firewall_id: str | None,
        change: Callable[[ProtectedObject, IpsSettings], IpsSettings],
    ) -> None:
        def guarded(found: ProtectedObject, current: IpsSettings) -> IpsSettings:
            if firewall_id is not None and found.firewall_id != firewall_id:
                raise _object_not_found(object_id)
            return change(found, current)

        if self.store.change_ips_settings(project_id, object_id, guarded, self.clock.now_ms()) is None:
            raise _object_not_found(object_id)

    def _object(self, project_id: str, object_id: str, firewall_id: str | None) -> ProtectedObject:
        found = self.store.get_protected_object(project_id, object_id)
        if found is None or (firewall_id is not None and found.firewall_id != firewall_id):
            raise _object_not_found(object_id)
        return found

    # -- east-west

    def east_west(self, project_id: str, firewall_id: str) -> EastWest | None:
        """The firewall's east-west protection, None when it has none (404s for unknown firewalls)."""
        if self.store.get_firewall(project_id, firewall_id) is None:
            raise _firewall_not_found(firewall_id)
        return self.store.get_east_west(project_id, firewall_id)

    def create_east_west(
        self, project_id: str, firewall_id: str, *, er_id: str, inspection_cidr: str, mode: str
    ) -> EastWest:
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
        east_west = EastWest(
            firewall_id=firewall_id,
            project_id=project_id,
            object_id=self.new_id(),
            status=EastWestStatus.NOT_PROTECTING,
            mode=mode,
            er_id=er_id,
            er_attachment_id=self.new_id(),
            inspection_cidr=str(network),
            inspection_vpc_id=self.new_id(),
            created_ms=now,
            updated_ms=now,
        )
        conflict = lambda: InstanceStatusError(  # noqa: E731
            f"The firewall instance {firewall_id} already has east-west protection"
        )
        if not self.store.create_east_west(east_west, conflict):
            raise _firewall_not_found(firewall_id)
        return east_west

    def set_east_west_status(
        self, project_id: str, object_id: str, status: int, firewall_id: str | None = None
    ) -> None:
        if status not in EastWestStatus._value2member_map_:
            raise BadParameter("Invalid request body: `status` must be 0 (protect) or 1 (do not protect)")
        found = self._object(project_id, object_id, firewall_id)
        if found.type is not ObjectType.VPC_BORDER:
            raise BadParameter("Invalid request body: `object_id` must be a VPC border object (type 1)")
        if not self.store.set_east_west_status(
            project_id, object_id, EastWestStatus(status), self.clock.now_ms()
        ):
            raise _object_not_found(object_id)

    def vpc_border_objects(self, project_id: str) -> dict[str, str]:
        return self.store.vpc_border_objects(project_id)

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
