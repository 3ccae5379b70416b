"""The HTTP side of the ACL rules and the policy evaluator: one thin handler per declared
``Action`` (``resources/acl_rule.py``); the service keeps the order and the references."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from opencfw.api import schemas
from opencfw.api.http import Mode, Request, Response, Route, json_response
from opencfw.api.resource_routes import Paging, _query
from opencfw.domain import policy
from opencfw.domain.errors import BadParameter
from opencfw.resources import acl_rule as decl

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

Handler = Callable[["Runtime", Request], Response]


def _firewall(req: Request) -> str | None:
    schemas.query_text(req.query, "enterprise_project_id")  # accepted, bounded, not used
    return schemas.query_text(req.query, "fw_instance_id", pattern=schemas.RESOURCE_ID)


def _rule_id(req: Request) -> str:
    return schemas.path_id(req.params["acl_rule_id"], "acl_rule_id")


def _answer(row: Any) -> Response:
    return json_response(200, {"data": {"id": row.id, "name": row.name}})


def add(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, decl.AddRuleAclDto)
    if len(body.rules) > decl.RULES_PER_CALL:
        raise decl.TooManyRules()
    rows = rt.acl_rules.add(req.params["project_id"], _firewall(req), body)
    return json_response(200, {"data": {"rules": [{"id": r.id, "name": r.name} for r in rows]}})


def update(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, decl.UpdateRuleAclDto)
    return _answer(rt.acl_rules.update(req.params["project_id"], _firewall(req), _rule_id(req), body))


def delete(rt: Runtime, req: Request) -> Response:
    rows = rt.acl_rules.delete_many(req.params["project_id"], _firewall(req), None, [_rule_id(req)])
    return _answer(rows[0])


def batch_delete(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, decl.DeleteRuleAclDto)
    rows = rt.acl_rules.delete_many(req.params["project_id"], _firewall(req), body.object_id, body.rule_ids)
    return json_response(200, {"data": {"responseDatas": [{"id": r.id, "name": r.name} for r in rows]}})


def list_(rt: Runtime, req: Request) -> Response:
    query = _query(req, decl.ListAclRulesQuery)
    paging = _query(req, Paging)
    total, pinned, records = rt.acl_rules.page(
        req.params["project_id"], _firewall(req), query, paging.offset, paging.limit
    )
    data = {
        "offset": paging.offset,
        "limit": paging.limit,
        "total": total,
        "object_id": query.object_id,
        "up_rules_count": pinned,
        "records": records,
    }
    return json_response(200, {"data": data})


def move(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, decl.OrderRuleAclDto)
    row = rt.acl_rules.move(req.params["project_id"], _firewall(req), _rule_id(req), body)
    return json_response(200, {"data": {"id": row.id}})


def hit_counts(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, decl.RuleIds)
    rows = rt.acl_rules.hit_counts(req.params["project_id"], body.rule_ids)
    records = [{"rule_id": r.id, "rule_hit_count": r.hit_count} for r in rows]
    data = {"limit": len(records), "offset": 0, "total": len(records), "records": records}
    return json_response(200, {"data": data})


def clear_hits(rt: Runtime, req: Request) -> Response:
    try:
        body = schemas.decode_body(req.body, decl.RuleIds)
    except BadParameter as exc:
        raise decl.HitCountParam(f"clear rule hit count param error: {exc}") from exc
    rt.acl_rules.clear_hits(req.params["project_id"], body.rule_ids)
    return json_response(200, {})


def set_action(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, decl.UpdateSecurityPolciesActionDto)
    action = 0 if body.action == "enable" else 1
    ids = rt.acl_rules.set_action(
        req.params["project_id"], _firewall(req), body.object_id, action, body.rule_ids
    )
    return json_response(200, {"data": ids})


def evaluate(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, decl.EvaluateFlow)
    firewall_id = schemas.path_id(req.params["fw_instance_id"], "fw_instance_id")
    for name in ("source", "destination"):
        try:
            ipaddress.ip_address(getattr(body, name))
        except ValueError as exc:
            raise BadParameter(f"Invalid request body: `{name}` is not an IP address") from exc
    flow = policy.Flow(
        source=body.source,
        destination=body.destination,
        protocol=body.protocol,
        direction=body.direction,
        source_port=body.source_port,
        dest_port=body.dest_port,
    )
    object_id, verdict = rt.acl_rules.evaluate(
        req.params["project_id"], firewall_id, body.object_id, flow, rt.is_protected
    )
    data = {
        "object_id": object_id,
        **msgspec.structs.asdict(msgspec.convert(verdict, _VerdictView, from_attributes=True)),
    }
    return json_response(200, {"data": data})


class _VerdictView(msgspec.Struct):
    action: str
    matched: str
    rule_id: str | None
    rule_name: str | None
    list_id: str | None


HANDLERS: dict[str, tuple[Handler, Mode]] = {
    "add_acl_rule": (add, "write"),
    "update_acl_rule": (update, "write"),
    "delete_acl_rule": (delete, "write"),
    "batch_delete_acl_rules": (batch_delete, "write"),
    "list_acl_rules": (list_, "inline"),
    "update_acl_rule_order": (move, "write"),
    "list_acl_rule_hit_count": (hit_counts, "inline"),
    "delete_acl_rule_hit_count": (clear_hits, "write"),
    "batch_update_acl_rule_actions": (set_action, "write"),
    "evaluate_flow": (evaluate, "write"),
}

ROUTES = [
    Route(a.method, a.path, HANDLERS[a.sdk][0], mode=HANDLERS[a.sdk][1], auth="project") for a in decl.ACTIONS
]
