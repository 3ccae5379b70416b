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
import re
import sys
from importlib import resources as package_files
from pathlib import Path
from typing import Any

import msgspec

from opencfw.api import routes_domains
from opencfw.domain.errors import BadParameter, InUse, NotFound, OpenCfwError
from opencfw.resources import REGISTRY
from opencfw.resources.actions import Action as DeclaredAction
from opencfw.resources.registry import Action, Fixed, Operation, Registry, Resource

MARK = "x-opencfw-generated"
_PARAM_NAMES = re.compile(r"\{(\w+)\}")
#: the answers every operation shares beyond its own 200 and 400
COMMON_ANSWERS = {
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NoRoute",
    "413": "PayloadTooLarge",
    "500": "InternalError",
    "503": "Unavailable",
}
REF = "#/components/schemas/{name}"
ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$"
_SUMMARY = {
    "create": "Add",
    "create_many": "Add",
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


_ID_NAME = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
}
#: the ``data`` of an operation's 200 answer, by operationId, where the kind's usual one is not it
_BLACK_WHITE_INFO = {"type": "array", "items": {"$ref": REF.format(name="BlackWhiteInfo")}}
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
OVERRIDES.update(
    {
        "AddDomainSet": {
            "description": "Adds the group and the domain names of `domain_names` (which may be empty) "
            "in one call, or nothing. Names are unique within a group (CFW.00400004); a wildcard "
            "(`*.example.com`) fits only an application group (type 0). At most 500 groups of each "
            "type per firewall; 1,500 names per application group and 2,500 per firewall, 15 per "
            "network group and 1,000 per firewall (CFW.00200024)."
        },
        "DeleteDomains": {
            "description": "Deletes every name of `domain_address_ids` or none; a group keeps at least "
            "one name (CFW.00200001). Answers the group's id and the deleted names."
        },
        "ListDomains": {"description": "`domain_name` is a case-insensitive part of a name."},
    }
)


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
    return _errors(
        f"A bad parameter or body (the message names it), an unknown {resource.title} or "
        "protected object or one of another project (CFW.00200005), or the resource's own errors.",
        sorted({e.error_code for e in errors}),
    )


def error_answer(errors: list[type[OpenCfwError]], description: str) -> dict[str, Any]:
    """The 400 answer of an operation: the error body, its code one of ``errors``'."""
    return _errors(description, sorted({e.error_code for e in errors}))


def responses(content: dict[str, Any], error_name: str) -> dict[str, Any]:
    """An operation's answers: 200 with ``content``, 400 the named error, the others shared."""
    ok = {
        "description": "OK",
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
        "content": content,
    }
    return {"200": ok} | _error_refs(error_name)


def _errors(description: str, codes: list[str]) -> dict[str, Any]:
    """A 400 answer with the documented body and these codes."""
    return {
        "description": description,
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


def _operation(resource: Resource[Any], op: Operation, error_name: str) -> dict[str, Any]:
    params = [PROJECT]
    named = (op.parent_param, op.id_param)
    # other path parameters first (a firewall named by the path: ``{fw_instance_id}``)
    in_path = [n for n in re.findall(r"\{(\w+)\}", op.path) if n != "project_id" and n not in named]
    for name in (*in_path, *named):
        if name:
            params.append(_param(name, "path", {"type": "string", "pattern": ID_PATTERN}, True))
    if op.kind == "list":
        params += _query_params(resource.query)
        params += [
            _param("offset", "query", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, True),
            _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 1024}, True),
        ]
    params += [p for p in COMMON_QUERY if p["name"] not in in_path]
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
    if _camel(op.sdk) in DATA:
        answer = {"type": "object", "required": ["data"], "properties": {"data": DATA[_camel(op.sdk)]}}
    found: dict[str, Any] = {
        "operationId": _camel(op.sdk),
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
            "content": {"application/json": {"schema": {"$ref": REF.format(name=body.__name__)}}},
        }
    ok = {
        "description": "OK",
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
        "content": {"application/json": {"schema": answer}},
    }
    found["security"] = [{"token": []}, {"aksk": []}]
    found["responses"] = {"200": ok} | _error_refs(error_name)
    found.update(copy.deepcopy(OVERRIDES.get(found["operationId"], {})))
    return found


