"""Report profiles of a firewall (CreateReportProfile & co.): what report to make, when, and whom
to notify. The reports themselves are made from opencfw's own state (``service.reports``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

from opencfw.domain.errors import BadParameter, NameConflict
from opencfw.resources.registry import Filter, Operation, Resource, Scope, optional

Name = Annotated[str, Meta(min_length=1, max_length=255)]
Text = Annotated[str, Meta(max_length=255)]
Urn = Annotated[str, Meta(max_length=512)]
Millis = Annotated[int, Meta(ge=0, le=2**53)]
Category = Literal["daily", "weekly", "custom"]


class StatisticPeriod(Struct, omit_defaults=True):
    start_time: Millis | None = None
    end_time: Millis | None = None


class CreateReportProfileDto(Struct):
    category: Category
    name: Name
    topic_urn: Urn | None = None
    description: Text | None = None
    send_period: Annotated[int, Meta(ge=0, le=23)] | None = None
    send_week_day: Annotated[int, Meta(ge=1, le=7)] | None = None
    statistic_period: StatisticPeriod | None = None
    #: null or absent: 1 (enabled)
    status: Literal[0, 1] | None = None
    #: null or absent: 0 (SMN) with a topic, else 1 (no notification)
    subscription_type: Literal[0, 1] | None = None


class ReportProfile(Struct):
    id: str
    project_id: str
    firewall_id: str
    category: str
    name: str
    topic_urn: str | None
    description: str | None
    send_period: int | None
    send_week_day: int | None
    statistic_period: Any  # {"start_time", "end_time"} or None (JSON)
    status: int
    subscription_type: int
    created_ms: int
    updated_ms: int


class ListReportProfilesQuery(Struct):
    fw_instance_id: Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
    category: Category | None = None


class ReportProfileVO(Struct):
    profile_id: str
    name: str
    category: str
    status: int
    report_id: str | None
    last_time: int | None


class ReportProfileInfoVO(Struct):
    category: str
    description: str | None
    name: str
    send_period: int | None
    send_week_day: int | None
    statistic_period: StatisticPeriod | None
    status: int
    topic_name: str | None
    topic_urn: str | None
    subscription_type: int


def _period(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    get = value.get if isinstance(value, dict) else lambda name: getattr(value, name)
    found = {name: get(name) for name in ("start_time", "end_time") if get(name) is not None}
    return found or None


def validate(row: ReportProfile) -> ReportProfile:
    row.statistic_period = _period(row.statistic_period)
    if row.status is None:
        row.status = 1
    if row.subscription_type is None:
        row.subscription_type = 0 if row.topic_urn else 1
    if row.category in ("daily", "weekly") and row.send_period is None:
        raise BadParameter("Invalid request body: a daily or weekly report needs `send_period`")
    if row.category == "weekly" and row.send_week_day is None:
        raise BadParameter("Invalid request body: a weekly report needs `send_week_day`")
    period = row.statistic_period
    if row.category == "custom" and (period is None or len(period) != 2):
        raise BadParameter("Invalid request body: a custom report needs `statistic_period` with both times")
    if period is not None and len(period) == 2 and period["start_time"] > period["end_time"]:
        raise BadParameter("Invalid request body: `statistic_period.start_time` is after its `end_time`")
    if row.subscription_type == 0 and not row.topic_urn:
        raise BadParameter("Invalid request body: SMN notification (`subscription_type` 0) needs `topic_urn`")
    return row


DAY_MS = 86_400_000
HOUR_MS = 3_600_000
#: at most this many reports are kept per profile (the oldest fall away)
KEEP = 1000


class Report(Struct):
    """One report of a profile: the span it covers and when it was sent (all ms, UTC)."""

    id: str
    start_ms: int
    end_ms: int
    sent_ms: int


def reports(row: ReportProfile, now_ms: int) -> list[Report]:
    """The reports a profile has made by ``now_ms``, newest first. A daily report covers a UTC day
    and is sent the next day at ``send_period`` o'clock; a weekly one covers the seven days before
    its ``send_week_day`` (1 = Monday) at that hour; a custom one covers its statistic period and
    is made when that period has ended. A disabled profile (``status`` 0) makes none; the first
    report is the first whose span ends after the profile was created. The id names the profile
    and the span's start."""
    if row.status != 1:
        return []
    made: list[Report] = []
    if row.category == "custom":
        period = row.statistic_period or {}
        start, end = period.get("start_time"), period.get("end_time")
        if start is not None and end is not None:
            sent = max(end + 1, row.created_ms)
            if sent <= now_ms:
                made.append(Report(f"{row.id}-{start}", start, end, sent))
        return made
    span = DAY_MS if row.category == "daily" else 7 * DAY_MS
    hour = (row.send_period or 0) * HOUR_MS
    # the first span end: a day boundary, for weekly the one whose weekday is send_week_day
    first_end = (row.created_ms // DAY_MS + 1) * DAY_MS
    if row.category == "weekly":
        weekday = (first_end // DAY_MS + 3) % 7 + 1  # 1970-01-01 was a Thursday (4)
        first_end += ((row.send_week_day or 1) - weekday) % 7 * DAY_MS
    if first_end + hour > now_ms:
        return made
    count = min((now_ms - hour - first_end) // span + 1, KEEP)
    last_end = first_end + ((now_ms - hour - first_end) // span) * span
    for i in range(count):
        end = last_end - i * span
        made.append(Report(f"{row.id}-{end - span}", end - span, end - 1, end + hour))
    return made


def _computed(row: ReportProfile, now_ms: int) -> dict[str, Any]:
    made = reports(row, now_ms)
    return {
        "report_id": made[0].id if made else None,
        "last_time": made[0].sent_ms if made else None,
        "topic_name": _topic_name(row),
    }


def _topic_name(row: ReportProfile) -> str | None:
    """The SMN topic's name: the last part of its URN (opencfw has no SMN to ask)."""
    return row.topic_urn.rsplit(":", 1)[-1] if row.topic_urn else None


RESOURCE = Resource(
    name="report_profile",
    title="report profile",
    table="report_profiles",
    model=ReportProfile,
    create=CreateReportProfileDto,
    update=optional(CreateReportProfileDto, "UpdateReportProfileDto", exclude=("category",)),
    query=ListReportProfilesQuery,
    record=ReportProfileVO,
    detail=ReportProfileInfoVO,
    scope=Scope.FIREWALL,
    filters=(Filter("category"),),
    view={"profile_id": "id"},
    unique=(("firewall_id", "name"),),
    conflict=NameConflict,
    validate=validate,
    answer=lambda row: {"id": row.id, "name": row.name},
    json_columns=("statistic_period",),
    computed=_computed,
    computed_fields=("report_id", "last_time", "topic_name"),
    operations=(
        Operation("create", "POST", "/v1/{project_id}/report-profile", "create_report_profile"),
        Operation("list", "GET", "/v1/{project_id}/report-profile", "list_report_profiles"),
        Operation("get", "GET", "/v1/{project_id}/report-profile/{report_profile_id}", "show_report_profile"),
        Operation(
            "update", "PUT", "/v1/{project_id}/report-profile/{report_profile_id}", "update_report_profile"
        ),
        Operation(
            "delete", "DELETE", "/v1/{project_id}/report-profile/{report_profile_id}", "delete_report_profile"
        ),
    ),
)
