"""Custom IPS signatures and the IPS whitelist of a firewall (CreateCustomerIps & co.,
BatchCreateIpsWhitelist & co.).

A custom rule is "applying" (``config_status`` 1) for ``APPLY_MS`` after each change, then
"applied" (2): the state the Terraform provider polls for. While it is applying, changing or
deleting it answers CFW.00109003, which the provider retries.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from opencfw.domain.errors import BadParameter, NameConflict, OpenCfwError
from opencfw.resources import checks
from opencfw.resources.actions import Action
from opencfw.resources.registry import Batch, Filter, Match, Operation, Resource, Scope, optional

#: how long a custom rule stays "applying" after a change
APPLY_MS = 1_000
APPLYING, APPLIED = 1, 2

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
Name = Annotated[str, Meta(min_length=1, max_length=255)]
Text = Annotated[str, Meta(max_length=255)]
Offset = Annotated[int, Meta(ge=0, le=65535)]
Ports = Annotated[str, Meta(max_length=255)]


class ConfigApplying(OpenCfwError):
    """The rule's last change is still being applied to the engine: try again."""

    error_code = "CFW.00109003"
    http_status = 400
    default_message = "http to external service response status error"


class IpsContent(Struct):
    content: Annotated[str, Meta(min_length=1, max_length=255)]
    depth: Annotated[int, Meta(ge=1, le=65535)]
    is_hex: bool
    is_ignore: bool
    is_uri: bool
    offset: Offset
    relative_position: Literal[0, 1]  # from the start of the packet, after the previous content


class Port(Struct):
    port_type: Literal[-1, 0, 1]  # any, these ports, all but these ports
    ports: Ports | None = None


class CustomerIps(Struct):
    id: str
    project_id: str
    firewall_id: str
    ips_name: str
    action_type: int
    affected_os: int
    attack_type: int
    direction: int
    protocol: int
    severity: int
    software: int
    src_port: str  # a Port, as JSON
    dst_port: str
    contents: str  # the IpsContent list, as JSON
    created_ms: int
    updated_ms: int
    ips_id: str = ""  # the signature id the engine knows the rule by (made on creation)


class CustomerIpsSaveDto(Struct):
    ips_name: Name
    protocol: Annotated[int, Meta(ge=1, le=24)]  # FTP ... ORACLE
    affected_os: Annotated[int, Meta(ge=0, le=10)]
    attack_type: Annotated[int, Meta(ge=1, le=20)]
    direction: Literal[-1, 0, 1]  # any, client to server, server to client
    severity: Literal[0, 1, 2, 3]  # critical, high, medium, low
    software: Annotated[int, Meta(ge=0, le=35)]
    src_port: Port
    dst_port: Port
    contents: Annotated[list[IpsContent], Meta(min_length=1, max_length=4)]
    action_type: Literal[0, 1] = 0  # log only, block
    fw_instance_id: Id | None = None  # or the query's
    object_id: Id | None = None  # deprecated, accepted and not used


class ListCustomerIpsQuery(Struct):
    fw_instance_id: Id | None = None
    ips_name: Name | None = None
    ips_id: Id | None = None
    action_type: int | None = None
    affected_os: int | None = None
    attack_type: int | None = None
    protocol: int | None = None
    severity: int | None = None
    software: int | None = None
    object_id: Id | None = None


class CustomerIpsListVO(Struct):
    ips_cfw_id: str
    ips_id: str
    ips_name: str
    action: int
    affected_os: int
    attack_type: int
    config_status: int
    content: str
    direction: int
    protocol: int
    severity: int
    software: int
    src_port_type: int
    src_ports: str | None
    dst_port_type: int
    dst_ports: str | None
    group_id: str


class CustomerIpsVO(Struct):
    ips_cfw_id: str
    ips_id: str
    ips_name: str
    action: int
    affected_os: int
    attack_type: int
    config_status: int
    contents: list[IpsContent]
    direction: int
    protocol: int
    severity: int
    software: int
    src_port: Port
    dst_port: Port
    group_id: str


class IpsCustomerBatchDto(Struct):
    ips_ids: Annotated[list[Id], Meta(min_length=1, max_length=100)]
    fw_instance_id: Id | None = None
    action_type: Literal[0, 1] | None = None


