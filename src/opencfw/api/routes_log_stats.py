"""Log statistics (``/v1/{project_id}/cfw/logs/*`` counts, totals, trends, tops and details, and
``/logs/count``): each decodes its query, asks the log service, and shapes the answer as the SDK's
response models name it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opencfw.api import logs_request
from opencfw.api import logs_schemas as q
from opencfw.api.http import Request, Response, json_response
from opencfw.api.logs_request import decode_query
from opencfw.api.logs_views import acl_view, attack_view
from opencfw.service.logs import DETAIL_RECORDS, TOP
from opencfw.store.logs_sql import Group, Where

if TYPE_CHECKING:
    from opencfw.runtime import Runtime


# -- counts, totals and trends


def show_logs_count(rt: Runtime, req: Request) -> Response:
    query = decode_query(req, q.LogsCountQuery)
    logs = rt.logs
    window = logs.window(query.range, query.start_time, query.end_time)
    count = logs.logs_count(req.params["project_id"], query.fw_instance_id, window, query.item)
    return json_response(200, {"data": {"count": count}})


def show_attack_total(rt: Runtime, req: Request) -> Response:
    logs, _, make = logs_request.stats(rt, req, decode_query(req, q.Stats), "attack")
    return json_response(200, {"data": logs.attack_total(make())})


def show_attack_trend(rt: Runtime, req: Request) -> Response:
    logs, window, make = logs_request.stats(rt, req, decode_query(req, q.Stats), "attack")
    return json_response(200, {"data": logs.attack_trend(make(), window)})


def _with_ips(where: Where, ips: list[str] | None) -> Where:
    return where.any_of(["src_ip", "dst_ip"], ips) if ips else where


def show_flow_trend(rt: Runtime, req: Request) -> Response:
    query = decode_query(req, q.FlowTrendQuery)
    logs, window, make = logs_request.stats(rt, req, query, "flow")
    records = logs.flow_trend(_with_ips(make(), query.ip), window)
    return json_response(200, {"data": {"records": records, "total": len(records)}})


def show_traffic_trend(rt: Runtime, req: Request) -> Response:
    query = decode_query(req, q.TrafficTrendQuery)
    logs, window, make = logs_request.stats(rt, req, query, "flow")
    return json_response(
        200, {"data": logs.traffic_trend(_with_ips(make(), query.ip), window, query.agg_type or "avg")}
    )


# -- tops and details


def _top_info(groups: list[Group], name: int = 0, ident: int = 0) -> list[dict[str, Any]]:
    return [{"count": g.count, "item": str(g.values[name]), "item_id": str(g.values[ident])} for g in groups]


def _member(groups: list[Group], name: int = 0) -> list[dict[str, Any]]:
    return [{"count": str(g.count), "item": str(g.values[0]), "name": str(g.values[name])} for g in groups]


def _item_vo(groups: list[Group], value: Callable[[Group], int] = lambda g: g.count) -> list[dict[str, Any]]:
    return [{"key": str(g.values[0]), "name": str(g.values[0]), "value": value(g)} for g in groups]


#: access statistics' items -> the column they count (the deny records)
ACCESS_COLUMNS = {
    "top_deny_rule": "rule_id",
    "dst_ip": "dst_ip",
    "src_ip": "src_ip",
    "dst_port": "dst_port",
    "dst_region": "dst_region_name",
    "src_region": "src_region_name",
}
#: the lists of ShowAccessTop: (direction, column) of the deny records, by the item that asks
ACCESS_LISTS = {
    "in2out_deny_dst_ip_list": ("dst_ip", "in2out", "dst_ip"),
    "in2out_deny_dst_port_list": ("dst_port", "in2out", "dst_port"),
    "in2out_deny_dst_region_list": ("dst_region", "in2out", "dst_region_name"),
    "in2out_deny_src_ip_list": ("src_ip", "in2out", "src_ip"),
    "out2in_deny_dst_ip_list": ("dst_ip", "out2in", "dst_ip"),
    "out2in_deny_dst_port_list": ("dst_port", "out2in", "dst_port"),
    "out2in_deny_src_ip_list": ("src_ip", "out2in", "src_ip"),
    "out2in_deny_src_port_list": ("src_port", "out2in", "src_port"),
    "out2in_deny_src_region_list": ("src_region", "out2in", "src_region_name"),
}


#: at most this many groups are read for the access statistics (rules and actions: far fewer; the
#: deny records' addresses: as many as there are, up to this)
RULES_READ = 100_000


def show_access_top(rt: Runtime, req: Request) -> Response:
    query = decode_query(req, q.AccessTopQuery)
    logs, window, base = logs_request.stats(rt, req, query, "acl")

    def make() -> Where:
        where = base()
        return where.any_of(["rule_id"], query.rule_id.split(",")) if query.rule_id else where

    def deny() -> Where:
        return make().eq("action", "deny")

    item = query.item
    # one pass over the records: every (rule, action) with its count; the rest is arithmetic
    groups = logs.top(make(), ["rule_id", "rule_name", "action"], RULES_READ)
    hits = sum(g.count for g in groups)
    denied = sum(g.count for g in groups if g.values[2] == "deny")
    data: dict[str, Any] = {"hit_count": hits, "deny_count": denied, "permit_count": hits - denied}

    def ranked(action: str | None) -> list[Group]:
        per_rule: dict[tuple[Any, ...], int] = {}
        for g in groups:
            if action is None or g.values[2] == action:
                per_rule[g.values[:2]] = per_rule.get(g.values[:2], 0) + g.count
        order = sorted(per_rule.items(), key=lambda kv: (-kv[1], kv[0]))
        return [Group(rule, count, 0, 0, 0) for rule, count in order]

    if item in (None, "strategy_dashboard"):
        for action in ("deny", "permit"):
            top = ranked(action)
            data[f"{action}_top_one_acl_id"] = top[0].values[0] if top else ""
            data[f"{action}_top_one_acl_name"] = top[0].values[1] if top else ""
        data["all_hit_rule_list"] = _member(ranked(None)[:100], 1)
    if item in (None, "strategy_hit_info"):
        data["records"] = logs.access_trend(make(), window)
    if item in (None, "top_deny_rule"):
        data["top_deny_rule_list"] = _member(ranked("deny")[:TOP], 1)
    lists = {name: spec for name, spec in ACCESS_LISTS.items() if item is None or item == spec[0]}
    if lists:
        # one pass over the deny records: each list folds the groups by its direction and column
        columns = ["direction", *sorted({column for _, _, column in lists.values()})]
        denials = logs.top(deny(), columns, RULES_READ)
        for name, (_, direction, column) in lists.items():
            at = columns.index(column)
            counts: dict[Any, int] = {}
            for g in denials:
                if g.values[0] == direction:
                    counts[g.values[at]] = counts.get(g.values[at], 0) + g.count
            order = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:TOP]
            data[name] = _member([Group((value,), count, 0, 0, 0) for value, count in order])
    return json_response(200, {"data": data})


def show_access_detail(rt: Runtime, req: Request) -> Response:
    query = decode_query(req, q.AccessDetailQuery)
    logs, _, make = logs_request.stats(rt, req, query, "acl")
    where = make().eq("action", "deny")
    if query.item is not None and query.item_id is not None:
        where.eq(ACCESS_COLUMNS[query.item], _typed(ACCESS_COLUMNS[query.item], query.item_id))
    found = logs.summary(where)
    counts = logs.distinct(where, ["rule_id", "src_ip", "dst_ip", "dst_port", "protocol"])
    _, records = logs.page(where, 0, DETAIL_RECORDS)
    data = {
        "all_session_count": logs.summary(make()).count,
        "session_count": found.count,
        "hit_count": found.count,
        "record_total": found.count,
        "rule_hit_count": counts["rule_id"],
        "src_ip_count": counts["src_ip"],
        "dst_ip_count": counts["dst_ip"],
        "dst_port_count": counts["dst_port"],
        "protocol_count": counts["protocol"],
        "recent_start_time": found.first_ms,
        "recent_end_time": found.last_ms,
        "records": [{**acl_view(r), "rule_type": 0} for r in records],
    }
    return json_response(200, {"data": data})


def _typed(column: str, value: str) -> Any:
    """A value compared with an integer column must be an integer (else it matches nothing)."""
    if column in ("src_port", "dst_port"):
        return int(value) if value.isdigit() and len(value) < 6 else -1
    return value


#: attack statistics' items -> (column, direction or None)
ATTACK_ITEMS: dict[str, tuple[str, str | None]] = {
    "src_region_id": ("src_region_id", None),
    "attack_type": ("attack_type", None),
    "in_src_ip": ("src_ip", "in2out"),
    "out_src_ip": ("src_ip", "out2in"),
    "dst_port": ("dst_port", None),
    "dst_ip": ("dst_ip", None),
    "attack_rule": ("rule_name", None),
    "src_ip": ("src_ip", None),
    "level": ("level", None),
}


def _attack_item(where: Where, item: str) -> tuple[Where, str]:
    column, direction = ATTACK_ITEMS[item]
    return (where.eq("direction", direction) if direction else where), column


def show_attack_top(rt: Runtime, req: Request) -> Response:
    query = decode_query(req, q.AttackTopQuery)
    logs, _, base = logs_request.stats(rt, req, query, "attack")

    def make() -> Where:
        return base().eq("action", "deny") if query.action == 1 else base()

    data: dict[str, Any] = {}
    items: list[str] = list(query.item or ATTACK_ITEMS)
    for item in items:
        where, column = _attack_item(make(), item)
        if item == "attack_rule":
            data[item] = _top_info(logs.top(where, ["rule_name", "rule_id"], query.size), 0, 1)
        else:
            data[item] = _top_info(logs.top(where, [column], query.size))
    return json_response(200, {"data": data})


def show_attack_detail(rt: Runtime, req: Request) -> Response:
    query = decode_query(req, q.AttackDetailQuery)
    logs, window, base = logs_request.stats(rt, req, query, "attack")
    where = base().eq("action", "deny") if query.action == 1 else base()
    if query.item is not None:
        where, column = _attack_item(where, query.item)
        if query.value is not None:
            where.eq(column, _typed(column, query.value))
    found = logs.summary(where)
    counts = logs.distinct(where, ["app", "rule_id", "attack_type", "dst_ip", "dst_port", "src_ip"])
    _, records = logs.page(where, 0, DETAIL_RECORDS)
    data = {
        "count": found.count,
        "total": found.count,
        "app_count": counts["app"],
        "attack_rule_count": counts["rule_id"],
        "attack_type_count": counts["attack_type"],
        "dst_ip_count": counts["dst_ip"],
        "dst_port_count": counts["dst_port"],
        "src_ip_count": counts["src_ip"],
        "start_time": window.start_ms,
        "end_time": window.end_ms,
        "records": [
            {
                k: v
                for k, v in attack_view(r).items()
                if k not in ("hit_time", "packet", "packet_length", "packet_messages", "log_id", "dst_host")
            }
            for r in records
        ],
    }
    return json_response(200, {"data": data})


def list_attack_statistic(rt: Runtime, req: Request) -> Response:
    """Per attacked (``dst``, the default) or attacking (``src``) IP: counts, apps and ports."""
    query = decode_query(req, q.AttackStatisticQuery)
    logs, _, make = logs_request.stats(rt, req, query, "attack")
    side = query.item or "dst"
    column = f"{side}_ip"
    groups = logs.top(make(), [column], query.size)
    ips = [g.values[0] for g in groups]
    apps = logs.per_value(make, column, ["app"], ips)
    ports = logs.per_value(make, column, ["dst_port"], ips)
    kinds = logs.per_value(make, column, ["attack_type"], ips, 1)
    places = logs.per_value(make, column, [f"{side}_region_id", f"{side}_region_name"], ips, 1)
    data = [
        {
            "ip": ip,
            "attack_count": g.count,
            "deny_count": g.deny,
            "latest_time": g.last_ms,
            "attack_type": kinds[ip][0].values[0] if kinds[ip] else "",
            "region_id": places[ip][0].values[0] if places[ip] else "",
            "region_name": places[ip][0].values[1] if places[ip] else "",
            "apps": _top_info(apps[ip]),
            "dst_ports": _top_info(ports[ip]),
        }
        for ip, g in zip(ips, groups, strict=True)
    ]
    return json_response(200, {"data": data})


def _flow_item(where: Where, item: str) -> tuple[Where, str]:
    """The column a flow statistic's item groups by, and the records it looks at."""
    if item == "risk_ip":
        return where.seen_in("src_ip", "attack", "src_ip"), "src_ip"
    if item == "risk_host":
        return where.seen_in("dst_host", "attack", "dst_host"), "dst_host"
    if item == "open_port":
        return where.eq("direction", "out2in"), "dst_port"
    return where, item


