"""The OpenAPI description of the registry's operations, generated from the declarations' structs
(``msgspec.json.schema_components``), with hand-written overrides only for the API's quirks.

``merge`` puts the generated part into the served document (``openapi.json``): operations marked
``x-opencfw-generated`` are replaced, the structs' schemas and each resource's error answer are set.
``python -m opencfw.api.resource_openapi`` rewrites the file; a unit test checks that merging
changes nothing, so the served document always equals the generated one.
"""

from __future__ import annotations

import copy
import json
import sys
from importlib import resources as package_files
from pathlib import Path
from typing import Any

import msgspec

from opencfw.domain.errors import BadParameter, InUse, NotFound, OpenCfwError
from opencfw.resources import REGISTRY
from opencfw.resources.registry import Operation, Registry, Resource

MARK = "x-opencfw-generated"
REF = "#/components/schemas/{name}"
ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$"
_SUMMARY = {
    "create": "Add",
    "list": "List",
    "get": "Read",
    "update": "Change",
    "delete": "Delete",
    "delete_many": "Delete",
}

#: hand-written additions for what the structs cannot say, by operationId
OVERRIDES: dict[str, dict[str, Any]] = {
    "ListBlackWhiteLists": {
        "description": "`address` matches an entry's address or its IP part (`2.2.2.0` finds `2.2.2.0/24`). "
        "Records carry no `list_type`."
    },
    "AddAddressSet": {
        "description": "Group names are unique within a protected object (a second is CFW.00200007); at most "
        "3,800 groups per firewall (CFW.00900020)."
    },
    "ListAddressSets": {"description": "`key_word` is a case-insensitive part of the name or description."},
    "DeleteAddressSet": {"description": "Deletes the group's members with it."},
    "AddAddressItem": {
        "description": "Adds every address of `address_items` or none. An address is an IP address, a "
        "network (`a.b.c.d/n`) or a range (`a.b.c.d-a.b.c.e`); without `address_type` it is the "
        "address's family, which must be the group's (else CFW.00200028). An address twice in a group "
        "is CFW.00400004; more than 640 in a group or 30,000 in a firewall CFW.00200024; an unknown "
        "group CFW.00200005. `covered_ip` is always empty."
    },
    "ListAddressItems": {
        "description": "`address` matches a member's address or its IP part; `key_word` a part of "
        "the name or description. An unknown group is CFW.00200005."
    },
    "AddBlackWhiteList": {
        "description": "One entry per address in each list of an object (a second is CFW.00400011); "
        "`0.0.0.0/0` and `::/0` are CFW.00200022."
    },
}


def _param(
    name: str, where: str, schema: dict[str, Any], required: bool, description: str = ""
) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name, "in": where, "required": required}
    if description:
        found["description"] = description
    found["schema"] = schema
    return found


PROJECT = _param(
    "project_id",
    "path",
    {"type": "string", "pattern": ID_PATTERN},
    True,
    "The project (32 lowercase hex characters in practice). Anything outside `[A-Za-z0-9_-]{1,64}` is a 400.",
)
COMMON_QUERY = [
    _param(
        "enterprise_project_id", "query", {"type": "string", "maxLength": 255}, False, "Accepted and ignored."
    ),
    _param(
        "fw_instance_id",
        "query",
        {"type": "string", "pattern": ID_PATTERN},
        False,
        "The firewall; when given, the protected object or entry must be that firewall's.",
    ),
]
ANSWER = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
        }
    },
}


def _camel(sdk_name: str) -> str:
    return "".join(word.capitalize() for word in sdk_name.split("_"))


def _error_response(resource: Resource[Any], registry: Registry) -> dict[str, Any]:
    errors: list[type[OpenCfwError]] = [BadParameter, NotFound, *resource.errors]
    if registry.referrers(resource.name):
        errors.append(InUse)
    codes = sorted({e.error_code for e in errors})
    return {
        "description": f"A bad parameter or body (the message names it), an unknown {resource.title} or "
        "protected object or one of another project (CFW.00200005), or the resource's own errors.",
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [
                        {"$ref": "#/components/schemas/CfwError"},
                        {"properties": {"error_code": {"enum": codes}}},
                    ]
                }
            }
        },
    }


