"""The IPS signature catalogue shipped with opencfw (ListIpsRules & co.), the mode of each signature
per protected object, the advanced ("frequency") rules of each object, and the declared actions of
the custom signatures of ``ips`` (their detail, batch changes)."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from opencfw.resources.actions import Action
from opencfw.resources.ips import (
    ConfigApplying,
    CustomerIpsVO,
    Id,
    IpsCustomerBatchDto,
)


class CatalogueEntry(Struct):
    ips_id: str
    ips_name: str
    ips_cve: str
    ips_level: str
    ips_rules_type: str
    affected_application: str
    create_time: str
    default_status: str
    ips_group: str
    updated: bool


class Catalogue(Struct):
    version: str
    virtual_patch_version: str
    update_time_ms: int
    signatures: list[CatalogueEntry]


@functools.cache
def catalogue() -> Catalogue:
    text = resources.files("opencfw.resources").joinpath("data", "ips_signatures.json").read_bytes()
    return msgspec.json.decode(text, type=Catalogue)


LEVELS = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
Mode = Literal["OBSERVE", "ENABLE", "CLOSE", "DEFAULT", "ALL_DEFAULT"]


class ListIpsRulesQuery(Struct):
    object_id: Id
    limit: Annotated[int, Meta(ge=1, le=1024)]
    offset: Annotated[int, Meta(ge=0, le=2**31 - 1)]
    ips_id: Annotated[str, Meta(max_length=64)] | None = None
    ips_name_like: Annotated[str, Meta(max_length=255)] | None = None
    ips_level: Literal[0, 1, 2, 3] | None = None  # CRITICAL ... LOW
    ips_group: Literal[0, 1, 2, 3] | None = None  # observe, strict, medium, loose
    ips_status: Literal["OBSERVE", "ENABLE", "CLOSE"] | None = None
    create_time: Annotated[int, Meta(ge=1970, le=2999)] | None = None  # the year
    is_updated_ips_rule_queried: bool | None = None
    affected_application_like: int | None = None
    ips_cve_like: int | None = None
    ips_rules_type_like: int | None = None


class IpsRuleVO(Struct):
    ips_id: str
    ips_name: str
    ips_cve: str
    ips_level: str
    ips_group: str
    ips_status: str
    default_status: str
    ips_rules_type: str
    affected_application: str
    create_time: str


class IpsRuleListVO(Struct):
    object_id: str
    fw_instance_id: str
    offset: int
    limit: int
    total: int
    records: list[IpsRuleVO]


class IpsRuleChangeDto(Struct):
    object_id: Id
    ips_ids: Annotated[list[Annotated[str, Meta(min_length=1, max_length=64)]], Meta(max_length=1000)]
    status: Mode


class IpsRuleChangeRespBody(Struct):
    id: str
    ips_ids: list[str]
    result: bool
    group_id: str
    error_code: str
    error_msg: str


class ShowIpsUpdateTimeQuery(Struct):
    fw_instance_id: Id | None = None


class IpsRuleUpdateTimeVO(Struct):
    ips_type: int  # 0 basic signatures, 1 virtual patches
    ips_version: str
    update_time: int


#: the advanced rules of every protected object: sensitive-directory scan, reverse shell
ADVANCED_TYPES = (0, 1)


class AdvancedQuery(Struct):
    object_id: Id


class AdvancedIpsRuleDto(Struct):
    object_id: Id
    ips_rule_id: Id
    ips_rule_type: Literal[0, 1]
    action: Literal[0, 1, 2]  # log only, block the session, block the IP
    status: Literal[0, 1]  # off, on
    param: Annotated[str, Meta(max_length=1024)] = "{}"  # a JSON object


class AdvancedIpsRuleVo(Struct):
    ips_rule_id: str
    ips_rule_type: int
    action: int
    status: int
    param: str


class AdvancedIpsRuleListVo(Struct):
    total: int
    advanced_ips_rules: list[AdvancedIpsRuleVo]


class BatchCustomerIpsRespData(Struct):
    id: str


class ShowCustomerIpsInfoQuery(Struct):
    fw_instance_id: Id | None = None


#: the detail's answer: a rule, or the empty rule below (its other fields null)
CustomerIpsInfo = msgspec.defstruct(
    "CustomerIpsInfo",
    [(f.name, f.type | None) for f in msgspec.structs.fields(CustomerIpsVO)],
    module=__name__,
)

#: what the detail of a rule that does not exist (or no longer) answers: an empty rule, as the
#: service does (the provider waits for it after a delete; an error would fail its wait)
GONE = {"contents": [], "protocol": -99, "severity": -99}


ACTIONS = (
    Action(
        "GET",
        "/v1/{project_id}/ips/custom-rule/{ips_cfw_id}",
        "show_customer_ips_info",
        "Read a custom IPS rule (an unknown one reads as an empty rule: no contents, protocol and severity -99)",
        query=ShowCustomerIpsInfoQuery,
        answer=CustomerIpsInfo,
    ),
    Action(
        "GET",
        "/v1/{project_id}/ips-rule",
        "list_ips_rules",
        "List the IPS signatures with their mode on a protected object",
        query=ListIpsRulesQuery,
        answer=IpsRuleListVO,
    ),
    Action(
        "POST",
        "/v1/{project_id}/ips-rule/mode",
        "change_ips_rule_mode",
        "Set the mode of IPS signatures on a protected object",
        body=IpsRuleChangeDto,
        answer=IpsRuleChangeRespBody,
        mode="write",
    ),
    Action(
        "GET",
        "/v1/{project_id}/ips-rule/detail",
        "show_ips_update_time",
        "The version and update time of the IPS signature libraries",
        query=ShowIpsUpdateTimeQuery,
        answer=IpsRuleUpdateTimeVO,
        many=True,
    ),
    Action(
        "GET",
        "/v1/{project_id}/advanced-ips-rules",
        "list_advanced_ips_rules",
        "List the advanced IPS rules of a protected object",
        query=AdvancedQuery,
        answer=AdvancedIpsRuleListVo,
    ),
    Action(
        "POST",
        "/v1/{project_id}/advanced-ips-rule",
        "update_advanced_ips_rule",
        "Change an advanced IPS rule of a protected object",
        body=AdvancedIpsRuleDto,
        answer=BatchCustomerIpsRespData,
        mode="write",
    ),
    Action(
        "POST",
        "/v1/{project_id}/ips/custom-rule/action",
        "batch_update_customer_ips_action",
        "Set the action of custom IPS rules",
        body=IpsCustomerBatchDto,
        answer=BatchCustomerIpsRespData,
        errors=(ConfigApplying,),
        mode="write",
    ),
)
