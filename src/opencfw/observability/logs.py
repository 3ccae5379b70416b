"""Logging set-up: human-readable lines on a terminal, or one JSON object per line.

Structured fields travel in a record's ``extra`` (``event``, ``request_id``, ``job_id``, ...); the
JSON formatter writes them as keys, the human one appends them as ``key=value``. Nothing here ever
receives a secret: callers pass access keys, never secret keys, tokens or signatures.
"""

from __future__ import annotations

import json
import logging
import sys
import time

#: the fields a record may carry beside its message, in the order the human format shows them
FIELDS = (
    "event",
    "request_id",
    "method",
    "route",
    "project_id",
    "status",
    "duration_ms",
    "auth",
    "access_key",
    "job_id",
    "kind",
    "step",
    "outcome",
    "attempts",
)


def _fields(record: logging.LogRecord) -> dict[str, object]:
    return {name: getattr(record, name) for name in FIELDS if getattr(record, name, None) is not None}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_fields(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class HumanFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = _fields(record)
        extra.pop("event", None)
        if extra:
            text += " " + " ".join(f"{k}={v}" for k, v in extra.items())
        return text


def resolve_format(log_format: str) -> str:
    """``auto`` is human on a terminal and JSON otherwise."""
    if log_format == "auto":
        return "human" if sys.stderr.isatty() else "json"
    return log_format


def configure(level: str, log_format: str) -> str:
    """Install the root handler (stderr) and route uvicorn's loggers through it; returns the format."""
    chosen = resolve_format(log_format)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if chosen == "json" else HumanFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    return chosen
