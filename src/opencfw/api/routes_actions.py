"""The handlers of the declared actions (``resources.actions``): settings of firewalls and
protected objects, the IPS signature catalogue, stopping a capture task. Each decodes the
declaration's structs, reads or writes through the services, and answers ``{"data": ...}``."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from opencfw.api import schemas
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.api.resource_routes import _query
from opencfw.domain.errors import BadParameter, NotFound
from opencfw.resources import capture, firewall_config, ips
from opencfw.resources.actions import Action
from opencfw.resources.firewall_config import (
    DEFAULT_DNS,
    DISABLED,
    HEALTH_CHECK_DOMAIN,
    MAX_CUSTOM_DNS,
    PROTOCOLS,
    SEVERITIES,
    default_alarm,
)
from opencfw.service.resources import ResourceService, Where, refuse_nul
from opencfw.service.settings import Settings

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

ACTIONS: tuple[Action, ...] = (*ips.ACTIONS, *capture.ACTIONS, *firewall_config.ACTIONS)
Handler = Callable[["Runtime", Request, Any, Any], Any]


def _fw(rt: Runtime) -> Settings:
    return Settings(rt.resources["firewall_setting"])


def _obj(rt: Runtime) -> Settings:
    return Settings(rt.resources["object_setting"])


def _at_object(req: Request, object_id: str) -> Where:
    firewall_id = schemas.query_text(req.query, "fw_instance_id", pattern=schemas.RESOURCE_ID)
    return Where(req.params["project_id"], firewall_id, object_id)


def _at_firewall(req: Request, firewall_id: str | None = None) -> Where:
    given = firewall_id or schemas.query_text(req.query, "fw_instance_id", pattern=schemas.RESOURCE_ID)
    if given is None:
        raise BadParameter("The query parameter `fw_instance_id` is required")
    return Where(req.params["project_id"], given)


def _firewall_of(svc: ResourceService[Any], where: Where) -> str:
    with svc.repo.db.read() as conn:
        found = svc.repo.resolve(conn, where)
    if found is None:
        raise NotFound(f"The protected object {where.object_id} does not exist")
    return found


# -- anti-virus


def show_anti_virus_switch(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    found = _obj(rt).read(_at_object(req, query.object_id), "anti_virus_switch")
    status = found.get("", {}).get("anti_virus_status", 0)
    return {"id": query.object_id, "name": query.object_id, "anti_virus_status": status}


def update_anti_virus_switch(rt: Runtime, req: Request, _: Any, body: Any) -> Any:
    where = _at_object(req, body.object_id)
    _obj(rt).write(where, "anti_virus_switch", "", {"anti_virus_status": body.anti_virus_status})
    return {"id": body.object_id}


def _anti_virus_actions(rt: Runtime, where: Where) -> dict[int, int]:
    found = _obj(rt).read(where, "anti_virus_rule")
    actions = dict.fromkeys(PROTOCOLS, DISABLED)
    actions.update({int(key): doc["action"] for key, doc in found.items()})
    return dict(sorted(actions.items()))


def show_anti_virus_rule(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    actions = _anti_virus_actions(rt, _at_object(req, query.object_id))
    configs = [{"protocol_type": p, "action": a} for p, a in actions.items()]
    page = configs[query.offset : query.offset + query.limit]
    return {
        "id": query.object_id,
        "name": query.object_id,
        "total": len(configs),
        "scan_protocol_configs": page,
    }


def update_anti_virus_rule(rt: Runtime, req: Request, _: Any, body: Any) -> Any:
    types = [c.protocol_type for c in body.scan_protocol_configs]
    if len(set(types)) != len(types):
        raise BadParameter("Invalid request body: `scan_protocol_configs` names a protocol twice")
    where = _at_object(req, body.object_id)
    settings = _obj(rt)
    settings.read(where, "anti_virus_rule")  # an unknown object changes nothing
    for config in body.scan_protocol_configs:
        settings.write(where, "anti_virus_rule", str(config.protocol_type), {"action": config.action})
    return {"id": body.object_id}


# -- alarm configuration


def _alarms(rt: Runtime, where: Where) -> list[dict[str, Any]]:
    found = _fw(rt).read(where, "alarm")
    return [
        {**msgspec.to_builtins(default_alarm(t)), **found.get(str(t), {})}
        for t in firewall_config.ALARM_TYPES
    ]


def show_alarm_config(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    return {"alarm_configs": _alarms(rt, _at_firewall(req, query.fw_instance_id)), "data": {}}


def _check_alarm(config: dict[str, Any]) -> None:
    kind, severity = config["alarm_type"], config["severity"]
    if kind in (0, 3):
        levels = severity.split(",")
        if not severity or any(s not in SEVERITIES for s in levels) or len(set(levels)) != len(levels):
            raise BadParameter(
                "Invalid request body: `severity` must be a comma-separated list of CRITICAL, HIGH, MEDIUM, LOW"
            )
    elif kind == 1 and severity not in ("0", "1", "2"):
        raise BadParameter("Invalid request body: `severity` of alarm type 1 must be 0, 1 or 2 (70/80/90 %)")
    elif kind == 2 and severity != "3":
        raise BadParameter("Invalid request body: `severity` of alarm type 2 must be 3")
    if config["enable_status"] == 1:
        if kind in (1, 2) and (config["frequency_count"], config["frequency_time"]) != (1, 1):
            raise BadParameter(
                "Invalid request body: alarm types 1 and 2 take `frequency_count` 1 and `frequency_time` 1"
            )
        if not config["topic_urn"]:
            raise BadParameter("Invalid request body: `topic_urn` is required to enable an alarm")


def update_alarm_config(rt: Runtime, req: Request, query: Any, body: Any) -> Any:
    where = _at_firewall(req, query.fw_instance_id)
    current = _alarms(rt, where)[body.alarm_type]
    given = {k: v for k, v in msgspec.structs.asdict(body).items() if v is not msgspec.UNSET}
    config = {**current, **given}
    _check_alarm(config)
    config.pop("name", None)
    row_id = _fw(rt).write(where, "alarm", str(body.alarm_type), config)
    return {"id": row_id}


# -- LTS log configuration


def _check_log_config(body: Any) -> None:
    if body.lts_enable == 1 and not body.lts_log_group_id:
        raise BadParameter("Invalid request body: `lts_log_group_id` is required when `lts_enable` is 1")
    for kind in ("attack", "access", "flow"):
        if getattr(body, f"lts_{kind}_log_stream_enable") == 1 and not getattr(
            body, f"lts_{kind}_log_stream_id"
        ):
            raise BadParameter(
                f"Invalid request body: `lts_{kind}_log_stream_id` is required when its stream is enabled"
            )


def put_log_config(rt: Runtime, req: Request, _: Any, body: Any) -> Any:
    _check_log_config(body)
    where = _at_firewall(req, body.fw_instance_id)
    _fw(rt).write(where, "lts", "", msgspec.to_builtins(body))
    return body.fw_instance_id


def list_log_config(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    found = _fw(rt).read(_at_firewall(req, query.fw_instance_id), "lts").get("")
    default = firewall_config.LogConfigDto(fw_instance_id=query.fw_instance_id, lts_enable=0)
    return found or msgspec.to_builtins(default)


# -- DNS servers


def _dns(rt: Runtime, where: Where) -> dict[str, Any]:
    found = _fw(rt).read(where, "dns").get("")
    if found is None:
        servers = [{"server_ip": ip, "is_customized": 0, "is_applied": 0} for ip in DEFAULT_DNS]
        found = {"servers": servers, "health_check_domain_name": HEALTH_CHECK_DOMAIN}
    return found


def list_dns_servers(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    state = _dns(rt, _at_firewall(req, query.fw_instance_id))
    domain = state["health_check_domain_name"]
    servers = [
        {**server, "id": i + 1, "status": 1, "health_check_domain_name": domain}
        for i, server in enumerate(state["servers"])
    ]
    return {"data": servers[query.offset : query.offset + query.limit], "total": len(servers)}


def _ipv4(value: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError as exc:
        raise BadParameter(f"Invalid request body: `server_ip` is not an IPv4 address: {value!r}") from exc


def update_dns_servers(rt: Runtime, req: Request, query: Any, body: Any) -> Any:
    where = _at_firewall(req, query.fw_instance_id)
    state = _dns(rt, where)
    given = {_ipv4(s.server_ip): s for s in body.dns_server}
    if len(given) != len(body.dns_server):
        raise BadParameter("Invalid request body: `dns_server` names a server twice")
    for ip, server in given.items():
        if server.is_customized == 0 and ip not in DEFAULT_DNS:
            raise BadParameter(f"Invalid request body: {ip} is not a default DNS server (`is_customized` 1)")
        if server.is_customized == 1 and ip in DEFAULT_DNS:
            raise BadParameter(f"Invalid request body: {ip} is a default DNS server (`is_customized` 0)")
    custom = [ip for ip, s in given.items() if s.is_customized == 1]
    if len(custom) > MAX_CUSTOM_DNS:
        raise BadParameter(f"Invalid request body: at most {MAX_CUSTOM_DNS} custom DNS servers")
    servers = [
        {"server_ip": ip, "is_customized": 0, "is_applied": given[ip].is_applied if ip in given else 0}
        for ip in DEFAULT_DNS
    ] + [{"server_ip": ip, "is_customized": 1, "is_applied": given[ip].is_applied} for ip in custom]
    domain = body.health_check_domain_name or state["health_check_domain_name"]
    _fw(rt).write(where, "dns", "", {"servers": servers, "health_check_domain_name": domain})
    return [s["server_ip"] for s in servers if s["is_applied"]]


def add_custom_dns_server(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    ip = _ipv4(req.params["server_ip"])
    where = _at_firewall(req, query.fw_instance_id)
    state = _dns(rt, where)
    if all(s["server_ip"] != ip for s in state["servers"]):
        if sum(s["is_customized"] for s in state["servers"]) >= MAX_CUSTOM_DNS:
            raise BadParameter(f"At most {MAX_CUSTOM_DNS} custom DNS servers")
        state["servers"].append({"server_ip": ip, "is_customized": 1, "is_applied": 0})
        _fw(rt).write(where, "dns", "", state)
    return ip


# -- the IPS signature catalogue and its modes


def _modes(rt: Runtime, where: Where) -> dict[str, str]:
    return {key: doc["status"] for key, doc in _obj(rt).read(where, "ips_rule").items()}


def list_ips_rules(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    where = _at_object(req, query.object_id)
    modes = _modes(rt, where)
    firewall_id = _firewall_of(rt.resources["object_setting"], where)
    level = None if query.ips_level is None else ips.LEVELS[query.ips_level]
    name = (query.ips_name_like or "").lower()
    records = []
    for sig in ips.catalogue().signatures:
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
    where = _at_object(req, body.object_id)
    settings = _obj(rt)
    known = {sig.ips_id: sig for sig in ips.catalogue().signatures}
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
    group = _firewall_of(rt.resources["object_setting"], where)
    return {
        "id": body.object_id,
        "ips_ids": body.ips_ids,
        "result": True,
        "group_id": group,
        "error_code": "",
        "error_msg": "",
    }


def show_ips_update_time(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    _fw(rt).read(_at_firewall(req, query.fw_instance_id), "ips")  # CFW.00200005 for an unknown firewall
    lib = ips.catalogue()
    return [
        {"ips_type": 0, "ips_version": lib.version, "update_time": lib.update_time_ms},
        {"ips_type": 1, "ips_version": lib.virtual_patch_version, "update_time": lib.update_time_ms},
    ]


def _advanced_id(object_id: str, rule_type: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"opencfw:advanced-ips:{object_id}:{rule_type}"))


def _advanced(rt: Runtime, where: Where, object_id: str) -> list[dict[str, Any]]:
    found = _obj(rt).read(where, "advanced_ips")
    rules = []
    for rule_type in ips.ADVANCED_TYPES:
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
    rules = _advanced(rt, _at_object(req, query.object_id), query.object_id)
    return {"total": len(rules), "advanced_ips_rules": rules}


def update_advanced_ips_rule(rt: Runtime, req: Request, _: Any, body: Any) -> Any:
    where = _at_object(req, body.object_id)
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
    _obj(rt).write(where, "advanced_ips", body.ips_rule_id, doc)
    return {"id": body.ips_rule_id}


def show_customer_ips_info(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    rule_id = schemas.path_id(req.params["ips_cfw_id"], "ips_cfw_id")
    svc = rt.resources["customer_ips"]
    try:
        row = svc.get(Where(req.params["project_id"], query.fw_instance_id), rule_id)
    except NotFound:
        empty = {name: None for name in ips.CustomerIpsVO.__struct_fields__}
        return {**empty, "ips_cfw_id": rule_id, **ips.GONE}
    return svc.r.to_record(row, svc.extras(Where(req.params["project_id"]), [row])[0], detail=True)


class _Action(msgspec.Struct):
    action_type: int


def batch_update_customer_ips_action(rt: Runtime, req: Request, _: Any, body: Any) -> Any:
    if body.action_type is None:
        raise BadParameter("Invalid request body: `action_type` is required")
    svc = rt.resources["customer_ips"]
    where = _at_firewall(req, body.fw_instance_id)
    ids = list(dict.fromkeys(body.ips_ids))
    rows = [svc.get(where, i) for i in ids]  # all exist and are applied, or nothing changes
    for row in rows:
        ips.settled(row, rt.clock.now_ms())
    for row in rows:
        if row.action_type != body.action_type:
            svc.update(where, row.id, _Action(body.action_type))
    return {"id": body.fw_instance_id}


# -- capture tasks


class _Stop(msgspec.Struct):
    stopped_ms: int


def cancel_capture_task(rt: Runtime, req: Request, _: Any, body: Any) -> Any:
    svc = rt.resources["capture_task"]
    where = _at_firewall(req)
    row = svc.get(where, body.task_id)
    if capture.status(row, rt.clock.now_ms()) == capture.RUNNING:
        row = svc.update(where, row.id, _Stop(rt.clock.now_ms()))
    return {"id": row.id, "name": row.name}


def list_capture_result(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    svc = rt.resources["capture_task"]
    where = _at_firewall(req)
    svc.get(where, query.task_id)
    if query.ip:
        for ip in query.ip.split(","):
            try:
                ipaddress.ip_address(ip.strip())
            except ValueError as exc:
                raise BadParameter(f"The query parameter `ip` is not an IP address: {ip[:64]!r}") from exc
    # no packets are captured (no data plane): nothing to download
    return {"url": "", "captcha": "", "expires": 0, "file_list": [], "request_header": {"Host": ""}}


HANDLERS: dict[str, Handler] = {
    "show_anti_virus_switch": show_anti_virus_switch,
    "update_anti_virus_switch": update_anti_virus_switch,
    "show_anti_virus_rule": show_anti_virus_rule,
    "update_anti_virus_rule": update_anti_virus_rule,
    "show_alarm_config": show_alarm_config,
    "update_alarm_config": update_alarm_config,
    "add_log_config": put_log_config,
    "update_log_config": put_log_config,
    "list_log_config": list_log_config,
    "list_dns_servers": list_dns_servers,
    "update_dns_servers": update_dns_servers,
    "add_custom_dns_server": add_custom_dns_server,
    "show_customer_ips_info": show_customer_ips_info,
    "list_ips_rules": list_ips_rules,
    "change_ips_rule_mode": change_ips_rule_mode,
    "show_ips_update_time": show_ips_update_time,
    "list_advanced_ips_rules": list_advanced_ips_rules,
    "update_advanced_ips_rule": update_advanced_ips_rule,
    "batch_update_customer_ips_action": batch_update_customer_ips_action,
    "cancel_capture_task": cancel_capture_task,
    "list_capture_result": list_capture_result,
}


def route(action: Action) -> Route:
    act = HANDLERS[action.sdk]

    def handle(rt: Runtime, req: Request) -> Response:
        schemas.query_text(req.query, "enterprise_project_id")  # accepted, bounded, not used
        query = _query(req, action.query) if action.query is not None else None
        body = schemas.decode_body(req.body, action.body) if action.body is not None else None
        if body is not None:
            refuse_nul(msgspec.to_builtins(body))
        data = act(rt, req, query, body)
        return json_response(200, data if action.top_level else {"data": data})

    return Route(action.method, action.path, handle, mode=action.mode, auth="project")  # type: ignore[arg-type]


ROUTES = [route(action) for action in ACTIONS]
