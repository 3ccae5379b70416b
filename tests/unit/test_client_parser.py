"""The client's command line: argv -> parsed options, and usage errors exiting 3."""

from __future__ import annotations

import pytest

from opencfw.cli import build_parser
from opencfw.client import commands
from opencfw.client.session import ClientError, Exit, Target

CASES = [
    (["job", "get", "J1"], {"command": "job", "job_command": "get", "job_id": "J1", "output": None}),
    (
        ["job", "get", "J1", "-o", "json", "--endpoint", "http://127.0.0.1:1", "--project-id", "p"],
        {"output": "json", "endpoint": "http://127.0.0.1:1", "project_id": "p", "region": None},
    ),
    (
        ["job", "wait", "J1"],
        {"job_command": "wait", "timeout": 1200.0, "interval": 1.0, "max_interval": 10.0, "quiet": False},
    ),
    (
        ["job", "wait", "J1", "--timeout", "90s", "--interval", "500ms", "--max-interval", "2m", "-q"],
        {"timeout": 90.0, "interval": 0.5, "max_interval": 120.0, "quiet": True},
    ),
    (["job", "wait", "J1", "--timeout", "1.5h"], {"timeout": 5400.0}),
    (["job", "wait", "J1", "--timeout", "0"], {"timeout": 0.0}),
    (["job", "wait", "J1", "--region", "ap-southeast-1"], {"region": "ap-southeast-1"}),
    (
        ["firewall", "create", "fw-1"],
        {"firewall_command": "create", "name": "fw-1", "version": "Professional", "tag": [], "wait": False},
    ),
    (
        ["firewall", "create", "fw-1", "--version", "standard", "--tag", "a=b", "--tag", "env=x=y", "--wait"],
        {"version": "Standard", "tag": [("a", "b"), ("env", "x=y")], "wait": True, "timeout": 1200.0},
    ),
    (["firewall", "create", "fw-1", "--tag", "empty="], {"tag": [("empty", "")]}),
    (["firewall", "list", "--output", "table"], {"firewall_command": "list", "output": "table"}),
    (["firewall", "show", "F1"], {"firewall_command": "show", "firewall_id": "F1"}),
    (["firewall", "delete", "F1"], {"firewall_command": "delete", "firewall_id": "F1", "wait": False}),
    (
        ["firewall", "delete", "F1", "--wait", "--timeout", "5m", "--interval", "2"],
        {"wait": True, "timeout": 300.0, "interval": 2.0},
    ),
    (["eip", "create"], {"eip_command": "create", "count": None, "ip": None, "ipv6": None}),
    (["eip", "create", "--count", "5"], {"count": 5}),
    (
        ["eip", "create", "--ip", "192.0.2.7", "--ipv6", "2001:db8::7", "--device-name", "web"],
        {"ip": "192.0.2.7", "ipv6": "2001:db8::7", "device_name": "web"},
    ),
    (["eip", "list", "-o", "json"], {"eip_command": "list", "output": "json"}),
    (["eip", "delete", "E1"], {"eip_command": "delete", "eip_id": "E1"}),
]