def list_flow_statistic(rt: Runtime, req: Request) -> Response:
    query = decode_query(req, q.FlowStatisticQuery)
    logs, window, base = logs_request.stats(rt, req, query, "flow")

    def make() -> Where:
        return _flow_item(base(), query.item or "src_ip")[0]

    column = _flow_item(base(), query.item or "src_ip")[1]
    groups = logs.top(make(), [column], query.size, "bytes")
    values = [g.values[0] for g in groups]
    apps = logs.per_value(make, column, ["app"], values)
    ports = logs.per_value(make, column, ["dst_port"], values)
    sources = logs.per_value(make, column, ["src_ip"], values)
    targets = logs.per_value(make, column, ["dst_ip"], values)
    protocols = logs.per_value(make, column, ["protocol"], values, 1)
    records = [
        {
            "item": str(v),
            "sessions": g.count,
            "request_byte": g.bytes,
            "response_byte": 0,
            "last_time": g.last_ms,
            "agg_start_time": window.start_ms,
            "agg_end_time": window.end_ms,
            "apps": _item_vo(apps[v]),
            "ports": _item_vo(ports[v]),
            "src_ip": _item_vo(sources[v]),
            "dst_ip": _item_vo(targets[v]),
            "protocol": str(protocols[v][0].values[0]) if protocols[v] else "",
        }
        for v, g in zip(values, groups, strict=True)
    ]
    total = logs.distinct(make(), [column])[column]
    return json_response(200, {"data": {"records": records, "total": total}})


