"""The IPS settings of a protected object: protection mode and the two switches
(ChangeIpsProtectMode, ListIpsProtectMode, ChangeIpsSwitchStatus, ListIpsSwitchStatus).

One row per object whose settings were changed; an object without a row has the defaults. The row's
id is the object's id. Its four operations are settings reads and writes, not a collection, so they
are served by ``api/routes_terraform.py`` through ``service/protection.py``; the storage, scoping,
events and lifecycles are the registry's.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from opencfw.resources.registry import Resource, Scope

ObjectId = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
Small = Annotated[int, Meta(ge=-(2**31), le=2**31 - 1)]


class IpsSettingsRow(Struct):
    id: str  # the protected object's id
    project_id: str
    firewall_id: str
    object_id: str
    mode: int  # IpsMode
    basic_defense_status: int
    virtual_patches_status: int
    created_ms: int
    updated_ms: int


class IpsProtectDTO(Struct):
    object_id: ObjectId
    mode: Small


class IpsSwitchDTO(Struct):
    object_id: ObjectId
    ips_type: Small
    status: Small


class IpsSettingsQuery(Struct):
    object_id: ObjectId


class IpsSwitchResponseDTO(Struct):
    id: str
    basic_defense_status: int
    virtual_patches_status: int


RESOURCE = Resource(
    name="ips_settings",
    title="protected object",
    table="ips_settings",
    model=IpsSettingsRow,
    create=IpsProtectDTO,
    update=None,
    query=IpsSettingsQuery,
    record=IpsSwitchResponseDTO,
    scope=Scope.OBJECT,
    operations=(),
)
