"""What the declared actions' handlers (``routes_actions``, ``ips_actions``) share: the settings
services of firewalls and protected objects, and the scope a request names."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opencfw.api import schemas
from opencfw.api.http import Request
from opencfw.domain.errors import BadParameter, NotFound
from opencfw.service.resources import ResourceService, Where
from opencfw.service.settings import Settings

if TYPE_CHECKING:
    from opencfw.runtime import Runtime


Handler = Callable[["Runtime", Request, Any, Any], Any]


def firewall_settings(rt: Runtime) -> Settings:
    return Settings(rt.resources["firewall_setting"])


def object_settings(rt: Runtime) -> Settings:
    return Settings(rt.resources["object_setting"])


def at_object(req: Request, object_id: str) -> Where:
    firewall_id = schemas.query_text(req.query, "fw_instance_id", pattern=schemas.RESOURCE_ID)
    return Where(req.params["project_id"], firewall_id, object_id)


def at_firewall(req: Request, firewall_id: str | None = None) -> Where:
    given = firewall_id or schemas.query_text(req.query, "fw_instance_id", pattern=schemas.RESOURCE_ID)
    if given is None:
        raise BadParameter("The query parameter `fw_instance_id` is required")
    return Where(req.params["project_id"], given)


def firewall_of(svc: ResourceService[Any], where: Where) -> str:
    with svc.repo.db.read() as conn:
        found = svc.repo.resolve(conn, where)
    if found is None:
        raise NotFound(f"The protected object {where.object_id} does not exist")
    return found