def show_flow_top(rt: Runtime, req: Request) -> Response:
    query = decode_query(req, q.FlowTopQuery)
    logs, _, make = logs_request.stats(rt, req, query, "flow")
    by_bytes = query.order == "byte"
    data = {
        item: _item_vo(
            logs.top(make(), [item], query.size, "bytes" if by_bytes else "count"),
            (lambda g: g.bytes) if by_bytes else (lambda g: g.count),
        )
        for item in query.item or ["src_ip", "dst_ip", "dst_port", "app"]
    }
    return json_response(200, {"data": data})


_SESSION = (
    "src_ip",
    "dst_ip",
    "dst_port",
    "protocol",
    "app",
    "dst_host",
    "src_region_id",
    "src_region_name",
    "dst_region_id",
    "dst_region_name",
)


def show_flow_detail(rt: Runtime, req: Request) -> Response:
    query = decode_query(req, q.FlowDetailQuery)
    logs, _, make = logs_request.stats(rt, req, query, "flow")
    where = make()
    if query.item is not None and query.value is not None:
        where.eq(query.item, _typed(query.item, query.value))
    found = logs.summary(where)
    counts = logs.distinct(where, ["app", "dst_ip", "dst_port", "src_ip"])
    sessions = logs.top(where, _SESSION, DETAIL_RECORDS, "bytes")
    data = {
        "sessions": found.count,
        "bytes": found.bytes,
        "request_byte": found.bytes,
        "response_byte": 0,
        "app_count": counts["app"],
        "dst_ip_count": counts["dst_ip"],
        "dst_port_count": counts["dst_port"],
        "src_ip_count": counts["src_ip"],
        "records": [
            {
                **{k: (str(v) if k == "dst_port" else v) for k, v in zip(_SESSION, g.values, strict=True)},
                "bytes": g.bytes,
                "request_byte": g.bytes,
                "response_byte": 0,
                "sessions": g.count,
            }
            for g in sessions
        ],
    }
    return json_response(200, {"data": data})
