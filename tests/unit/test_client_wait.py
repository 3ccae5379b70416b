"""Waiting for a job: backoff, Retry-After, timeouts, transient errors, and the two displays."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyte
import pytest

from opencfw.client.display import LiveDisplay, LogDisplay, clock_text
from opencfw.client.session import ClientError, Connection, Exit, Target
from opencfw.client.wait import Backoff, Poll, retry_after_seconds, wait_for_job


class FakeTime:
    """A clock that moves only when the wait loop sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Recorder:
    """A display that keeps what it was told and sleeps on the fake clock."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.updates: list[tuple[Poll, float, float | None]] = []
        self.finished = None

    def update(self, poll, elapsed, next_in):
        self.updates.append((poll, elapsed, next_in))

    def pause(self, seconds, elapsed):
        self.time.sleep(seconds)

    def finish(self, outcome):
        self.finished = outcome


def job(status: str) -> dict:
    return {"id": "j1", "status": status, "begin_time": "2024-01-01T00:00:00Z"}


def scripted(*polls: Poll):
    answers = list(polls)

    def fetch() -> Poll:
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return fetch


def test_backoff_doubles_up_to_the_cap():
    """Pauses between polls double from the first interval and stop growing at the cap."""
    time = FakeTime()
    fetch = scripted(*[Poll(job("Running"))] * 7, Poll(job("Success")))
    outcome = wait_for_job(fetch, Recorder(time), timeout=1000, backoff=Backoff(1, 2, 10), clock=time.clock)
    assert outcome.status == "Success" and outcome.polls == 8
    assert time.sleeps == [1, 2, 4, 8, 10, 10, 10]


def test_retry_after_replaces_the_backoff_delay():
    """A Retry-After answer sets the next pause; the backoff resumes afterwards."""
    time = FakeTime()
    fetch = scripted(
        Poll(job("Running")), Poll(job("Running"), retry_after=7), Poll(job("Running")), Poll(job("Failed"))
    )
    outcome = wait_for_job(fetch, Recorder(time), timeout=100, backoff=Backoff(1, 2, 10), clock=time.clock)
    assert outcome.status == "Failed"
    assert time.sleeps == [1, 7, 4]


def test_timeout_stops_at_the_deadline_with_the_last_job():
    """A job still Running at the deadline ends the wait as timed out; the last pause is cut short."""
    time = FakeTime()
    display = Recorder(time)
    outcome = wait_for_job(
        scripted(Poll(job("Running"))), display, timeout=5, backoff=Backoff(2, 2, 10), clock=time.clock
    )
    assert outcome.timed_out and outcome.job == job("Running")
    assert time.sleeps == [2, 3] and outcome.elapsed == 5
    assert display.finished is outcome


def test_zero_timeout_polls_once():
    """--timeout 0 looks once and reports the job without sleeping."""
    time = FakeTime()
    outcome = wait_for_job(
        scripted(Poll(job("Running"))), Recorder(time), timeout=0, backoff=Backoff(), clock=time.clock
    )
    assert outcome.timed_out and outcome.polls == 1 and time.sleeps == []


def test_transient_errors_are_retried_and_remembered():
    """Server faults keep the wait going; a timeout after them names the last error."""
    time = FakeTime()
    fault = ClientError("server error 503: busy", transient=True)
    outcome = wait_for_job(
        scripted(Poll(None, error=fault)),
        Recorder(time),
        timeout=3,
        backoff=Backoff(1, 2, 10),
        clock=time.clock,
    )
    assert outcome.timed_out and outcome.job is None and outcome.last_error is fault
    time = FakeTime()
    outcome = wait_for_job(
        scripted(Poll(None, error=fault), Poll(job("Success"))),
        Recorder(time),
        timeout=30,
        backoff=Backoff(1, 2, 10),
        clock=time.clock,
    )
    assert outcome.status == "Success" and outcome.last_error is None


def test_fatal_errors_end_the_wait():
    """An error that polling cannot fix (not found) propagates out of the wait."""

    def fetch() -> Poll:
        raise ClientError("not found", Exit.NOT_FOUND)

    time = FakeTime()
    with pytest.raises(ClientError):
        wait_for_job(fetch, Recorder(time), timeout=30, backoff=Backoff(), clock=time.clock)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        (" 0 ", 0.0),
        ("Wed, 01 Jan 2025 00:00:30 GMT", 30.0),
        ("Wed, 01 Jan 2025 00:00:00 GMT", 0.0),
        ("soon", None),
        ("-3", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_header_values(header, seconds):
    """Retry-After is read as delta-seconds or an HTTP date; anything else is ignored."""
    now = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    assert retry_after_seconds(header, now=now) == seconds


class Answers(BaseHTTPRequestHandler):
    """A stand-in CFW endpoint: 503 with Retry-After first, then the job succeeded."""

    hits: list[str] = []

    def do_GET(self):
        self.hits.append(self.path)
        if len(self.hits) == 1:
            body, status, extra = (
                {"error_code": "CFW.00100001", "error_msg": "busy"},
                503,
                {"Retry-After": "1"},
            )
        else:
            body, status, extra = {"data": job("Success")}, 200, {}
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Request-Id", "0" * 32)
        for key, value in extra.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    Answers.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_connection_reads_retry_after_and_classifies_5xx(endpoint, tmp_path, monkeypatch):
    """Through the SDK, a 503 is a transient error and its Retry-After header is kept."""
    monkeypatch.setenv("HOME", str(tmp_path))
    from huaweicloudsdkcfw.v1 import ListJobRequest

    conn = Connection(Target(endpoint, "cn-north-4", "p1", "AK", "SK"))
    with pytest.raises(ClientError) as err:
        conn.call("list_job", ListJobRequest(job_id="j1"))
    assert err.value.transient and err.value.error_code == "CFW.00100001"
    assert err.value.request_id == "0" * 32
    assert conn.retry_after == "1"
    conn.call("list_job", ListJobRequest(job_id="j1"))
    assert conn.retry_after is None
    assert Answers.hits == ["/v3/p1/jobs/j1"] * 2


def test_live_display_redraws_one_line():
    """The live display keeps one line, redrawn in place, and leaves only the final line on screen."""
    time = FakeTime()
    out = io.StringIO()
    display = LiveDisplay(out, "j1", clock=time.clock, sleep=time.sleep, tick=0.5)
    fetch = scripted(
        Poll(job("Running")),
        Poll({**job("Running"), "step": "deploy-engine", "progress": 40}),
        Poll(job("Success")),
    )
    wait_for_job(fetch, display, timeout=60, backoff=Backoff(1, 2, 10), clock=time.clock)
    screen = pyte.Screen(80, 5)
    stream = pyte.Stream(screen)
    written = out.getvalue()
    assert "deploy-engine  40%" in written and "next check in" in written
    stream.feed(written.replace("\n", "\r\n"))
    lines = [line.rstrip() for line in screen.display if line.strip()]
    assert lines == ["job j1 Success after 0:03"]


def test_log_display_says_changes_only():
    """Log lines: the first answer, each change of status or step, and the end — not every poll."""
    time = FakeTime()
    out = io.StringIO()
    stamp = datetime(2025, 1, 1, tzinfo=UTC)
    display = LogDisplay(out, "j1", sleep=time.sleep, now=lambda: stamp, heartbeat=1000)
    fetch = scripted(
        Poll(job("Running")),
        Poll(job("Running")),
        Poll({**job("Running"), "step": "configure"}),
        Poll({**job("Running"), "step": "configure"}),
        Poll(job("Success")),
    )
    wait_for_job(fetch, display, timeout=60, backoff=Backoff(1, 1, 1), clock=time.clock)
    assert out.getvalue().splitlines() == [
        "2025-01-01T00:00:00Z job j1 Running (elapsed 0:00)",
        "2025-01-01T00:00:00Z job j1 Running  step configure (elapsed 0:02)",
        "2025-01-01T00:00:00Z job j1 Success after 0:04",
    ]


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00"), (59.9, "0:59"), (61, "1:01"), (3725, "1:02:05")])
def test_clock_text(seconds, text):
    """Elapsed time reads m:ss, and h:mm:ss past an hour."""
    assert clock_text(seconds) == text


def test_a_server_side_wait_shows_no_next_check():
    """Polls that the server itself holds (no pause between them) never show "next check in 0s"."""
    time = FakeTime()
    out = io.StringIO()
    display = LiveDisplay(out, "j1", clock=time.clock, sleep=time.sleep, tick=0.5)
    fetch = scripted(
        Poll({**job("Running"), "step": "allocate", "progress": 20}, retry_after=0.0),
        Poll({**job("Running"), "step": "configure", "progress": 60}, retry_after=0.0),
        Poll(job("Success")),
    )
    wait_for_job(fetch, display, timeout=60, backoff=Backoff(1, 2, 10), clock=time.clock)
    assert "configure  60%" in out.getvalue() and "next check" not in out.getvalue()


def test_the_last_line_tells_what_the_job_took_and_where_it_failed():
    """The final line reads the job's own begin and end times, says when it had ended before the
    wait began, and names the step a failed job stopped at."""
    from opencfw.client.wait import Outcome

    done = {**job("Success"), "end_time": "2024-01-01T00:00:03Z"}
    details = {
        "status": "Failed",
        "begin_time": "2024-01-01T00:00:00.000Z",
        "end_time": "2024-01-01T00:01:02.500Z",
        "current_step": "configure",
        "steps": [{"name": "validate", "status": "done"}, {"name": "configure", "status": "failed"}],
        "error": {"code": "CFW.00200016", "message": "Firewall creation failed at step configure"},
    }
    lines = []
    for outcome in (
        Outcome("Success", done, elapsed=0.01, polls=1),
        Outcome("Success", done, elapsed=5, polls=4),
        Outcome("Failed", {**done, "status": "Failed"}, elapsed=70, polls=9, details=details),
    ):
        out = io.StringIO()
        LiveDisplay(out, "j1").finish(outcome)
        lines.append(out.getvalue().split("\x1b[2K")[-1].strip())
    assert lines == [
        "job j1 had already ended: Success (it took 3.0s)",
        "job j1 Success after 3.0s",
        "job j1 Failed at step configure after 1:02",
    ]
