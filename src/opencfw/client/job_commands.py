"""The ``opencfw job`` commands (get, wait, list) and the waiting the ``firewall`` commands share.
Moved unchanged from ``commands.py``, which registers them."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from opencfw.client import output
from opencfw.client.display import (
    LiveDisplay,
    LogDisplay,
    QuietDisplay,
    failed_step,
    failure_reason,
    job_took,
    took_text,
)
from opencfw.client.session import ClientError, Connection, Exit, Extensions
from opencfw.client.wait import RUNNING, Backoff, Outcome, Poll, retry_after_seconds, wait_for_job


def _json_data(response: Any, what: str) -> Any:
    body = response.to_json_object()
    if not isinstance(body, dict) or "data" not in body:
        raise ClientError(f"unexpected answer to {what}: no `data`")
    return body["data"]


def _read_job(conn: Connection, job_id: str) -> dict[str, Any]:
    from huaweicloudsdkcfw.v1 import ListJobRequest

    data = _json_data(conn.call("list_job", ListJobRequest(job_id=job_id)), "ListJob")
    if not isinstance(data, dict):
        raise ClientError("unexpected answer to ListJob: `data` is not an object")
    return data


def _job_text(job: dict[str, Any], details: dict[str, Any] | None = None) -> str:
    """The documented job as two columns, with what opencfw's extension adds when it was read:
    the kind, the running step and progress, or the step a failed job stopped at and why."""
    row = dict(job)
    extra: list[tuple[str, str]] = []
    if details:
        row["kind"] = details.get("kind")
        extra.append(("KIND", "kind"))
        if job.get("status") == RUNNING:
            row["step"], row["progress"] = details.get("current_step"), details.get("progress")
    if row.get("step"):
        extra.append(("STEP", "step"))
    if row.get("progress") is not None and job.get("status") == RUNNING:
        extra.append(("PROGRESS", "progress"))
    took = job_took(job, details)
    if took is not None:
        row["took"] = took_text(took)
        extra.append(("TOOK", "took"))
    if failed_step(details):
        row["failed_at"], row["reason"] = failed_step(details), failure_reason(details)
        extra += [("FAILED AT", "failed_at"), ("REASON", "reason")]
    return output.fields(row, [*output.JOB_FIELDS, *extra])


def _job_details(conn: Connection, job_id: str) -> dict[str, Any] | None:
    """opencfw's richer view of a job (None from any other endpoint, or when it cannot be read)."""
    try:
        body = Extensions(conn.target).get(f"jobs/{job_id}", {}, timeout=10)
    except ClientError:
        return None
    data = body.get("data") if body else None
    return data if isinstance(data, dict) else None


def job_get(conn: Connection, args: argparse.Namespace, fmt: str) -> int:
    job = _read_job(conn, args.job_id)
    details = _job_details(conn, args.job_id) if fmt == "table" else None
    output.emit(job, fmt, _job_text(job, details))
    return int(Exit.OK)


def _display(args: argparse.Namespace, job_id: str) -> Any:
    if args.quiet:
        return QuietDisplay()
    if sys.stderr.isatty():
        return LiveDisplay(sys.stderr, job_id)
    return LogDisplay(sys.stderr, job_id)


#: the longest one server-side wait lasts before the client asks again (the server allows 60 s);
#: on a terminal a second, so that the live line's elapsed time keeps moving
SERVER_WAIT_SECONDS = 20.0
LIVE_SERVER_WAIT_SECONDS = 1.0


def _wait(conn: Connection, args: argparse.Namespace, job_id: str) -> Outcome:
    """Wait for ``job_id`` with the command's options; Ctrl-C leaves the job alone.

    Against opencfw the server itself waits (``?wait=``) and reports the step and progress; any
    other endpoint is polled with capped exponential backoff, honouring ``Retry-After``.
    """
    extensions = Extensions(conn.target)
    began = time.monotonic()
    display = _display(args, job_id)
    longest = LIVE_SERVER_WAIT_SECONDS if isinstance(display, LiveDisplay) else SERVER_WAIT_SECONDS

    def fetch() -> Poll:
        conn.retry_after = None  # only an answer to this look may set the next pause
        try:
            if extensions.available is not False:
                remaining = args.timeout - (time.monotonic() - began)
                wait = max(0.0, min(longest, remaining))
                body = extensions.get(f"jobs/{job_id}", {"wait": f"{wait:.1f}"}, timeout=wait + 10)
                if body is not None and isinstance(body.get("data"), dict):
                    data = body["data"]
                    if data.get("status") == RUNNING:
                        return Poll({**data, "step": data.get("current_step")}, 0.0)
                    # it ended: what is printed is the documented answer, read like any other
                    # look (a 5xx here is retried too), with the extension's steps and error
                    return Poll(_read_job(conn, job_id), details=data)
            job = _read_job(conn, job_id)
        except ClientError as exc:
            if not exc.transient:
                raise
            return Poll(None, retry_after_seconds(conn.retry_after), exc)
        return Poll(job, retry_after_seconds(conn.retry_after))

    backoff = Backoff(initial=args.interval, cap=max(args.interval, args.max_interval))
    try:
        return wait_for_job(fetch, display, timeout=args.timeout, backoff=backoff)
    except KeyboardInterrupt:
        display.interrupted()
        raise


def _verdict(outcome: Outcome, job_id: str, fmt: str) -> int:
    """Print the last job state and turn the outcome into an exit code."""
    if outcome.job is not None:
        output.emit(outcome.job, fmt, _job_text(outcome.job, outcome.details))
    if outcome.timed_out:
        cause = f"; last error: {outcome.last_error.message}" if outcome.last_error else ""
        raise ClientError(
            f"timed out after {outcome.elapsed:.0f}s waiting for job {job_id}{cause}", Exit.TIMED_OUT
        )
    if outcome.status == "Success":
        return int(Exit.OK)
    at, reason = failed_step(outcome.details), failure_reason(outcome.details)
    error = (outcome.details or {}).get("error") or {}
    raise ClientError(
        f"job {job_id} ended {outcome.status}"
        + (f" at step {at}" if at else "")
        + (f": {reason}" if reason else ""),
        error_code=error.get("code") if isinstance(error, dict) else None,
    )


def job_wait(conn: Connection, args: argparse.Namespace, fmt: str) -> int:
    outcome = _wait(conn, args, args.job_id)
    return _verdict(outcome, args.job_id, fmt)


JOB_LIST_COLUMNS = (
    ("ID", "id"),
    ("KIND", "kind"),
    ("STATUS", "status"),
    ("STEP", "current_step"),
    ("PROGRESS", "progress"),
    ("BEGIN", "begin_time"),
    ("END", "end_time"),
    ("FAILURE", "failure"),
)


def job_list(conn: Connection, args: argparse.Namespace, fmt: str) -> int:
    """The project's jobs, newest first (opencfw's extension; the real cloud has no such call)."""
    query = {"limit": str(args.limit)}
    if args.status:
        query["status"] = args.status
    if args.kind:
        query["kind"] = args.kind
    body = Extensions(conn.target).get("jobs", query, timeout=30)
    if body is None:
        raise ClientError(
            f"{conn.target.endpoint} does not list jobs: `job list` needs an opencfw server "
            "(the real cloud has no such call)",
            Exit.USAGE,
        )
    jobs = body.get("jobs") or []
    rows = [{**job, "failure": failure_reason(job)} for job in jobs if isinstance(job, dict)]
    output.emit(jobs, fmt, output.table(rows, JOB_LIST_COLUMNS) if rows else "no jobs")
    return int(Exit.OK)
