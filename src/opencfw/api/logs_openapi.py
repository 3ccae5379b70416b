"""The log operations' part of the OpenAPI document, generated from their query and body structs
(``api/logs_schemas.py``) and merged with the registry's part by ``resource_openapi``."""

from __future__ import annotations

from typing import Any

import msgspec

from opencfw.api import openapi_parts as parts
from opencfw.api.logs_schemas import InjectIn
from opencfw.api.routes_logs import INJECT_PATH, OPERATIONS
from opencfw.domain.errors import BadParameter, NotFound
from opencfw.service.logs import TimeRangeError

NAME = "logs"
ERROR = "LogsBadRequest"
#: operations whose ``data`` is an array (the others answer an object)
ARRAYS = {"list_attack_statistic", "show_attack_trend", "show_traffic_trend"}
DESCRIPTIONS = {
    "ListAccessControlLogs": "Access-control records (one per flow an ACL rule decided), newest first. "
    "`log_id` with `next_date` resumes after that record; `offset` then counts from there.",
    "ListFlowLogs": "Flow records (one per flow that passed), newest first.",
    "ListAttackLogs": "Attack (IPS) records, newest first.",
    "ListLogs": "Records of the body's `type`; each filter's `values` are alternatives, filters all apply. "
    "opencfw keeps no URL logs: `type` url answers none.",
    "ExportLogs": "The records ListLogs would list (at most 100,000, newest first) as a CSV file.",
}


def _answer(op: str) -> dict[str, Any]:
    if op == "export_logs":
        return {"text/csv": {"schema": {"type": "string"}}}
    data = {"type": "array", "items": {"type": "object"}} if op in ARRAYS else {"type": "object"}
    schema = {"type": "object", "required": ["data"], "properties": {"data": data}}
    return {"application/json": {"schema": schema}}


def _operation(op: str, method: str, path: str, struct: type[msgspec.Struct]) -> dict[str, Any]:
    params = [parts.PROJECT]
    if "{fw_instance_id}" in path:
        params.append(
            parts.param("fw_instance_id", "path", {"type": "string", "pattern": parts.ID_PATTERN}, True)
        )
    found: dict[str, Any] = {
        "operationId": parts.camel(op),
        "summary": op.replace("_", " ").capitalize(),
        "tags": ["cfw"],
        parts.MARK: NAME,
    }
    if method == "GET":
        params += parts.query_params(struct)
    else:
        found["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": parts.REF.format(name=struct.__name__)}}},
        }
    found["parameters"] = params
    if found["operationId"] in DESCRIPTIONS:
        found["description"] = DESCRIPTIONS[found["operationId"]]
    found["security"] = [{"token": []}, {"aksk": []}]
    found["responses"] = parts.responses(_answer(op), ERROR)
    return found


def _inject() -> dict[str, Any]:
    ids = {"type": ["string", "null"]}
    recorded = {
        "type": "object",
        "required": ["flows", "attacks"],
        "properties": {
            "flows": {
                "type": "array",
                "items": {"type": "object", "properties": {"acl_log_id": ids, "flow_log_id": ids}},
            },
            "attacks": {"type": "array", "items": {"type": "string"}},
        },
    }
    refs = {"400": ERROR, "401": "Unauthorized", "404": "NoRoute", "413": "PayloadTooLarge"}
    return {
        "operationId": "AdminInjectLogs",
        "summary": "Record flows and attacks in a project's logs",
        "description": "Each flow is recorded as the policy evaluator records one: an access-control record "
        "when `rule_id` is set, a flow record when `action` is permit. All or none; a firewall that is not "
        "the project's is CFW.00200005.",
        "tags": ["admin"],
        parts.MARK: NAME,
        "parameters": [
            parts.param("project_id", "path", {"type": "string", "pattern": parts.ID_PATTERN}, True)
        ],
        "security": [{"admin": []}],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": parts.REF.format(name="InjectIn")}}},
        },
        "responses": {
            "200": parts.ok_answer(recorded, description="The log ids made"),
            **parts.refs(refs),
            "500": {"$ref": "#/components/responses/InternalError"},
            "503": {"$ref": "#/components/responses/Unavailable"},
        },
    }


def generate() -> dict[str, Any]:
    """``{"paths", "schemas", "responses"}`` of the log operations."""
    paths: dict[str, dict[str, Any]] = {}
    bodies = []
    for op, method, path, _, struct in OPERATIONS:
        paths.setdefault(path, {})[method.lower()] = _operation(op, method, path, struct)
        if method != "GET":
            bodies.append(struct)
    paths[INJECT_PATH] = {"post": _inject()}
    _, schemas = msgspec.json.schema_components([*bodies, InjectIn], ref_template=parts.REF)
    codes = sorted({e.error_code for e in (BadParameter, NotFound, TimeRangeError)})
    error = parts.errors_answer(
        "A bad parameter or body (the message names it), an unknown firewall or one of another "
        "project (CFW.00200005), or a time range that ends before it starts (CFW.00500002).",
        codes,
    )
    return {
        "paths": paths,
        "schemas": parts.portable(dict(sorted(schemas.items()))),
        "responses": {ERROR: error},
    }
