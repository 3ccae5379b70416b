"""Packet-capture tasks of a firewall (CreateCaptureTask & co.).

A task runs for its ``duration`` from its creation: status 2 (running), then 1 (done). Stopping a
running task makes it 5 (stopping) for ``STOP_MS``, then 4 (stopped). The status is computed from
the clock at every read, so it moves the same way on every store and across restarts. opencfw
has no data plane here: a task captures no packets (``capture_size`` "0kb", no result files).
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from opencfw.domain.errors import NameConflict
from opencfw.resources import checks
from opencfw.resources.actions import Action
from opencfw.resources.registry import Batch, Operation, Resource, Scope

STOP_MS = 3_000
DONE, RUNNING, STOPPED, STOPPING = 1, 2, 4, 5
#: days a task's capture files are kept
KEPT_DAYS = 7

Id = Annotated[str, Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]


class CaptureTask(Struct):
    id: str
    project_id: str
    firewall_id: str
    name: str
    duration: int
    max_packets: int
    source: str  # CaptureRuleAddressDto, as JSON
    destination: str
    service: str  # CaptureServiceDto, as JSON
    created_ms: int
    updated_ms: int
    stopped_ms: int | None = None  # when it was stopped, if it was


class CaptureRuleAddressDto(Struct):
    address: Annotated[str, Meta(min_length=1, max_length=128)]
    address_type: Literal[0, 1]  # IPv4, IPv6
    type: Literal[0] = 0  # entered by hand, the only kind


class CaptureServiceDto(Struct):
    protocol: Literal[6, 17, 1, 58, -1]  # TCP, UDP, ICMP, ICMPv6, any
    source_port: Annotated[str, Meta(max_length=11)] | None = None
    dest_port: Annotated[str, Meta(max_length=11)] | None = None


class CaptureTaskDto(Struct):
    name: Annotated[str, Meta(pattern=r"^[A-Za-z0-9_.-]{1,64}\Z")]
    duration: Annotated[int, Meta(ge=1, le=1440)]  # minutes
    max_packets: Annotated[int, Meta(ge=1, le=1_000_000)]
    source: CaptureRuleAddressDto
    destination: CaptureRuleAddressDto
    service: CaptureServiceDto


class ListCaptureTaskQuery(Struct):
    pass


class CaptureTaskVO(Struct):
    task_id: str
    name: str
    status: int
    duration: int
    max_packets: int
    capture_size: str
    created_date: str
    modified_date: str
    source_address: str
    source_address_type: int
    dest_address: str
    dest_address_type: int
    protocol: int
    source_port: str | None
    dest_port: str | None
    remaining_days: int
    is_deleted: int


class DeleteCaptureTaskDto(Struct):
    task_ids: Annotated[list[Id], Meta(min_length=1, max_length=100)]


class CancelCaptureTaskDto(Struct):
    task_id: Id


class CaptureTaskId(Struct):
    id: str
    name: str


class ListCaptureResultQuery(Struct):
    task_id: Id
    type: Literal[0, 1] = 0  # any address may download, only the addresses of `ip`
    ip: Annotated[str, Meta(max_length=1024)] | None = None


class CaptureFile(Struct):
    file_name: str
    url: str
    file_path: str


class HostHeaderInfo(Struct):
    Host: str


class CaptureResultUrlVO(Struct):
    url: str
    captcha: str
    expires: int
    file_list: list[CaptureFile]
    request_header: HostHeaderInfo


def _json(value: Any) -> str:
    return value if isinstance(value, str) else msgspec.json.encode(value).decode()


def validate(row: CaptureTask) -> CaptureTask:
    for field in ("source", "destination"):
        where = getattr(row, field)
        if not isinstance(where, str):
            checks.network(where.address, where.address_type, f"{field}.address")
    service = row.service
    if not isinstance(service, str):
        checks.ports(service.source_port, "service.source_port")
        checks.ports(service.dest_port, "service.dest_port")
    return msgspec.structs.replace(
        row, source=_json(row.source), destination=_json(row.destination), service=_json(service)
    )


def status(row: CaptureTask, now_ms: int) -> int:
    end = row.created_ms + row.duration * 60_000
    if row.stopped_ms is not None and row.stopped_ms < end:
        return STOPPING if now_ms < row.stopped_ms + STOP_MS else STOPPED
    return RUNNING if now_ms < end else DONE


def _date(ms: int) -> str:
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC).strftime("%Y/%m/%d %H:%M:%S")


def view(row: CaptureTask, now_ms: int) -> dict[str, Any]:
    source, destination = msgspec.json.decode(row.source), msgspec.json.decode(row.destination)
    service = msgspec.json.decode(row.service)
    return {
        "status": status(row, now_ms),
        "capture_size": "0kb",
        "created_date": _date(row.created_ms),
        "modified_date": _date(row.updated_ms),
        "source_address": source["address"],
        "source_address_type": source["address_type"],
        "dest_address": destination["address"],
        "dest_address_type": destination["address_type"],
        "protocol": service["protocol"],
        "source_port": service.get("source_port"),
        "dest_port": service.get("dest_port"),
        "remaining_days": max(0, KEPT_DAYS - (now_ms - row.created_ms) // 86_400_000),
        "is_deleted": 0,
    }


CAPTURE_TASK = Resource(
    name="capture_task",
    title="capture task",
    table="capture_tasks",
    model=CaptureTask,
    create=CaptureTaskDto,
    update=None,
    query=ListCaptureTaskQuery,
    record=CaptureTaskVO,
    scope=Scope.FIREWALL,
    view={"task_id": "id"},
    unique=(("firewall_id", "name"),),
    conflict=NameConflict,
    validate=validate,
    computed=view,
    computed_fields=tuple(
        f for f in CaptureTaskVO.__struct_fields__ if f not in ("task_id", "name", "duration", "max_packets")
    ),
    answer=lambda row: {"id": row.id, "name": row.name},
    errors=(NameConflict,),
    batch=Batch(
        DeleteCaptureTaskDto,
        "task_ids",
        lambda rows: {"id": ",".join(r.id for r in rows), "name": ",".join(r.name for r in rows)},
    ),
    operations=(
        Operation("create", "POST", "/v1/{project_id}/capture-task", "create_capture_task"),
        Operation("list", "GET", "/v1/{project_id}/capture-task", "list_capture_task"),
        Operation("delete_many", "POST", "/v1/{project_id}/capture-task/batch-delete", "delete_capture_task"),
    ),
)

ACTIONS = (
    Action(
        "POST",
        "/v1/{project_id}/capture-task/stop",
        "cancel_capture_task",
        "Stop a running capture task",
        body=CancelCaptureTaskDto,
        answer=CaptureTaskId,
        mode="write",
    ),
    Action(
        "GET",
        "/v1/{project_id}/capture-task/capture-result",
        "list_capture_result",
        "Where to download a capture task's files",
        query=ListCaptureResultQuery,
        answer=CaptureResultUrlVO,
    ),
)
