"""Access-control (ACL) rules of a protected object (AddAclRule & co.): the structs of the official
SDK's bodies and answers and the rule's own errors; the checks of a rule's addresses and services
are ``acl_checks``.

Rules are ordered (first match wins), so they are not served by the registry's generic handlers:
``service/acl_rules.py`` keeps their order and their references to address and service groups
(a link row per group, which the registry counts for the groups' ``ref_count`` and in-use check).
Their operations are declared here as ``Action``s so the OpenAPI document is generated from these
structs like the registry's."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

from opencfw.domain.errors import OpenCfwError
from opencfw.resources.registry import Action

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
Text = Annotated[str, Meta(max_length=255)]
Flag = Literal[0, 1]

RULES_PER_CALL = 20
RULES_PER_FIREWALL = 20000
LONG_CONNECTION_RULES = 50
LONG_CONNECTION_SECONDS = 1000 * 86400
ADDRESSES_PER_SIDE = 20
GROUPS_PER_SIDE = 2
SERVICE_GROUPS = 5
#: protocols: TCP, UDP, ICMP, ICMPv6, any
PROTOCOLS = (6, 17, 1, 58, -1)


class TooManyRules(OpenCfwError):
    error_code = "CFW.00200020"
    http_status = 400
    default_message = f"added acl rules can't exceed {RULES_PER_CALL}"


class RulesFull(OpenCfwError):
    error_code = "CFW.00200024"
    http_status = 400
    default_message = f"Exceeded maximum quantity limit ({RULES_PER_FIREWALL} rules per firewall)"


class LongConnectionTime(OpenCfwError):
    error_code = "CFW.00200025"
    http_status = 400
    default_message = "long connection acl rules time out of range (1 second to 1000 days)"


class LongConnectionsFull(OpenCfwError):
    error_code = "CFW.00200026"
    http_status = 400
    default_message = f"Long connection acl rules reach limit ({LONG_CONNECTION_RULES})"


class AddressError(OpenCfwError):
    error_code = "CFW.00200027"
    http_status = 400
    default_message = "acl address is error"


class LongConnectionProtocol(OpenCfwError):
    error_code = "CFW.00400010"
    http_status = 400
    default_message = "not supported protocol for long connection"


class HitCountParam(OpenCfwError):
    error_code = "CFW.00400006"
    http_status = 400
    default_message = "clear rule hit count param error"


class RuleTypeInconsistent(OpenCfwError):
    error_code = "CFW.00400007"
    http_status = 400
    default_message = "ACL_RULE_TYPE_INCONSISTENT"


ERRORS: tuple[type[OpenCfwError], ...] = (
    TooManyRules,
    RulesFull,
    LongConnectionTime,
    LongConnectionsFull,
    AddressError,
    LongConnectionProtocol,
    HitCountParam,
    RuleTypeInconsistent,
)

# -- request structs (unknown keys, like the provider's `addressType`, are ignored)


class OrderRuleAclDto(Struct):
    """Where a rule goes: on top, at the bottom, or right after ``dest_rule_id``."""

    dest_rule_id: Id | Literal[""] | None = None
    top: Flag | None = None
    bottom: Flag | None = None


class IpRegionDto(Struct):
    region_id: Annotated[str, Meta(max_length=64)] | None = None
    description_cn: Text | None = None
    description_en: Text | None = None
    region_type: Literal[0, 1, 2] | None = None  # country, province, continent


class RuleAddressDto(Struct, omit_defaults=True):
    """A rule's source or destination. ``type``: 0 manual address, 1 one address group, 2 domain
    name, 3 geo regions, 4 domain group (application), 5 several objects (addresses, groups,
    predefined groups), 6 domain group (network), 7 domain (application)."""

    type: Literal[0, 1, 2, 3, 4, 5, 6, 7]
    address_type: Literal[0, 1, 2] | None = None
    address: Annotated[str, Meta(max_length=128)] | None = None
    address_set_id: Id | None = None
    address_set_name: Text | None = None
    address_set_type: Literal[0, 1, 2, 3] | None = None
    domain_address_name: Text | None = None
    region_list_json: Annotated[str, Meta(max_length=4096)] | None = None
    region_list: Annotated[list[IpRegionDto], Meta(max_length=256)] | None = None
    domain_set_id: Id | None = None
    domain_set_name: Text | None = None
    ip_address: Annotated[list[Annotated[str, Meta(max_length=128)]], Meta(max_length=64)] | None = None
    predefined_group: Annotated[list[Id], Meta(max_length=64)] | None = None
    address_group: Annotated[list[Id], Meta(max_length=64)] | None = None


class ServiceItem(Struct, omit_defaults=True):
    protocol: Literal[6, 17, 1, 58, -1]
    source_port: Annotated[str, Meta(max_length=11)] | None = None
    dest_port: Annotated[str, Meta(max_length=11)] | None = None
    description: Text | None = None
    name: Text | None = None


class RuleServiceDto(Struct, omit_defaults=True):
    """A rule's service. ``type`` 0 manual (``protocol`` and ports), 1 one service group
    (``service_set_id``), and 2 — sent by the Terraform provider, not documented — custom services
    (``custom_service``) or groups (``service_group``, ``predefined_group``)."""

    type: Literal[0, 1, 2]
    protocol: Literal[6, 17, 1, 58, -1] | None = None
    protocols: Annotated[list[Literal[6, 17, 1, 58, -1]], Meta(max_length=8)] | None = None
    source_port: Annotated[str, Meta(max_length=11)] | None = None
    dest_port: Annotated[str, Meta(max_length=11)] | None = None
    service_set_id: Id | None = None
    service_set_name: Text | None = None
    service_set_type: Literal[0, 1, 2, 3] | None = None
    custom_service: Annotated[list[ServiceItem], Meta(max_length=64)] | None = None
    predefined_group: Annotated[list[Id], Meta(max_length=64)] | None = None
    service_group: Annotated[list[Id], Meta(max_length=64)] | None = None


class TagsVO(Struct, omit_defaults=True):
    tag_id: Annotated[str, Meta(max_length=64)] | None = None
    tag_key: Text | None = None
    tag_value: Text | None = None


Hours = Annotated[int, Meta(ge=0, le=24000)]
Sixty = Annotated[int, Meta(ge=0, le=60)]


class AddRuleAclDtoRules(Struct):
    """One rule of an AddAclRule body."""

    name: Text
    sequence: OrderRuleAclDto
    address_type: Literal[0, 1, 2]
    action_type: Flag  # 0 permit, 1 deny
    status: Flag  # 0 disabled, 1 enabled
    long_connect_enable: Flag
    source: RuleAddressDto
    destination: RuleAddressDto
    service: RuleServiceDto
    applications: Annotated[list[Annotated[str, Meta(max_length=32)]], Meta(max_length=32)] | None = None
    long_connect_time: Annotated[int, Meta(ge=0, le=2**40)] | None = None
    long_connect_time_hour: Hours | None = None
    long_connect_time_minute: Sixty | None = None
    long_connect_time_second: Sixty | None = None
    description: Text | None = None
    direction: Flag | None = None  # 0 inbound, 1 outbound
    tag: TagsVO | None = None


class AddRuleAclDto(Struct):
    object_id: Id
    type: Literal[0, 1, 2]  # 0 Internet border, 1 inter-VPC, 2 NAT
    rules: Annotated[list[AddRuleAclDtoRules], Meta(min_length=1, max_length=1024)]


class UpdateRuleAclDto(Struct):
    """The whole rule as the provider sends it (no ``sequence``); a field not sent is kept."""

    name: Text | None = None
    address_type: Literal[0, 1, 2] | None = None
    action_type: Flag | None = None
    status: Flag | None = None
    long_connect_enable: Flag | None = None
    source: RuleAddressDto | None = None
    destination: RuleAddressDto | None = None
    service: RuleServiceDto | None = None
    applications: Annotated[list[Annotated[str, Meta(max_length=32)]], Meta(max_length=32)] | None = None
    long_connect_time: Annotated[int, Meta(ge=0, le=2**40)] | None = None
    long_connect_time_hour: Hours | None = None
    long_connect_time_minute: Sixty | None = None
    long_connect_time_second: Sixty | None = None
    description: Text | None = None
    direction: Flag | None = None
    type: Literal[0, 1, 2] | None = None
    tag: TagsVO | None = None


class RuleIds(Struct):
    rule_ids: Annotated[list[Id], Meta(min_length=1, max_length=1024)]


class DeleteRuleAclDto(Struct):
    object_id: Id
    rule_ids: Annotated[list[Id], Meta(min_length=1, max_length=1024)]


class UpdateSecurityPolciesActionDto(Struct):
    """Batch change of rules' action: ``enable`` is permit, ``disable`` deny (the SDK's words)."""

    object_id: Id
    action: Literal["enable", "disable"]
    rule_ids: Annotated[list[Id], Meta(min_length=1, max_length=1024)]


class ExportRuleAclRequestBody(Struct):
    object_id: Id


class ObjectQuery(Struct):
    object_id: Id


class TagsQuery(Struct):
    fw_instance_id: Id


class ListAclRulesQuery(Struct):
    object_id: Id
    type: Literal[0, 1, 2] | None = None
    ip: Annotated[str, Meta(max_length=128)] | None = None
    name: Text | None = None
    direction: Flag | None = None
    status: Flag | None = None
    action_type: Flag | None = None
    address_type: Literal[0, 1, 2] | None = None
    tags_id: Annotated[str, Meta(max_length=64)] | None = None
    source: Text | None = None
    destination: Text | None = None
    service: Text | None = None
    application: Annotated[str, Meta(max_length=32)] | None = None


class EvaluateFlow(Struct):
    """A flow to evaluate (opencfw's own API): the protected object (default: the firewall's
    Internet border object), addresses, protocol, ports and direction (0 inbound, 1 outbound)."""

    source: Annotated[str, Meta(max_length=64)]
    destination: Annotated[str, Meta(max_length=64)]
    protocol: Literal[6, 17, 1, 58]
    direction: Flag = 0
    source_port: Annotated[int, Meta(ge=1, le=65535)] | None = None
    dest_port: Annotated[int, Meta(ge=1, le=65535)] | None = None
    object_id: Id | None = None


_RULES = "/v1/{project_id}/acl-rule"


def _action(
    method: str,
    path: str,
    sdk: str,
    title: str,
    body: type[Struct] | None = None,
    query: type[Struct] | None = None,
    **more: Any,
) -> Action:
    return Action(method, path, sdk, title, body, query, ERRORS, **more)


_FILE = "application/octet-stream"


#: the operations of the ACL rules, each served by its handler in ``api/acl_routes.py`` (literal
#: path segments before parameters: ``/acl-rule/action`` before ``/acl-rule/{acl_rule_id}``)
ACTIONS = (
    _action("POST", _RULES, "add_acl_rule", "Add ACL rules", body=AddRuleAclDto),
    _action("DELETE", _RULES, "batch_delete_acl_rules", "Delete ACL rules", body=DeleteRuleAclDto),
    _action(
        "GET",
        "/v1/{project_id}/acl-rules",
        "list_acl_rules",
        "List ACL rules",
        query=ListAclRulesQuery,
        paged=True,
    ),
    _action("POST", _RULES + "/export", "export_rule_acl", "Export ACL rules", body=ExportRuleAclRequestBody),
    _action("GET", _RULES + "/export-status", "show_export_status", "Export status", query=ObjectQuery),
    _action(
        "GET",
        _RULES + "/export-result",
        "download_export_result",
        "Exported rules",
        query=ObjectQuery,
        produces=_FILE,
    ),
    _action(
        "POST", _RULES + "/import", "import_rule_acl", "Import ACL rules", query=ObjectQuery, upload=True
    ),
    _action("GET", _RULES + "/import-status", "show_import_status", "Import status", query=ObjectQuery),
    _action(
        "GET",
        _RULES + "/import-result",
        "download_import_result",
        "Import report",
        query=ObjectQuery,
        produces=_FILE,
    ),
    _action(
        "GET",
        _RULES + "/import-template",
        "download_import_template",
        "Import template",
        query=ObjectQuery,
        produces=_FILE,
    ),
    _action(
        "GET",
        "/v2/{project_id}/cfw-acl/tags",
        "list_rule_acl_tags",
        "ACL rule tags",
        query=TagsQuery,
        paged=True,
    ),
    _action(
        "POST",
        "/v1/{project_id}/cfw/{fw_instance_id}/acl-rule/hit-info/batch-query",
        "list_acl_rule_hit_status",
        "Rules' hit status",
        body=RuleIds,
    ),
    _action("POST", _RULES + "/count", "list_acl_rule_hit_count", "Read hit counts", body=RuleIds),
    _action("DELETE", _RULES + "/count", "delete_acl_rule_hit_count", "Clear hit counts", body=RuleIds),
    _action(
        "PUT",
        _RULES + "/action",
        "batch_update_acl_rule_actions",
        "Change ACL rules' action",
        body=UpdateSecurityPolciesActionDto,
    ),
    _action(
        "PUT",
        _RULES + "/order/{acl_rule_id}",
        "update_acl_rule_order",
        "Move an ACL rule",
        body=OrderRuleAclDto,
    ),
    _action("PUT", _RULES + "/{acl_rule_id}", "update_acl_rule", "Change an ACL rule", body=UpdateRuleAclDto),
    _action("DELETE", _RULES + "/{acl_rule_id}", "delete_acl_rule", "Delete an ACL rule"),
    _action(
        "POST",
        "/_opencfw/v1/{project_id}/firewalls/{fw_instance_id}/evaluate",
        "evaluate_flow",
        "Evaluate a flow against a firewall's policy",
        body=EvaluateFlow,
    ),
)
