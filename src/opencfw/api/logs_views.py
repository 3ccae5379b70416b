"""Log records as the SDK's record models name their fields, by log kind (``acl``, ``attack``,
``flow``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opencfw.domain.logs import LogRecord

_PLACE = (
    "src_region_id",
    "src_region_name",
    "dst_region_id",
    "dst_region_name",
    "src_province_name",
    "dst_province_name",
    "src_city_name",
    "dst_city_name",
)
_TUPLE = ("src_ip", "src_port", "dst_ip", "dst_port", "protocol", "app", "dst_host")


#: per kind, the record model's fields beyond the 5-tuple and places -> the column they read
_FIELDS = {
    "acl": {"action": "action", "rule_id": "rule_id", "rule_name": "rule_name", "hit_time": "at_ms"},
    "flow": {
        "direction": "direction",
        "bytes": "bytes",
        "packets": "packets",
        "start_time": "at_ms",
        "end_time": "end_ms",
    },
    "attack": {
        "direction": "direction",
        "action": "action",
        "event_time": "at_ms",
        "hit_time": "at_ms",
        "attack_type": "attack_type",
        "attack_rule": "rule_name",
        "attack_rule_id": "rule_id",
        "level": "level",
        "source": "source",
        "packet": "packet",
        "packet_length": "bytes",
    },
}


def _view(kind: str) -> Callable[[LogRecord], dict[str, Any]]:
    fields = {"log_id": "id", **{f: f for f in (*_TUPLE, *_PLACE)}, **_FIELDS[kind]}
    extra: dict[str, Any] = {"packet_messages": []} if kind == "attack" else {}

    def view(r: LogRecord) -> dict[str, Any]:
        return {**{name: getattr(r, column) for name, column in fields.items()}, **extra}

    return view


VIEWS = {kind: _view(kind) for kind in _FIELDS}
acl_view, attack_view = VIEWS["acl"], VIEWS["attack"]
