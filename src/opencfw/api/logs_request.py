"""Reading a log request (``routes_logs``, ``routes_log_stats``): the query and body as the SDK-named
structs (``logs_schemas``), and the scope of a statistics query."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl

import msgspec

from opencfw.api import logs_schemas as q
from opencfw.api import schemas
from opencfw.api.http import Request
from opencfw.domain.errors import BadParameter
from opencfw.service.logs import Logs, Window
from opencfw.service.resources import refuse_nul
from opencfw.store.logs_sql import Where

if TYPE_CHECKING:
    from opencfw.runtime import Runtime


T = TypeVar("T", bound=msgspec.Struct)

# -- decoding


def decode_query(req: Request, kind: type[T]) -> T:
    """The query as ``kind``: the repeated values of a list field make its items."""
    lists = {
        f.encode_name for f in msgspec.structs.fields(kind) if "list" in str(f.type) or "List" in str(f.type)
    }
    values: dict[str, Any] = {}
    pairs = (
        parse_qsl(req.raw_query.decode("utf-8", "replace"), keep_blank_values=True) if req.raw_query else []
    )
    for name, value in pairs:
        if name in lists:
            values.setdefault(name, []).append(value)
        else:
            values[name] = value
    refuse_nul(values, "query")
    try:
        found = msgspec.convert(values, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise BadParameter(f"Invalid query parameter: {exc}") from None
    # the lax conversion reads the text "null" as an absent value: a parameter is never null
    for name, value in values.items():
        if value == "null" and getattr(found, name, "") is None:
            raise BadParameter(f"Invalid query parameter: `{name}` cannot be null")
    return found


def decode_body(req: Request, kind: type[T]) -> T:
    found = schemas.decode_body(req.body, kind)
    refuse_nul(msgspec.to_builtins(found), "body")
    return found


def stats(rt: Runtime, req: Request, query: q.Stats, kind: str) -> tuple[Logs, Window, Callable[[], Where]]:
    """The service, the query's window and a maker of its ``Where`` (the firewall checked once)."""
    logs = rt.logs
    window = logs.window(query.range, query.start_time, query.end_time)
    project_id = req.params["project_id"]
    logs.firewall(project_id, query.fw_instance_id)
    direction = getattr(query, "direction", None)

    def make() -> Where:
        where = Where(project_id, query.fw_instance_id, kind, window.start_ms, window.end_ms)
        if query.log_type is not None:
            where.eq("log_type", query.log_type)
        if direction is not None:
            where.eq("direction", direction)
        return where

    return logs, window, make
