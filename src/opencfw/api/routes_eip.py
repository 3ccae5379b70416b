"""EIP protection (ListEips, ChangeEipStatus, ListEipCount, the auto-protection status and switch,
the bypass-all switch and its status, the alarm whitelist) and opencfw's own EIP inventory
(``/_opencfw/v1/{project_id}/eips`` for the project's keys, ``/_opencfw/admin/projects/{project_id}/eips``
for the admin token). Thin handlers: decode with the structs of ``eip_schemas``, call ``rt.eips``,
encode. Their OpenAPI description: ``eip_openapi``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opencfw.api import schemas
from opencfw.api.eip_schemas import (
    ADMIN_PATH,
    CFW_PATH,
    OWN_PATH,
    AddEipAlarmWhitelistRequestBody,
    AddEipsIn,
    EipBypassDto,
    EipOperateProtectReq,
    ListAlarmWhitelistQuery,
    ListEipsQuery,
    ObjectQuery,
    SwitchEipStatusDto,
)
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.api.resource_routes import Paging, _query
from opencfw.domain.eips import BYPASS_ON, Eip, ProtectionStatus
from opencfw.domain.errors import BadParameter, NotFound
from opencfw.service.eips import Target, address
from opencfw.store.eips import Listed, NewEip

if TYPE_CHECKING:
    from opencfw.runtime import Runtime


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


_P, _OWN, _ADMIN = CFW_PATH, OWN_PATH, ADMIN_PATH

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
