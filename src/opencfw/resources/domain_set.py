"""Domain name groups of a firewall's protected object (AddDomainSet & co.) and their domain names
(AddDomains, ListDomains, DeleteDomains): a child collection of the group, keyed by ``set_id``
and named by the path (``/domain-set/domains/{set_id}``). A group is created with its first
domain names in one call (``Nested``); a batch delete never takes a group's last domain name."""

from __future__ import annotations

import functools
import re
from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from opencfw.domain.errors import BadParameter, OpenCfwError
from opencfw.resources.address_group import NameConflict
from opencfw.resources.registry import (
    Batch,
    Filter,
    Match,
    Nested,
    Operation,
    Parent,
    Quota,
    Resource,
    Scope,
)

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
Name = Annotated[str, Meta(min_length=1, max_length=255)]
Text = Annotated[str, Meta(max_length=255)]
DomainName = Annotated[str, Meta(min_length=1, max_length=255)]
SetType = Literal[0, 1]  # 0 application (may hold wildcards), 1 network (resolved to addresses)

APPLICATION, NETWORK = 0, 1
#: per type: (groups per firewall, domains per group, domains per firewall)
LIMITS = {APPLICATION: (500, 1500, 2500), NETWORK: (500, 15, 1000)}
#: configuration status: 3 "normal" (no engine to configure; the group is in force once stored)
NORMAL = 3

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"(\*\.)?(?:{_LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?")


class DomainSetsFull(OpenCfwError):
    error_code = "CFW.00200024"
    http_status = 400
    default_message = "Exceeded maximum quantity limit (domain name groups per firewall)"


class DomainExists(OpenCfwError):
    error_code = "CFW.00400004"
    http_status = 400
    default_message = "item already exist"


class DomainsFull(OpenCfwError):
    error_code = "CFW.00200024"
    http_status = 400
    default_message = "Exceeded maximum quantity limit (domain names per group or per firewall)"


class LastDomain(OpenCfwError):
    error_code = "CFW.00200001"
    http_status = 400
    default_message = "A domain name group keeps at least one domain name: add another one first"


def _full(error: type[OpenCfwError], what: str, limit: int, kind: int) -> OpenCfwError:
    return error(
        f"Exceeded maximum quantity limit ({limit} {what} of "
        f"{('application', 'network')[kind]} domain name groups)"
    )


# -- the groups


class DomainSet(Struct):
    id: str
    project_id: str
    firewall_id: str
    object_id: str
    name: str
    description: str | None
    domain_set_type: int
    created_ms: int
    updated_ms: int
    config_status: int = NORMAL


class DomainSetInfoDto(Struct):
    domain_name: DomainName
    description: Text | None = None


class AddDomainSetInfoDto(Struct):
    object_id: Id
    name: Name
    fw_instance_id: Id | None = None
    description: Text | None = None
    domain_set_type: SetType = 0
    # required by the SDK, sent empty by the Terraform provider
    domain_names: Annotated[list[DomainSetInfoDto], Meta(max_length=LIMITS[APPLICATION][1])] = []


class UpdateDomainSetInfoDto(Struct):
    name: Name
    description: Text | UnsetType | None = UNSET


class ListDomainSetsQuery(Struct):
    object_id: Id
    key_word: Text | None = None
    domain_set_type: SetType | None = None
    config_status: Literal[-1, 0, 1, 2, 3, 4] | None = None


class UseRuleVO(Struct):
    id: str
    name: str


class DomainSetVo(Struct):
    set_id: str
    name: str
    description: str | None
    ref_count: int
    domain_set_type: int
    config_status: int
    rules: list[UseRuleVO]


class BatchDeleteDomainSetsDto(Struct):
    object_id: Id
    set_ids: Annotated[list[Id], Meta(min_length=1, max_length=1024)]


DOMAIN_SET = Resource(
    name="domain_set",
    title="domain name group",
    table="domain_sets",
    model=DomainSet,
    create=AddDomainSetInfoDto,
    update=UpdateDomainSetInfoDto,
    query=ListDomainSetsQuery,
    record=DomainSetVo,
    scope=Scope.OBJECT,
    filters=(
        Filter("key_word", Match.KEY_WORD, ("name", "description")),
        Filter("domain_set_type"),
        Filter("config_status"),
    ),
    view={"set_id": "id"},
    ref_count="ref_count",
    ref_rows="rules",
    unique=(("object_id", "name"),),
    conflict=NameConflict,
    quota=Quota(
        LIMITS[APPLICATION][0],
        ("firewall_id", "domain_set_type"),
        lambda: _full(DomainSetsFull, "groups", LIMITS[APPLICATION][0], APPLICATION),
        when=lambda row: row.domain_set_type == APPLICATION,
    ),
    more_quotas=(
        Quota(
            LIMITS[NETWORK][0],
            ("firewall_id", "domain_set_type"),
            lambda: _full(DomainSetsFull, "groups", LIMITS[NETWORK][0], NETWORK),
            when=lambda row: row.domain_set_type == NETWORK,
        ),
    ),
    nested=Nested("domain_names", "domain"),
    answer=lambda row: {"id": row.id, "name": row.name},
    errors=(NameConflict, DomainSetsFull, DomainExists, DomainsFull),
    operations=(
        Operation("create", "POST", "/v1/{project_id}/domain-set", "add_domain_set"),
        Operation("list", "GET", "/v1/{project_id}/domain-sets", "list_domain_sets"),
        Operation("get", "GET", "/v1/{project_id}/domain-set/{domain_set_id}", "show_domain_set_detail"),
        Operation("update", "PUT", "/v1/{project_id}/domain-set/{set_id}", "update_domain_set"),
        Operation("delete", "DELETE", "/v1/{project_id}/domain-set/{set_id}", "delete_domain_set"),
        Operation(
            "delete_many", "POST", "/v1/{project_id}/domain-sets/batch-delete", "batch_delete_domain_set"
        ),
    ),
    batch=Batch(
        BatchDeleteDomainSetsDto,
        "set_ids",
        lambda rows: {"responseDatas": [{"id": row.id, "name": row.name} for row in rows]},
    ),
)