@pytest.mark.parametrize(("argv", "expected"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_argv_parses_to_options(argv, expected):
    """Each command line parses, through the opencfw parser, to exactly these option values."""
    args = build_parser().parse_args(argv)
    assert {key: getattr(args, key) for key in expected} == expected
    assert callable(args.client_handler)


USAGE_ERRORS = [
    ["job"],
    ["job", "frob"],
    ["job", "get"],
    ["job", "get", "J1", "--bogus"],
    ["job", "get", "J1", "extra"],
    ["job", "wait", "J1", "--timeout", "soon"],
    ["job", "wait", "J1", "--interval", "0"],
    ["job", "get", "J1", "-o", "yaml"],
    ["firewall"],
    ["firewall", "create"],
    ["firewall", "create", "fw", "--tag", "novalue"],
    ["firewall", "create", "fw", "--tag", "=v"],
    ["firewall", "create", "fw", "--version", "Ultimate"],
    ["firewall", "show"],
    ["eip"],
    ["eip", "delete"],
    ["eip", "create", "--count", "0"],
    ["eip", "create", "--count", "1025"],
    ["eip", "create", "--count", "many"],
]


@pytest.mark.parametrize("argv", USAGE_ERRORS, ids=[" ".join(a) for a in USAGE_ERRORS])
def test_usage_errors_exit_3(argv, capsys):
    """A malformed client command line exits 3 (2 is reserved for a timed-out wait) with usage."""
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(argv)
    assert stop.value.code == 3
    err = capsys.readouterr().err
    assert "usage: opencfw" in err and "error:" in err


def test_server_commands_keep_their_parsing():
    """serve, migrate and version parse as before the client commands were added."""
    parser = build_parser()
    assert parser.parse_args(["serve", "--port", "1"]).port == "1"  # checked with OPENCFW_PORT's rule
    assert parser.parse_args(["migrate"]).command == "migrate"
    assert parser.parse_args(["version"]).command == "version"
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(["serve", "--bogus"])
    assert stop.value.code == 3  # a usage error, as for the client commands


def test_standalone_parse_matches_the_cli():
    """commands.parse gives the same options as the opencfw parser."""
    argv = ["firewall", "create", "fw", "--tag", "a=b", "--wait"]
    assert vars(commands.parse(argv)) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize(
    ("text", "seconds"), [("20m", 1200.0), ("1.5s", 1.5), ("250ms", 0.25), ("90", 90.0), (".5", 0.5)]
)
def test_duration(text, seconds):
    """Durations accept ms, s, m, h suffixes or bare seconds."""
    assert commands.duration(text) == seconds


ENV = {"CLOUD_SDK_AK": "AK", "CLOUD_SDK_SK": "SK", "OPENCFW_PROJECT_ID": "p1"}


@pytest.mark.parametrize(
    ("missing", "says"),
    [
        ("CLOUD_SDK_AK", "set CLOUD_SDK_AK"),
        ("CLOUD_SDK_SK", "set CLOUD_SDK_SK"),
        ("OPENCFW_PROJECT_ID", "set OPENCFW_PROJECT_ID"),
    ],
)
def test_missing_credential_names_the_variable(missing, says):
    """Without a credential, the error names the variable to set and the exit code is 3."""
    env = {k: v for k, v in ENV.items() if k != missing}
    with pytest.raises(ClientError) as err:
        Target.resolve(endpoint=None, region=None, project_id=None, environ=env)
    assert says in err.value.message and err.value.exit_code == Exit.USAGE


def test_target_flags_win_over_environment():
    """--endpoint and --project-id win over OPENCFW_ENDPOINT and OPENCFW_PROJECT_ID; defaults apply."""
    env = {**ENV, "OPENCFW_ENDPOINT": "http://127.0.0.1:7"}
    assert Target.resolve(endpoint=None, region=None, project_id=None, environ=ENV).endpoint == (
        "http://127.0.0.1:9449"
    )
    target = Target.resolve(endpoint=None, region=None, project_id=None, environ=env)
    assert (target.endpoint, target.region, target.project_id) == ("http://127.0.0.1:7", "cn-north-4", "p1")
    target = Target.resolve(endpoint="http://127.0.0.1:8/", region="r", project_id="p2", environ=env)
    assert (target.endpoint, target.region, target.project_id) == ("http://127.0.0.1:8", "r", "p2")
    assert "SK" not in repr(target)


def test_endpoint_without_scheme_is_a_usage_error():
    """An endpoint that is not an http(s) URL is refused with exit code 3."""
    with pytest.raises(ClientError) as err:
        Target.resolve(endpoint="127.0.0.1:9449", region=None, project_id=None, environ=ENV)
    assert err.value.exit_code == Exit.USAGE


def test_job_list_limit_names_its_range(capsys):
    """A bad --limit is a usage error that names the range, not 200 choices."""
    assert commands.parse(["job", "list", "--limit", "200"]).limit == 200
    with pytest.raises(SystemExit) as stop:
        commands.parse(["job", "list", "--limit", "0"])
    assert stop.value.code == 3
    err = capsys.readouterr().err
    assert "a number from 1 to 200, got '0'" in err and "199" not in err
