"""EIP protection (ListEips, ChangeEipStatus, ListEipCount, the auto-protection status and switch,
the bypass-all switch and its status, the alarm whitelist) and opencfw's own EIP inventory
(``/_opencfw/v1/{project_id}/eips`` for the project's keys, ``/_opencfw/admin/projects/{project_id}/eips``
for the admin token). Thin handlers: decode with the structs below, call ``rt.eips``, encode.

``DOCS`` describes every route for the OpenAPI document (``resource_openapi`` generates it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from msgspec import Meta, Struct

from opencfw.api import schemas
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.api.resource_routes import Paging, _query
from opencfw.domain.eips import BYPASS_ON, Eip, ProtectionStatus
from opencfw.domain.errors import BadParameter, InstanceStatusError, NotFound
from opencfw.service.eips import NothingToDo, Target, address
from opencfw.store.eips import Listed, NewEip

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
Text = Annotated[str, Meta(max_length=255)]
Ip = Annotated[str, Meta(max_length=64)]
Status = Literal[0, 1]

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


# -- views


def _record(row: Listed, firewall_id: str) -> dict[str, Any]:
    """A ListEips record; ``status`` as the firewall ``firewall_id`` sees it."""
    eip = row.eip
    bypass = 0
    if row.protection_status in BYPASS_ON:
        bypass = 1
    elif row.protection_status is ProtectionStatus.BYPASS_FAILED:
        bypass = 2
    return {
        "id": eip.id,
        "public_ip": eip.public_ip,
        "status": 0 if eip.firewall_id == firewall_id else 1,
        "public_ipv6": eip.public_ipv6,
        "enterprise_project_id": "0",
        "device_id": eip.device_id,
        "device_name": eip.device_name,
        "device_owner": eip.device_owner,
        "associate_instance_type": eip.associate_instance_type,
        "fw_instance_name": row.firewall_name,
        "fw_instance_id": eip.firewall_id,
        "fw_enterprise_project_id": "0" if eip.firewall_id else None,
        "object_id": eip.object_id,
        "tags": None,
        "domain_id": None,
        "fw_domain_id": None,
        "bypass_status": bypass,
    }


def _inventory(eip: Eip) -> dict[str, Any]:
    return {
        "id": eip.id,
        "public_ip": eip.public_ip,
        "public_ipv6": eip.public_ipv6,
        "device_id": eip.device_id,
        "device_name": eip.device_name,
        "device_owner": eip.device_owner,
        "associate_instance_type": eip.associate_instance_type,
        "synced": bool(eip.synced),
        "fw_instance_id": eip.firewall_id,
        "object_id": eip.object_id,
        "created_ms": eip.created_ms,
    }


def _fw_query(req: Request) -> str | None:
    query = _query(req, ObjectQuery)
    return query.fw_instance_id  # type: ignore[no-any-return]


# -- the CFW API


def list_eips(rt: Runtime, req: Request) -> Response:
    query = _query(req, ListEipsQuery)
    paging = _query(req, Paging)
    filters = {
        "key_word": query.key_word,
        "device_key": query.device_key,
        "fw_key_word": query.fw_key_word,
        "ipv6": True if query.address_type == 1 else None,
        "status": query.status,
    }
    owner, total, rows = rt.eips.listing(
        req.params["project_id"],
        query.object_id,
        query.fw_instance_id,
        filters,
        sync=query.sync == 1,
        offset=paging.offset,
        limit=paging.limit,
    )
    records = [_record(row, owner.id) for row in rows]
    data = {"limit": paging.limit, "offset": paging.offset, "total": total, "records": records}
    return json_response(200, {"data": data})


def change_eip_status(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, EipOperateProtectReq)
    targets = [Target(i.id, i.public_ip, i.public_ipv6) for i in body.ip_infos]
    owner, failed = rt.eips.change_status(
        req.params["project_id"], body.object_id, body.status, targets, _fw_query(req)
    )
    data = {
        "object_id": owner.object_id,
        "id": owner.id,
        "fail_eip_id_list": [eip_id for eip_id, _ in failed],
        "fail_eip_list": [{"id": eip_id, "error_message": why} for eip_id, why in failed],
    }
    return json_response(200, {"data": data})


def list_eip_count(rt: Runtime, req: Request) -> Response:
    object_id = schemas.path_id(req.params["object_id"], "object_id")
    _, counts = rt.eips.counts(req.params["project_id"], object_id, _fw_query(req))
    data = {
        "eip_total": counts.total,
        "eip_protected": counts.protected,
        "eip_protected_self": counts.protected_self,
    }
    return json_response(200, {"data": data})


def show_auto_protect_status(rt: Runtime, req: Request) -> Response:
    object_id = schemas.path_id(req.params["object_id"], "object_id")
    settings, counts = rt.eips.auto_protect(req.params["project_id"], object_id, _fw_query(req))
    data = {
        "object_id": settings.object_id,
        "status": settings.auto_protect,
        "available_eip_count": max(counts.quota - counts.protected_self, 0),
        "beyond_max_count": counts.total > counts.quota,
        "eip_protected_self": counts.protected_self,
        "eip_total": counts.total,
        "eip_un_protected": counts.total - counts.protected,
    }
    return json_response(200, {"data": data})


def switch_auto_protect_status(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, SwitchEipStatusDto)
    object_id = rt.eips.switch_auto_protect(
        req.params["project_id"], body.fw_instance_id, body.object_id, body.status
    )
    return json_response(200, {"data": object_id})


def switch_firewall_eip_protection(rt: Runtime, req: Request) -> Response:
    firewall_id = schemas.path_id(req.params["fw_instance_id"], "fw_instance_id")
    body = schemas.decode_body(req.body, EipBypassDto)
    settings, _ = rt.eips.switch_bypass(req.params["project_id"], firewall_id, body.bypass_operation)
    rt.wake_engine()
    data = {
        "protection_status": int(settings.protection_status),
        "id": settings.firewall_id,
        "object_id": settings.object_id,
    }
    return json_response(200, {"data": data, "fail_reason": ""})


def show_sn_firewall_protection_status(rt: Runtime, req: Request) -> Response:
    firewall_id = schemas.path_id(req.params["fw_instance_id"], "fw_instance_id")
    settings = rt.eips.protection_status(req.params["project_id"], firewall_id)
    data = {
        "protection_status": int(settings.protection_status),
        "id": settings.firewall_id,
        "object_id": settings.object_id,
        "failed_eip_list": [],
        "failed_eip_id_list": [],
    }
    return json_response(200, {"data": data})


def add_eip_alarm_whitelist(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, AddEipAlarmWhitelistRequestBody)
    for info in body.eip_infos:
        if info.fw_instance_id not in (None, body.fw_instance_id):
            raise BadParameter("Invalid request body: `eip_infos[].fw_instance_id` must be `fw_instance_id`")
    targets = [Target(i.eip_id, i.public_ip, i.public_ipv6) for i in body.eip_infos]
    firewall_id = rt.eips.whitelist(req.params["project_id"], body.fw_instance_id, targets)
    return json_response(200, {"data": {"id": firewall_id}})


def list_alarm_whitelist(rt: Runtime, req: Request) -> Response:
    firewall_id = schemas.path_id(req.params["fw_instance_id"], "fw_instance_id")
    query = _query(req, ListAlarmWhitelistQuery)
    paging = _query(req, Paging)
    ip = query.ip_address
    if ip is not None:
        try:
            ip = address(ip, 6 if ":" in ip else 4, "ip_address")
        except BadParameter:
            raise BadParameter(
                f"The query parameter `ip_address` is not an IP address: {ip[:64]!r}"
            ) from None
    total, rows = rt.eips.whitelisted(req.params["project_id"], firewall_id, ip, paging.offset, paging.limit)
    keys = ("eip_id", "fw_instance_id", "object_id", "public_ip", "public_ipv6", "device_name")
    # the provider reads `type` 1 as "whitelisted" (docs/api-notes.md)
    listed = [dict(zip(keys, row, strict=True)) | {"type": 1} for row in rows]
    pages = -(-total // paging.limit)
    return json_response(200, {"data": {"list": listed, "pages": pages, "size": paging.limit}})


# -- the inventory (opencfw's own)


def _project(rt: Runtime, req: Request) -> str:
    project_id = req.params["project_id"]
    if not schemas.PROJECT_ID.fullmatch(project_id) or rt.store.get_project(project_id) is None:
        raise NotFound(f"The project {project_id[:64]} does not exist")
    return project_id


def inventory(rt: Runtime, req: Request) -> Response:
    eips = rt.eips.inventory(_project(rt, req))
    return json_response(200, {"eips": [_inventory(e) for e in eips]})


def add_eips(rt: Runtime, req: Request) -> Response:
    project_id = _project(rt, req)
    body = schemas.decode_body(req.body, AddEipsIn)
    if (body.count is None) == (body.eips is None):
        raise BadParameter("Invalid request body: give either `count` or `eips`")
    if body.eips is None:
        new = [NewEip() for _ in range(body.count or 0)]
    else:
        new = [
            NewEip(
                public_ip=None if e.public_ip is None else address(e.public_ip, 4, "public_ip"),
                public_ipv6=None if e.public_ipv6 is None else address(e.public_ipv6, 6, "public_ipv6"),
                device_id=e.device_id,
                device_name=e.device_name,
                device_owner=e.device_owner,
                associate_instance_type=e.associate_instance_type,
            )
            for e in body.eips
        ]
    made = rt.eips.add(project_id, new)
    return json_response(201, {"eips": [_inventory(e) for e in made]})


def remove_eip(rt: Runtime, req: Request) -> Response:
    project_id = _project(rt, req)
    eip_id = schemas.path_id(req.params["eip_id"], "eip_id")
    rt.eips.remove(project_id, eip_id)
    return json_response(200, {"removed": eip_id})


_P = "/v1/{project_id}"
_OWN = "/_opencfw/v1/{project_id}/eips"
_ADMIN = "/_opencfw/admin/projects/{project_id}/eips"

ROUTES = [
    Route("GET", f"{_P}/eips/protect", list_eips, mode="write"),
    Route("POST", f"{_P}/eip/protect", change_eip_status, mode="write"),
    Route("GET", f"{_P}/eip-count/{{object_id}}", list_eip_count, mode="write"),
    Route("GET", f"{_P}/eip/auto-protect-status/{{object_id}}", show_auto_protect_status, mode="write"),
    Route("POST", f"{_P}/eip/auto-protect-status/switch", switch_auto_protect_status, mode="write"),
    Route(
        "POST",
        f"{_P}/eip/protect/all/{{fw_instance_id}}/operation",
        switch_firewall_eip_protection,
        mode="write",
    ),
    Route(
        "GET",
        f"{_P}/eip/protection-status/{{fw_instance_id}}",
        show_sn_firewall_protection_status,
        mode="write",
    ),
    Route("POST", f"{_P}/eip/alarm-whitelist", add_eip_alarm_whitelist, mode="write"),
    Route("GET", f"{_P}/eip/alarm-whitelist/{{fw_instance_id}}", list_alarm_whitelist, mode="write"),
    Route("GET", _OWN, inventory, mode="write"),
    Route("POST", _OWN, add_eips, mode="write"),
    Route("DELETE", f"{_OWN}/{{eip_id}}", remove_eip, mode="write"),
    Route("GET", _ADMIN, inventory, mode="write", auth="admin"),
    Route("POST", _ADMIN, add_eips, mode="write", auth="admin"),
    Route("DELETE", f"{_ADMIN}/{{eip_id}}", remove_eip, mode="write", auth="admin"),
]


# -- the OpenAPI description of these routes


@dataclass(frozen=True)
class Doc:
    """One route as the OpenAPI document describes it (generated by ``resource_openapi``)."""

    method: str
    path: str
    operation_id: str
    summary: str
    answer: type[Struct]
    query: type[Struct] | None = None
    body: type[Struct] | None = None
    paging: bool = False
    status: int = 200
    #: the error codes of its 400 answers beyond CFW.00200001 and CFW.00200005
    errors: tuple[str, ...] = ()
    admin: bool = False
    description: str = ""


_RUNNING = (InstanceStatusError.error_code,)
DOCS = [
    Doc(
        "GET",
        f"{_P}/eips/protect",
        "ListEips",
        "List the project's EIPs as a protected object sees them",
        ListEipsResponse,
        query=ListEipsQuery,
        paging=True,
        description="`status` 0 is protected by this object's firewall, 1 is not (the record names the "
        "firewall that protects it, if any). `sync=1` first shows the EIPs added since, which firewalls "
        "with auto-protection on then protect (within their quota).",
    ),
    Doc(
        "POST",
        f"{_P}/eip/protect",
        "ChangeEipStatus",
        "Protect (0) or unprotect (1) EIPs",
        ChangeEipStatusResponse,
        query=ObjectQuery,
        body=EipOperateProtectReq,
        errors=_RUNNING,
        description="An EIP that cannot change (unknown, protected by another firewall, over the "
        "firewall's EIP quota) is listed in `fail_eip_list`; the others change.",
    ),
    Doc(
        "GET",
        f"{_P}/eip-count/{{object_id}}",
        "ListEipCount",
        "Count EIPs",
        ListEipCountResponse,
        ObjectQuery,
    ),
    Doc(
        "GET",
        f"{_P}/eip/auto-protect-status/{{object_id}}",
        "ShowAutoProtectStatus",
        "Read the auto-protection of new EIPs",
        ShowAutoProtectStatusResponse,
        ObjectQuery,
    ),
    Doc(
        "POST",
        f"{_P}/eip/auto-protect-status/switch",
        "SwitchAutoProtectStatus",
        "Turn the auto-protection of new EIPs on (1) or off (0)",
        SwitchAutoProtectStatusResponse,
        body=SwitchEipStatusDto,
        errors=_RUNNING,
    ),
    Doc(
        "POST",
        f"{_P}/eip/protect/all/{{fw_instance_id}}/operation",
        "SwitchFirewallEipProtection",
        "Bypass all EIP protection (1) or restore it (0)",
        SwitchFirewallEipProtectionResponse,
        body=EipBypassDto,
        errors=(*_RUNNING, NothingToDo.error_code),
        description="Starts a job: the status is 1 (bypassing) or 4 (restoring) until it ends in 2 or 3, "
        "0 or 5. While a job runs, another switch is CFW.00200016; a switch to where it is, CFW.00400002.",
    ),
    Doc(
        "GET",
        f"{_P}/eip/protection-status/{{fw_instance_id}}",
        "ShowSnFirewallProtectionStatus",
        "Read the bypass-all status",
        ShowSnFirewallProtectionStatusResponse,
    ),
    Doc(
        "POST",
        f"{_P}/eip/alarm-whitelist",
        "AddEipAlarmWhitelist",
        "Put EIPs on a firewall's alarm whitelist",
        AddEipAlarmWhitelistResponse,
        body=AddEipAlarmWhitelistRequestBody,
        errors=_RUNNING,
    ),
    Doc(
        "GET",
        f"{_P}/eip/alarm-whitelist/{{fw_instance_id}}",
        "ListAlarmWhitelist",
        "List a firewall's alarm whitelist",
        ListAlarmWhitelistResponse,
        query=ListAlarmWhitelistQuery,
        paging=True,
        description="Entries are whitelisted EIPs, `type` 1 (as the provider reads it).",
    ),
    *(
        doc
        for prefix, who, admin in ((_OWN, "Opencfw", False), (_ADMIN, "Admin", True))
        for doc in (
            Doc(
                "GET",
                prefix,
                f"{who}ListEipInventory",
                "List the project's EIP inventory (with the EIPs ListEips has not synced yet)",
                InventoryAnswer,
                admin=admin,
            ),
            Doc(
                "POST",
                prefix,
                f"{who}AddEips",
                "Add EIPs to the project's inventory (ListEips shows them after a sync=1)",
                InventoryAnswer,
                body=AddEipsIn,
                status=201,
                admin=admin,
            ),
            Doc(
                "DELETE",
                f"{prefix}/{{eip_id}}",
                f"{who}RemoveEip",
                "Release an EIP: its protection and whitelist entries go with it",
                RemovedAnswer,
                admin=admin,
            ),
        )
    ),
]
