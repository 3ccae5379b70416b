"""Blacklist and whitelist entries of a protected object (AddBlackWhiteList & co.)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from opencfw.domain.errors import OpenCfwError
from opencfw.resources import checks
from opencfw.resources.registry import Batch, Filter, Many, Match, Operation, Quota, Resource, Scope, optional

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
Address = Annotated[str, Meta(min_length=1, max_length=128)]
Port = Annotated[str, Meta(pattern=r"^([0-9]{1,5}(-[0-9]{1,5})?)?\Z")]
Text = Annotated[str, Meta(max_length=255)]
Direction = Literal[0, 1]  # source, destination
AddressType = Literal[0, 1]  # IPv4, IPv6
Protocol = Literal[6, 17, 1, 58, -1]  # TCP, UDP, ICMP, ICMPv6, any
ManyProtocol = Literal[6, 17, 1, 58, 132, -1]  # a batch also takes SCTP
ListType = Literal[4, 5]  # blacklist, whitelist
ENTRIES_PER_LIST = 2000


class ListRepeat(OpenCfwError):
    error_code = "CFW.00400011"
    http_status = 400
    default_message = "BLACK_WHITE_LIST_REPEAT"


class AllAddresses(OpenCfwError):
    error_code = "CFW.00200022"
    http_status = 400
    default_message = "all IP address segments not allowed in black and white list"


class ListFull(OpenCfwError):
    error_code = "CFW.00400013"
    http_status = 400
    default_message = "blocklists or trustlists exceed 2000"


class BlackWhiteList(Struct):
    id: str
    project_id: str
    firewall_id: str
    object_id: str
    list_type: int
    direction: int
    address_type: int | None  # None (a batch item without it) until ``validate`` gives its family
    address: str
    protocol: int
    port: str | None
    description: str | None
    created_ms: int
    updated_ms: int


class AddBlackWhiteListDto(Struct):
    object_id: Id
    list_type: Literal[4, 5]  # blacklist, whitelist
    direction: Direction
    address_type: AddressType
    address: Address
    protocol: Protocol
    port: Port | None = None
    description: Text | None = None


class ListBlackWhiteListsQuery(Struct):
    object_id: Id
    list_type: Literal[4, 5]
    address_type: AddressType | None = None
    address: Address | None = None
    port: Port | None = None


class BlackWhiteListRecord(Struct):
    list_id: str
    direction: int
    address_type: int
    address: str
    protocol: int
    port: str | None
    description: str | None
    created_date: int
    modified_date: int


class BlackWhiteInfo(Struct):
    address: Address
    direction: Direction
    protocol: ManyProtocol
    address_type: AddressType | None = None
    port: Port | None = None
    description: Text | None = None


class AddBlackWhiteBatchDto(Struct):
    object_id: Id
    list_type: ListType
    list_items: Annotated[list[BlackWhiteInfo], Meta(min_length=1, max_length=ENTRIES_PER_LIST)]


class DeleteBlackWhiteDto(Struct):
    object_id: Id
    list_type: ListType
    list_ids: Annotated[list[Id], Meta(min_length=1, max_length=ENTRIES_PER_LIST)]


def validate(row: BlackWhiteList) -> BlackWhiteList:
    if row.address_type is None:  # a batch item may leave it out: the address's family
        row = msgspec.structs.replace(row, address_type=checks.address_family(row.address))
    assert row.address_type is not None
    if checks.network(row.address, row.address_type).prefixlen == 0:
        raise AllAddresses()
    checks.ports(row.port)
    return row


def _info(row: BlackWhiteList) -> dict[str, Any]:
    return {
        "address": row.address,
        "address_type": row.address_type,
        "description": row.description,
        "direction": row.direction,
        "port": row.port,
        "protocol": row.protocol,
    }


RESOURCE = Resource(
    name="black_white_list",
    title="black/white list entry",
    table="black_white_lists",
    model=BlackWhiteList,
    create=AddBlackWhiteListDto,
    update=optional(AddBlackWhiteListDto, "UpdateBlackWhiteListDto", exclude=("object_id", "list_type")),
    query=ListBlackWhiteListsQuery,
    record=BlackWhiteListRecord,
    scope=Scope.OBJECT,
    filters=(Filter("list_type"), Filter("address_type"), Filter("address", Match.ADDRESS), Filter("port")),
    view={"list_id": "id", "created_date": "created_ms", "modified_date": "updated_ms"},
    unique=(("object_id", "list_type", "address"),),
    conflict=ListRepeat,
    quota=Quota(ENTRIES_PER_LIST, ("object_id", "list_type"), ListFull),
    validate=validate,
    answer=lambda row: {"id": row.id, "name": row.address},
    errors=(ListRepeat, AllAddresses, ListFull),
    operations=(
        Operation("create", "POST", "/v1/{project_id}/black-white-list", "add_black_white_list"),
        Operation("list", "GET", "/v1/{project_id}/black-white-lists", "list_black_white_lists"),
        Operation("update", "PUT", "/v1/{project_id}/black-white-list/{list_id}", "update_black_white_list"),
        Operation(
            "delete", "DELETE", "/v1/{project_id}/black-white-list/{list_id}", "delete_black_white_list"
        ),
        Operation(
            "create_many", "POST", "/v1/{project_id}/black-white-lists", "batch_create_black_white_list"
        ),
        Operation(
            "delete_many", "DELETE", "/v1/{project_id}/black-white-list", "batch_delete_black_white_lists"
        ),
    ),
    many=Many(
        AddBlackWhiteBatchDto,
        "list_items",
        lambda rows: {"success_list": [_info(row) for row in rows], "failed_list": [], "duplicated_list": []},
    ),
    batch=Batch(DeleteBlackWhiteDto, "list_ids", lambda rows: [row.id for row in rows], same=("list_type",)),
)
