"""Logs and statistics (``/v1/{project_id}/cfw/logs/*``, ``/logs/count``, ``/cfw/{id}/logs[/export]``)
and the admin API's log injection. Handlers decode the query into the SDK-named struct, ask the
log service, and shape the answer as the SDK's response models name it.

Statistics: ``routes_log_stats``; decoding: ``logs_request``; record views: ``logs_views``."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec

from opencfw.api import logs_schemas as q
from opencfw.api import schemas
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.api.logs_request import decode_body, decode_query
from opencfw.api.logs_views import VIEWS, acl_view
from opencfw.api.routes_log_stats import (
    list_attack_statistic,
    list_flow_statistic,
    show_access_detail,
    show_access_top,
    show_attack_detail,
    show_attack_top,
    show_attack_total,
    show_attack_trend,
    show_flow_detail,
    show_flow_top,
    show_flow_trend,
    show_logs_count,
    show_traffic_trend,
)
from opencfw.domain.errors import NotFound
from opencfw.domain.logs import COLUMNS, LogRecord
from opencfw.store.logs_sql import Where

if TYPE_CHECKING:
    from opencfw.runtime import Runtime


# -- the three log lists and the body-driven list and export

_NOT_FILTERS = {"fw_instance_id", "start_time", "end_time", "limit", "offset", "log_id", "next_date"}
_IGNORED = {"enterprise_project_id"}


def _list(rt: Runtime, req: Request, kind: str, query_type: type[q.LogsQuery]) -> Response:
    query = decode_query(req, query_type)
    logs = rt.logs
    window = logs.window(None, query.start_time, query.end_time)
    where = logs.where(req.params["project_id"], query.fw_instance_id, kind, window)
    filters = {
        name: getattr(query, name) for name in query.__struct_fields__ if name not in _NOT_FILTERS | _IGNORED
    }
    logs.filtered(where, filters)
    after = None
    if query.log_id is not None and query.next_date is not None:
        after = (query.next_date, query.log_id)
    total, records = logs.page(where, query.offset, query.limit, after)
    view = VIEWS[kind]
    return json_response(
        200, {"data": {"total": total, "limit": query.limit, "records": [view(r) for r in records]}}
    )


def list_access_control_logs(rt: Runtime, req: Request) -> Response:
    return _list(rt, req, "acl", q.AccessControlLogsQuery)


def list_attack_logs(rt: Runtime, req: Request) -> Response:
    return _list(rt, req, "attack", q.AttackLogsQuery)


def list_flow_logs(rt: Runtime, req: Request) -> Response:
    return _list(rt, req, "flow", q.FlowLogsQuery)


def _body_where(
    rt: Runtime, req: Request, body: q.ListLogsRequestBody | q.ExportLogsRequestBody
) -> Where | None:
    """The ``Where`` of a ListLogs or ExportLogs body (None for URL logs, which opencfw has none of)."""
    firewall_id = schemas.path_id(req.params["fw_instance_id"], "fw_instance_id")
    logs = rt.logs
    window = logs.window(None, body.start_time, body.end_time)
    where = logs.where(
        req.params["project_id"], firewall_id, "acl" if body.type == "url" else body.type, window
    )
    if body.log_type is not None:
        where.eq("log_type", body.log_type)
    for f in body.filters or []:
        logs.matching(where, f.field, f.operator, f.values)
    return None if body.type == "url" else where


def list_logs(rt: Runtime, req: Request) -> Response:
    body = decode_body(req, q.ListLogsRequestBody)
    where = _body_where(rt, req, body)
    total, records = 0, list[LogRecord]()
    if where is not None:
        after = (
            (body.next_date, body.log_id) if body.log_id is not None and body.next_date is not None else None
        )
        total, records = rt.logs.page(where, body.offset, body.limit, after)
    view = VIEWS[body.type] if body.type != "url" else acl_view
    return json_response(
        200, {"data": {"total": total, "limit": body.limit, "records": [view(r) for r in records]}}
    )


def export_logs(rt: Runtime, req: Request) -> Response:
    """The matching records as a CSV file (newest first), columns named as the list's records."""
    body = decode_body(req, q.ExportLogsRequestBody)
    where = _body_where(rt, req, body)
    records = rt.logs.export(where) if where is not None else []
    view = VIEWS[body.type] if body.type != "url" else acl_view
    rows = [view(r) for r in records]
    out = io.StringIO()
    names = [n for n in (rows[0] if rows else view(_EMPTY)) if n != "packet_messages"]
    writer = csv.DictWriter(out, names, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    name = f"cfw-{body.type}-logs.csv"
    return Response(
        200,
        out.getvalue().encode("utf-8"),
        [(b"content-disposition", f'attachment; filename="{name}"'.encode())],
        content_type=b"text/csv;charset=UTF-8",
    )


_EMPTY = LogRecord(**dict.fromkeys(COLUMNS, ""))  # type: ignore[arg-type]  # only its keys matter: the CSV header of an empty export

# -- the admin API


def inject_logs(rt: Runtime, req: Request) -> Response:
    """Record flows (as the policy evaluator does) and attacks in a project; answers their log ids."""
    project_id = req.params["project_id"]
    if not schemas.PROJECT_ID.fullmatch(project_id) or rt.store.get_project(project_id) is None:
        raise NotFound(f"The project {project_id[:64]} does not exist")
    body = decode_body(req, q.InjectIn)
    logs = rt.logs
    flows = logs.record_flows(project_id, body.flows)
    attacks = logs.record_attacks(project_id, body.attacks)
    return json_response(
        200,
        {
            "flows": [{"acl_log_id": f.acl_log_id, "flow_log_id": f.flow_log_id} for f in flows],
            "attacks": attacks,
        },
    )


_L = "/v1/{project_id}/cfw/logs"
Handler = Callable[["Runtime", Request], Response]
#: (SDK operation, method, path, handler, its query or body struct)
OPERATIONS: list[tuple[str, str, str, Handler, type[msgspec.Struct]]] = [
    (
        "list_access_control_logs",
        "GET",
        f"{_L}/access-control",
        list_access_control_logs,
        q.AccessControlLogsQuery,
    ),
    ("list_attack_logs", "GET", f"{_L}/attack", list_attack_logs, q.AttackLogsQuery),
    ("list_flow_logs", "GET", f"{_L}/flow", list_flow_logs, q.FlowLogsQuery),
    ("list_logs", "POST", "/v1/{project_id}/cfw/{fw_instance_id}/logs", list_logs, q.ListLogsRequestBody),
    (
        "export_logs",
        "POST",
        "/v1/{project_id}/cfw/{fw_instance_id}/logs/export",
        export_logs,
        q.ExportLogsRequestBody,
    ),
    ("show_logs_count", "GET", "/v1/{project_id}/logs/count", show_logs_count, q.LogsCountQuery),
    ("list_attack_statistic", "GET", f"{_L}/attack-statistic", list_attack_statistic, q.AttackStatisticQuery),
    ("list_flow_statistic", "GET", f"{_L}/flow-statistic", list_flow_statistic, q.FlowStatisticQuery),
    ("show_access_detail", "GET", f"{_L}/top-access-detail", show_access_detail, q.AccessDetailQuery),
    ("show_access_top", "GET", f"{_L}/access-top", show_access_top, q.AccessTopQuery),
    ("show_attack_detail", "GET", f"{_L}/attack-detail", show_attack_detail, q.AttackDetailQuery),
    ("show_attack_top", "GET", f"{_L}/top-attack", show_attack_top, q.AttackTopQuery),
    ("show_attack_total", "GET", f"{_L}/total-attack", show_attack_total, q.Stats),
    ("show_attack_trend", "GET", f"{_L}/trend-attack", show_attack_trend, q.Stats),
    ("show_flow_detail", "GET", f"{_L}/flow-detail", show_flow_detail, q.FlowDetailQuery),
    ("show_flow_top", "GET", f"{_L}/flow-top", show_flow_top, q.FlowTopQuery),
    ("show_flow_trend", "GET", f"{_L}/flow-trend", show_flow_trend, q.FlowTrendQuery),
    ("show_traffic_trend", "GET", f"{_L}/traffic-trend", show_traffic_trend, q.TrafficTrendQuery),
]
INJECT_PATH = "/_opencfw/admin/projects/{project_id}/logs"
ROUTES = [Route(method, path, handler) for _, method, path, handler, _ in OPERATIONS] + [
    Route("POST", INJECT_PATH, inject_logs, mode="write", auth="admin"),
]
