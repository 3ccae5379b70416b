"""The OpenAPI description of the declared actions (``api.actions``), generated from their structs
and merged into the served document with the registry's part (``api.resource_openapi.merge``)."""

from __future__ import annotations

from typing import Any

import msgspec

from opencfw.api import action_routes
from opencfw.api import openapi_parts as parts
from opencfw.api.actions import Action
from opencfw.domain.errors import BadParameter, NotFound, OpenCfwError


def _error_response(action: Action) -> dict[str, Any]:
    errors: list[type[OpenCfwError]] = [BadParameter, NotFound, *action.errors]
    return parts.error_answer(
        errors,
        "A bad parameter or body (the message names it), an unknown firewall or object or "
        "one of another project (CFW.00200005), or the operation's own errors.",
    )


def _operation(action: Action, error_name: str) -> dict[str, Any]:
    params = parts.path_params(action.path)
    named = set()
    if action.query is not None:
        found = parts.query_params(action.query)
        named = {p["name"] for p in found}
        params += found
    params += [p for p in parts.COMMON_QUERY if p["name"] not in named]
    if action.answer is None:
        content: dict[str, Any] = {"application/octet-stream": {"schema": {"type": "string"}}}
    else:
        content = {"application/json": {"schema": {"$ref": parts.REF.format(name=action.answer.__name__)}}}
    found_op = parts.operation(parts.camel(action.sdk), action.summary, "cfw", "action", params)
    if action.description:
        found_op["description"] = action.description
    if action.body is not None:
        found_op["requestBody"] = parts.json_body(action.body)
    found_op["security"] = [{"token": []}, {"aksk": []}]
    ok = parts.ok_content(content)
    found_op["responses"] = {"200": ok, "400": {"$ref": f"#/components/responses/{error_name}"}} | parts.refs(
        parts.COMMON_ANSWERS
    )
    return found_op


def generate(actions: list[Action] | None = None) -> dict[str, Any]:
    """``{"paths", "schemas", "responses"}``: the actions' part of the document."""
    paths: dict[str, dict[str, Any]] = {}
    responses: dict[str, Any] = {}
    structs: list[Any] = []
    for action in action_routes.ACTIONS if actions is None else actions:
        error_name = f"{parts.camel(action.sdk)}BadRequest"
        responses[error_name] = _error_response(action)
        structs += [s for s in (action.body, action.answer) if s is not None]
        paths.setdefault(action.path, {})[action.method.lower()] = _operation(action, error_name)
    _, found = msgspec.json.schema_components(structs, ref_template=parts.REF)
    return {"paths": paths, "schemas": parts.portable(dict(sorted(found.items()))), "responses": responses}
