"""Service groups of a protected object (AddServiceSet & co.) and their members, the services
(AddServiceItems & co.): a child collection of the group, keyed by ``set_id``."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from opencfw.domain.errors import BadParameter, OpenCfwError
from opencfw.resources import checks, predefined
from opencfw.resources.address_group import NameConflict
from opencfw.resources.registry import (
    Batch,
    Filter,
    Match,
    Operation,
    Parent,
    Quota,
    Resource,
    Scope,
    optional,
)

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
Name = Annotated[str, Meta(min_length=1, max_length=255)]
Text = Annotated[str, Meta(max_length=255)]
Port = Annotated[str, Meta(max_length=11)]
Protocol = Literal[6, 17, 1, 58, -1]  # TCP, UDP, ICMP, ICMPv6, any
NEEDS_PORTS = (6, 17, -1)

GROUPS_PER_FIREWALL = 512
SERVICES_PER_GROUP = 64
SERVICES_PER_FIREWALL = 900


class GroupsFull(OpenCfwError):
    error_code = "CFW.00200024"
    http_status = 400
    default_message = f"Exceeded maximum quantity limit ({GROUPS_PER_FIREWALL} service groups per firewall)"


class ItemExists(OpenCfwError):
    error_code = "CFW.00400004"
    http_status = 400
    default_message = "item already exist"


class ItemsFull(OpenCfwError):
    error_code = "CFW.00200024"
    http_status = 400
    default_message = f"Exceeded maximum quantity limit ({SERVICES_PER_GROUP} services per service group)"


class FirewallItemsFull(OpenCfwError):
    error_code = "CFW.00900030"
    http_status = 400
    default_message = f"Global services reach limit ({SERVICES_PER_FIREWALL} per firewall)"


# -- the groups


class ServiceSetRow(Struct):
    id: str
    project_id: str
    firewall_id: str
    object_id: str
    name: str
    description: str | None
    created_ms: int
    updated_ms: int
    service_set_type: int = 0  # 0 user-defined, 1 predefined


class AddServiceSetUsingPOSTRequestBody(Struct):
    object_id: Id
    name: Name
    description: Text | None = None


class ListServiceSetsQuery(Struct):
    object_id: Id
    key_word: Text | None = None
    query_service_set_type: Literal[0, 1] = 0  # user-defined groups unless asked for predefined ones


class ServiceSet(Struct):
    set_id: str
    name: str
    description: str | None
    service_set_type: int
    ref_count: int
    project_id: str
    protocols: list[int]


class ServiceSetDetailResponseDto(Struct):
    id: str
    name: str
    description: str | None
    service_set_type: int


class BatchDeleteServiceSetsDto(Struct):
    object_id: Id
    set_ids: Annotated[list[Id], Meta(min_length=1, max_length=1024)]


def predefined_sets(project_id: str, firewall_id: str, object_id: str, now_ms: int) -> list[ServiceSetRow]:
    """The predefined service groups of a new firewall's Internet-border object."""
    return [
        ServiceSetRow(
            predefined.set_id(object_id, suffix),
            project_id,
            firewall_id,
            object_id,
            name,
            text,
            now_ms,
            now_ms,
            1,
        )
        for suffix, name, text, _ in predefined.SERVICE_SETS
    ]


def _read_only(row: ServiceSetRow) -> OpenCfwError | None:
    if row.service_set_type == 1:
        return predefined.ReadOnly(
            f"The service group {row.id} is predefined: it cannot be changed or deleted"
        )
    return None


SERVICE_SET = Resource(
    name="service_set",
    title="service group",
    table="service_sets",
    model=ServiceSetRow,
    create=AddServiceSetUsingPOSTRequestBody,
    update=optional(
        AddServiceSetUsingPOSTRequestBody, "UpdateServiceSetUsingPUTRequestBody", exclude=("object_id",)
    ),
    query=ListServiceSetsQuery,
    record=ServiceSet,
    detail=ServiceSetDetailResponseDto,
    scope=Scope.OBJECT,
    filters=(
        Filter("key_word", Match.KEY_WORD, ("name", "description")),
        Filter("query_service_set_type", Match.EXACT, ("service_set_type",)),
    ),
    view={"set_id": "id"},
    ref_count="ref_count",
    aggregates={"protocols": ("service_item", "protocol")},
    unique=(("object_id", "name"),),
    conflict=NameConflict,
    # user-defined groups count (a new one is of type 0); the predefined ones do not
    quota=Quota(GROUPS_PER_FIREWALL, ("firewall_id", "service_set_type"), GroupsFull),
    builtin=predefined_sets,
    read_only=_read_only,
    answer=lambda row: {"id": row.id, "name": row.name},
    errors=(NameConflict, GroupsFull, predefined.ReadOnly),
    operations=(
        Operation("create", "POST", "/v1/{project_id}/service-set", "add_service_set"),
        Operation("list", "GET", "/v1/{project_id}/service-sets", "list_service_sets"),
        Operation("get", "GET", "/v1/{project_id}/service-sets/{set_id}", "list_service_set_detail"),
        Operation("update", "PUT", "/v1/{project_id}/service-sets/{set_id}", "update_service_set"),
        Operation("delete", "DELETE", "/v1/{project_id}/service-sets/{set_id}", "delete_service_set"),
        Operation(
            "delete_many", "POST", "/v1/{project_id}/service-sets/batch-delete", "batch_delete_service_sets"
        ),
    ),
    batch=Batch(
        BatchDeleteServiceSetsDto, "set_ids", lambda rows: [{"id": row.id, "name": row.name} for row in rows]
    ),
)


