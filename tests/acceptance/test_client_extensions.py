"""The client on opencfw's extensions: `job list`, and `job wait` waiting server-side; against an
endpoint without them (the real cloud), a clear message or plain polling."""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.acceptance.server import ADMIN_TOKEN, Server, finish
from tests.acceptance.test_client_commands import as_json, cli, error_line, popen_cli


@pytest.fixture(scope="module")
def srv(tmp_path_factory, sdk_home):
    server = Server(tmp_path_factory.mktemp("cli-ext") / "data", provision_seconds="0.6").start()
    yield server
    server.stop()


def test_job_list_newest_first_with_filters(srv):
    """job list shows the project's jobs newest first, filtered by status and kind."""
    first = as_json(cli(srv, "firewall", "create", "listed-1", "--wait"))["fw_instance_id"]
    second = as_json(cli(srv, "firewall", "create", "listed-2"))["job_id"]
    listed = as_json(cli(srv, "job", "list", "--limit", "5"))
    ids = [job["id"] for job in listed]
    assert ids.index(second) < ids.index(first)
    assert {"kind", "progress", "current_step"} <= set(listed[0])
    done = as_json(cli(srv, "job", "list", "--status", "Success", "--kind", "create"))
    assert first in [job["id"] for job in done] and all(job["status"] == "Success" for job in done)
    table = cli(srv, "job", "list", "--output", "table")
    assert table.returncode == 0 and "KIND" in table.stdout and first in table.stdout


@pytest.fixture(scope="module")
def still(tmp_path_factory, sdk_home):
    """A server on a manual clock: a job moves only when the test advances the clock."""
    server = Server(
        tmp_path_factory.mktemp("cli-ext-clock") / "data",
        provision_seconds="5",
        clock="manual",
        admin_token=ADMIN_TOKEN,
    ).start()
    yield server
    server.stop()


def job_reads(server: Server) -> int:
    """How many job reads (documented and extension) the server has answered, from its metrics."""
    with urllib.request.urlopen(f"{server.url}/_opencfw/metrics", timeout=10) as reply:
        text = reply.read().decode()
    return int(
        sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "opencfw_http_requests_total"
            and sample.labels["route"].endswith("/jobs/{job_id}")
            and sample.labels["method"] == "GET"
        )
    )


def test_job_wait_uses_the_servers_wait(still):
    """Waiting on opencfw takes a request per change of the job, not one per interval (server-side
    wait). The job stands still on a manual clock until the wait has begun, however slow the machine."""
    job_id = as_json(cli(still, "firewall", "create", "waited"))["job_id"]
    waiting = popen_cli(
        still, "job", "wait", job_id, "--interval", "0.05", "--max-interval", "0.05", "--output", "json"
    )
    try:
        assert waiting.stderr is not None
        first = waiting.stderr.readline()  # a log line per change: the first is the job as it stands
        assert f"job {job_id}" in first and "step validate" in first, first
        # nothing changes on the server: a client polling every 0.05 s would read the job again and
        # again; one waiting server-side has at most its one request open
        reads = job_reads(still)
        idle = time.monotonic() + 1.0
        while time.monotonic() < idle:
            assert waiting.poll() is None
            time.sleep(0.1)
        assert job_reads(still) - reads <= 1
        finish(still, job_id)
        out, err = waiting.communicate(timeout=60)
    finally:
        if waiting.poll() is None:
            waiting.kill()
            waiting.communicate()
    assert waiting.returncode == 0, first + err
    answer = json.loads(out)
    assert answer["status"] == "Success"
    assert set(answer) == {"id", "status", "begin_time", "end_time"}  # the documented answer
    # log lines on stderr name the steps only the extension reports
    assert "step " in first + err


class NotOpencfw(http.server.BaseHTTPRequestHandler):
    """An endpoint that knows no /_opencfw/ route, like the real cloud."""

    def do_GET(self):
        body = b"<html>not found</html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def test_job_list_against_another_cloud_says_why():
    """job list against an endpoint without the extensions exits 3 with a one-line reason."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotOpencfw)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{httpd.server_address[1]}"
        result = cli(None, "job", "list", env={"OPENCFW_ENDPOINT": endpoint})
        assert result.returncode == 3
        assert "needs an opencfw server" in error_line(result)
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_an_endpoint_that_answers_web_pages_is_named_not_printed():
    """A URL that answers HTML (a web server, a proxy, a typo) gives one line naming the endpoint,
    never the page; a 404 page is a usage error (3): fix the endpoint."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotOpencfw)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{httpd.server_address[1]}"
        for argv in (["job", "get", "x"], ["firewall", "list"], ["job", "wait", "x", "--timeout", "2"]):
            result = cli(None, *argv, env={"OPENCFW_ENDPOINT": endpoint})
            assert result.returncode == 3, result.stderr
            line = error_line(result)
            assert "<html" not in result.stderr and endpoint in line and "not a CFW answer" in line
    finally:
        httpd.shutdown()
        httpd.server_close()
