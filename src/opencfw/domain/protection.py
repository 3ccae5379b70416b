"""What a firewall protects and how: IPS settings per protected object, east-west protection (its
row is ``resources.east_west.EastWestRow``).

A firewall always has one protected object of type 0 (the Internet border, created with it); it has
one of type 1 (the VPC border) once its east-west protection has been created.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ObjectType(enum.IntEnum):
    """``protect_objects[].type`` of a firewall record."""

    INTERNET_BORDER = 0
    VPC_BORDER = 1


class IpsMode(enum.IntEnum):
    """The IPS protection mode of a protected object."""

    OBSERVE = 0
    STRICT = 1
    MEDIUM = 2
    LOOSE = 3


class IpsType(enum.IntEnum):
    """``ips_type`` of an IPS switch change: which feature it turns on or off."""

    BASIC_DEFENSE = 1
    VIRTUAL_PATCHES = 2


class EastWestStatus(enum.IntEnum):
    """East-west (VPC border) protection status, as the API numbers it: 0 is *on*."""

    PROTECTING = 0
    NOT_PROTECTING = 1


@dataclass(frozen=True, slots=True)
class ProtectedObject:
    id: str
    firewall_id: str
    type: ObjectType


@dataclass(frozen=True, slots=True)
class IpsSettings:
    object_id: str
    mode: IpsMode = IpsMode.OBSERVE
    basic_defense_status: int = 1
    virtual_patches_status: int = 0
