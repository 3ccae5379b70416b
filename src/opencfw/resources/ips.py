"""Custom IPS signatures and the IPS whitelist of a firewall (CreateCustomerIps & co.,
BatchCreateIpsWhitelist & co.); the signature catalogue and the custom signatures' actions:
``ips_signatures``.

A custom rule is "applying" (``config_status`` 1) for ``APPLY_MS`` after each change, then
"applied" (2): the state the Terraform provider polls for. While it is applying, changing or
deleting it answers CFW.00109003, which the provider retries.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from opencfw.domain.errors import BadParameter, NameConflict, OpenCfwError
from opencfw.resources import checks
from opencfw.resources.registry import Batch, Filter, Match, Operation, Resource, Scope, optional

#: how long a custom rule stays "applying" after a change
APPLY_MS = 1_000
APPLYING, APPLIED = 1, 2

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
Name = Annotated[str, Meta(min_length=1, max_length=255)]
Text = Annotated[str, Meta(max_length=255)]
Offset = Annotated[int, Meta(ge=0, le=65535)]
#: the SDK's ``Integer``: a filter past it matches nothing and would not fit a column's type
Int32 = Annotated[int, Meta(ge=-(2**31), le=2**31 - 1)]
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
    action_type: Int32 | None = None
    affected_os: Int32 | None = None
    attack_type: Int32 | None = None
    protocol: Int32 | None = None
    severity: Int32 | None = None
    software: Int32 | None = None
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