def _portable(schema: Any) -> Any:
    """JSON Schema as clients read it: ECMA-262 patterns end in ``$`` where Python's say ``\\Z``."""
    if isinstance(schema, dict):
        return {
            k: (v[:-2] + "$" if k == "pattern" and v.endswith("\\Z") else _portable(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_portable(v) for v in schema]
    return schema


def _query_params(struct: type[Any]) -> list[dict[str, Any]]:
    _, components = msgspec.json.schema_components([struct], ref_template=REF)
    body = _portable(components[struct.__name__])
    required = set(body.get("required", ()))
    params = []
    for name, prop in body["properties"].items():
        prop.pop("default", None)
        alternatives = [s for s in prop.get("anyOf", ()) if s != {"type": "null"}]
        if len(alternatives) == 1:  # an optional parameter is absent, never null
            prop = alternatives[0]
        params.append(_param(name, "query", prop, name in required))
    return params


def responses(content: dict[str, Any], error_name: str) -> dict[str, Any]:
    """An operation's answers: 200 with ``content``, 400 the named error, the others shared."""
    ok = {
        "description": "OK",
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
        "content": content,
    }
    refs = {
        "400": error_name,
        "401": "Unauthorized",
        "403": "Forbidden",
        "404": "NoRoute",
        "413": "PayloadTooLarge",
        "500": "InternalError",
        "503": "Unavailable",
    }
    return {"200": ok} | {code: {"$ref": f"#/components/responses/{name}"} for code, name in refs.items()}


def _operation(resource: Resource[Any], op: Operation, error_name: str) -> dict[str, Any]:
    params = [PROJECT]
    if op.id_param:
        params.append(_param(op.id_param, "path", {"type": "string", "pattern": ID_PATTERN}, True))
    if op.kind == "list":
        params += _query_params(resource.query)
        params += [
            _param("offset", "query", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, True),
            _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 1024}, True),
        ]
    params += COMMON_QUERY
    record = {"$ref": REF.format(name=resource.record.__name__)}
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
        detail = {"$ref": REF.format(name=(resource.detail or resource.record).__name__)}
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
        answer = copy.deepcopy(ANSWER)
    found: dict[str, Any] = {
        "operationId": _camel(op.sdk),
        "summary": f"{_SUMMARY[op.kind]} {resource.title}{' records' if op.kind in ('list', 'delete_many') else ''}",
        "tags": ["cfw"],
        MARK: resource.name,
        "parameters": params,
    }
    batch = resource.batch.body if resource.batch else None
    body = {"create": resource.create, "update": resource.update, "delete_many": batch}.get(op.kind)
    if body is not None:
        found["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(name=body.__name__)}}},
        }
    found["security"] = [{"token": []}, {"aksk": []}]
    found["responses"] = responses({"application/json": {"schema": answer}}, error_name)
    found.update(copy.deepcopy(OVERRIDES.get(found["operationId"], {})))
    return found


def generate(registry: Registry = REGISTRY) -> dict[str, Any]:
    """``{"paths", "schemas", "responses"}``: the registry's part of the document."""
    paths: dict[str, dict[str, Any]] = {}
    responses: dict[str, Any] = {}
    structs = []
    for resource in registry:
        error_name = f"{_camel(resource.name)}BadRequest"
        responses[error_name] = _error_response(resource, registry)
        structs += [
            s
            for s in (
                resource.create,
                resource.update,
                resource.record,
                resource.detail,
                resource.batch.body if resource.batch else None,
            )
            if s is not None
        ]
        for op in resource.operations:
            paths.setdefault(op.path, {})[op.method.lower()] = _operation(resource, op, error_name)
    _, schemas = msgspec.json.schema_components(structs, ref_template=REF)
    schemas = _portable(dict(sorted(schemas.items())))
    if registry is REGISTRY:  # hand-written operations described from their own structs
        from opencfw.api import logs_openapi

        logs = logs_openapi.generate()
        paths.update(logs["paths"])
        schemas.update(logs["schemas"])
        responses.update(logs["responses"])
    return {"paths": paths, "schemas": schemas, "responses": responses}


def merge(document: dict[str, Any], registry: Registry = REGISTRY) -> dict[str, Any]:
    """The document with its generated part replaced by a freshly generated one."""
    doc = copy.deepcopy(document)
    for path in list(doc["paths"]):
        item = doc["paths"][path]
        for method in [m for m, op in item.items() if isinstance(op, dict) and MARK in op]:
            del item[method]
        if not item:
            del doc["paths"][path]
    part = generate(registry)
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