# -- their domain names


class Domain(Struct):
    id: str
    project_id: str
    firewall_id: str
    set_id: str
    object_id: str  # the group's (``inherit``): DeleteDomains names it
    domain_set_type: int  # the group's (``inherit``): the limits and wildcards depend on it
    domain_name: str
    description: str | None
    created_ms: int
    updated_ms: int


class AddDomainListDto(Struct):
    object_id: Id
    domain_names: Annotated[list[DomainSetInfoDto], Meta(min_length=1, max_length=LIMITS[APPLICATION][1])]
    fw_instance_id: Id | None = None


class ListDomainsQuery(Struct):
    domain_name: DomainName | None = None


class DomainInfo(Struct):
    domain_address_id: str
    domain_name: str
    description: str | None


class DeleteDomainDto(Struct):
    object_id: Id
    domain_address_ids: Annotated[list[Id], Meta(min_length=1, max_length=LIMITS[APPLICATION][1])]


def is_domain_name(value: str) -> bool:
    """A host name of at least two labels, optionally behind a ``*.`` wildcard."""
    return len(value) <= 255 and _DOMAIN.fullmatch(value) is not None


def validate_domain(row: Domain) -> Domain:
    if not is_domain_name(row.domain_name):
        raise BadParameter(f"Invalid request body: `domain_name` is not a domain name: {row.domain_name!r}")
    return row


def fits(group: DomainSet, row: Domain) -> None:
    """Wildcard names (``*.example.com``) only in application groups."""
    if row.domain_name.startswith("*.") and group.domain_set_type != APPLICATION:
        raise BadParameter(
            f"Invalid request body: the wildcard name {row.domain_name!r} fits only an application "
            f"domain name group (domain_set_type 0); the group {group.id} is a network group"
        )


def _domain_quotas() -> tuple[Quota, ...]:
    quotas: list[Quota] = []
    for kind, (_, per_group, per_firewall) in LIMITS.items():
        of_kind = functools.partial(_is_kind, kind)
        quotas += [
            Quota(
                per_group,
                ("set_id",),
                functools.partial(_full, DomainsFull, "names per group", per_group, kind),
                when=of_kind,
            ),
            Quota(
                per_firewall,
                ("firewall_id", "domain_set_type"),
                functools.partial(_full, DomainsFull, "names per firewall", per_firewall, kind),
                when=of_kind,
            ),
        ]
    return tuple(quotas)


def _is_kind(kind: int, row: Domain) -> bool:
    return row.domain_set_type == kind


_QUOTAS = _domain_quotas()

DOMAIN = Resource(
    name="domain",
    title="domain name",
    table="domain_set_domains",
    model=Domain,
    create=AddDomainListDto,
    update=None,
    query=ListDomainsQuery,
    record=DomainInfo,
    scope=Scope.PARENT,
    parent=Parent("domain_set", "set_id"),
    items="domain_names",
    inherit=("object_id", "domain_set_type"),
    keep_last=LastDomain,
    filters=(Filter("domain_name", Match.KEY_WORD),),
    view={"domain_address_id": "id"},
    unique=(("set_id", "domain_name"),),
    conflict=DomainExists,
    quota=_QUOTAS[0],
    more_quotas=_QUOTAS[1:],
    validate=validate_domain,
    fits=fits,
    answer=lambda row: {"id": row.set_id, "name": row.domain_name},
    answer_many=lambda rows: {"id": rows[0].set_id, "name": ",".join(row.domain_name for row in rows)},
    errors=(DomainExists, DomainsFull, LastDomain),
    operations=(
        Operation("create", "POST", "/v1/{project_id}/domain-set/domains/{set_id}", "add_domains"),
        Operation("list", "GET", "/v1/{project_id}/domain-set/domains/{domain_set_id}", "list_domains"),
        Operation("delete_many", "DELETE", "/v1/{project_id}/domain-set/domains/{set_id}", "delete_domains"),
    ),
    batch=Batch(
        DeleteDomainDto,
        "domain_address_ids",
        lambda rows: {"id": rows[0].set_id, "name": ",".join(row.domain_name for row in rows)},
    ),
)
