"""The handlers of the IPS signature catalogue's declared actions and of the custom signatures'
(``resources.ips_signatures``): the catalogue with each object's modes, the advanced rules, a custom
signature's detail and batch changes."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import msgspec

from opencfw.api import action_scope as scope
from opencfw.api import schemas
from opencfw.api.action_scope import Handler
from opencfw.api.http import Request
from opencfw.domain.errors import BadParameter, NotFound
from opencfw.resources import ips, ips_signatures
from opencfw.service.resources import Where

if TYPE_CHECKING:
    from opencfw.runtime import Runtime


def _modes(rt: Runtime, where: Where) -> dict[str, str]:
    return {key: doc["status"] for key, doc in scope.object_settings(rt).read(where, "ips_rule").items()}


def list_ips_rules(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    where = scope.at_object(req, query.object_id)
    modes = _modes(rt, where)
    firewall_id = scope.firewall_of(rt.resources["object_setting"], where)
    level = None if query.ips_level is None else ips_signatures.LEVELS[query.ips_level]
    name = (query.ips_name_like or "").lower()
    records = []
    for sig in ips_signatures.catalogue().signatures:
        status = modes.get(sig.ips_id, sig.default_status)
        if (
            (query.ips_id is not None and sig.ips_id != query.ips_id)
            or (name and name not in sig.ips_name.lower() and name not in sig.ips_cve.lower())
            or (level is not None and sig.ips_level != level)
            or (query.ips_group is not None and sig.ips_group != str(query.ips_group))
            or (query.ips_status is not None and status != query.ips_status)
            or (query.create_time is not None and sig.create_time != str(query.create_time))
            or (query.is_updated_ips_rule_queried and not sig.updated)
        ):
            continue
        record = msgspec.structs.asdict(sig)
        record.pop("updated")
        records.append({**record, "ips_status": status})
    return {
        "object_id": query.object_id,
        "fw_instance_id": firewall_id,
        "offset": query.offset,
        "limit": query.limit,
        "total": len(records),
        "records": records[query.offset : query.offset + query.limit],
    }


def change_ips_rule_mode(rt: Runtime, req: Request, _: Any, body: Any) -> Any:
    where = scope.at_object(req, body.object_id)
    settings = scope.object_settings(rt)
    known = {sig.ips_id: sig for sig in ips_signatures.catalogue().signatures}
    if body.status == "ALL_DEFAULT":
        settings.clear(where, "ips_rule")
    else:
        if not body.ips_ids:
            raise BadParameter("Invalid request body: `ips_ids` is empty")
        unknown = [i for i in body.ips_ids if i not in known]
        if unknown:
            raise NotFound(f"The IPS signature {unknown[0]} does not exist")
        settings.read(where, "ips_rule")  # an unknown object changes nothing
        for ips_id in dict.fromkeys(body.ips_ids):
            status = known[ips_id].default_status if body.status == "DEFAULT" else body.status
            settings.write(where, "ips_rule", ips_id, {"status": status})
    group = scope.firewall_of(rt.resources["object_setting"], where)
    return {
        "id": body.object_id,
        "ips_ids": body.ips_ids,
        "result": True,
        "group_id": group,
        "error_code": "",
        "error_msg": "",
    }


def show_ips_update_time(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    scope.firewall_settings(rt).read(
        scope.at_firewall(req, query.fw_instance_id), "ips"
    )  # CFW.00200005 for an unknown firewall
    lib = ips_signatures.catalogue()
    return [
        {"ips_type": 0, "ips_version": lib.version, "update_time": lib.update_time_ms},
        {"ips_type": 1, "ips_version": lib.virtual_patch_version, "update_time": lib.update_time_ms},
    ]


def _advanced_id(object_id: str, rule_type: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"opencfw:advanced-ips:{object_id}:{rule_type}"))


def _advanced(rt: Runtime, where: Where, object_id: str) -> list[dict[str, Any]]:
    found = scope.object_settings(rt).read(where, "advanced_ips")
    rules = []
    for rule_type in ips_signatures.ADVANCED_TYPES:
        rule_id = _advanced_id(object_id, rule_type)
        default = {
            "ips_rule_id": rule_id,
            "ips_rule_type": rule_type,
            "action": 0,
            "status": 0,
            "param": "{}",
        }
        rules.append({**default, **found.get(rule_id, {})})
    return rules


def list_advanced_ips_rules(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    rules = _advanced(rt, scope.at_object(req, query.object_id), query.object_id)
    return {"total": len(rules), "advanced_ips_rules": rules}


def update_advanced_ips_rule(rt: Runtime, req: Request, _: Any, body: Any) -> Any:
    where = scope.at_object(req, body.object_id)
    rules = {r["ips_rule_id"]: r for r in _advanced(rt, where, body.object_id)}
    rule = rules.get(body.ips_rule_id)
    if rule is None or rule["ips_rule_type"] != body.ips_rule_type:
        raise NotFound(f"The advanced IPS rule {body.ips_rule_id} does not exist")
    try:
        if not isinstance(msgspec.json.decode(body.param), dict):
            raise ValueError(body.param)
    except (msgspec.DecodeError, ValueError) as exc:
        raise BadParameter("Invalid request body: `param` must be a JSON object") from exc
    doc = {"action": body.action, "status": body.status, "param": body.param}
    scope.object_settings(rt).write(where, "advanced_ips", body.ips_rule_id, doc)
    return {"id": body.ips_rule_id}


def show_customer_ips_info(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    rule_id = schemas.path_id(req.params["ips_cfw_id"], "ips_cfw_id")
    svc = rt.resources["customer_ips"]
    try:
        row = svc.get(Where(req.params["project_id"], query.fw_instance_id), rule_id)
    except NotFound:
        empty = {name: None for name in ips.CustomerIpsVO.__struct_fields__}
        return {**empty, "ips_cfw_id": rule_id, **ips_signatures.GONE}
    return svc.r.to_record(row, svc.extras(Where(req.params["project_id"]), [row])[0], detail=True)


class _Action(msgspec.Struct):
    action_type: int


def batch_update_customer_ips_action(rt: Runtime, req: Request, _: Any, body: Any) -> Any:
    if body.action_type is None:
        raise BadParameter("Invalid request body: `action_type` is required")
    svc = rt.resources["customer_ips"]
    where = scope.at_firewall(req, body.fw_instance_id)
    ids = list(dict.fromkeys(body.ips_ids))
    rows = [svc.get(where, i) for i in ids]  # all exist and are applied, or nothing changes
    for row in rows:
        ips.settled(row, rt.clock.now_ms())
    for row in rows:
        if row.action_type != body.action_type:
            svc.update(where, row.id, _Action(body.action_type))
    return {"id": body.fw_instance_id}


HANDLERS: dict[str, Handler] = {
    "show_customer_ips_info": show_customer_ips_info,
    "list_ips_rules": list_ips_rules,
    "change_ips_rule_mode": change_ips_rule_mode,
    "show_ips_update_time": show_ips_update_time,
    "list_advanced_ips_rules": list_advanced_ips_rules,
    "update_advanced_ips_rule": update_advanced_ips_rule,
    "batch_update_customer_ips_action": batch_update_customer_ips_action,
}