def _error_refs(bad_request: str) -> dict[str, Any]:
    """The error answers every operation has, 400 being ``bad_request``."""
    refs = {
        "400": bad_request,
        "401": "Unauthorized",
        "403": "Forbidden",
        "404": "NoRoute",
        "413": "PayloadTooLarge",
        "500": "InternalError",
        "503": "Unavailable",
    }
    return {code: {"$ref": f"#/components/responses/{name}"} for code, name in refs.items()}


def _action_errors(action: Action) -> dict[str, Any]:
    errors: list[type[OpenCfwError]] = [BadParameter, NotFound, *action.errors]
    return _errors(
        "A bad parameter or body (the message names it), an unknown rule, group or protected "
        "object or one of another project (CFW.00200005), or the operation's own errors.",
        sorted({e.error_code for e in errors}),
    )


def _action(action: Action) -> dict[str, Any]:
    """An operation with its own handler: its path and query parameters, its body, and any
    JSON answer (the structs say the inputs; the answers are described in words)."""
    params = [PROJECT] + [
        _param(name, "path", {"type": "string", "pattern": ID_PATTERN}, True)
        for name in re.findall(r"\{(\w+)\}", action.path)
        if name != "project_id"
    ]
    if action.query is not None:
        params += _query_params(action.query)
    if action.paged:
        params += [
            _param("offset", "query", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, True),
            _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 1024}, True),
        ]
    if not action.path.startswith("/_opencfw/"):
        named = {p["name"] for p in params}
        params += [p for p in COMMON_QUERY if p["name"] not in named]
    found: dict[str, Any] = {
        "operationId": _camel(action.sdk),
        "summary": action.title,
        "tags": ["opencfw" if action.path.startswith("/_opencfw/") else "cfw"],
        MARK: action.sdk,
        "parameters": params,
    }
    if action.body is not None:
        found["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(name=action.body.__name__)}}},
        }
    if action.upload:
        upload = {
            "type": "object",
            "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}},
        }
        found["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": upload}}}
    found["security"] = [{"token": []}, {"aksk": []}]
    binary = {"type": "string", "format": "binary"}
    answer = {"type": "object"} if action.produces == "application/json" else binary
    ok = {
        "description": "OK",
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
        "content": {action.produces: {"schema": answer}},
    }
    found["responses"] = {"200": ok} | _error_refs(f"{_camel(action.sdk)}BadRequest")
    if action.produces != "application/json":
        found["x-opencfw-file"] = True  # a download: bytes, not JSON
    found.update(copy.deepcopy(OVERRIDES.get(found["operationId"], {})))
    return found


#: the 400 answer of the hand-written routes described by structs (routes_eip.DOCS)
_DOCUMENTED_ERRORS = ("CFW.00200001", "CFW.00200005")


def _documented(doc: Any) -> dict[str, Any]:
    """The operation of a hand-written route that its module describes with structs (``Doc``)."""
    params = [PROJECT]
    for name in re.findall(r"\{(\w+)\}", doc.path)[1:]:
        params.append(_param(name, "path", {"type": "string", "pattern": ID_PATTERN}, True))
    if doc.query is not None:
        params += _query_params(doc.query)
    if doc.paging:
        params += [
            _param("offset", "query", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, True),
            _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 1024}, True),
        ]
    codes = sorted({*_DOCUMENTED_ERRORS, *doc.errors})
    found: dict[str, Any] = {
        "operationId": doc.operation_id,
        "summary": doc.summary,
        "tags": ["admin" if doc.admin else ("opencfw" if doc.path.startswith("/_opencfw/") else "cfw")],
        MARK: "routes_eip",
        "parameters": params,
    }
    if doc.description:
        found["description"] = doc.description
    if doc.body is not None:
        found["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(name=doc.body.__name__)}}},
        }
    found["security"] = [{"admin": []}] if doc.admin else [{"token": []}, {"aksk": []}]
    bad = _errors(
        "A bad parameter or body (the message names it), an unknown id or one of another "
        "project (CFW.00200005), or the operation's own errors.",
        codes,
    )
    ok = {
        "description": "OK" if doc.status == 200 else "Created",
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
        "content": {"application/json": {"schema": {"$ref": REF.format(name=doc.answer.__name__)}}},
    }
    found["responses"] = {str(doc.status): ok, "400": bad} | {
        code: ref for code, ref in _error_refs("BadRequest").items() if code != "400"
    }
    return found


