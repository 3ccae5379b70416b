"""IP address groups of a protected object (AddAddressSet & co.) and their members, the addresses
(AddAddressItem & co.): a child collection of the group, keyed by ``set_id``."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from opencfw.domain.errors import BadParameter, OpenCfwError
from opencfw.resources import checks, predefined
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
#: group names: letters, digits, `-` and `_`, at most 255 characters
Name = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,255}\Z")]
Text = Annotated[str, Meta(max_length=255)]
Address = Annotated[str, Meta(min_length=1, max_length=128)]
AddressType = Literal[0, 1]  # IPv4, IPv6

GROUPS_PER_FIREWALL = 3800
ADDRESSES_PER_GROUP = 640
ADDRESSES_PER_FIREWALL = 30000


class NameConflict(OpenCfwError):
    error_code = "CFW.00200007"
    http_status = 400
    default_message = "name conflict"


class GroupsFull(OpenCfwError):
    error_code = "CFW.00900020"
    http_status = 400
    default_message = f"Address groups exceed the maximum limit ({GROUPS_PER_FIREWALL} per firewall)"


class ItemExists(OpenCfwError):
    error_code = "CFW.00400004"
    http_status = 400
    default_message = "item already exist"


class ItemsFull(OpenCfwError):
    error_code = "CFW.00200024"
    http_status = 400
    default_message = f"Exceeded maximum quantity limit ({ADDRESSES_PER_GROUP} addresses per address group)"


class FirewallItemsFull(OpenCfwError):
    error_code = "CFW.00200024"
    http_status = 400
    default_message = f"Exceeded maximum quantity limit ({ADDRESSES_PER_FIREWALL} addresses per firewall)"


class InconsistentAddressTypes(OpenCfwError):
    error_code = "CFW.00200028"
    http_status = 400
    default_message = "inconsistent address types"


# -- the groups


class AddressSet(Struct):
    id: str
    project_id: str
    firewall_id: str
    object_id: str
    name: str
    address_type: int
    description: str | None
    created_ms: int
    updated_ms: int
    address_set_type: int = 0  # 0 user-defined; 1 WAF, 2 DDoS, 3 NAT64 (predefined)
    predefined: int = 0  # what `query_address_set_type` asks for: 0 user-defined, 1 predefined


class AddAddressSetDto(Struct):
    object_id: Id
    name: Name
    description: Text | None = None
    address_type: AddressType = 0


class ListAddressSetsQuery(Struct):
    object_id: Id
    key_word: Text | None = None
    address: Address | None = None
    address_type: AddressType | None = None
    query_address_set_type: Literal[0, 1] = 0  # user-defined groups unless asked for predefined ones
    address_set_type: Literal[0, 1, 2, 3] | None = None


class AddressSetRecord(Struct):
    set_id: str
    ref_count: int
    description: str | None
    address_type: int
    object_id: str
    address_set_type: int
    name: str


class AddressSetDetail(Struct):
    id: str
    name: str
    description: str | None
    address_set_type: int
    address_type: int


class BatchDeleteAddressSetsDto(Struct):
    object_id: Id
    set_ids: Annotated[list[Id], Meta(min_length=1, max_length=1024)]


class NotInternetBorder(OpenCfwError):
    error_code = "CFW.00200001"
    http_status = 400
    default_message = (
        "Invalid request body: `object_id` must be the Internet-border protected object (type 0); "
        "address groups cannot be added to a VPC-border object"
    )


def predefined_sets(project_id: str, firewall_id: str, object_id: str, now_ms: int) -> list[AddressSet]:
    """The predefined address groups of a new firewall's Internet-border object."""
    return [
        AddressSet(
            predefined.set_id(object_id, suffix),
            project_id,
            firewall_id,
            object_id,
            name,
            0,
            None,
            now_ms,
            now_ms,
            address_set_type=kind,
            predefined=1,
        )
        for suffix, name, kind in predefined.ADDRESS_SETS
    ]


def _read_only(row: AddressSet) -> OpenCfwError | None:
    if row.predefined:
        return predefined.ReadOnly(
            f"The address group {row.id} is predefined: it cannot be changed or deleted"
        )
    return None


