"""The documented CFW endpoints: jobs and the pay-per-use firewall lifecycle (spec sections 1-4)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import msgspec

from opencfw.api import schemas, views
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.domain.errors import BadParameter
from opencfw.domain.models import Edition, Firewall, Tag
from opencfw.service.firewalls import NewFirewall, TagFilter
from opencfw.service.protection import Protection

_encode = msgspec.json.Encoder().encode

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

_EDITIONS = {"standard": Edition.STANDARD, "professional": Edition.PROFESSIONAL}
_EDITION_NAMES = {Edition.STANDARD: "Standard", Edition.PROFESSIONAL: "Professional"}


async def list_job(rt: Runtime, req: Request) -> Response:
    # answers are kept, coherent with the store's changes (service/job_answers.py)
    job_id = schemas.path_id(req.params["job_id"], "job_id")
    body, retry = await rt.job_reads.answer(req.params["project_id"], job_id)
    if retry is None:
        return Response(200, body, [])
    # a harmless addition to the documented answer: when the job is worth asking about again
    return Response(200, body, [(b"retry-after", str(retry).encode())])


def create_firewall(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, schemas.CreateFirewallIn)
    schemas.check_name(body.name, "name")
    edition = _EDITIONS.get(body.flavor.version.lower())
    if edition is None:
        raise BadParameter("Invalid request body: `flavor.version` must be Standard or Professional")
    mode = body.charge_info.charge_mode
    if mode.lower() == "prepaid":
        raise BadParameter(
            "Only pay-per-use firewalls are supported: `charge_info.charge_mode` must be postPaid"
        )
    if mode.lower() != "postpaid":
        raise BadParameter("Invalid request body: `charge_info.charge_mode` must be postPaid or prePaid")
    if body.charge_info.period_type is not None and body.charge_info.period_type not in ("month", "year"):
        raise BadParameter("Invalid request body: `charge_info.period_type` must be month or year")
    if edition is not Edition.PROFESSIONAL:
        # SDK CreateFirewallReqFlavor: postPaid supports the Professional edition only
        raise BadParameter(
            "Invalid request body: pay-per-use (postPaid) firewalls are Professional only: "
            "`flavor.version` must be Professional"
        )
    auto_renew = schemas.as_bool(body.charge_info.is_auto_renew, "charge_info.is_auto_renew")
    auto_pay = schemas.as_bool(body.charge_info.is_auto_pay, "charge_info.is_auto_pay")
    tags = [Tag(t.key, t.value) for t in body.tags or []]  # checked by the service (validate_tags)
    spec = NewFirewall(
        name=body.name,
        enterprise_project_id=body.enterprise_project_id or "0",
        edition=edition,
        # the extend_* fields take effect for yearly/monthly firewalls only: accepted, not applied
        extend_eip_count=0,
        extend_bandwidth=0,
        extend_vpc_count=0,
        tags=tags,
    )
    token = req.headers.get("x-client-token") or req.headers.get("idempotency-key")
    idempotency = None
    if token is not None:
        if not schemas.CLIENT_TOKEN.fullmatch(token):
            raise BadParameter("The X-Client-Token header must be 1-64 letters, digits, '-' or '_'")
        # the decoded body, re-encoded, is the request's identity: key order and spacing do not matter
        idempotency = (token, hashlib.sha256(msgspec.json.encode(body)).hexdigest())
    job_id = rt.firewalls.create(req.params["project_id"], spec, idempotency)
    charge_info: dict[str, Any] = {
        "charge_mode": "postPaid",
        "is_auto_renew": auto_renew,
        "is_auto_pay": auto_pay,
    }
    if body.charge_info.period_type is not None:
        charge_info["period_type"] = body.charge_info.period_type
    if body.charge_info.period_num is not None:
        charge_info["period_num"] = body.charge_info.period_num
    echo = {
        "name": spec.name,
        "enterprise_project_id": spec.enterprise_project_id,
        "tags": [{"key": t.key, "value": t.value} for t in tags] if body.tags is not None else None,
        # the flavor as sent (extend_* only when given), the version spelled as documented
        "flavor": {
            "version": _EDITION_NAMES[edition],
            **{
                name: getattr(body.flavor, name)
                for name in ("extend_eip_count", "extend_bandwidth", "extend_vpc_count")
                if getattr(body.flavor, name) is not None
            },
        },
        "charge_info": charge_info,
    }
    rt.wake_engine()
    return json_response(200, {"job_id": job_id, "data": echo})


def _records(rt: Runtime, project_id: str, firewalls: list[Firewall]) -> list[dict[str, Any]]:
    vpc_objects = (
        Protection(rt.store, rt.clock, resources=rt.resources).vpc_border_objects(project_id)
        if firewalls
        else {}
    )
    return [views.firewall_record(fw, vpc_objects.get(fw.id)) for fw in firewalls]


def firewall_detail(rt: Runtime, req: Request) -> Response:
    q = req.query
    offset = schemas.query_int(q, "offset", low=0, high=2**31 - 1)
    limit = schemas.query_int(q, "limit", low=1, high=1024)
    service_type = schemas.query_int(q, "service_type", low=0, high=2**31 - 1)
    if service_type != 0:
        raise BadParameter("The query parameter `service_type` must be 0")
    firewall_id = schemas.query_text(q, "fw_instance_id", pattern=schemas.RESOURCE_ID)
    records = rt.firewalls.detail(
        req.params["project_id"],
        firewall_id=firewall_id,
        name=schemas.query_text(q, "name"),
        enterprise_project_id=schemas.query_text(q, "enterprise_project_id"),
    )
    data = {
        "offset": offset,
        "limit": limit,
        "total": len(records),
        "records": _records(rt, req.params["project_id"], records),
    }
    return json_response(200, {"data": data})


def _tag_filter(given: schemas.TagFilterIn) -> TagFilter:
    """``values`` (documented) and ``value`` both name accepted values; neither: any value."""
    values = [*(given.values or []), *([given.value] if given.value is not None else [])]
    return TagFilter(given.key, frozenset(values) if values else None)


def firewall_list(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, schemas.ListFirewallsIn)
    project_id = req.params["project_id"]
    total, page = rt.firewalls.list(
        project_id,
        key_word=body.key_word or None,
        enterprise_project_id=body.enterprise_project_id or None,
        tags=[_tag_filter(t) for t in body.tags or []],
        offset=body.offset,
        limit=body.limit,
    )
    data = {
        "limit": body.limit,
        "offset": body.offset,
        "project_id": project_id,
        "total": total,
        "records": _records(rt, project_id, page),
    }
    return json_response(
        200,
        {
            "user_support_eps": False,
            "has_ndr": False,
            "is_support_postpaid": True,
            "is_support_basic_version": False,
            "is_support_buy_professional": True,
            "data": data,
        },
    )


def rename_firewall(rt: Runtime, req: Request) -> Response:
    firewall_id = schemas.query_text(req.query, "fw_instance_id", pattern=schemas.RESOURCE_ID)
    if firewall_id is None:
        raise BadParameter("The query parameter `fw_instance_id` is required")
    body = schemas.decode_body(req.body, schemas.RenameFirewallIn)
    schemas.check_name(body.fw_instance_name, "fw_instance_name")
    firewall = rt.firewalls.rename(req.params["project_id"], firewall_id, body.fw_instance_name)
    return json_response(200, {"data": {"id": firewall.id, "name": firewall.name}})


def delete_firewall(rt: Runtime, req: Request) -> Response:
    firewall_id = schemas.path_id(req.params["resource_id"], "resource_id")
    job = rt.firewalls.delete(req.params["project_id"], firewall_id)
    rt.wake_engine()
    return json_response(200, {"data": job.id})


ROUTES = [
    Route("GET", "/v3/{project_id}/jobs/{job_id}", list_job, mode="async"),
    Route("POST", "/v2/{project_id}/firewall", create_firewall, mode="write"),
    Route("DELETE", "/v2/{project_id}/firewall/{resource_id}", delete_firewall, mode="write"),
    Route("GET", "/v1/{project_id}/firewall/exist", firewall_detail),
    Route("POST", "/v1/{project_id}/firewalls/list", firewall_list),
    Route("PUT", "/v1/{project_id}/firewall/name", rename_firewall, mode="write"),
]
