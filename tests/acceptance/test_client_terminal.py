"""``opencfw job wait`` on a terminal: a live line under a pseudo-terminal, and Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys

import pexpect
import pyte
import pytest

from tests.acceptance import sdk
from tests.acceptance.server import ADMIN_TOKEN, AK, PROJECT, SK, Server, finish

COLUMNS, ROWS = 100, 24


@pytest.fixture(scope="module")
def slow(tmp_path_factory, sdk_home):
    """A server on a manual clock: its 3 s jobs move only when the test advances the clock, so a job
    is still running when the client starts, however slow the machine."""
    server = Server(
        tmp_path_factory.mktemp("tty") / "data",
        provision_seconds="3",
        clock="manual",
        admin_token=ADMIN_TOKEN,
    ).start()
    yield server
    server.stop()


def spawn_wait(server: Server, job_id: str) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENCFW_", "CLOUD_SDK_"))}
    env.update(
        {
            "CLOUD_SDK_AK": AK,
            "CLOUD_SDK_SK": SK,
            "OPENCFW_PROJECT_ID": PROJECT,
            "OPENCFW_ENDPOINT": server.url,
        }
    )
    env["TERM"] = "xterm"
    return pexpect.spawn(
        sys.executable,
        ["-m", "opencfw", "job", "wait", job_id, "--interval", "0.2", "--max-interval", "0.4"],
        env=env,
        dimensions=(ROWS, COLUMNS),
        encoding="utf-8",
        timeout=30,
        # as from a shell: Ctrl-C's signal acts by default, whatever the test process inherited
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def screen_of(text: str) -> list[str]:
    screen = pyte.Screen(COLUMNS, ROWS)
    pyte.Stream(screen).feed(text)
    return [line.rstrip() for line in screen.display if line.strip()]


def test_live_display_on_a_terminal(slow):
    """On a terminal, wait redraws one status line with elapsed time, then leaves the outcome and a table."""
    job_id = sdk.client(slow.url).create_firewall(sdk.create_request("tty-watch")).job_id
    child = spawn_wait(slow, job_id)
    # against opencfw the server reports the step and progress (it waits server-side, too); the
    # line is cut at the terminal's width
    child.expect(f"job {job_id}  Running  elapsed \\d:\\d\\d  step ")
    during = child.before + child.after
    finish(slow, job_id)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    lines = screen_of(during + child.before)
    assert lines[0] == f"job {job_id} Success after 3.0s"  # what the job took, by its own times
    assert lines[1:3] == [f"ID      {job_id}", "STATUS  Success"]
    assert lines[3].startswith("BEGIN   20") and lines[4].startswith("END     20")
    assert lines[5:] == ["KIND    create", "TOOK    3.0s"]  # opencfw's extension adds these
    assert len(lines) == 7  # the live line was redrawn in place, never scrolled
    assert "\r\x1b[2K" in during


def test_ctrl_c_stops_waiting_and_leaves_the_job(slow):
    """Ctrl-C ends the wait with exit code 130 and a clear line; the job still finishes on the server."""
    cfw = sdk.client(slow.url)
    job_id = cfw.create_firewall(sdk.create_request("tty-interrupt")).job_id
    child = spawn_wait(slow, job_id)
    child.expect("Running")
    child.sendintr()
    try:
        child.expect(pexpect.EOF)
    except pexpect.TIMEOUT:
        raise AssertionError("still waiting after Ctrl-C:\n" + "\n".join(screen_of(child.before))) from None
    child.close()
    assert child.exitstatus == 130
    lines = screen_of(child.before)
    assert f"stopped waiting; job {job_id} goes on on the server" in lines
    assert not any("Traceback" in line for line in lines)
    # the client left the job alone: still running, and it ends when its time comes
    assert cfw.list_job(sdk.ListJobRequest(job_id=job_id)).data.status == "Running"
    finish(slow, job_id)
    assert sdk.wait_job(cfw, job_id) == "Success"
