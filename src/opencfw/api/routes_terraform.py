"""The endpoints the Terraform resource ``huaweicloud_cfw_firewall`` calls beside the firewall
lifecycle: IPS protection mode and switches, east-west protection, firewall tags (and the tag
reads). IPS settings and east-west protection are resources of the registry whose operations are
settings reads and writes rather than a collection's: their bodies are declared in
``resources/ips_settings.py`` and ``resources/east_west.py``, their rules in ``service/protection.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from msgspec import Meta, Struct

from opencfw.api import schemas
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.domain.errors import BadParameter
from opencfw.domain.models import Tag
from opencfw.resources.east_west import (
    ChangeProtectStatusRequestBody,
    CreateEastWestFirewallRequestBody,
    EastWestRow,
)
from opencfw.resources.ips_settings import IpsProtectDTO, IpsSwitchDTO
from opencfw.service.protection import Protection

if TYPE_CHECKING:
    from opencfw.runtime import Runtime


class TagsIn(Struct):
    tags: Annotated[list[schemas.TagIn], Meta(max_length=20)] | None = None


def _service(rt: Runtime) -> Protection:
    return Protection(rt.store, rt.clock, resources=rt.resources)


def _object_id(req: Request) -> str:
    object_id = schemas.query_text(req.query, "object_id", pattern=schemas.RESOURCE_ID)
    if object_id is None:
        raise BadParameter("The query parameter `object_id` is required")
    return object_id


def _firewall_id(req: Request) -> str | None:
    schemas.query_text(req.query, "enterprise_project_id")  # accepted, bounded, not used
    return schemas.query_text(req.query, "fw_instance_id", pattern=schemas.RESOURCE_ID)


def _required_firewall_id(req: Request) -> str:
    firewall_id = _firewall_id(req)
    if firewall_id is None:
        raise BadParameter("The query parameter `fw_instance_id` is required")
    return firewall_id


def _acknowledged(object_id: str) -> Response:
    return json_response(200, {"data": {"id": object_id}})


# -- IPS


def get_ips_protect(rt: Runtime, req: Request) -> Response:
    object_id = _object_id(req)
    settings = _service(rt).ips_settings(req.params["project_id"], object_id, _firewall_id(req))
    return json_response(200, {"data": {"id": settings.object_id, "mode": int(settings.mode)}})


def set_ips_protect(rt: Runtime, req: Request) -> Response:
    firewall_id = _firewall_id(req)
    body = schemas.decode_body(req.body, IpsProtectDTO)
    _service(rt).set_ips_mode(req.params["project_id"], body.object_id, body.mode, firewall_id)
    return _acknowledged(body.object_id)


def get_ips_switch(rt: Runtime, req: Request) -> Response:
    object_id = _object_id(req)
    settings = _service(rt).ips_settings(req.params["project_id"], object_id, _firewall_id(req))
    data = {
        "id": settings.object_id,
        "basic_defense_status": settings.basic_defense_status,
        "virtual_patches_status": settings.virtual_patches_status,
    }
    return json_response(200, {"data": data})


def set_ips_switch(rt: Runtime, req: Request) -> Response:
    firewall_id = _firewall_id(req)
    body = schemas.decode_body(req.body, IpsSwitchDTO)
    _service(rt).set_ips_switch(
        req.params["project_id"], body.object_id, body.ips_type, body.status, firewall_id
    )
    return _acknowledged(body.object_id)


# -- east-west protection


def east_west_data(
    project_id: str, east_west: EastWestRow | None, offset: int | None, limit: int | None
) -> dict[str, Any]:
    """``data`` of the east-west read; everything null while the firewall has no east-west protection."""
    data: dict[str, Any] = {
        "object_id": None,
        "project_id": project_id,
        "status": None,
        "mode": None,
        "er": None,
        "inspection_vpc": None,
        "firewall_associated_subnets": [],
        "protect_infos": [],
        "total": 0,
        "offset": offset,
        "limit": limit,
    }
    if east_west is not None:
        data |= {
            "object_id": east_west.object_id,
            "status": int(east_west.status),
            "mode": east_west.mode,
            "er": {
                "id": east_west.er_id,
                "name": "",
                "project_id": project_id,
                "attachment_id": east_west.er_attachment_id,
            },
            "inspection_vpc": {
                "id": east_west.inspection_vpc_id,
                "name": f"cfw-inspection-{east_west.firewall_id[:8]}",
                "cidr": east_west.inspection_cidr,
            },
        }
    return data


def get_east_west(rt: Runtime, req: Request) -> Response:
    offset = schemas.query_int(req.query, "offset", low=0, high=2**31 - 1)
    limit = schemas.query_int(req.query, "limit", low=1, high=1024)
    firewall_id = _required_firewall_id(req)
    project_id = req.params["project_id"]
    east_west = _service(rt).east_west(project_id, firewall_id)
    return json_response(200, {"data": east_west_data(project_id, east_west, offset, limit)})


def create_east_west(rt: Runtime, req: Request) -> Response:
    firewall_id = _required_firewall_id(req)
    body = schemas.decode_body(req.body, CreateEastWestFirewallRequestBody)
    east_west = _service(rt).create_east_west(
        req.params["project_id"],
        firewall_id,
        er_id=body.er_id,
        inspection_cidr=body.inspection_cidr,
        mode=body.mode,
    )
    data = {
        "id": east_west.object_id,
        "er": {"er_id": east_west.er_id, "er_attach_id": east_west.er_attachment_id},
        # sic: the documented field name
        "inspertion_vpc": {"vpc_id": east_west.inspection_vpc_id, "subnet_ids": []},
    }
    return json_response(200, {"data": data})


def set_east_west_protect(rt: Runtime, req: Request) -> Response:
    firewall_id = _firewall_id(req)
    body = schemas.decode_body(req.body, ChangeProtectStatusRequestBody)
    _service(rt).set_east_west_status(req.params["project_id"], body.object_id, body.status, firewall_id)
    return _acknowledged(body.object_id)


# -- tags


def _tags(req: Request) -> list[Tag]:
    body = schemas.decode_body(req.body, TagsIn)
    return [Tag(t.key, t.value) for t in body.tags or []]


#: the longest ``enterprise_project_id`` the tag reads and SaveTags document
TAGS_ENTERPRISE_PROJECT = 64


def _path_firewall_id(req: Request, enterprise_project_length: int = 255) -> str:
    _enterprise_project(req, enterprise_project_length)
    return schemas.path_id(req.params["fw_instance_id"], "fw_instance_id")


def _enterprise_project(req: Request, length: int) -> None:
    """Accepted, bounded (SaveTags, ListResourceTags and ListProjectTags document 64 characters),
    not used."""
    value = schemas.query_text(req.query, "enterprise_project_id")
    if value is not None and len(value) > length:
        raise BadParameter(f"The query parameter `enterprise_project_id` is longer than {length} characters")


def create_tags(rt: Runtime, req: Request) -> Response:
    firewall_id = _path_firewall_id(req)
    _service(rt).add_tags(req.params["project_id"], firewall_id, _tags(req))
    return json_response(200, {})


def delete_tags(rt: Runtime, req: Request) -> Response:
    firewall_id = _path_firewall_id(req)
    _service(rt).remove_tags(req.params["project_id"], firewall_id, [t.key for t in _tags(req)])
    return json_response(200, {})


def save_tags(rt: Runtime, req: Request) -> Response:
    firewall_id = _path_firewall_id(req, TAGS_ENTERPRISE_PROJECT)
    _service(rt).save_tags(req.params["project_id"], firewall_id, _tags(req))
    return json_response(200, {})


def list_resource_tags(rt: Runtime, req: Request) -> Response:
    firewall_id = _path_firewall_id(req, TAGS_ENTERPRISE_PROJECT)
    tags = _service(rt).firewall_tags(req.params["project_id"], firewall_id)
    return json_response(200, {"tags": [{"key": t.key, "value": t.value} for t in tags], "sys_tags": []})


def list_project_tags(rt: Runtime, req: Request) -> Response:
    _enterprise_project(req, TAGS_ENTERPRISE_PROJECT)
    offset = schemas.query_int(req.query, "offset", low=0, high=2**31 - 1, required=False) or 0
    limit = schemas.query_int(req.query, "limit", low=1, high=1024, required=False) or 1024
    found = _service(rt).project_tags(req.params["project_id"])[offset : offset + limit]
    return json_response(200, {"tags": [{"key": key, "value": values} for key, values in found]})


ROUTES = [
    Route("GET", "/v1/{project_id}/ips/protect", get_ips_protect),
    Route("POST", "/v1/{project_id}/ips/protect", set_ips_protect, mode="write"),
    Route("GET", "/v1/{project_id}/ips/switch", get_ips_switch),
    Route("POST", "/v1/{project_id}/ips/switch", set_ips_switch, mode="write"),
    Route("GET", "/v1/{project_id}/firewall/east-west", get_east_west),
    Route("POST", "/v1/{project_id}/firewall/east-west", create_east_west, mode="write"),
    Route("POST", "/v1/{project_id}/firewall/east-west/protect", set_east_west_protect, mode="write"),
    Route("POST", "/v2/{project_id}/cfw-cfw/{fw_instance_id}/tags/create", create_tags, mode="write"),
    Route("DELETE", "/v2/{project_id}/cfw-cfw/{fw_instance_id}/tags/delete", delete_tags, mode="write"),
    Route("PUT", "/v2/{project_id}/cfw-cfw/{fw_instance_id}/tags/save", save_tags, mode="write"),
    Route("GET", "/v2/{project_id}/cfw-cfw/{fw_instance_id}/tags", list_resource_tags),
    Route("GET", "/v2/{project_id}/cfw-cfw/tags", list_project_tags),
]
