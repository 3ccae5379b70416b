"""The task extensions under /_opencfw/v1/: the extended job read with server-side waiting, job
listing with cursor pagination, and the Server-Sent Events stream of a project's changes."""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

import msgspec

from opencfw.api import schemas, views
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.domain.errors import BadParameter
from opencfw.domain.models import JobKind, JobStatus
from opencfw.service import jobs

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

MAX_WAIT_SECONDS = 60
SSE_CONTENT_TYPE = b"text/event-stream; charset=utf-8"
#: a comment line every so often keeps proxies and clients from timing the stream out
KEEPALIVE_SECONDS = 15.0
#: an open stream checks its caller's credential this often (expiry, revocation, sign-out)
RECHECK_SECONDS = 1.0
#: whether the caller of a long-lived answer may still be served
Alive = Callable[[], Awaitable[bool]]
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


def _wait_seconds(req: Request) -> float:
    raw = req.query.get("wait")
    if raw is None or raw == "":
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_WAIT_SECONDS:
        raise BadParameter(
            f"The query parameter `wait` must be a number of seconds from 0 to {MAX_WAIT_SECONDS}"
        )
    return value


async def job_read(rt: Runtime, req: Request) -> Response:
    """The extended job; with ?wait=N, answers as soon as its status or step changes (or after N s)."""
    project_id = req.params["project_id"]
    job_id = schemas.path_id(req.params["job_id"], "job_id")
    wait = _wait_seconds(req)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    first = None
    while True:
        version = rt.hub.version(project_id)  # before the read: no change can slip between
        job = await rt.read(jobs.get_job, rt.store, project_id, job_id)
        state = (job.status, job.step_index)
        if first is None:
            first = state
        remaining = deadline - loop.time()
        if state != first or job.status is not JobStatus.RUNNING or remaining <= 0:
            break
        if rt.draining.is_set():
            break  # the server is stopping: answer now with the job as it is
        await rt.hub.wait(project_id, version, remaining)
    log = await rt.read(rt.store.job_steps, job.id)
    return json_response(200, {"data": views.job_extended(job, log, rt.clock.now_ms())})


def _time_ms(req: Request, name: str) -> int | None:
    raw = req.query.get(name)
    if not raw:
        return None
    if raw.isdigit() and len(raw) <= 16:
        return int(raw)
    if _ISO.match(raw):
        from datetime import datetime

        try:  # the shape is right, but month 13, hour 25 or year 0 are not dates
            return int(datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            pass
    raise BadParameter(f"The query parameter `{name}` must be epoch milliseconds or yyyy-mm-ddThh:mm:ssZ")


def _encode_cursor(begin_ms: int, job_id: str) -> str:
    return base64.urlsafe_b64encode(f"{begin_ms}:{job_id}".encode()).decode().rstrip("=")


def _decode_cursor(raw: str) -> tuple[int, str]:
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        begin, _, job_id = text.partition(":")
        if not schemas.RESOURCE_ID.fullmatch(job_id) or not re.fullmatch(r"[0-9]{1,16}", begin):
            raise ValueError(job_id)  # a begin time past 16 digits overflows the stores' integers
        return int(begin), job_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadParameter("The query parameter `cursor` is not a cursor this server gave out") from exc


async def job_list(rt: Runtime, req: Request) -> Response:
    """The project's jobs, newest first, filtered, in pages that never skip or repeat a job."""
    q = req.query
    status = q.get("status") or None
    if status is not None and status not in {s.value for s in JobStatus}:
        raise BadParameter("The query parameter `status` must be Running, Success or Failed")
    kind = q.get("kind") or None
    if kind is not None and kind not in {k.value for k in JobKind}:
        raise BadParameter("The query parameter `kind` must be create or delete")
    limit = schemas.query_int(q, "limit", low=1, high=200, required=False) or 50
    cursor = _decode_cursor(q["cursor"]) if q.get("cursor") else None
    page = await rt.read(
        lambda: rt.store.list_jobs(
            req.params["project_id"],
            status=status,
            kind=kind,
            resource_id=schemas.query_text(q, "resource_id", pattern=schemas.RESOURCE_ID),
            created_after_ms=_time_ms(req, "created_after"),
            created_before_ms=_time_ms(req, "created_before"),
            before=cursor,
            limit=limit + 1,
        )
    )
    more = len(page) > limit
    page = page[:limit]
    now = rt.clock.now_ms()
    body = {
        "jobs": [views.job_extended(job, None, now) for job in page],
        "next_cursor": _encode_cursor(page[-1].begin_ms, page[-1].id) if more else None,
    }
    return json_response(200, body)


def _sse(seq: int, kind: str, data: dict[str, object], at_ms: int) -> bytes:
    payload = msgspec.json.encode({**data, "at": views.iso_ms(at_ms)}).decode()
    return f"id: {seq}\nevent: {kind}\ndata: {payload}\n\n".encode()


async def _caller_still_valid(rt: Runtime, req: Request) -> bool:
    principal = req.principal
    assert principal is not None
    if principal.access_key is None:  # a token: its expiry is in hand, no store read
        return rt.credentials.still_valid(principal)
    return await rt.read(rt.credentials.still_valid, principal)


async def events(rt: Runtime, req: Request, alive: Alive | None = None) -> Response:
    """Server-Sent Events of the project's job and firewall changes; resumable with Last-Event-ID.

    The caller's credential is checked again every RECHECK_SECONDS while the stream is open
    (``alive``; by default: the token has not expired, the AK has not been revoked): once it fails,
    the stream ends, and a client that reconnects meets the 401."""
    project_id = req.params["project_id"]
    raw = req.headers.get("last-event-id") or req.query.get("last_event_id")
    if raw:
        if not raw.isdigit() or len(raw) > 18:
            raise BadParameter("Last-Event-ID must be an event id this stream gave out")
        last = int(raw)
    else:
        last = await rt.read(rt.store.last_event_seq, project_id)
    check: Alive = alive or (lambda: _caller_still_valid(rt, req))

    async def stream() -> AsyncIterator[bytes]:
        nonlocal last
        yield b"retry: 2000\n\n"
        quiet = 0.0  # seconds since the last line sent
        changed = True
        version = 0
        while not rt.draining.is_set():
            if not await check():
                yield b": the credential of this stream has expired or was revoked\n\n"
                return
            if changed:  # the store is read only when the project changed, not at every recheck
                version = rt.hub.version(project_id)
                batch = await rt.read(rt.store.events_since, project_id, last, 500)
                for seq, kind, data, at_ms in batch:
                    yield _sse(seq, kind, data, at_ms)
                    last = seq
                if batch:
                    quiet = 0.0
                if len(batch) == 500:
                    continue
            wait = min(RECHECK_SECONDS, KEEPALIVE_SECONDS - quiet)
            changed = await rt.hub.wait(project_id, version, wait)
            if not changed:
                quiet += wait
                if quiet >= KEEPALIVE_SECONDS:
                    yield b": keep-alive\n\n"
                    quiet = 0.0
                    changed = True  # and look again, in case a notification was lost

    return Response(
        200, b"", [(b"cache-control", b"no-cache")], stream=stream(), content_type=SSE_CONTENT_TYPE
    )


ROUTES = [
    Route("GET", "/_opencfw/v1/{project_id}/jobs/{job_id}", job_read, mode="async"),
    Route("GET", "/_opencfw/v1/{project_id}/jobs", job_list, mode="async"),
    Route("GET", "/_opencfw/v1/{project_id}/events", events, mode="async"),
]
