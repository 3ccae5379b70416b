"""The structs of the EIP routes (``routes_eip``): what they decode and the documented shapes of their
answers (also what the OpenAPI document says, ``eip_openapi``), and the routes' path prefixes."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
Text = Annotated[str, Meta(max_length=255)]
Ip = Annotated[str, Meta(max_length=64)]
Status = Literal[0, 1]

#: the CFW API's prefix, opencfw's own inventory for the project's keys and for the admin token
CFW_PATH = "/v1/{project_id}"
OWN_PATH = "/_opencfw/v1/{project_id}/eips"
ADMIN_PATH = "/_opencfw/admin/projects/{project_id}/eips"


# -- requests


class ListEipsQuery(Struct):
    object_id: Id
    key_word: Text | None = None
    status: Status | None = None
    sync: Status | None = None
    device_key: Text | None = None
    address_type: Status | None = None
    fw_instance_id: Id | None = None
    fw_key_word: Text | None = None
    eps_id: Text | None = None
    tags: Text | None = None
    enterprise_project_id: Text | None = None


class EipOperateProtectReqIpInfos(Struct):
    id: Id
    public_ip: Ip | None = None
    public_ipv6: Ip | None = None


class EipOperateProtectReq(Struct):
    object_id: Id
    status: Status
    ip_infos: Annotated[list[EipOperateProtectReqIpInfos], Meta(min_length=1, max_length=1024)]


class SwitchEipStatusDto(Struct):
    fw_instance_id: Id
    object_id: Id
    status: Status


class EipBypassDto(Struct):
    bypass_operation: Status


class EipInfo(Struct):
    eip_id: Id
    fw_instance_id: Id | None = None
    object_id: Id | None = None
    public_ip: Ip | None = None
    public_ipv6: Ip | None = None
    #: accepted and not used: an added EIP is whitelisted (see docs/api-notes.md)
    type: Status | None = None


class AddEipAlarmWhitelistRequestBody(Struct):
    fw_instance_id: Id
    eip_infos: Annotated[list[EipInfo], Meta(min_length=1, max_length=1024)]


class ListAlarmWhitelistQuery(Struct):
    ip_address: Ip | None = None
    enterprise_project_id: Text | None = None
    eps_id: Text | None = None


class ObjectQuery(Struct):
    fw_instance_id: Id | None = None
    enterprise_project_id: Text | None = None


class NewEipIn(Struct, forbid_unknown_fields=True):
    """An EIP to add; without ``public_ip`` it gets the next free documentation address."""

    public_ip: Ip | None = None
    public_ipv6: Ip | None = None
    device_id: Text | None = None
    device_name: Text | None = None
    device_owner: Text | None = None
    associate_instance_type: Literal["PORT", "NATGW", "ELB", "VPN", "EVPN", "IPV6_PORT"] | None = None


class AddEipsIn(Struct, forbid_unknown_fields=True):
    """Either ``count`` EIPs with made-up addresses, or the ``eips`` described."""

    count: Annotated[int, Meta(ge=1, le=1024)] | None = None
    eips: Annotated[list[NewEipIn], Meta(min_length=1, max_length=1024)] | None = None


# -- answers (the documented shapes, also what the OpenAPI document says)


class EipResource(Struct):
    id: str
    public_ip: str
    status: int
    public_ipv6: str | None
    enterprise_project_id: str
    device_id: str | None
    device_name: str | None
    device_owner: str | None
    associate_instance_type: str | None
    fw_instance_name: str | None
    fw_instance_id: str | None
    fw_enterprise_project_id: str | None
    object_id: str | None
    tags: str | None
    domain_id: str | None
    fw_domain_id: str | None
    bypass_status: int


class EipResponseData(Struct):
    limit: int
    offset: int
    total: int
    records: list[EipResource]


class ListEipsResponse(Struct):
    data: EipResponseData


class FailedEipInfo(Struct):
    id: str
    error_message: str


class EipSwitchStatusVo(Struct):
    object_id: str
    id: str
    fail_eip_id_list: list[str]
    fail_eip_list: list[FailedEipInfo]


class ChangeEipStatusResponse(Struct):
    data: EipSwitchStatusVo


class EipCountRespData(Struct):
    eip_total: int
    eip_protected: int
    eip_protected_self: int


class ListEipCountResponse(Struct):
    data: EipCountRespData


class FirewallStatusVo(Struct):
    object_id: str
    status: int
    available_eip_count: int
    beyond_max_count: bool
    eip_protected_self: int
    eip_total: int
    eip_un_protected: int


class ShowAutoProtectStatusResponse(Struct):
    data: FirewallStatusVo


class SwitchAutoProtectStatusResponse(Struct):
    data: str


class SwitchFirewallEipProtectionRespData(Struct):
    protection_status: int
    id: str
    object_id: str


class SwitchFirewallEipProtectionResponse(Struct):
    data: SwitchFirewallEipProtectionRespData
    fail_reason: str


class FirewallProtectionStatusVo(Struct):
    protection_status: int
    id: str
    object_id: str
    failed_eip_list: list[str]
    failed_eip_id_list: list[str]


class ShowSnFirewallProtectionStatusResponse(Struct):
    data: FirewallProtectionStatusVo


class AddEipAlarmWhitelistRespData(Struct):
    id: str


class AddEipAlarmWhitelistResponse(Struct):
    data: AddEipAlarmWhitelistRespData


class WhitelistedEip(Struct):
    eip_id: str
    fw_instance_id: str
    object_id: str
    public_ip: str
    public_ipv6: str | None
    device_name: str | None
    type: int


Entries = list[WhitelistedEip]  # named: the field `list` hides the builtin in the class body


class HttpListAlarmWhiteListResponseData(Struct):
    list: Entries
    pages: int
    size: int


class ListAlarmWhitelistResponse(Struct):
    data: HttpListAlarmWhiteListResponseData


class InventoryEip(Struct):
    id: str
    public_ip: str
    public_ipv6: str | None
    device_id: str | None
    device_name: str | None
    device_owner: str | None
    associate_instance_type: str | None
    synced: bool
    fw_instance_id: str | None
    object_id: str | None
    created_ms: int


class InventoryAnswer(Struct):
    eips: list[InventoryEip]


class RemovedAnswer(Struct):
    removed: str
