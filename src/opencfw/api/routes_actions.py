"""The handlers of the declared actions (``resources.actions``): settings of firewalls and
protected objects, stopping a capture task, and (``ips_actions``) the IPS signature catalogue. Each
decodes the declaration's structs, reads or writes through the services, and answers
``{"data": ...}``; ``route`` makes the routes of them all."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

import msgspec

from opencfw.api import action_scope as scope
from opencfw.api import ips_actions, schemas
from opencfw.api.action_scope import Handler
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.api.resource_routes import _query
from opencfw.domain.errors import BadParameter
from opencfw.resources import capture, firewall_config, ips_signatures
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
from opencfw.service.resources import Where, refuse_nul

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

ACTIONS: tuple[Action, ...] = (*ips_signatures.ACTIONS, *capture.ACTIONS, *firewall_config.ACTIONS)

# -- anti-virus


def show_anti_virus_switch(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    found = scope.object_settings(rt).read(scope.at_object(req, query.object_id), "anti_virus_switch")
    status = found.get("", {}).get("anti_virus_status", 0)
    return {"id": query.object_id, "name": query.object_id, "anti_virus_status": status}


def update_anti_virus_switch(rt: Runtime, req: Request, _: Any, body: Any) -> Any:
    where = scope.at_object(req, body.object_id)
    scope.object_settings(rt).write(
        where, "anti_virus_switch", "", {"anti_virus_status": body.anti_virus_status}
    )
    return {"id": body.object_id}


def _anti_virus_actions(rt: Runtime, where: Where) -> dict[int, int]:
    found = scope.object_settings(rt).read(where, "anti_virus_rule")
    actions = dict.fromkeys(PROTOCOLS, DISABLED)
    actions.update({int(key): doc["action"] for key, doc in found.items()})
    return dict(sorted(actions.items()))


def show_anti_virus_rule(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    actions = _anti_virus_actions(rt, scope.at_object(req, query.object_id))
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
    where = scope.at_object(req, body.object_id)
    settings = scope.object_settings(rt)
    settings.read(where, "anti_virus_rule")  # an unknown object changes nothing
    for config in body.scan_protocol_configs:
        settings.write(where, "anti_virus_rule", str(config.protocol_type), {"action": config.action})
    return {"id": body.object_id}


# -- alarm configuration


def _alarms(rt: Runtime, where: Where) -> list[dict[str, Any]]:
    found = scope.firewall_settings(rt).read(where, "alarm")
    return [
        {**msgspec.to_builtins(default_alarm(t)), **found.get(str(t), {})}
        for t in firewall_config.ALARM_TYPES
    ]


def show_alarm_config(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    return {"alarm_configs": _alarms(rt, scope.at_firewall(req, query.fw_instance_id)), "data": {}}


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
    where = scope.at_firewall(req, query.fw_instance_id)
    current = _alarms(rt, where)[body.alarm_type]
    given = {k: v for k, v in msgspec.structs.asdict(body).items() if v is not msgspec.UNSET}
    config = {**current, **given}
    _check_alarm(config)
    config.pop("name", None)
    row_id = scope.firewall_settings(rt).write(where, "alarm", str(body.alarm_type), config)
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
    where = scope.at_firewall(req, body.fw_instance_id)
    scope.firewall_settings(rt).write(where, "lts", "", msgspec.to_builtins(body))
    return body.fw_instance_id


def list_log_config(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    found = scope.firewall_settings(rt).read(scope.at_firewall(req, query.fw_instance_id), "lts").get("")
    default = firewall_config.LogConfigDto(fw_instance_id=query.fw_instance_id, lts_enable=0)
    return found or msgspec.to_builtins(default)


# -- DNS servers


def _dns(rt: Runtime, where: Where) -> dict[str, Any]:
    found = scope.firewall_settings(rt).read(where, "dns").get("")
    if found is None:
        servers = [{"server_ip": ip, "is_customized": 0, "is_applied": 0} for ip in DEFAULT_DNS]
        found = {"servers": servers, "health_check_domain_name": HEALTH_CHECK_DOMAIN}
    return found


def list_dns_servers(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    state = _dns(rt, scope.at_firewall(req, query.fw_instance_id))
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
    where = scope.at_firewall(req, query.fw_instance_id)
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
    scope.firewall_settings(rt).write(
        where, "dns", "", {"servers": servers, "health_check_domain_name": domain}
    )
    return [s["server_ip"] for s in servers if s["is_applied"]]


def add_custom_dns_server(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    ip = _ipv4(req.params["server_ip"])
    where = scope.at_firewall(req, query.fw_instance_id)
    state = _dns(rt, where)
    if all(s["server_ip"] != ip for s in state["servers"]):
        if sum(s["is_customized"] for s in state["servers"]) >= MAX_CUSTOM_DNS:
            raise BadParameter(f"At most {MAX_CUSTOM_DNS} custom DNS servers")
        state["servers"].append({"server_ip": ip, "is_customized": 1, "is_applied": 0})
        scope.firewall_settings(rt).write(where, "dns", "", state)
    return ip


# -- capture tasks


class _Stop(msgspec.Struct):
    stopped_ms: int


def cancel_capture_task(rt: Runtime, req: Request, _: Any, body: Any) -> Any:
    svc = rt.resources["capture_task"]
    where = scope.at_firewall(req)
    row = svc.get(where, body.task_id)
    if capture.status(row, rt.clock.now_ms()) == capture.RUNNING:
        row = svc.update(where, row.id, _Stop(rt.clock.now_ms()))
    return {"id": row.id, "name": row.name}


def list_capture_result(rt: Runtime, req: Request, query: Any, _: Any) -> Any:
    svc = rt.resources["capture_task"]
    where = scope.at_firewall(req)
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
    "cancel_capture_task": cancel_capture_task,
    **ips_actions.HANDLERS,
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
