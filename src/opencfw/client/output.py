"""Rendering results: JSON for scripts, aligned tables for people, one error line on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from opencfw.client.session import ClientError
from opencfw.domain.models import FirewallStatus

FORMATS = ("table", "json")
EDITIONS = {0: "Standard", 1: "Professional"}

JOB_FIELDS = (("ID", "id"), ("STATUS", "status"), ("BEGIN", "begin_time"), ("END", "end_time"))
FIREWALL_COLUMNS = (
    ("ID", "fw_instance_id"),
    ("NAME", "fw_instance_name"),
    ("STATUS", "status"),
    ("EDITION", "flavor"),
    ("TAGS", "tags"),
)


def choose_format(requested: str | None, stream: TextIO) -> str:
    """``--output`` if given; otherwise a table on a terminal and JSON anywhere else."""
    if requested:
        return requested
    return "table" if stream.isatty() else "json"


def cell(key: str, value: Any) -> str:
    """A record field as people read it: status names, edition names, tags as k=v."""
    if value is None:
        return "-"
    if key == "status" and isinstance(value, int) and not isinstance(value, bool):
        try:
            return f"{FirewallStatus(value).name.lower().replace('_', ' ')} ({value})"
        except ValueError:
            return str(value)
    if key == "flavor" and isinstance(value, dict):
        version = value.get("version")
        return EDITIONS.get(version, str(version)) if isinstance(version, int) else str(version)
    if key == "tags":
        try:
            tags = json.loads(value) if isinstance(value, str) and value else {}
        except ValueError:
            return str(value)
        if isinstance(tags, dict):
            return ",".join(f"{k}={v}" for k, v in tags.items()) or "-"
    return str(value)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """Rows under a header, columns padded to their widest cell."""
    body = [[cell(key, row.get(key)) for _, key in columns] for row in rows]
    head = [title for title, _ in columns]
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=False)]
    lines = [
        "  ".join(text.ljust(w) for text, w in zip(line, widths, strict=True)).rstrip()
        for line in [head, *body]
    ]
    return "\n".join(lines)


def fields(row: dict[str, Any], names: Sequence[tuple[str, str]]) -> str:
    """One object as two columns, name and value."""
    width = max(len(title) for title, _ in names)
    return "\n".join(f"{title.ljust(width)}  {cell(key, row.get(key))}" for title, key in names)


def emit(value: Any, fmt: str, human: str, stream: TextIO | None = None) -> None:
    """Write ``value`` as JSON, or its ``human`` rendering, to stdout."""
    out = stream or sys.stdout
    if fmt == "json":
        out.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(human + "\n")
    out.flush()


def error(exc: ClientError, stream: TextIO | None = None) -> None:
    (stream or sys.stderr).write(f"opencfw: error: {exc.line()}\n")