def _port(value: Any, field: str) -> str:
    """A port condition as stored: checked, as JSON text."""
    if isinstance(value, str):
        return value
    if value.port_type != -1:
        for part in (value.ports or "").split(","):
            checks.ports(part.strip() or "x", f"{field}.ports")
    return msgspec.json.encode(value).decode()


def validate_rule(row: CustomerIps) -> CustomerIps:
    contents = row.contents
    if not isinstance(contents, str):
        if any(c.offset >= c.depth for c in contents):
            raise BadParameter("Invalid request body: a content's `offset` must be below its `depth`")
        contents = msgspec.json.encode(contents).decode()
    ips_id = row.ips_id or str(6_000_000 + int(row.id.replace("-", "")[:8], 16) % 1_000_000)
    return msgspec.structs.replace(
        row,
        ips_id=ips_id,
        src_port=_port(row.src_port, "src_port"),
        dst_port=_port(row.dst_port, "dst_port"),
        contents=contents,
    )


def config_status(row: CustomerIps, now_ms: int) -> int:
    return APPLIED if now_ms - row.updated_ms >= APPLY_MS else APPLYING


def rule_view(row: CustomerIps, now_ms: int) -> dict[str, Any]:
    src, dst = msgspec.json.decode(row.src_port), msgspec.json.decode(row.dst_port)
    return {
        "config_status": config_status(row, now_ms),
        "contents": msgspec.json.decode(row.contents),
        "content": row.contents,
        "src_port": src,
        "dst_port": dst,
        "src_port_type": src["port_type"],
        "src_ports": src.get("ports"),
        "dst_port_type": dst["port_type"],
        "dst_ports": dst.get("ports"),
        "group_id": row.firewall_id,
    }


def settled(row: CustomerIps, now_ms: int) -> None:
    if config_status(row, now_ms) == APPLYING:
        raise ConfigApplying(f"The custom IPS rule {row.id} is still being applied; try again")


CUSTOMER_IPS = Resource(
    name="customer_ips",
    title="custom IPS rule",
    table="customer_ips",
    model=CustomerIps,
    create=CustomerIpsSaveDto,
    update=optional(CustomerIpsSaveDto, "UpdateCustomerIpsDto", exclude=("fw_instance_id", "object_id")),
    query=ListCustomerIpsQuery,
    record=CustomerIpsListVO,
    detail=CustomerIpsVO,
    scope=Scope.FIREWALL,
    filters=(
        Filter("ips_name", Match.KEY_WORD),
        Filter("ips_id"),
        Filter("action_type"),
        Filter("affected_os"),
        Filter("attack_type"),
        Filter("protocol"),
        Filter("severity"),
        Filter("software"),
    ),
    view={"ips_cfw_id": "id", "action": "action_type"},
    unique=(("firewall_id", "ips_name"),),
    conflict=NameConflict,
    validate=validate_rule,
    computed=rule_view,
    computed_fields=(
        "config_status",
        "contents",
        "content",
        "src_port",
        "dst_port",
        "src_port_type",
        "src_ports",
        "dst_port_type",
        "dst_ports",
        "group_id",
    ),
    settled=settled,
    errors=(NameConflict, ConfigApplying),
    batch=Batch(IpsCustomerBatchDto, "ips_ids", lambda rows: {"id": ",".join(r.id for r in rows)}),
    operations=(
        Operation("create", "POST", "/v1/{project_id}/ips/custom-rule", "create_customer_ips"),
        Operation("list", "GET", "/v1/{project_id}/ips/custom-rule", "list_customer_ips"),
        Operation("update", "PUT", "/v1/{project_id}/ips/custom-rule/{ips_cfw_id}", "update_customer_ips"),
        Operation(
            "delete_many",
            "POST",
            "/v1/{project_id}/ips/custom-rule/batch-delete",
            "batch_delete_customer_ips",
        ),
    ),
)


# -- the IPS whitelist: traffic between two addresses that IPS signatures (or one) let pass

IpVersion = Literal[4, 6]
Scopes = Annotated[list[Literal["NAT", "EIP", "VPC", "VGW"]], Meta(min_length=1, max_length=4)]


