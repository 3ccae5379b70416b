"""The HTTP side of the resource registry: one thin handler per operation kind, and the routes of
every declared operation. A handler decodes (the declaration's structs), calls the resource's
service, and encodes (the declaration's view); it never touches the store."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from msgspec import Meta, Struct

from opencfw.api import schemas
from opencfw.api.http import Mode, Request, Response, Route, json_response
from opencfw.domain.errors import BadParameter
from opencfw.resources import REGISTRY
from opencfw.resources.registry import Fixed, Kind, Operation, Registry, Resource, Scope
from opencfw.service.resources import ResourceService, Where

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

Handler = Callable[["Runtime", Request], Response]


class Paging(Struct):
    """The query parameters every list takes."""

    limit: Annotated[int, Meta(ge=1, le=1024)]
    offset: Annotated[int, Meta(ge=0, le=2**31 - 1)]


def service(rt: Runtime, resource: Resource[Any]) -> ResourceService[Any]:
    """The resource's service on this runtime."""
    return rt.resources[resource.name]


def _query(req: Request, kind: type[Any]) -> Any:
    schemas.query_text(req.query, "enterprise_project_id")  # every operation's: accepted, bounded
    values = {k: v for k, v in req.query.items() if v != ""}
    try:
        found = msgspec.convert(values, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise BadParameter(f"Invalid query parameter: {exc}") from exc
    for name in getattr(kind, "__struct_fields__", ()):  # what a store column holds: 64 bits
        value = getattr(found, name)
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            raise BadParameter(f"Invalid query parameter: `{name}` is out of range")
    return found


def _where(req: Request, resource: Resource[Any], given: Any, op: Operation | None = None) -> Where:
    """Where the request points: its project, the object and firewall named in the body or query,
    the parent row named in the body or (``/domain-set/domains/{set_id}``) the path."""
    schemas.query_text(req.query, "enterprise_project_id")  # accepted, bounded, not used
    firewall_id = schemas.query_text(req.query, "fw_instance_id", pattern=schemas.RESOURCE_ID)
    firewall_id = getattr(given, "fw_instance_id", None) or firewall_id
    if "fw_instance_id" in req.params:  # a path that names the firewall (``/cfw/{fw_instance_id}/…``)
        firewall_id = schemas.path_id(req.params["fw_instance_id"], "fw_instance_id")
    # a row read or changed by id needs no firewall (the id and project suffice); a create or list does
    if resource.scope is Scope.FIREWALL and firewall_id is None and given is not None:
        raise BadParameter("The query parameter `fw_instance_id` is required")
    object_id = getattr(given, "object_id", None)
    parent_id = getattr(given, resource.parent.column, None) if resource.parent else None
    if resource.parent is not None and op is not None and op.parent_param is not None:
        parent_id = schemas.path_id(req.params[op.parent_param], op.parent_param)
    return Where(req.params["project_id"], firewall_id, object_id, parent_id)


def _id(req: Request, op: Operation) -> str:
    assert op.id_param is not None
    return schemas.path_id(req.params[op.id_param], op.id_param)


def handler(resource: Resource[Any], op: Operation) -> Handler:
    kind = op.kind

    def create(rt: Runtime, req: Request) -> Response:
        body = schemas.decode_body(req.body, resource.create)
        rows = service(rt, resource).create_many(_where(req, resource, body, op), body)
        if resource.answer_many is not None:
            return json_response(200, {"data": resource.answer_many(rows)})
        return json_response(200, {"data": resource.answer(rows[0])})

    def create_many(rt: Runtime, req: Request) -> Response:
        assert resource.many is not None
        body = schemas.decode_body(req.body, resource.many.body)
        items = getattr(body, resource.many.items)
        rows = service(rt, resource).create_many(_where(req, resource, body, op), body, items)
        return json_response(200, {"data": resource.many.answer(rows)})

    def list_(rt: Runtime, req: Request) -> Response:
        query = _query(req, resource.query)
        paging = _query(req, Paging)
        filters = {f.param: getattr(query, f.param) for f in resource.filters}
        where = _where(req, resource, query, op)
        svc = service(rt, resource)
        total, rows = svc.list(where, filters, paging.offset, paging.limit)
        records = [
            resource.to_record(row, extra) for row, extra in zip(rows, svc.extras(where, rows), strict=True)
        ]
        data = {"offset": paging.offset, "limit": paging.limit, "total": total, "records": records}
        if resource.parent is not None:  # a child list names its parent (``set_id``)
            data[resource.parent.column] = where.parent_id
        return json_response(200, {"data": data})

    def get(rt: Runtime, req: Request) -> Response:
        where = _where(req, resource, None)
        svc = service(rt, resource)
        row = svc.get(where, _id(req, op))
        return json_response(200, {"data": resource.to_record(row, svc.extras(where, [row])[0], detail=True)})

    def update(rt: Runtime, req: Request) -> Response:
        assert resource.update is not None
        body = schemas.decode_body(req.body, resource.update)
        row = service(rt, resource).update(_where(req, resource, None), _id(req, op), body)
        return json_response(200, {"data": resource.answer(row)})

    def delete(rt: Runtime, req: Request) -> Response:
        row = service(rt, resource).delete(_where(req, resource, None), _id(req, op))
        return json_response(200, {"data": resource.answer(row)})

    def delete_many(rt: Runtime, req: Request) -> Response:
        assert resource.batch is not None
        body = schemas.decode_body(req.body, resource.batch.body)
        same = {column: getattr(body, column) for column in resource.batch.same}
        rows = service(rt, resource).delete_many(
            _where(req, resource, body, op), getattr(body, resource.batch.ids), same
        )
        return json_response(200, {"data": resource.batch.answer(rows)})

    handlers: dict[Kind, Handler] = {
        "create": create,
        "create_many": create_many,
        "list": list_,
        "get": get,
        "update": update,
        "delete": delete,
        "delete_many": delete_many,
    }
    return handlers[kind]


_MODES: dict[Kind, Mode] = {
    "fixed": "inline",
    "create": "write",
    "create_many": "write",
    "list": "inline",
    "get": "inline",
    "update": "write",
    "delete": "write",
    "delete_many": "write",
}


def fixed_handler(listing: Fixed) -> Handler:
    def read(rt: Runtime, req: Request) -> Response:
        schemas.query_text(req.query, "enterprise_project_id")  # accepted, bounded, not used
        firewall_id = schemas.query_text(req.query, "fw_instance_id", pattern=schemas.RESOURCE_ID)
        if listing.needs_firewall and firewall_id is None:
            raise BadParameter("The query parameter `fw_instance_id` is required")
        records = rt.resources.fixed(listing.name, Where(req.params["project_id"], firewall_id))
        return json_response(200, {"data": msgspec.to_builtins(records)})

    return read


def routes(registry: Registry = REGISTRY) -> list[Route]:
    """The operation table of the registry: one route per declared operation."""
    return [
        Route(op.method, op.path, handler(resource, op), mode=_MODES[op.kind], auth="project")
        for resource in registry
        for op in resource.operations
    ] + [
        Route(f.operation.method, f.operation.path, fixed_handler(f), mode="inline", auth="project")
        for f in registry.fixed.values()
    ]


def operations(registry: Registry = REGISTRY) -> list[Operation]:
    declared = [op for resource in registry for op in resource.operations]
    return declared + [f.operation for f in registry.fixed.values()]


ROUTES = routes()