ADDRESS_SET = Resource(
    name="address_set",
    title="address group",
    table="address_sets",
    model=AddressSet,
    create=AddAddressSetDto,
    update=optional(AddAddressSetDto, "UpdateAddressSetDto", exclude=("object_id", "address_type")),
    query=ListAddressSetsQuery,
    record=AddressSetRecord,
    detail=AddressSetDetail,
    scope=Scope.OBJECT,
    filters=(
        Filter("key_word", Match.KEY_WORD, ("name", "description")),
        Filter("address_type"),
        Filter("query_address_set_type", Match.EXACT, ("predefined",)),
        Filter("address_set_type"),
        Filter("address", Match.ADDRESS, child=("address_items", "set_id")),
    ),
    view={"set_id": "id"},
    ref_count="ref_count",
    unique=(("object_id", "name"),),
    conflict=NameConflict,
    # user-defined groups count (a new one is of `predefined` 0); the predefined ones do not
    quota=Quota(GROUPS_PER_FIREWALL, ("firewall_id", "predefined"), GroupsFull),
    builtin=predefined_sets,
    read_only=_read_only,
    internet_only=NotInternetBorder,
    answer=lambda row: {"id": row.id, "name": row.name},
    errors=(NameConflict, GroupsFull, predefined.ReadOnly),
    operations=(
        Operation("create", "POST", "/v1/{project_id}/address-set", "add_address_set"),
        Operation("list", "GET", "/v1/{project_id}/address-sets", "list_address_sets"),
        Operation("get", "GET", "/v1/{project_id}/address-sets/{set_id}", "list_address_set_detail"),
        Operation("update", "PUT", "/v1/{project_id}/address-sets/{set_id}", "update_address_set"),
        Operation("delete", "DELETE", "/v1/{project_id}/address-sets/{set_id}", "delete_address_set"),
        Operation(
            "delete_many", "POST", "/v1/{project_id}/address-sets/batch-delete", "batch_delete_address_sets"
        ),
    ),
    batch=Batch(
        BatchDeleteAddressSetsDto, "set_ids", lambda rows: [{"id": row.id, "name": row.name} for row in rows]
    ),
)


# -- their members


class AddressItem(Struct):
    id: str
    project_id: str
    firewall_id: str
    set_id: str
    address_type: int | None  # None until ``validate_item`` gives it the address's family
    address: str
    name: str | None
    description: str | None
    created_ms: int
    updated_ms: int


class AddAddressItemsInfoDtoAddressItems(Struct):
    address: Address
    address_type: AddressType | None = None
    description: Text | None = None
    name: Text | None = None  # deprecated, still sent by the Terraform provider


class AddAddressItemsInfoDto(Struct):
    set_id: Id
    address_items: Annotated[
        list[AddAddressItemsInfoDtoAddressItems], Meta(min_length=1, max_length=ADDRESSES_PER_GROUP)
    ]


class ListAddressItemsQuery(Struct):
    set_id: Id
    key_word: Text | None = None
    address: Address | None = None


class AddressItemRecord(Struct):
    item_id: str
    name: str | None
    description: str | None
    address_type: int
    address: str


def validate_item(row: AddressItem) -> AddressItem:
    family = checks.address(row.address)
    if row.address_type is not None and row.address_type != family:
        raise BadParameter("Invalid request body: `address` does not match `address_type` (0 IPv4, 1 IPv6)")
    return msgspec.structs.replace(row, address_type=family)


def fits(group: AddressSet, row: AddressItem) -> None:
    """An IPv4 group holds IPv4 addresses, an IPv6 group IPv6 ones; a predefined group none added."""
    refused = _read_only(group)
    if refused is not None:
        raise refused
    if row.address_type != group.address_type:
        family = ("IPv4", "IPv6")
        raise InconsistentAddressTypes(
            f"The address {row.address} is {family[row.address_type or 0]}; the address group {group.id} "
            f"holds {family[group.address_type]} addresses"
        )


class DeleteAddressItemsInfoDto(Struct):
    set_id: Id
    address_item_ids: Annotated[list[Id], Meta(min_length=1, max_length=1024)]


ADDRESS_ITEM = Resource(
    name="address_item",
    title="address group member",
    table="address_items",
    model=AddressItem,
    create=AddAddressItemsInfoDto,
    update=None,
    query=ListAddressItemsQuery,
    record=AddressItemRecord,
    scope=Scope.PARENT,
    parent=Parent("address_set", "set_id"),
    items="address_items",
    filters=(
        Filter("key_word", Match.KEY_WORD, ("name", "description")),
        Filter("address", Match.ADDRESS),
    ),
    view={"item_id": "id"},
    unique=(("set_id", "address"),),
    conflict=ItemExists,
    quota=Quota(ADDRESSES_PER_GROUP, ("set_id",), ItemsFull),
    more_quotas=(Quota(ADDRESSES_PER_FIREWALL, ("firewall_id",), FirewallItemsFull),),
    validate=validate_item,
    fits=fits,
    answer=lambda row: {"id": row.id, "name": row.address},
    answer_many=lambda rows: {"items": [{"id": row.id} for row in rows], "covered_ip": []},
    errors=(ItemExists, ItemsFull, FirewallItemsFull, InconsistentAddressTypes, predefined.ReadOnly),
    operations=(
        Operation("create", "POST", "/v1/{project_id}/address-items", "add_address_item"),
        Operation("list", "GET", "/v1/{project_id}/address-items", "list_address_items"),
        Operation("delete", "DELETE", "/v1/{project_id}/address-items/{item_id}", "delete_address_item"),
        Operation("delete_many", "DELETE", "/v1/{project_id}/address-items", "batch_delete_address_items"),
    ),
    batch=Batch(DeleteAddressItemsInfoDto, "address_item_ids", lambda rows: [row.id for row in rows]),
)