class IpsWhitelist(Struct):
    id: str
    project_id: str
    firewall_id: str
    name: str
    ip_version: int
    source_address: str | None
    dest_address: str | None
    ips_id: str
    effective_scopes: str  # JSON list
    description: str | None
    created_ms: int
    updated_ms: int


class IpsWhiteListDto(Struct):
    name: Annotated[str, Meta(min_length=1, max_length=64)]
    ip_version: IpVersion
    ips_id: Annotated[str, Meta(pattern=r"^(all|[0-9]{1,16})\Z")]  # "all": every signature
    effective_scopes: Scopes
    source_address: Annotated[str, Meta(max_length=128)] | None = None
    dest_address: Annotated[str, Meta(max_length=128)] | None = None
    description: Text | None = None


class BatchCreateIpsWhiteListDto(Struct):
    ips_white_list_dto_list: Annotated[list[IpsWhiteListDto], Meta(min_length=1, max_length=100)]


class ListIpsWhitelistsQuery(Struct):
    name: Name | None = None
    source_address: Annotated[str, Meta(max_length=128)] | None = None
    dest_address: Annotated[str, Meta(max_length=128)] | None = None


class IpsWhiteListVO(Struct):
    list_id: str
    name: str
    ip_version: int
    source_address: str | None
    dest_address: str | None
    ips_id: str
    effective_scopes: list[str]
    description: str | None


class BatchDeleteIpsWhiteListRequestBody(Struct):
    list_ids: Annotated[list[Id], Meta(min_length=1, max_length=100)]


def validate_whitelist(row: IpsWhitelist) -> IpsWhitelist:
    if not row.source_address and not row.dest_address:
        raise BadParameter("Invalid request body: give `source_address`, `dest_address` or both")
    family = 0 if row.ip_version == 4 else 1
    for field in ("source_address", "dest_address"):
        if value := getattr(row, field):
            checks.network(value, family, field)
    scopes = row.effective_scopes
    if not isinstance(scopes, str):
        scopes = msgspec.json.encode(sorted(set(scopes))).decode()
    return msgspec.structs.replace(row, effective_scopes=scopes)


IPS_WHITELIST = Resource(
    name="ips_whitelist",
    title="IPS whitelist entry",
    table="ips_whitelists",
    model=IpsWhitelist,
    create=BatchCreateIpsWhiteListDto,
    update=optional(IpsWhiteListDto, "UpdateIpsWhitelistDto"),
    query=ListIpsWhitelistsQuery,
    record=IpsWhiteListVO,
    scope=Scope.FIREWALL,
    items="ips_white_list_dto_list",
    answer_many=lambda rows: {"list_ids": [row.id for row in rows]},
    filters=(
        Filter("name", Match.KEY_WORD),
        Filter("source_address", Match.ADDRESS),
        Filter("dest_address", Match.ADDRESS),
    ),
    view={"list_id": "id"},
    unique=(("firewall_id", "name"),),
    conflict=NameConflict,
    validate=validate_whitelist,
    computed=lambda row, _now: {"effective_scopes": msgspec.json.decode(row.effective_scopes)},
    computed_fields=("effective_scopes",),
    answer=lambda row: {"ips_whitelist_id": row.id},
    errors=(NameConflict,),
    batch=Batch(
        BatchDeleteIpsWhiteListRequestBody, "list_ids", lambda rows: {"list_ids": [r.id for r in rows]}
    ),
    operations=(
        Operation(
            "create",
            "POST",
            "/v1/{project_id}/cfw/{fw_instance_id}/ips/whitelist/batch-create",
            "batch_create_ips_whitelist",
        ),
        Operation(
            "list", "GET", "/v1/{project_id}/cfw/{fw_instance_id}/ips/whitelist", "list_ips_whitelists"
        ),
        Operation(
            "update",
            "PUT",
            "/v1/{project_id}/cfw/{fw_instance_id}/ips/whitelist/{list_id}",
            "update_ips_whitelist",
        ),
        Operation(
            "delete_many",
            "POST",
            "/v1/{project_id}/cfw/{fw_instance_id}/ips/whitelist/batch-delete",
            "batch_delete_ips_whitelist",
        ),
    ),
)


# -- the signature catalogue shipped with opencfw, the mode of each signature per protected
# object, and the advanced ("frequency") rules of each object


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
