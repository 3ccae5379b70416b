"""The pytest plugin shipped with opencfw, used by an example test suite run under pytester."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

pytest_plugins = ["pytester"]

EXAMPLE = """
import json
import pathlib

import pytest
from huaweicloudsdkcfw.v1 import (
    CreateFirewallReq, CreateFirewallReqChargeInfo, CreateFirewallReqFlavor, CreateFirewallRequest,
    ListJobRequest,
)

SEEN = pathlib.Path(__file__).parent / "seen.jsonl"


def create(client, name):
    return client.create_firewall(CreateFirewallRequest(body=CreateFirewallReq(
        name=name,
        flavor=CreateFirewallReqFlavor(version="Professional"),
        charge_info=CreateFirewallReqChargeInfo(charge_mode="postPaid", is_auto_pay=True),
    ))).job_id


def note(server, outcome):
    with SEEN.open("a") as out:
        out.write(json.dumps({"endpoint": server.endpoint, "outcome": outcome,
                              "startup": server.startup_seconds}) + "\\n")


def test_session_server(opencfw_server, opencfw_client):
    job_id = create(opencfw_client, "example")
    assert opencfw_client.list_job(ListJobRequest(job_id=job_id)).data.status == "Running"
    assert opencfw_server.endpoint.startswith("http://127.0.0.1:")
    assert len(opencfw_server.project_id) == 32 and opencfw_server.access_key and opencfw_server.secret_key
    env = opencfw_server.environ()
    assert env["OPENCFW_ENDPOINT"] == env["HUAWEICLOUD_SDK_REGION_CFW_CN_NORTH_4"] == opencfw_server.endpoint
    assert (env["CLOUD_SDK_AK"], env["OPENCFW_PROJECT_ID"]) == (opencfw_server.access_key, opencfw_server.project_id)
    note(opencfw_server, "session")


@pytest.mark.opencfw(provision_seconds="0", provision_outcome="failed")
def test_fresh_server_with_marker(opencfw_fresh_server, opencfw_server):
    client = opencfw_fresh_server.client
    job_id = create(client, "doomed")
    for _ in range(200):
        status = client.list_job(ListJobRequest(job_id=job_id)).data.status
        if status != "Running":
            break
    assert status == "Failed"
    assert opencfw_fresh_server.endpoint != opencfw_server.endpoint
    note(opencfw_fresh_server, "fresh")


def test_factory(opencfw_server_factory):
    first = opencfw_server_factory(provision_seconds="0")
    second = opencfw_server_factory()
    assert first.project_id != second.project_id and first.port != second.port
    assert first.settings["provision_seconds"] == "0" and second.settings["provision_seconds"] == "9"
    note(first, "factory")
"""


def answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/_opencfw/health", timeout=2) as reply:
            return reply.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def test_plugin_fixtures_in_an_example_suite(pytester):
    """An example suite uses the session server, a marker-configured fresh server and the factory;
    every server is stopped at the end."""
    pytester.makeini("[pytest]\nopencfw_settings =\n    provision_seconds=9\n")
    pytester.makepyfile(test_example=EXAMPLE)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=3)
    seen = [json.loads(line) for line in (pytester.path / "seen.jsonl").read_text().splitlines()]
    assert [s["outcome"] for s in seen] == ["session", "fresh", "factory"]
    assert len({s["endpoint"] for s in seen}) == 3
    assert all(0 < s["startup"] < 30 for s in seen)
    assert not any(answers(s["endpoint"]) for s in seen)


def test_plugin_rejects_bad_settings(pytester):
    """A malformed opencfw_settings line is a usage error naming the option."""
    pytester.makeini("[pytest]\nopencfw_settings =\n    provision_seconds\n")
    pytester.makepyfile(test_bad="def test_x(opencfw_server):\n    pass\n")
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", timeout=120)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*opencfw_settings: expected KEY=VALUE lines*"])
