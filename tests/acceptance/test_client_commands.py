"""The client commands as a user runs them: ``opencfw job|firewall ...`` against a real server."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
from typing import TextIO

import pytest

from tests.acceptance import sdk
from tests.acceptance.server import ADMIN_TOKEN as SERVER_ADMIN_TOKEN
from tests.acceptance.server import AK, PROJECT, SK, Server, advance_step, finish

MISSING_JOB = "11111111-1111-4111-8111-111111111111"
ADMIN_TOKEN = "client-tests-admin-token"


def admin(server: Server, method: str, path: str, body: dict | None = None) -> dict:
    """Call the server's admin API with ADMIN_TOKEN."""
    import urllib.request

    request = urllib.request.Request(
        f"{server.url}/_opencfw/admin{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


@pytest.fixture(scope="module")
def srv(tmp_path_factory, sdk_home):
    """One server for this module's commands: jobs take 0.4 s."""
    server = Server(tmp_path_factory.mktemp("cli") / "data", provision_seconds="0.4").start()
    yield server
    server.stop()


@pytest.fixture
def other_server(tmp_path, sdk_home):
    """Servers with settings of the test's own, stopped afterwards."""
    started: list[Server] = []

    def make(**settings) -> Server:
        server = Server(tmp_path / f"data{len(started)}", **settings).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


def cli_environ(server: Server | None, env: dict[str, str] | None = None) -> dict[str, str]:
    """A user's shell configured for ``server``: the SDK's credentials, the project and the endpoint."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENCFW_", "CLOUD_SDK_"))}
    base.update({"CLOUD_SDK_AK": AK, "CLOUD_SDK_SK": SK, "OPENCFW_PROJECT_ID": PROJECT})
    if server is not None:
        base["OPENCFW_ENDPOINT"] = server.url
    base.update(env or {})
    return base


def cli(server: Server | None, *argv: str, env: dict[str, str] | None = None, timeout: float = 60):
    """Run ``opencfw ARGV`` in a process, configured through the environment like a user's shell."""
    return subprocess.run(
        [sys.executable, "-m", "opencfw", *argv],
        env=cli_environ(server, env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def popen_cli(server: Server | None, *argv: str) -> subprocess.Popen[str]:
    """Start ``opencfw ARGV`` and return at once (stdout and stderr piped)."""
    return subprocess.Popen(
        [sys.executable, "-m", "opencfw", *argv],
        env=cli_environ(server),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def as_json(result: subprocess.CompletedProcess[str]):
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("opencfw: error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_create_without_wait_answers_the_server_response(srv):
    """firewall create prints the server's answer (job id, echoed body) and the job is readable."""
    result = cli(srv, "firewall", "create", "cli-nowait", "--tag", "team=qa", "--version", "professional")
    assert result.returncode == 0, result.stderr
    answer = as_json(result)
    assert answer["data"]["name"] == "cli-nowait"
    assert answer["data"]["flavor"]["version"] == "Professional"
    assert answer["data"]["tags"] == [{"key": "team", "value": "qa"}]
    cfw = sdk.client(srv.url)
    assert sdk.wait_job(cfw, answer["job_id"]) == "Success"
    record = sdk.detail(cfw, answer["job_id"]).data.records[0]
    assert record.fw_instance_name == "cli-nowait" and record.tags == '{"team":"qa"}'


def test_create_wait_show_list_delete(srv):
    """create --wait prints the running firewall; show and list match the server; delete --wait removes it."""
    created = cli(srv, "firewall", "create", "cli-life", "--wait", "--interval", "0.1", "-o", "json")
    assert created.returncode == 0, created.stderr
    record = as_json(created)
    assert record["fw_instance_name"] == "cli-life" and record["status"] == 2
    firewall_id = record["fw_instance_id"]
    assert "Success" in created.stderr  # progress as log lines: stderr is not a terminal

    raw = srv.request(
        "GET",
        f"/v1/{PROJECT}/firewall/exist?offset=0&limit=10&service_type=0&fw_instance_id={firewall_id}",
        headers={"X-Auth-Token": srv.token()},
    )
    assert raw[0] == 200
    shown = cli(srv, "firewall", "show", firewall_id)
    assert shown.returncode == 0 and as_json(shown) == raw[2]["data"]["records"][0]

    listed = cli(srv, "firewall", "list", "--output", "json")
    assert listed.returncode == 0, listed.stderr
    assert raw[2]["data"]["records"][0] in as_json(listed)

    table = cli(srv, "firewall", "list", "--output", "table")
    row = next(line for line in table.stdout.splitlines() if firewall_id in line)
    assert row.split()[:4] == [firewall_id, "cli-life", "running", "(2)"]
    assert table.stdout.splitlines()[0].split() == ["ID", "NAME", "STATUS", "EDITION", "TAGS"]

    deleted = cli(srv, "firewall", "delete", firewall_id, "--wait", "--interval", "0.1", "-q")
    assert deleted.returncode == 0, deleted.stderr
    assert as_json(deleted)["status"] == "Success" and deleted.stderr == ""
    gone = cli(srv, "firewall", "show", firewall_id)
    assert gone.returncode == 4
    assert "CFW.00200005" in error_line(gone)


def test_job_get_matches_listjob(srv):
    """job get -o json prints exactly the ListJob data; the table shows its fields, then what
    opencfw's extension adds (kind, how long it took)."""
    cfw = sdk.client(srv.url)
    job_id = cfw.create_firewall(sdk.create_request("cli-jobget")).job_id
    assert sdk.wait_job(cfw, job_id) == "Success"
    status, _, body = srv.request(
        "GET", f"/v3/{PROJECT}/jobs/{job_id}", headers={"X-Auth-Token": srv.token()}
    )
    assert status == 200
    result = cli(srv, "job", "get", job_id, "-o", "json")
    assert result.returncode == 0 and as_json(result) == body["data"]
    table = cli(srv, "job", "get", job_id, "-o", "table")
    assert table.stdout.split()[:8] == [
        "ID",
        job_id,
        "STATUS",
        "Success",
        "BEGIN",
        body["data"]["begin_time"],
        "END",
        body["data"]["end_time"],
    ]
    assert table.stdout.split()[8:11] == ["KIND", "create", "TOOK"]


def _read_lines(stream: TextIO, into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


def test_job_wait_success_exit_0(other_server):
    """job wait on a running job ends 0 with the final job as JSON and log lines on stderr."""
    # a manual clock: the 3 s job (its duration tag) ends only when the test advances the clock, and
    # the test ends it only once the command (a new Python process, slow to start on a busy
    # machine) has reported it running
    server = other_server(clock="manual", admin_token=SERVER_ADMIN_TOKEN)
    cfw = sdk.client(server.url)
    job_id = cfw.create_firewall(sdk.create_request("cli-wait-ok", {"opencfw:duration": "3s"})).job_id
    with popen_cli(server, "job", "wait", job_id, "--interval", "0.1") as waiting:
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=_read_lines, args=(waiting.stderr, lines), daemon=True)
        reader.start()
        first = None
        while first is None:
            try:
                first = lines.get(timeout=1)
            except queue.Empty:
                # the command's first look answers on the next step (or after its server-side wait);
                # never the last step: the job stays running until the command has said so
                if not advance_step(server, job_id, last=False):
                    first = lines.get(timeout=60)
        assert f"job {job_id} Running" in first, first
        finish(server, job_id)
        stdout = waiting.stdout.read()  # type: ignore[union-attr]
        assert waiting.wait(timeout=60) == 0
        reader.join(timeout=10)
    stderr = [first, *lines.queue]
    data = json.loads(stdout)
    assert data["id"] == job_id and data["status"] == "Success" and data["end_time"]
    # the job's own run time, to the tenth
    assert re.search(rf"job {job_id} Success after 3\.0s$", stderr[-1].rstrip("\n")), stderr
    # asked again once it has ended: not "Success after 0:00" (the wait), but what the job took
    again = cli(server, "job", "wait", job_id)
    assert again.returncode == 0
    assert re.search(rf"job {job_id} had already ended: Success \(it took 3\.0s\)$", again.stderr.strip())


def test_job_wait_failed_exit_1(other_server):
    """A job that ends Failed makes job wait exit 1 with the job on stdout and one error line."""
    server = other_server(provision_seconds="0.3", provision_outcome="failed")
    job_id = sdk.client(server.url).create_firewall(sdk.create_request("cli-doomed")).job_id
    result = cli(server, "job", "wait", job_id, "--interval", "0.1")
    assert result.returncode == 1
    assert as_json(result)["status"] == "Failed"
    assert error_line(result) == (
        f"opencfw: error: job {job_id} ended Failed at step deploy-engine: "
        "Firewall creation failed at step deploy-engine (error_code CFW.00200016)"
    )
    shown = cli(server, "job", "get", job_id, "--output", "table")
    assert re.search(r"^FAILED AT\s+deploy-engine$", shown.stdout, re.M), shown.stdout
    assert re.search(r"^REASON\s+Firewall creation failed at step deploy-engine$", shown.stdout, re.M)
    listed = cli(server, "job", "list", "--output", "table").stdout.splitlines()
    assert listed[0].split()[-1] == "FAILURE"
    row = next(line for line in listed if line.startswith(job_id))
    assert "deploy-engine" in row and row.endswith("Firewall creation failed at step deploy-engine")
    create = cli(server, "firewall", "create", "cli-doomed-2", "--wait", "--interval", "0.1", "-q")
    assert create.returncode == 1 and as_json(create)["status"] == "Failed"


def test_job_wait_rides_out_5xx_from_opencfw(other_server):
    """`job wait` keeps asking through 503s from opencfw itself (also on its last, documented
    read), backing off, within --timeout: exit 0 with the documented answer."""
    server = other_server(provision_seconds="0.3", admin_token=ADMIN_TOKEN)
    job_id = sdk.client(server.url).create_firewall(sdk.create_request("cli-busy")).job_id
    fault = admin(server, "POST", "/faults", {"path": "/jobs/", "status": 503, "count": 3})["fault"]
    result = cli(
        server, "job", "wait", job_id, "--interval", "0.1", "--max-interval", "0.2", "--timeout", "30"
    )
    assert result.returncode == 0, result.stderr
    assert as_json(result)["status"] == "Success"
    assert "retrying: server error 503" in result.stderr
    assert fault["id"] not in [f["id"] for f in admin(server, "GET", "/faults")["faults"]]  # all used


def test_job_wait_timeout_exit_2(other_server):
    """A job still Running when --timeout passes makes job wait exit 2, the job left Running."""
    server = other_server(provision_seconds="60")
    cfw = sdk.client(server.url)
    job_id = cfw.create_firewall(sdk.create_request("cli-slow")).job_id
    result = cli(server, "job", "wait", job_id, "--timeout", "0.5", "--interval", "0.1")
    assert result.returncode == 2
    assert as_json(result)["status"] == "Running"
    assert "timed out after" in error_line(result)
    assert cfw.list_job(sdk.ListJobRequest(job_id=job_id)).data.status == "Running"


def test_job_wait_not_found_exit_4(srv):
    """An unknown job id exits 4 with the error code and the request id on one line."""
    result = cli(srv, "job", "wait", MISSING_JOB)
    assert result.returncode == 4 and result.stdout == ""
    line = error_line(result)
    assert "CFW.00200005" in line and "request_id " in line and len(line.split("request_id ")[1]) == 33


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"CLOUD_SDK_SK": "wrong-secret"}, "APIGW.0301"),
        ({"OPENCFW_PROJECT_ID": "fedcba9876543210fedcba9876543210"}, "APIGW.0302"),
        ({"CLOUD_SDK_AK": ""}, "set CLOUD_SDK_AK"),
    ],
    ids=["bad-signature", "foreign-project", "no-access-key"],
)
def test_authentication_errors_exit_3(srv, env, says):
    """A wrong key, another project or a missing credential exits 3 with one clear line."""
    result = cli(srv, "job", "wait", MISSING_JOB, env=env)
    assert result.returncode == 3
    assert says in error_line(result)


def test_usage_error_exit_3(srv):
    """A malformed command line exits 3, not 2."""
    result = cli(srv, "job", "wait", MISSING_JOB, "--timeout", "whenever")
    assert result.returncode == 3 and "usage:" in result.stderr


def test_unreachable_endpoint_is_one_line(tmp_path):
    """Nothing listening at the endpoint: exit 1, one line naming it, no SDK log noise."""
    from tests.acceptance.server import free_port

    url = f"http://127.0.0.1:{free_port()}"
    result = cli(None, "firewall", "list", "--endpoint", url)
    assert result.returncode == 1
    assert error_line(result).startswith(f"opencfw: error: cannot reach {url}")
    assert result.stderr.count("\n") == 1


def test_delete_while_creating_is_a_status_error(other_server):
    """Deleting a firewall that is still being created exits 1 with the instance-status error code."""
    server = other_server(provision_seconds="60")
    job_id = sdk.client(server.url).create_firewall(sdk.create_request("cli-early")).job_id
    result = cli(server, "firewall", "delete", job_id)
    assert result.returncode == 1 and result.stdout == ""
    assert "CFW.00200016" in error_line(result)


def test_server_commands_unchanged():
    """opencfw version still prints the version, untouched by the client commands."""
    result = cli(None, "version")
    assert result.returncode == 0 and result.stdout.startswith("opencfw ")


def test_firewall_evaluate(srv):
    """firewall evaluate prints the rule a flow meets and the verdict; a bad address is the
    server's 400 (CFW.00200001), reported as an error."""
    created = as_json(cli(srv, "firewall", "create", "cli-eval", "--wait", "--interval", "0.1", "-o", "json"))
    firewall_id, obj = created["fw_instance_id"], created["protect_objects"][0]["object_id"]
    cfw = sdk.client(srv.url)
    from huaweicloudsdkcfw.v1 import (
        AddAclRuleRequest,
        AddRuleAclDto,
        AddRuleAclDtoRules,
        ChangeEipStatusRequest,
        EipOperateProtectReq,
        EipOperateProtectReqIpInfos,
        ListEipsRequest,
        OrderRuleAclDto,
        RuleAddressDtoForRequest,
        RuleServiceDto,
    )

    rule = AddRuleAclDtoRules(
        name="no-ssh",
        sequence=OrderRuleAclDto(top=1),
        address_type=0,
        action_type=1,
        status=1,
        long_connect_enable=0,
        direction=0,
        source=RuleAddressDtoForRequest(type=0, address="0.0.0.0/0"),
        destination=RuleAddressDtoForRequest(type=0, address="0.0.0.0/0"),
        service=RuleServiceDto(type=0, protocol=6, source_port="1-65535", dest_port="22"),
    )
    rule_id = (
        cfw.add_acl_rule(AddAclRuleRequest(body=AddRuleAclDto(object_id=obj, type=0, rules=[rule])))
        .data.rules[0]
        .id
    )
    # the destination is an EIP of the project that the firewall protects (else the flow bypasses)
    eip = cfw.list_eips(ListEipsRequest(object_id=obj, sync=1, limit=1024, offset=0)).data.records[0]
    info = EipOperateProtectReqIpInfos(id=eip.id, public_ip=eip.public_ip)
    body = EipOperateProtectReq(object_id=obj, status=0, ip_infos=[info])
    cfw.change_eip_status(ChangeEipStatusRequest(body=body))
    args = ("firewall", "evaluate", firewall_id, "--source", "198.51.100.7", "--destination", eip.public_ip)
    denied = cli(srv, *args, "--dest-port", "22", "-o", "json")
    assert denied.returncode == 0, denied.stderr
    assert as_json(denied) == {
        "object_id": obj,
        "action": "deny",
        "matched": "rule",
        "rule_id": rule_id,
        "rule_name": "no-ssh",
        "list_id": None,
    }
    allowed = cli(srv, *args, "--protocol", "udp", "--dest-port", "53", "-o", "table")
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.splitlines()[0].split() == ["VERDICT", "allow"]
    bad = cli(
        srv, "firewall", "evaluate", firewall_id, "--source", "nonsense", "--destination", eip.public_ip
    )
    assert bad.returncode != 0 and "CFW.00200001" in error_line(bad)
