"""The HTTP side of the ACL rules and the policy evaluator: one thin handler per declared
``Action`` (``resources/acl_rule.py``); the service keeps the order and the references."""

from __future__ import annotations

import email.parser
import email.policy
import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from opencfw.api import schemas
from opencfw.api.http import Mode, Request, Response, Route, json_response
from opencfw.api.resource_routes import Paging, _query
from opencfw.domain import policy
from opencfw.domain.errors import BadParameter, NotFound
from opencfw.domain.logs import Flow as LoggedFlow
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
    kernel = _kernel_hits(rt, rows)
    records = [{"rule_id": r.id, "rule_hit_count": r.hit_count + kernel.get(r.id, 0)} for r in rows]
    data = {"limit": len(records), "offset": 0, "total": len(records), "records": records}
    return json_response(200, {"data": data})


def _by_firewall(rows: list[Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.firewall_id, []).append(row.id)
    return found


def _kernel_hits(rt: Runtime, rows: list[Any]) -> dict[str, int]:
    """With the data plane on, what real packets hit: its counters add to the evaluator's hits."""
    if rt.dataplane is None:
        return {}
    found: dict[str, int] = {}
    for firewall_id, ids in _by_firewall(rows).items():
        found.update(rt.dataplane.hits(firewall_id, ids))
    return found


def clear_hits(rt: Runtime, req: Request) -> Response:
    try:
        body = schemas.decode_body(req.body, decl.RuleIds)
    except BadParameter as exc:
        raise decl.HitCountParam(f"clear rule hit count param error: {exc}") from exc
    rt.acl_rules.clear_hits(req.params["project_id"], body.rule_ids)
    if rt.dataplane is not None:  # and the kernel's counters of those rules
        rows = rt.acl_rules.hit_counts(req.params["project_id"], body.rule_ids)
        for firewall_id, ids in _by_firewall(rows).items():
            rt.dataplane.reset_hits(firewall_id, ids)
    return json_response(200, {})


def set_action(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, decl.UpdateSecurityPolciesActionDto)
    action = 0 if body.action == "enable" else 1
    ids = rt.acl_rules.set_action(
        req.params["project_id"], _firewall(req), body.object_id, action, body.rule_ids
    )
    return json_response(200, {"data": ids})


def _logged(firewall_id: str, object_id: str, flow: policy.Flow, verdict: policy.Verdict) -> LoggedFlow:
    """An evaluated flow as the logs record it (service/logs.py): a rule's hit is an access-control
    record, a permitted flow a flow record (one packet, no bytes: nothing was sent)."""
    return LoggedFlow(
        fw_instance_id=firewall_id,
        object_id=object_id,
        src_ip=flow.source,
        src_port=flow.source_port or 0,
        dst_ip=flow.destination,
        dst_port=flow.dest_port or 0,
        protocol=flow.protocol,
        direction="out2in" if flow.direction == 0 else "in2out",
        action="permit" if verdict.action == "allow" else "deny",
        rule_id=verdict.rule_id,
        rule_name=verdict.rule_name,
        packets=1,
    )


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
    project_id = req.params["project_id"]

    def is_protected(project: str, _object_id: str, address: str) -> bool:
        """A protected EIP of this firewall, while its "bypass all" switch is off (service/eips.py)."""
        found = rt.eips.verdict(project, firewall_id, address)
        return found.protected and not found.bypassed

    object_id, verdict = rt.acl_rules.evaluate(project_id, firewall_id, body.object_id, flow, is_protected)
    if verdict.matched != "bypassed":  # a flow the firewall saw: its access-control and flow logs
        rt.logs.record_flows(project_id, [_logged(firewall_id, object_id, flow, verdict)])

    data = {
        "object_id": object_id,
        **msgspec.structs.asdict(msgspec.convert(verdict, _VerdictView, from_attributes=True)),
    }
    return json_response(200, {"data": data})


def export(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, decl.ExportRuleAclRequestBody)
    transfer_id = rt.acl_transfers.export(req.params["project_id"], _firewall(req), body.object_id)
    return json_response(200, {"data": {"id": transfer_id}})


def _status(kind: str) -> Handler:
    def status(rt: Runtime, req: Request) -> Response:
        query = _query(req, decl.ObjectQuery)
        _firewall(req)
        found = rt.acl_transfers.transfer(req.params["project_id"], query.object_id, kind)
        data = {"id": found[0], "status": found[1]} if found else {"id": None, "status": 0}
        return json_response(200, {"data": data})

    return status


def _file(content: bytes, name: str) -> Response:
    disposition = f'attachment; filename="{name}"'.encode()
    return Response(
        200, content, [(b"content-disposition", disposition)], content_type=b"application/octet-stream"
    )


def _result(kind: str, name: str) -> Handler:
    def result(rt: Runtime, req: Request) -> Response:
        query = _query(req, decl.ObjectQuery)
        _firewall(req)
        found = rt.acl_transfers.transfer(req.params["project_id"], query.object_id, kind)
        if found is None:
            raise NotFound(f"No {kind} of the rules of the protected object {query.object_id} yet")
        return _file(found[2].encode(), name)

    return result


TEMPLATE = {
    "rules": [
        {
            "type": 0,
            "name": "allow-web",
            "address_type": 0,
            "action_type": 0,
            "status": 1,
            "direction": 0,
            "long_connect_enable": 0,
            "source": {"type": 0, "address": "0.0.0.0/0"},
            "destination": {"type": 5, "address_type": 0, "ip_address": ["192.0.2.10"]},
            "service": {"type": 0, "protocol": 6, "source_port": "1-65535", "dest_port": "443"},
        }
    ]
}


def template(rt: Runtime, req: Request) -> Response:
    query = _query(req, decl.ObjectQuery)
    _firewall(req)
    rt.acl_transfers.transfer(req.params["project_id"], query.object_id, "import")  # the object must exist
    return _file(msgspec.json.encode(TEMPLATE), "acl-rule-import-template.json")


def _uploaded(req: Request) -> bytes:
    """The ``file`` part of a multipart/form-data body."""
    kind = req.headers.get("content-type", "")
    if not kind.lower().startswith("multipart/form-data"):
        raise BadParameter("The import takes a multipart/form-data body with a `file` part")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + kind.encode("latin-1", "replace") + b"\r\n\r\n" + req.body
    )
    if message.is_multipart():
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "file":
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    return payload
    raise BadParameter("The import takes a multipart/form-data body with a `file` part")


