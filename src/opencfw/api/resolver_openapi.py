"""The OpenAPI description of the domain name resolution reads and the resolver's admin routes
(``api/routes_domains.py``), written by hand."""

from __future__ import annotations

from typing import Any

from opencfw.api import openapi_parts as parts
from opencfw.api import routes_domains
from opencfw.domain.errors import BadParameter, NotFound


def paths() -> dict[str, dict[str, Any]]:
    """The resolution reads and the resolver's admin routes (``api/routes_domains.py``)."""
    errors = parts.errors_answer(
        "A bad parameter (the message names it), or an unknown firewall or domain name "
        "of the project (CFW.00200005).",
        [BadParameter.error_code, NotFound.error_code],
    )
    name = parts.param("domain_name", "path", {"type": "string", "maxLength": 255}, True)
    address = parts.param("domain_address_id", "path", {"type": "string", "pattern": parts.ID_PATTERN}, True)
    kind = parts.param("address_type", "query", {"type": "integer", "enum": [0, 1]}, False, "0 IPv4, 1 IPv6.")
    group = parts.param("domain_set_id", "query", {"type": "string", "pattern": parts.ID_PATTERN}, False)
    ips = {"type": "array", "items": {"type": "string"}}
    split = {
        "type": "object",
        "required": ["parsed_success_ip", "excess_ip"],
        "properties": {"parsed_success_ip": ips, "excess_ip": ips},
    }
    rest = parts.COMMON_ANSWERS

    def cfw(op_id: str, summary: str, params: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any]:
        return {
            "operationId": op_id,
            "summary": summary,
            "description": "Answered by opencfw's own resolver: a configured answer (admin API) or "
            "addresses derived from the name in the documentation ranges; never the network.",
            "tags": ["cfw"],
            parts.MARK: "resolver",
            "parameters": [parts.PROJECT, *params, *parts.COMMON_QUERY],
            "security": [{"token": []}, {"aksk": []}],
            "responses": {
                "200": parts.ok_answer(
                    {"type": "object", "required": ["data"], "properties": {"data": data}}
                ),
                "400": errors,
                **parts.refs(rest),
            },
        }

    view = {"$ref": parts.REF.format(name="ResolverAnswer")}
    admin_rest = parts.refs({code: ref for code, ref in rest.items() if code != "403"})

    def admin(op_id: str, summary: str, answer: dict[str, Any], body: bool = False) -> dict[str, Any]:
        found: dict[str, Any] = {
            "operationId": op_id,
            "summary": summary,
            "tags": ["admin"],
            parts.MARK: "resolver",
            "security": [{"admin": []}],
            "responses": {
                "200": parts.ok_answer(answer),
                "400": {"$ref": "#/components/responses/BadRequest"},
                **admin_rest,
            },
        }
        if op_id != "AdminListResolverAnswers":
            found["parameters"] = [name]
        if body:
            ref = parts.REF.format(name=routes_domains.AnswerIn.__name__)
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
