"""The building blocks of the OpenAPI document's generated part: parameters, answers, error
answers and schema conversions shared by every module that describes operations (the registry's
resources: ``resource_openapi``; hand-declared operations: ``declared_openapi``, ``action_openapi``,
``logs_openapi``; the resolver: ``resolver_openapi``)."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from opencfw.domain.errors import OpenCfwError

MARK = "x-opencfw-generated"
PARAM_NAMES = re.compile(r"\{(\w+)\}")
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


def param(
    name: str, where: str, schema: dict[str, Any], required: bool, description: str = ""
) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name, "in": where, "required": required}
    if description:
        found["description"] = description
    found["schema"] = schema
    return found


PROJECT = param(
    "project_id",
    "path",
    {"type": "string", "pattern": ID_PATTERN},
    True,
    "The project (32 lowercase hex characters in practice). Anything outside `[A-Za-z0-9_-]{1,64}` is a 400.",
)
COMMON_QUERY = [
    param(
        "enterprise_project_id", "query", {"type": "string", "maxLength": 255}, False, "Accepted and ignored."
    ),
    param(
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


def path_params(path: str) -> list[dict[str, Any]]:
    """The project and the ids ``path`` names, as path parameters."""
    return [PROJECT] + [
        param(name, "path", {"type": "string", "pattern": ID_PATTERN}, True)
        for name in PARAM_NAMES.findall(path)
        if name != "project_id"
    ]


def json_body(struct: type[msgspec.Struct]) -> dict[str, Any]:
    """A required JSON body: ``struct``'s schema."""
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": REF.format(name=struct.__name__)}}},
    }


def operation(op_id: str, summary: str, tag: str, mark: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    """An operation's head: its id, summary, tag, generated mark and parameters."""
    return {"operationId": op_id, "summary": summary, "tags": [tag], MARK: mark, "parameters": params}


#: the query parameters of a paged list
PAGING = [
    param("offset", "query", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}, True),
    param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 1024}, True),
]


def camel(sdk_name: str) -> str:
    return "".join(word.capitalize() for word in sdk_name.split("_"))


def error_answer(errors: list[type[OpenCfwError]], description: str) -> dict[str, Any]:
    """The 400 answer of an operation: the error body, its code one of ``errors``'."""
    return errors_answer(description, sorted({e.error_code for e in errors}))


def responses(content: dict[str, Any], error_name: str) -> dict[str, Any]:
    """An operation's answers: 200 with ``content``, 400 the named error, the others shared."""
    return {"200": ok_content(content)} | error_refs(error_name)


def errors_answer(description: str, codes: list[str]) -> dict[str, Any]:
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


def portable(schema: Any) -> Any:
    """JSON Schema as clients read it: ECMA-262 patterns end in ``$`` where Python's say ``\\Z``."""
    if isinstance(schema, dict):
        return {
            k: (v[:-2] + "$" if k == "pattern" and v.endswith("\\Z") else portable(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [portable(v) for v in schema]
    return schema


def query_params(struct: type[Any]) -> list[dict[str, Any]]:
    _, components = msgspec.json.schema_components([struct], ref_template=REF)
    body = portable(components[struct.__name__])
    required = set(body.get("required", ()))
    params = []
    for name, prop in body["properties"].items():
        prop.pop("default", None)
        alternatives = [s for s in prop.get("anyOf", ()) if s != {"type": "null"}]
        if len(alternatives) == 1:  # an optional parameter is absent, never null
            prop = alternatives[0]
        params.append(param(name, "query", prop, name in required))
    return params


def error_refs(bad_request: str) -> dict[str, Any]:
    """The error answers every operation has, 400 being ``bad_request``."""
    return refs({"400": bad_request, **COMMON_ANSWERS})


def refs(answers: dict[str, str]) -> dict[str, Any]:
    """References to the shared answers: ``{code: name}`` made ``{code: {"$ref": ...}}``."""
    return {code: {"$ref": f"#/components/responses/{name}"} for code, name in answers.items()}


def ok_answer(
    schema: dict[str, Any], media: str = "application/json", description: str = "OK"
) -> dict[str, Any]:
    """A successful answer: ``schema`` in ``media``."""
    return ok_content({media: {"schema": schema}}, description)


def ok_content(content: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    """A successful answer of ``content`` (media type -> schema), with its request id."""
    return {
        "description": description,
        "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
        "content": content,
    }
