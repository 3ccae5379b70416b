"""A firewall's east-west protection: its VPC border object, the enterprise router it attaches to
and the inspection VPC (CreateEastWestFirewall, ListEastWestFirewall, ChangeEastWestFirewallStatus).

At most one per firewall (the unique firewall key); the row's id is its VPC border object's id.
The answers are not a collection's (a read answers nulls while there is none), so the operations
are served by ``api/routes_terraform.py`` through ``service/protection.py``; the storage, scoping,
events and lifecycles are the registry's.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from opencfw.domain.errors import InstanceStatusError
from opencfw.resources.ips_settings import ObjectId, Small
from opencfw.resources.registry import Resource, Scope


class EastWestRow(Struct):
    id: str  # the VPC border object's id (also in object_id, which the protected-object lookup reads)
    project_id: str
    firewall_id: str
    object_id: str
    status: int  # EastWestStatus
    mode: str
    er_id: str
    er_attachment_id: str
    inspection_cidr: str
    inspection_vpc_id: str
    created_ms: int
    updated_ms: int


class CreateEastWestFirewallRequestBody(Struct):
    er_id: Annotated[str, Meta(min_length=1, max_length=64)]
    inspection_cidr: Annotated[str, Meta(min_length=1, max_length=64)]
    mode: Annotated[str, Meta(max_length=32)]


class ChangeProtectStatusRequestBody(Struct):
    object_id: ObjectId
    status: Small


class EastWestQuery(Struct):
    fw_instance_id: ObjectId


class EastWestRecord(Struct):
    object_id: str
    status: int
    mode: str


class AlreadyProtected(InstanceStatusError):
    default_message = "The firewall instance already has east-west protection"


RESOURCE = Resource(
    name="east_west",
    title="VPC border object",
    table="east_west",
    model=EastWestRow,
    create=CreateEastWestFirewallRequestBody,
    update=None,
    query=EastWestQuery,
    record=EastWestRecord,
    scope=Scope.FIREWALL,
    unique=(("firewall_id",), ("object_id",)),
    conflict=AlreadyProtected,
    operations=(),
)
