"""Schedules of a protected object (CreateSchedule & co.): when the ACL rules that name one apply.

A schedule is a list of periodic plans (every day, some days of the week, a span of the week) and
at most one absolute span (milliseconds). The list answers the absolute times as strings, as the
SDK's ``ScheduleVOAbsolute`` says; ``ref_count`` counts the rows that refer to a schedule.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

from opencfw.domain.errors import BadParameter, NameConflict
from opencfw.resources.registry import Batch, Filter, Match, Operation, Resource, Scope, optional

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
Name = Annotated[str, Meta(min_length=1, max_length=255)]
Text = Annotated[str, Meta(max_length=255)]
Clock = Annotated[str, Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?\Z")]
WeekDay = Annotated[int, Meta(ge=1, le=7)]
Millis = Annotated[int, Meta(ge=0, le=2**53)]


class ScheduleInfoDTOPeriodic(Struct, omit_defaults=True):
    type: Literal[0, 1, 2]  # every day, some days of each week, a span of each week
    start_time: Clock
    end_time: Clock
    week_mask: Annotated[list[WeekDay], Meta(max_length=7)] | None = None
    start_week: WeekDay | None = None
    end_week: WeekDay | None = None


class ScheduleInfoDTOAbsolute(Struct, omit_defaults=True):
    start_time: Millis | None = None
    end_time: Millis | None = None


class ScheduleInfoDTO(Struct):
    object_id: Id
    name: Name
    description: Text | None = None
    periodic: Annotated[list[ScheduleInfoDTOPeriodic], Meta(max_length=50)] | None = None
    absolute: ScheduleInfoDTOAbsolute | None = None


class Schedule(Struct):
    id: str
    project_id: str
    firewall_id: str
    object_id: str
    name: str
    description: str | None
    periodic: Any  # list of plans (JSON)
    absolute: Any  # {"start_time": str, "end_time": str} or None (JSON)
    created_ms: int
    updated_ms: int


class ListSchedulesQuery(Struct):
    object_id: Id
    name: Name | None = None
    desc: Text | None = None


class ScheduleVOPeriodic(Struct, omit_defaults=True):
    type: int
    start_time: str
    end_time: str
    week_mask: list[int] | None = None
    start_week: int | None = None
    end_week: int | None = None


class ScheduleVOAbsolute(Struct, omit_defaults=True):
    start_time: str | None = None
    end_time: str | None = None


class ScheduleVO(Struct):
    schedule_id: str
    name: str
    description: str | None
    ref_count: int
    periodic: list[ScheduleVOPeriodic]
    absolute: ScheduleVOAbsolute | None


class BatchDeleteSchedulesRequestBody(Struct):
    object_id: Id
    schedule_ids: Annotated[list[Id], Meta(min_length=1, max_length=100)]


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else getattr(value, name)


def _plan(plan: Any) -> dict[str, Any]:
    """A periodic plan as stored: checked for what its type needs."""
    found = {
        name: _field(plan, name)
        for name in ("type", "start_time", "end_time", "week_mask", "start_week", "end_week")
    }
    if found["type"] == 1 and not found["week_mask"]:
        raise BadParameter("Invalid request body: a plan of type 1 needs `week_mask`")
    if found["type"] == 2 and (found["start_week"] is None or found["end_week"] is None):
        raise BadParameter("Invalid request body: a plan of type 2 needs `start_week` and `end_week`")
    if found["type"] != 2 and found["start_time"] > found["end_time"]:
        raise BadParameter("Invalid request body: a plan's `start_time` is after its `end_time`")
    return {k: v for k, v in found.items() if v is not None}


def _absolute(absolute: Any) -> dict[str, str] | None:
    """The absolute span as stored (and listed): times as strings of milliseconds."""
    if absolute is None:
        return None
    start, end = _field(absolute, "start_time"), _field(absolute, "end_time")
    if start is None and end is None:
        return None
    if start is not None and end is not None and int(start) > int(end):
        raise BadParameter("Invalid request body: `absolute.start_time` is after `absolute.end_time`")
    return {k: str(v) for k, v in (("start_time", start), ("end_time", end)) if v is not None}


def validate(row: Schedule) -> Schedule:
    row.periodic = [_plan(p) for p in row.periodic or ()]
    row.absolute = _absolute(row.absolute)
    if not row.periodic and row.absolute is None:
        raise BadParameter("Invalid request body: `periodic` and `absolute` cannot both be empty")
    return row


def _answer(row: Schedule) -> dict[str, Any]:
    return {"id": row.id, "name": row.name}


RESOURCE = Resource(
    name="schedule",
    title="schedule",
    table="schedules",
    model=Schedule,
    create=ScheduleInfoDTO,
    update=optional(ScheduleInfoDTO, "UpdateScheduleInfoDTO", exclude=("object_id",)),
    query=ListSchedulesQuery,
    record=ScheduleVO,
    scope=Scope.OBJECT,
    filters=(
        Filter("name", Match.KEY_WORD, ("name",)),
        Filter("desc", Match.KEY_WORD, ("description",)),
    ),
    view={"schedule_id": "id"},
    unique=(("object_id", "name"),),
    conflict=NameConflict,
    validate=validate,
    answer=_answer,
    ref_count="ref_count",
    json_columns=("periodic", "absolute"),
    batch=Batch(BatchDeleteSchedulesRequestBody, "schedule_ids", lambda rows: [row.id for row in rows]),
    operations=(
        Operation("create", "POST", "/v1/{project_id}/schedule", "create_schedule"),
        Operation("list", "GET", "/v1/{project_id}/schedules", "list_schedules"),
        Operation("update", "PUT", "/v1/{project_id}/schedule/{schedule_id}", "update_schedule"),
        Operation("delete", "DELETE", "/v1/{project_id}/schedule/{schedule_id}", "delete_schedule"),
        Operation("delete_many", "POST", "/v1/{project_id}/schedules/batch-delete", "batch_delete_schedules"),
    ),
)
