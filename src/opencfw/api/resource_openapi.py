"""The OpenAPI description of the registry's operations, generated from the declarations' structs
(``msgspec.json.schema_components``), with hand-written overrides only for the API's quirks.

The hand-declared operations' part: ``declared_openapi``, ``action_openapi``, ``logs_openapi``,
``resolver_openapi``; their building blocks: ``openapi_parts``.

``merge`` puts the generated part into the served document (``openapi.json``): operations marked
``x-opencfw-generated`` are replaced, the structs' schemas and each resource's error answer are set.
``python -m opencfw.api.resource_openapi`` rewrites the file; a unit test checks that merging
changes nothing, so the served document always equals the generated one.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from importlib import resources as package_files
from pathlib import Path
from typing import Any

import msgspec

from opencfw.api import declared_openapi, resolver_openapi, routes_domains
from opencfw.api import openapi_parts as parts
from opencfw.api.openapi_parts import MARK
from opencfw.domain.errors import BadParameter, InUse, NotFound, OpenCfwError
from opencfw.resources import REGISTRY
from opencfw.resources.registry import Fixed, Operation, Registry, Resource

_SUMMARY = {
    "create": "Add",
    "create_many": "Add",
    "list": "List",
    "get": "Read",
    "update": "Change",
    "delete": "Delete",
    "delete_many": "Delete",
}

_ID_NAME = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
}
#: the ``data`` of an operation's 200 answer, by operationId, where the kind's usual one is not it
_BLACK_WHITE_INFO = {"type": "array", "items": {"$ref": parts.REF.format(name="BlackWhiteInfo")}}
DATA: dict[str, dict[str, Any]] = {
    "BatchCreateBlackWhiteList": {
        "type": "object",
        "required": ["success_list", "failed_list", "duplicated_list"],
        "properties": {
            "success_list": _BLACK_WHITE_INFO,
            "failed_list": _BLACK_WHITE_INFO,
            "duplicated_list": _BLACK_WHITE_INFO,
        },
    },
    "AddDomains": _ID_NAME,
    "DeleteDomains": _ID_NAME,
    "BatchDeleteDomainSet": {
        "type": "object",
        "required": ["responseDatas"],
        "properties": {"responseDatas": {"type": "array", "items": _ID_NAME}},
    },
}


def _error_response(resource: Resource[Any], registry: Registry) -> dict[str, Any]:
    errors: list[type[OpenCfwError]] = [BadParameter, NotFound, *resource.errors]
    if registry.referrers(resource.name):
        errors.append(InUse)
    return parts.errors_answer(
        f"A bad parameter or body (the message names it), an unknown {resource.title} or "
        "protected object or one of another project (CFW.00200005), or the resource's own errors.",
        sorted({e.error_code for e in errors}),
    )


def _operation(resource: Resource[Any], op: Operation, error_name: str) -> dict[str, Any]:
    params = [parts.PROJECT]
    named = (op.parent_param, op.id_param)
    # other path parameters first (a firewall named by the path: ``{fw_instance_id}``)
    in_path = [n for n in re.findall(r"\{(\w+)\}", op.path) if n != "project_id" and n not in named]
    for name in (*in_path, *named):
        if name:
            params.append(parts.param(name, "path", {"type": "string", "pattern": parts.ID_PATTERN}, True))
    if op.kind == "list":
        params += parts.query_params(resource.query)
        params += parts.PAGING
    params += [p for p in parts.COMMON_QUERY if p["name"] not in in_path]
    record = {"$ref": parts.REF.format(name=resource.record.__name__)}
    if op.kind == "list":
        page: dict[str, Any] = {
            "type": "object",
            "required": ["offset", "limit", "total", "records"],
            "properties": {
                "offset": {"type": "integer"},
                "limit": {"type": "integer"},
                "total": {"type": "integer"},
                "records": {"type": "array", "items": record},
            },
        }
        if resource.parent is not None:  # a child list names its parent
            page["required"].append(resource.parent.column)
            page["properties"][resource.parent.column] = {"type": "string"}
        answer: dict[str, Any] = {"type": "object", "required": ["data"], "properties": {"data": page}}
    elif op.kind == "get":
        detail = {"$ref": parts.REF.format(name=(resource.detail or resource.record).__name__)}
        answer = {"type": "object", "required": ["data"], "properties": {"data": detail}}
    elif op.kind == "create" and resource.items is not None:
        ids = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
        many = {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": ids}},
        }
        answer = {"type": "object", "required": ["data"], "properties": {"data": many}}
    elif op.kind == "delete_many":
        answer = {"type": "object", "required": ["data"], "properties": {"data": {"type": "array"}}}
    else:
        answer = copy.deepcopy(parts.ANSWER)
    if parts.camel(op.sdk) in DATA:
        answer = {"type": "object", "required": ["data"], "properties": {"data": DATA[parts.camel(op.sdk)]}}
    found: dict[str, Any] = {
        "operationId": parts.camel(op.sdk),
        "summary": f"{_SUMMARY[op.kind]} {resource.title}"
        f"{' records' if op.kind in ('list', 'create_many', 'delete_many') else ''}",
        "tags": ["cfw"],
        MARK: resource.name,
        "parameters": params,
    }
    batch = resource.batch.body if resource.batch else None
    many_body = resource.many.body if resource.many else None
    body = {
        "create": resource.create,
        "create_many": many_body,
        "update": resource.update,
        "delete_many": batch,
    }.get(op.kind)
    if body is not None:
        found["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": parts.REF.format(name=body.__name__)}}},
        }
    found["security"] = [{"token": []}, {"aksk": []}]
    found["responses"] = {"200": parts.ok_answer(answer)} | parts.error_refs(error_name)
    found.update(copy.deepcopy(parts.OVERRIDES.get(found["operationId"], {})))
    return found


def _fixed_operation(listing: Fixed) -> dict[str, Any]:
    """A fixed-data read: the common query, ``{"data": [record, ...]}``, the common errors."""
    query = copy.deepcopy(parts.COMMON_QUERY)
    query[1]["required"] = listing.needs_firewall
    query[1]["description"] = "The firewall (one of the project's)."
    records = {"type": "array", "items": {"$ref": parts.REF.format(name=listing.record.__name__)}}
    ok = parts.ok_answer({"type": "object", "required": ["data"], "properties": {"data": records}})
    return {
        "operationId": parts.camel(listing.operation.sdk),
        "summary": f"List the {listing.name} records",
        "tags": ["cfw"],
        MARK: listing.name,
        "parameters": [parts.PROJECT, *query],
        "security": [{"token": []}, {"aksk": []}],
        "responses": {"200": ok} | parts.error_refs("BadRequest"),
    }


def generate(registry: Registry = REGISTRY) -> dict[str, Any]:
    """``{"paths", "schemas", "responses"}``: the registry's part of the document, and the
    resolver's routes."""
    paths: dict[str, dict[str, Any]] = {}
    responses: dict[str, Any] = {}
    structs: list[Any] = [routes_domains.AnswerIn]
    for resource in registry:
        if not resource.operations:  # served by hand (its routes' part of the document is too)
            continue
        error_name = f"{parts.camel(resource.name)}BadRequest"
        responses[error_name] = _error_response(resource, registry)
        structs += [
            s
            for s in (
                resource.create,
                resource.update,
                resource.record,
                resource.detail,
                resource.batch.body if resource.batch else None,
                resource.many.body if resource.many else None,
            )
            if s is not None
        ]
        for op in resource.operations:
            paths.setdefault(op.path, {})[op.method.lower()] = _operation(resource, op, error_name)
    for listing in registry.fixed.values():
        structs.append(listing.record)
        op = listing.operation
        paths.setdefault(op.path, {})[op.method.lower()] = _fixed_operation(listing)
    declared_openapi.add(registry, paths, responses, structs)
    paths.update(resolver_openapi.paths())
    _, schemas = msgspec.json.schema_components(structs, ref_template=parts.REF)
    schemas["ResolverAnswer"] = resolver_openapi.RESOLVER_ANSWER
    found = parts.portable(dict(sorted(schemas.items())))
    if registry is REGISTRY:  # the log operations, described from their own structs
        from opencfw.api import logs_openapi

        logs = logs_openapi.generate()
        paths.update(logs["paths"])
        found.update(logs["schemas"])
        responses.update(logs["responses"])
    return {"paths": paths, "schemas": found, "responses": responses}


def merge(document: dict[str, Any], registry: Registry = REGISTRY) -> dict[str, Any]:
    """The document with its generated part replaced by a freshly generated one."""
    doc = copy.deepcopy(document)
    for path in list(doc["paths"]):
        item = doc["paths"][path]
        for method in [m for m, op in item.items() if isinstance(op, dict) and MARK in op]:
            del item[method]
        if not item:
            del doc["paths"][path]
    from opencfw.api import action_openapi  # the declared actions' part (it imports this module)

    for part in (generate(registry), action_openapi.generate()):
        for path, item in part["paths"].items():
            doc["paths"].setdefault(path, {}).update(item)
        doc["components"]["schemas"].update(part["schemas"])
        doc["components"]["responses"].update(part["responses"])
    return doc


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1) + "\n"


def main() -> None:
    """Rewrite the package's openapi.json with the generated part merged in."""
    target = Path(str(package_files.files("opencfw.api").joinpath("openapi.json")))
    current = json.loads(target.read_text("utf-8"))
    target.write_text(dumps(merge(current)), "utf-8")
    print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