def _declared_action(action: DeclaredAction, error_name: str) -> dict[str, Any]:
    """The description of a declared action (``resources.actions``: settings, catalogue reads)."""
    params = [PROJECT]
    params += [
        _param(name, "path", {"type": "string", "pattern": ID_PATTERN}, True)
        for name in re.findall(r"\{(\w+)\}", action.path)
        if name != "project_id"
    ]
    if action.query is not None:
        params += _query_params(action.query)
    names = {p["name"] for p in params}
    params += [p for p in COMMON_QUERY if p["name"] not in names]
    data: dict[str, Any] = {}
    if action.answer is not None:
        data = {"$ref": REF.format(name=action.answer.__name__)}
        if action.many:
            data = {"type": "array", "items": data}
    answer: dict[str, Any] = (
        data if action.top_level else {"type": "object", "required": ["data"], "properties": {"data": data}}
    )
    found: dict[str, Any] = {
        "operationId": _camel(action.sdk),
        "summary": action.summary,
        "tags": ["cfw"],
        MARK: "action",
        "parameters": params,
    }
    if action.body is not None:
        found["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(name=action.body.__name__)}}},
        }
    ok = {
        "description": "OK",
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
        "content": {"application/json": {"schema": answer}},
    }
    found["security"] = [{"token": []}, {"aksk": []}]
    found["responses"] = {"200": ok} | _error_refs(error_name)
    found.update(copy.deepcopy(OVERRIDES.get(found["operationId"], {})))
    return found


def _fixed_operation(listing: Fixed) -> dict[str, Any]:
    """A fixed-data read: the common query, ``{"data": [record, ...]}``, the common errors."""
    query = copy.deepcopy(COMMON_QUERY)
    query[1]["required"] = listing.needs_firewall
    query[1]["description"] = "The firewall (one of the project's)."
    records = {"type": "array", "items": {"$ref": REF.format(name=listing.record.__name__)}}
    ok = {
        "description": "OK",
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
        "content": {
            "application/json": {
                "schema": {"type": "object", "required": ["data"], "properties": {"data": records}}
            }
        },
    }
    return {
        "operationId": _camel(listing.operation.sdk),
        "summary": f"List the {listing.name} records",
        "tags": ["cfw"],
        MARK: listing.name,
        "parameters": [PROJECT, *query],
        "security": [{"token": []}, {"aksk": []}],
        "responses": {"200": ok} | _error_refs("BadRequest"),
    }


def _ok(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": "OK",
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
        "content": {"application/json": {"schema": schema}},
    }