def import_(rt: Runtime, req: Request) -> Response:
    query = _query(req, decl.ObjectQuery)
    transfer_id = rt.acl_transfers.import_(
        req.params["project_id"], _firewall(req), query.object_id, _uploaded(req)
    )
    return json_response(200, {"data": {"id": transfer_id}})


def tags(rt: Runtime, req: Request) -> Response:
    query = _query(req, decl.TagsQuery)
    paging = _query(req, Paging)
    found = rt.acl_rules.tags(req.params["project_id"], query.fw_instance_id)
    records = found[paging.offset : paging.offset + paging.limit]
    data = {"offset": paging.offset, "limit": paging.limit, "total": len(found), "records": records}
    return json_response(200, {"data": data})


def hit_status(rt: Runtime, req: Request) -> Response:
    body = schemas.decode_body(req.body, decl.RuleIds)
    firewall_id = schemas.path_id(req.params["fw_instance_id"], "fw_instance_id")
    rows = rt.acl_rules.hit_counts(req.params["project_id"], body.rule_ids, firewall_id)
    records = [
        {"rule_id": r.id, "rule_hit_count": r.hit_count, "rule_last_hit_time": r.last_hit_ms} for r in rows
    ]
    return json_response(200, {"data": {"records": records}})


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
    "export_rule_acl": (export, "write"),
    "show_export_status": (_status("export"), "inline"),
    "download_export_result": (_result("export", "acl-rules.json"), "inline"),
    "import_rule_acl": (import_, "write"),
    "show_import_status": (_status("import"), "inline"),
    "download_import_result": (_result("import", "acl-rule-import-report.json"), "inline"),
    "download_import_template": (template, "inline"),
    "list_rule_acl_tags": (tags, "inline"),
    "list_acl_rule_hit_status": (hit_status, "inline"),
}

ROUTES = [
    Route(a.method, a.path, HANDLERS[a.sdk][0], mode=HANDLERS[a.sdk][1], auth="project") for a in decl.ACTIONS
]