# -- their members


class ServiceItemRow(Struct):
    id: str
    project_id: str
    firewall_id: str
    set_id: str
    protocol: int
    source_port: str | None
    dest_port: str | None
    name: str | None
    description: str | None
    created_ms: int
    updated_ms: int
    predefined: int = 0  # 1: a service of a predefined group (read-only, counts in no quota)


class AddServiceItemsUsingPOSTRequestBodyServiceItems(Struct):
    protocol: Protocol
    source_port: Port | None = None
    dest_port: Port | None = None
    description: Text | None = None
    name: Text | None = None  # deprecated, still sent by the Terraform provider


class AddServiceItemsUsingPOSTRequestBody(Struct):
    set_id: Id
    service_items: Annotated[
        list[AddServiceItemsUsingPOSTRequestBodyServiceItems],
        Meta(min_length=1, max_length=SERVICES_PER_GROUP),
    ]


class ListServiceItemsQuery(Struct):
    set_id: Id
    key_word: Text | None = None


class ServiceItemListResponseDtoDataRecords(Struct):
    item_id: str
    protocol: int
    source_port: str
    dest_port: str
    description: str | None
    name: str | None


def _port_range(value: str, field: str) -> None:
    checks.ports(value, field)
    low, _, high = value.partition("-")
    if high and int(low) > int(high):
        raise BadParameter(
            f"Invalid request body: `{field}` must be a port 1-65535 or a range of them, low to high"
        )


def validate_item(row: ServiceItemRow) -> ServiceItemRow:
    """TCP, UDP and any need both ports (a port or a range); ICMP and ICMPv6 take none (stored as
    ``""``, so that one ICMP service per group is unique too)."""
    ports = {"source_port": row.source_port or "", "dest_port": row.dest_port or ""}
    for field, value in ports.items():
        if row.protocol in NEEDS_PORTS:
            if not value:
                raise BadParameter(f"Invalid request body: `{field}` is required for TCP, UDP and any")
            _port_range(value, field)
        elif value:
            raise BadParameter(f"Invalid request body: `{field}` must be empty for ICMP and ICMPv6")
    return msgspec.structs.replace(row, **ports)


def predefined_items(project_id: str, firewall_id: str, object_id: str, now_ms: int) -> list[ServiceItemRow]:
    """The services of the predefined groups."""
    rows = []
    for suffix, _, _, services in predefined.SERVICE_SETS:
        set_id = predefined.set_id(object_id, suffix)
        for n, (protocol, source, dest) in enumerate(services, 1):
            rows.append(
                ServiceItemRow(
                    predefined.item_id(set_id, n),
                    project_id,
                    firewall_id,
                    set_id,
                    protocol,
                    source,
                    dest,
                    None,
                    None,
                    now_ms,
                    now_ms,
                    predefined=1,
                )
            )
    return rows


def _item_read_only(row: ServiceItemRow) -> OpenCfwError | None:
    if row.predefined:
        return predefined.ReadOnly(f"The service {row.id} of a predefined group cannot be changed or deleted")
    return None


def fits(group: ServiceSetRow, row: ServiceItemRow) -> None:
    """A predefined group gets no services added."""
    refused = _read_only(group)
    if refused is not None:
        raise refused


class DeleteServiceItemDto(Struct):
    set_id: Id
    service_item_ids: Annotated[list[Id], Meta(min_length=1, max_length=1024)]


SERVICE_ITEM = Resource(
    name="service_item",
    title="service group member",
    table="service_items",
    model=ServiceItemRow,
    create=AddServiceItemsUsingPOSTRequestBody,
    update=None,
    query=ListServiceItemsQuery,
    record=ServiceItemListResponseDtoDataRecords,
    scope=Scope.PARENT,
    parent=Parent("service_set", "set_id"),
    items="service_items",
    filters=(Filter("key_word", Match.KEY_WORD, ("name", "description")),),
    view={"item_id": "id"},
    unique=(("set_id", "protocol", "source_port", "dest_port"),),
    conflict=ItemExists,
    quota=Quota(SERVICES_PER_GROUP, ("set_id",), ItemsFull),
    more_quotas=(Quota(SERVICES_PER_FIREWALL, ("firewall_id", "predefined"), FirewallItemsFull),),
    validate=validate_item,
    fits=fits,
    builtin=predefined_items,
    read_only=_item_read_only,
    answer=lambda row: {"id": row.id, **({"name": row.name} if row.name else {})},
    answer_many=lambda rows: {"items": [{"id": row.id} for row in rows]},
    errors=(ItemExists, ItemsFull, FirewallItemsFull, predefined.ReadOnly),
    operations=(
        Operation("create", "POST", "/v1/{project_id}/service-items", "add_service_items"),
        Operation("list", "GET", "/v1/{project_id}/service-items", "list_service_items"),
        Operation("delete", "DELETE", "/v1/{project_id}/service-items/{item_id}", "delete_service_item"),
        Operation("delete_many", "DELETE", "/v1/{project_id}/service-items", "batch_delete_service_items"),
    ),
    batch=Batch(DeleteServiceItemDto, "service_item_ids", lambda rows: [row.id for row in rows]),
)