def _resolver_paths() -> dict[str, dict[str, Any]]:
    """The resolution reads and the resolver's admin routes (``api/routes_domains.py``)."""
    errors = _errors(
        "A bad parameter (the message names it), or an unknown firewall or domain name "
        "of the project (CFW.00200005).",
        [BadParameter.error_code, NotFound.error_code],
    )
    name = _param("domain_name", "path", {"type": "string", "maxLength": 255}, True)
    address = _param("domain_address_id", "path", {"type": "string", "pattern": ID_PATTERN}, True)
    kind = _param("address_type", "query", {"type": "integer", "enum": [0, 1]}, False, "0 IPv4, 1 IPv6.")
    group = _param("domain_set_id", "query", {"type": "string", "pattern": ID_PATTERN}, False)
    ips = {"type": "array", "items": {"type": "string"}}
    split = {
        "type": "object",
        "required": ["parsed_success_ip", "excess_ip"],
        "properties": {"parsed_success_ip": ips, "excess_ip": ips},
    }
    rest = {
        "401": "Unauthorized",
        "403": "Forbidden",
        "404": "NoRoute",
        "413": "PayloadTooLarge",
        "500": "InternalError",
        "503": "Unavailable",
    }

    def cfw(op_id: str, summary: str, params: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any]:
        return {
            "operationId": op_id,
            "summary": summary,
            "description": "Answered by opencfw's own resolver: a configured answer (admin API) or "
            "addresses derived from the name in the documentation ranges; never the network.",
            "tags": ["cfw"],
            MARK: "resolver",
            "parameters": [PROJECT, *params, *COMMON_QUERY],
            "security": [{"token": []}, {"aksk": []}],
            "responses": {
                "200": _ok({"type": "object", "required": ["data"], "properties": {"data": data}}),
                "400": errors,
                **{code: {"$ref": f"#/components/responses/{ref}"} for code, ref in rest.items()},
            },
        }

    view = {"$ref": REF.format(name="ResolverAnswer")}
    admin_rest = {
        code: {"$ref": f"#/components/responses/{ref}"} for code, ref in rest.items() if code != "403"
    }

    def admin(op_id: str, summary: str, answer: dict[str, Any], body: bool = False) -> dict[str, Any]:
        found: dict[str, Any] = {
            "operationId": op_id,
            "summary": summary,
            "tags": ["admin"],
            MARK: "resolver",
            "security": [{"admin": []}],
            "responses": {
                "200": _ok(answer),
                "400": {"$ref": "#/components/responses/BadRequest"},
                **admin_rest,
            },
        }
        if op_id != "AdminListResolverAnswers":
            found["parameters"] = [name]
        if body:
            ref = REF.format(name=routes_domains.AnswerIn.__name__)
            found["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": ref}}},
            }
        return found

    listed = {
        "type": "object",
        "required": ["answers"],
        "properties": {"answers": {"type": "array", "items": view}},
    }
    return {
        "/v1/{project_id}/domain/parse/{domain_name}": {
            "get": cfw("ListDomainParseDetail", "Resolve a domain name", [name, kind], ips)
        },
        "/v1/{project_id}/domain/parse-ip-list/{domain_address_id}": {
            "get": cfw("ListDomainParseIp", "Resolve a group's domain name", [address, kind, group], ips)
        },
        "/v2/{project_id}/rule/domain/resolve-ip-list/{domain_address_id}": {
            "get": cfw(
                "ListDomainResolveIp", "Resolve a group's domain name, excess apart", [address, kind], split
            )
        },
        "/_opencfw/admin/resolver": {
            "get": admin("AdminListResolverAnswers", "The configured resolver answers", listed)
        },
        "/_opencfw/admin/resolver/{domain_name}": {
            "get": admin("AdminGetResolverAnswer", "What a domain name resolves to", view),
            "put": admin("AdminPutResolverAnswer", "Configure what a domain name resolves to", view, True),
            "delete": admin(
                "AdminDeleteResolverAnswer",
                "Forget a configured answer",
                {"$ref": "#/components/schemas/Removed"},
            ),
        },
    }


RESOLVER_ANSWER = {
    "type": "object",
    "required": ["domain_name", "configured", "ipv4", "ipv6"],
    "properties": {
        "domain_name": {"type": "string"},
        "configured": {"type": "boolean"},
        "ipv4": {"type": "array", "items": {"type": "string"}},
        "ipv6": {"type": "array", "items": {"type": "string"}},
    },
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
    from opencfw.api import routes_eip
    from opencfw.api.routes_actions import ACTIONS

    for declared in ACTIONS:
        error_name = f"{_camel(declared.sdk)}BadRequest"
        errors: list[type[OpenCfwError]] = [BadParameter, NotFound, *declared.errors]
        responses[error_name] = _errors(
            "A bad parameter or body (the message names it), an unknown firewall, protected object or "
            "row, or one of another project (CFW.00200005).",
            sorted({e.error_code for e in errors}),
        )
        structs += [s for s in (declared.query, declared.body, declared.answer) if s is not None]
        paths.setdefault(declared.path, {})[declared.method.lower()] = _declared_action(declared, error_name)

    for doc in routes_eip.DOCS:
        paths.setdefault(doc.path, {})[doc.method.lower()] = _documented(doc)
        structs += [s for s in (doc.body, doc.answer) if s is not None]
    for action in registry.actions:
        structs += [s for s in (action.body,) if s is not None]
        paths.setdefault(action.path, {})[action.method.lower()] = _action(action)
        responses[f"{_camel(action.sdk)}BadRequest"] = _action_errors(action)
    paths.update(_resolver_paths())
    _, schemas = msgspec.json.schema_components(structs, ref_template=REF)
    schemas["ResolverAnswer"] = RESOLVER_ANSWER
    found = _portable(dict(sorted(schemas.items())))
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
