"""Logs and statistics: recording flows and attacks, and every read of them.

``Logs.record_flows`` is the one way flows become log records (the policy evaluator, a data plane
and the admin API call it); ``Logs.record_attacks`` records IPS events. Every read answers from
those records: lists with filters, time ranges and exact totals, and the tops, trends and totals,
computed by the store (``store/logs_sql.py``).
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from opencfw.domain.clock import Clock
from opencfw.domain.errors import BadParameter, NotFound, OpenCfwError
from opencfw.domain.logs import Attack, Flow, LogRecord, Place, Seen, protocol_name
from opencfw.domain.models import Firewall, FirewallStatus
from opencfw.store.base import Store
from opencfw.store.db import Database
from opencfw.store.logs_sql import Bucket, Group, LogStore, TextMatch, Where

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
#: ``range``: 0 the last hour, 1 the last day, 2 the last seven days
RANGES = {0: HOUR_MS, 1: DAY_MS, 2: 7 * DAY_MS}
#: trend buckets: the first of these that cuts the window into at most MAX_BUCKETS
BUCKETS_MS = (60_000, HOUR_MS, DAY_MS, 7 * DAY_MS, 30 * DAY_MS, 365 * DAY_MS)
MAX_BUCKETS = 200
#: records a detail read lists (newest first) and a top's default length
DETAIL_RECORDS = 100
TOP = 5
#: an export holds at most this many records (newest first)
EXPORT_LIMIT = 100_000


class TimeRangeError(OpenCfwError):
    error_code = "CFW.00500002"
    http_status = 400


@dataclass(frozen=True, slots=True)
class RecordedFlow:
    """The log ids a flow made: an access-control record when a rule decided it, a flow record
    when it passed (None where no record was made)."""

    acl_log_id: str | None
    flow_log_id: str | None


@dataclass(frozen=True, slots=True)
class Window:
    start_ms: int
    end_ms: int
    #: the trend buckets' length (None: the first of BUCKETS_MS that makes few enough)
    bucket: int | None = None

    @property
    def bucket_ms(self) -> int:
        if self.bucket is not None:
            return self.bucket
        span = self.end_ms - self.start_ms
        return next((b for b in BUCKETS_MS if span // b < MAX_BUCKETS), BUCKETS_MS[-1])

    def slots(self) -> list[int]:
        return list(range(self.start_ms, self.end_ms + 1, self.bucket_ms))


#: query parameter or filter field -> column, per kind of record
LIST_FILTERS: dict[str, dict[str, str]] = {
    kind: {
        **{
            name: name
            for name in (
                "src_ip",
                "src_port",
                "dst_ip",
                "dst_port",
                "protocol",
                "app",
                "dst_host",
                "action",
                "direction",
                "log_type",
                "src_region_name",
                "dst_region_name",
                "src_province_name",
                "dst_province_name",
                "src_city_name",
                "dst_city_name",
            )
        },
        "log_id": "id",
        **extra,
    }
    for kind, extra in {
        "acl": {"rule_id": "rule_id", "rule_name": "rule_name"},
        "flow": {},
        "attack": {
            "attack_rule": "rule_name",
            "attack_rule_id": "rule_id",
            "attack_type": "attack_type",
            "level": "level",
            "source": "source",
        },
    }.items()
}
INT_COLUMNS = frozenset({"src_port", "dst_port"})


#: the columns only attacks fill
_NO_ATTACK = {"attack_type": "", "level": "", "source": "", "packet": ""}


def _address(value: str, field: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise BadParameter(f"Invalid `{field}`: {value[:64]!r} is not an IP address") from None


class Logs:
    def __init__(
        self, store: Store, clock: Clock, new_id: Callable[[], str] = lambda: str(uuid.uuid4())
    ) -> None:
        self.store = store
        self.clock = clock
        self.new_id = new_id
        self.db = LogStore(Database(store))  # type: ignore[arg-type]
        self.dialect = self.db.db.dialect

    # -- recording

    def firewall(self, project_id: str, firewall_id: str) -> Firewall:
        firewall = self.store.get_firewall(project_id, firewall_id)
        if firewall is None or firewall.status is FirewallStatus.DELETED:
            raise NotFound(f"The firewall {firewall_id[:64]} does not exist")
        return firewall

    def _objects(self, project_id: str, given: Iterable[str]) -> dict[str, str]:
        """Each firewall's default object (its Internet border), checking every firewall once."""
        found: dict[str, str] = {}
        for firewall_id in given:
            if firewall_id not in found:
                found[firewall_id] = self.firewall(project_id, firewall_id).internet_object_id
        return found

    def _seen(self, project_id: str, seen: Seen, objects: dict[str, str]) -> dict[str, Any]:
        """The columns a flow and an attack fill alike."""
        return {
            "project_id": project_id,
            "firewall_id": seen.fw_instance_id,
            "object_id": seen.object_id or objects[seen.fw_instance_id],
            "log_type": seen.log_type,
            "direction": seen.direction,
            "action": seen.action,
            "src_ip": _address(seen.src_ip, "src_ip"),
            "src_port": seen.src_port,
            "dst_ip": _address(seen.dst_ip, "dst_ip"),
            "dst_port": seen.dst_port,
            "protocol": protocol_name(seen.protocol),
            "app": seen.app,
            "dst_host": seen.dst_host,
            **{f: getattr(seen.place, f) for f in Place.__struct_fields__},
        }

    def record_flows(
        self, project_id: str, flows: Sequence[Flow], flow_records: bool = True
    ) -> list[RecordedFlow]:
        """Record flows of the project's firewalls, all or none (one transaction): an
        access-control record for a flow a rule decided (``rule_id`` set), a flow record for a flow
        that passed (``action`` permit) unless ``flow_records`` is False (the data plane records a
        connection's flow record when it ends, with what it counted). ``NotFound`` for a firewall
        that is not the project's."""
        objects = self._objects(project_id, (f.fw_instance_id for f in flows))
        now = self.clock.now_ms()
        records: list[LogRecord] = []
        made: list[RecordedFlow] = []
        for flow in flows:
            start = now if flow.start_ms is None else flow.start_ms
            end = start if flow.end_ms is None else flow.end_ms
            if end < start:
                raise TimeRangeError("A flow's `end_ms` is before its `start_ms`")
            common = {
                **self._seen(project_id, flow, objects),
                **_NO_ATTACK,
                "rule_id": flow.rule_id or "",
                "rule_name": flow.rule_name or "",
                "at_ms": start,
            }
            acl_id = flow_id = None
            if flow.rule_id is not None:
                acl_id = self.new_id()
                records.append(LogRecord(id=acl_id, kind="acl", end_ms=start, bytes=0, packets=0, **common))
            if flow_records and flow.action == "permit":
                flow_id = self.new_id()
                records.append(
                    LogRecord(
                        id=flow_id, kind="flow", end_ms=end, bytes=flow.bytes, packets=flow.packets, **common
                    )
                )
            made.append(RecordedFlow(acl_id, flow_id))
        self.db.insert(records)
        return made

    def record_attacks(self, project_id: str, attacks: Sequence[Attack]) -> list[str]:
        """Record IPS events (all or none); returns their log ids."""
        objects = self._objects(project_id, (a.fw_instance_id for a in attacks))
        now = self.clock.now_ms()
        records = [
            LogRecord(
                id=self.new_id(),
                kind="attack",
                at_ms=now if a.event_ms is None else a.event_ms,
                end_ms=now if a.event_ms is None else a.event_ms,
                rule_id=a.attack_rule_id,
                rule_name=a.attack_rule,
                bytes=a.packet_length,
                packets=1,
                attack_type=a.attack_type,
                level=a.level,
                source=a.source,
                packet=a.packet,
                **self._seen(project_id, a, objects),
            )
            for a in attacks
        ]
        self.db.insert(records)
        return [r.id for r in records]

    # -- reading

    def window(
        self, range_: int | None, start_ms: int | None, end_ms: int | None, *, default: int = DAY_MS
    ) -> Window:
        """Explicit times win over ``range``; neither is the last day. End before start: CFW.00500002."""
        now = self.clock.now_ms()
        if start_ms is not None or end_ms is not None:
            end = now if end_ms is None else end_ms
            start = max(0, end - default) if start_ms is None else start_ms
        else:
            end = now
            start = max(0, now - (default if range_ is None else RANGES[range_]))
        if start > end:
            raise TimeRangeError("The time range is invalid: `start_time` is after `end_time`")
        return Window(start, end)

    def where(self, project_id: str, firewall_id: str, kind: str, window: Window) -> Where:
        self.firewall(project_id, firewall_id)
        return Where(project_id, firewall_id, kind, window.start_ms, window.end_ms)

    def filtered(self, where: Where, filters: dict[str, Any]) -> Where:
        """Equality filters by query parameter name (``None``: not given)."""
        columns = LIST_FILTERS[where.kind]
        for name, value in filters.items():
            if value is not None:
                if name not in columns:
                    raise BadParameter(f"`{name}` is not a filter of these logs")
                where.eq(columns[name], value)
        return where

    def matching(self, where: Where, field: str, operator: TextMatch, values: Sequence[str]) -> Where:
        """A ``ListLogs`` filter: the field equals, differs from, contains or starts with a value."""
        column = LIST_FILTERS[where.kind].get(field)
        if column is None:
            raise BadParameter(f"Invalid filter: `{field[:64]}` is not a field of these logs")
        if not values:
            raise BadParameter(f"Invalid filter on `{field}`: `values` is empty")
        return where.text(column, operator, values, self.dialect)

    def page(
        self, where: Where, offset: int, limit: int, after: tuple[int, str] | None = None
    ) -> tuple[int, list[LogRecord]]:
        return self.db.page(where, offset, limit, after)

    def export(self, where: Where) -> list[LogRecord]:
        return self.db.page(where, 0, EXPORT_LIMIT)[1]

    # -- counts and totals

    def logs_count(self, project_id: str, firewall_id: str, window: Window, item: str | None) -> int:
        def w(kind: str) -> Where:
            return self.where(project_id, firewall_id, kind, window)

        if item == "risk_ip":
            return self.db.distinct(w("attack"), ["src_ip"])["src_ip"]
        if item == "risk_host":
            return self.db.distinct(w("attack"), ["dst_host"])["dst_host"]
        if item == "open_port":
            where = w("flow").eq("direction", "out2in")
            return self.db.distinct(where, ["dst_port"])["dst_port"]
        return sum(self.db.summary(w(kind)).count for kind in ("acl", "flow", "attack"))

    def attack_total(self, where: Where) -> dict[str, Any]:
        s = self.db.summary(where)
        return {
            "attack_count": s.count,
            "deny_count": s.deny,
            "permit_count": s.count - s.deny,
            "risk_ports": self.db.distinct(where, ["dst_port"])["dst_port"],
        }

    # -- trends

    def _buckets(self, where: Where, window: Window) -> dict[int, list[Bucket]]:
        found: dict[int, list[Bucket]] = {slot: [] for slot in window.slots()}
        for bucket in self.db.trend(where, window.bucket_ms):
            found.setdefault(bucket.start_ms, []).append(bucket)
        return found

    def attack_trend(self, where: Where, window: Window) -> list[dict[str, int]]:
        return [
            {
                "time": slot,
                "deny_count": sum(b.count for b in found if b.action == "deny"),
                "permit_count": sum(b.count for b in found if b.action == "permit"),
            }
            for slot, found in self._buckets(where, window).items()
        ]

    def access_trend(self, where: Where, window: Window) -> list[dict[str, int]]:
        return [
            {
                "agg_time": slot,
                "deny_access_top_counts": deny,
                "permit_access_top_counts": total - deny,
                "total_access_top_counts": total,
            }
            for slot, found in self._buckets(where, window).items()
            for total, deny in [
                (sum(b.count for b in found), sum(b.count for b in found if b.action == "deny"))
            ]
        ]

    def flow_trend(self, where: Where, window: Window) -> list[dict[str, Any]]:
        """Bits per second in and out (out2in / in2out) per bucket, averaged over the bucket."""
        seconds = window.bucket_ms / 1000
        return [
            {
                "agg_time": slot,
                "in_bps": sum(b.bytes for b in found if b.direction == "out2in") * 8 / seconds,
                "out_bps": sum(b.bytes for b in found if b.direction == "in2out") * 8 / seconds,
            }
            for slot, found in self._buckets(where, window).items()
        ]

    def traffic_trend(self, where: Where, window: Window, agg: Literal["avg", "max"]) -> list[dict[str, Any]]:
        """``avg``: each bucket's mean rate; ``max``: the highest one-minute rate inside it."""
        points = self.flow_trend(where, window)
        if agg == "max" and window.bucket_ms > 60_000:
            bucket = window.bucket_ms
            for point in points:
                point.update(in_bps=0.0, out_bps=0.0, bps=0.0)
            minutes = self._buckets(where, Window(window.start_ms, window.end_ms, 60_000))
            for start, found in minutes.items():
                point = points[(start - window.start_ms) // bucket]
                rate_in = sum(b.bytes for b in found if b.direction == "out2in") * 8 / 60
                rate_out = sum(b.bytes for b in found if b.direction == "in2out") * 8 / 60
                point["in_bps"] = max(point["in_bps"], rate_in)
                point["out_bps"] = max(point["out_bps"], rate_out)
                point["bps"] = max(point["bps"], rate_in + rate_out)
            return points
        for point in points:
            point["bps"] = point["in_bps"] + point["out_bps"]
        return points

    # -- tops

    def top(
        self,
        where: Where,
        columns: Sequence[str],
        size: int = TOP,
        order: Literal["count", "bytes"] = "count",
    ) -> list[Group]:
        return self.db.top(where, columns, size, order) if size > 0 else []

    def per_value(
        self,
        make: Callable[[], Where],
        key: str,
        other: Sequence[str],
        values: Sequence[Any],
        size: int = TOP,
    ) -> dict[Any, list[Group]]:
        """For each value of ``key`` among ``values``: its top ``other`` values."""
        found: dict[Any, list[Group]] = {v: [] for v in values}
        if not values:
            return found
        groups = self.db.top(make().any_of([key], values), [key, *other], 1_000_000)
        for group in groups:
            rows = found[group.values[0]]
            if len(rows) < size:
                rows.append(Group(group.values[1:], group.count, group.deny, group.bytes, group.last_ms))
        return found

    def summary(self, where: Where) -> Any:
        return self.db.summary(where)

    def distinct(self, where: Where, columns: Sequence[str]) -> dict[str, int]:
        return self.db.distinct(where, columns)
