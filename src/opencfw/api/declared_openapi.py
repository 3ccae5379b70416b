"""The OpenAPI description of the operations with hand-written handlers that are declared by structs
rather than as registry resources: the registry's ``Action``s (ACL rules), the declared actions of
``resources.actions`` (``api/routes_actions.py``) and the EIP routes' ``Doc``s (``api/eip_openapi.py``)."""

from __future__ import annotations

import copy
from typing import Any

from opencfw.api import openapi_parts as parts
from opencfw.domain.errors import BadParameter, NotFound, OpenCfwError
from opencfw.resources.actions import Action as DeclaredAction
from opencfw.resources.registry import Action, Registry


def add(
    registry: Registry, paths: dict[str, dict[str, Any]], responses: dict[str, Any], structs: list[Any]
) -> None:
    """Add the operations of the declared actions, the EIP routes and ``registry``'s actions to
    ``paths``, their error answers to ``responses``, and the structs they name to ``structs``."""
    from opencfw.api import eip_openapi
    from opencfw.api.routes_actions import ACTIONS

    for declared in ACTIONS:
        error_name = f"{parts.camel(declared.sdk)}BadRequest"
        errors: list[type[OpenCfwError]] = [BadParameter, NotFound, *declared.errors]
        responses[error_name] = parts.errors_answer(
            "A bad parameter or body (the message names it), an unknown firewall, protected object or "
            "row, or one of another project (CFW.00200005).",
            sorted({e.error_code for e in errors}),
        )
        structs += [s for s in (declared.query, declared.body, declared.answer) if s is not None]
        paths.setdefault(declared.path, {})[declared.method.lower()] = _declared_action(declared, error_name)

    for doc in eip_openapi.DOCS:
        paths.setdefault(doc.path, {})[doc.method.lower()] = _documented(doc)
        structs += [s for s in (doc.body, doc.answer) if s is not None]
    for action in registry.actions:
        structs += [s for s in (action.body,) if s is not None]
        paths.setdefault(action.path, {})[action.method.lower()] = _action(action)
        responses[f"{parts.camel(action.sdk)}BadRequest"] = _action_errors(action)


def _action_errors(action: Action) -> dict[str, Any]:
    errors: list[type[OpenCfwError]] = [BadParameter, NotFound, *action.errors]
    return parts.errors_answer(
        "A bad parameter or body (the message names it), an unknown rule, group or protected "
        "object or one of another project (CFW.00200005), or the operation's own errors.",
        sorted({e.error_code for e in errors}),
    )


def _action(action: Action) -> dict[str, Any]:
    """An operation with its own handler: its path and query parameters, its body, and any
    JSON answer (the structs say the inputs; the answers are described in words)."""
    params = parts.path_params(action.path)
    if action.query is not None:
        params += parts.query_params(action.query)
    if action.paged:
        params += parts.PAGING
    if not action.path.startswith("/_opencfw/"):
        named = {p["name"] for p in params}
        params += [p for p in parts.COMMON_QUERY if p["name"] not in named]
    tag = "opencfw" if action.path.startswith("/_opencfw/") else "cfw"
    found = parts.operation(parts.camel(action.sdk), action.title, tag, action.sdk, params)
    if action.body is not None:
        found["requestBody"] = parts.json_body(action.body)
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
    found["responses"] = {"200": parts.ok_answer(answer, action.produces)} | parts.error_refs(
        f"{parts.camel(action.sdk)}BadRequest"
    )
    if action.produces != "application/json":
        found["x-opencfw-file"] = True  # a download: bytes, not JSON
    found.update(copy.deepcopy(parts.OVERRIDES.get(found["operationId"], {})))
    return found


#: the 400 answer of the hand-written routes described by structs (eip_openapi.DOCS)
_DOCUMENTED_ERRORS = ("CFW.00200001", "CFW.00200005")


def _documented(doc: Any) -> dict[str, Any]:
    """The operation of a hand-written route that its module describes with structs (``Doc``)."""
    params = parts.path_params(doc.path)
    if doc.query is not None:
        params += parts.query_params(doc.query)
    if doc.paging:
        params += parts.PAGING
    codes = sorted({*_DOCUMENTED_ERRORS, *doc.errors})
    tag = "admin" if doc.admin else ("opencfw" if doc.path.startswith("/_opencfw/") else "cfw")
    found = parts.operation(doc.operation_id, doc.summary, tag, "routes_eip", params)
    if doc.description:
        found["description"] = doc.description
    if doc.body is not None:
        found["requestBody"] = parts.json_body(doc.body)
    found["security"] = [{"admin": []}] if doc.admin else [{"token": []}, {"aksk": []}]
    bad = parts.errors_answer(
        "A bad parameter or body (the message names it), an unknown id or one of another "
        "project (CFW.00200005), or the operation's own errors.",
        codes,
    )
    answer = {"$ref": parts.REF.format(name=doc.answer.__name__)}
    ok = parts.ok_answer(answer, description="OK" if doc.status == 200 else "Created")
    found["responses"] = {str(doc.status): ok, "400": bad} | {
        code: ref for code, ref in parts.error_refs("BadRequest").items() if code != "400"
    }
    return found


def _declared_action(action: DeclaredAction, error_name: str) -> dict[str, Any]:
    """The description of a declared action (``resources.actions``: settings, catalogue reads)."""
    params = parts.path_params(action.path)
    if action.query is not None:
        params += parts.query_params(action.query)
    names = {p["name"] for p in params}
    params += [p for p in parts.COMMON_QUERY if p["name"] not in names]
    data: dict[str, Any] = {}
    if action.answer is not None:
        data = {"$ref": parts.REF.format(name=action.answer.__name__)}
        if action.many:
            data = {"type": "array", "items": data}
    answer: dict[str, Any] = (
        data if action.top_level else {"type": "object", "required": ["data"], "properties": {"data": data}}
    )
    found = parts.operation(parts.camel(action.sdk), action.summary, "cfw", "action", params)
    if action.body is not None:
        found["requestBody"] = parts.json_body(action.body)
    found["security"] = [{"token": []}, {"aksk": []}]
    found["responses"] = {"200": parts.ok_answer(answer)} | parts.error_refs(error_name)
    found.update(copy.deepcopy(parts.OVERRIDES.get(found["operationId"], {})))
    return found
