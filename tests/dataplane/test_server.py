"""The data plane in a real server: firewalls made through the SDK get labs; `opencfw lab` probes them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from opencfw.config import Settings
from opencfw.dataplane import netns, runner
from opencfw.dataplane.policy import TCP, Direction, Policy, Rule, Service
from opencfw.dataplane.reconciler import Reconciler
from opencfw.dataplane.source import Desired
from tests.acceptance import sdk
from tests.acceptance.server import Server, server_environ
from tests.dataplane import kernel

pytestmark = pytest.mark.acceptance

EIP = "203.0.113.20"


def lab_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opencfw", "lab", *args], env=env, capture_output=True, text=True, timeout=60
    )


def until(check, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_lab_probe_answers_allowed_or_denied_with_fixed_exit_codes(tmp_path: Path):
    kernel.require()
    env = server_environ(OPENCFW_DATA_DIR=str(tmp_path))
    instance = runner.instance(Settings(data_dir=tmp_path))
    deny = Rule("deny-ssh", "deny", Direction.INBOUND, services=(Service(TCP, ((22, 22),)),))
    want = {"fw-cli": Desired("p", Policy("fw-cli", protected=(EIP,), rules=(deny,)), (EIP,))}
    reconciler = Reconciler(lambda: want, instance, deny="reject")
    reconciler.reconcile()
    try:
        probe = ["probe", "--firewall", "fw-cli", "--protocol", "tcp"]
        allowed = lab_cli(env, *probe, "--from", "internet", "--to", EIP, "--port", "80")
        assert (allowed.returncode, allowed.stdout) == (0, "allowed\n")
        denied = lab_cli(env, *probe, "--from", "internet", "--to", EIP, "--port", "22")
        assert (denied.returncode, denied.stdout) == (1, "denied\n")
        outbound = lab_cli(env, *probe, "--from", EIP, "--to", "internet", "--port", "22")
        assert outbound.returncode == 0
        unknown_eip = lab_cli(env, *probe, "--from", "internet", "--to", "203.0.113.99")
        assert unknown_eip.returncode == 4 and "is not an EIP" in unknown_eip.stderr
        both_eips = lab_cli(env, *probe, "--from", EIP, "--to", EIP)
        assert both_eips.returncode == 3 and "one side" in both_eips.stderr
        not_an_address = lab_cli(env, *probe, "--from", "internet", "--to", "example.com")
        assert not_an_address.returncode == 3
        bad_port = lab_cli(env, *probe, "--from", "internet", "--to", EIP, "--port", "70000")
        assert bad_port.returncode == 3 and "--port" in bad_port.stderr
        no_lab = lab_cli(
            env, "probe", "--firewall", "nope", "--from", "internet", "--to", EIP, "--protocol", "icmp"
        )
        assert no_lab.returncode == 4 and "has no lab" in no_lab.stderr
        shown = lab_cli(env, "show", "--firewall", "fw-cli")
        assert shown.returncode == 0
        assert EIP in shown.stdout and 'comment "deny-ssh"' in shown.stdout
    finally:
        reconciler.remove_all()


def test_a_firewall_made_through_the_sdk_gets_a_lab_until_it_is_deleted(
    tmp_path: Path, database_url, sdk_home
):
    kernel.require()
    srv = Server(
        tmp_path / "data",
        database_url,
        dataplane="nftables",
        dataplane_deny="reject",
        provision_seconds="0.2",
    )
    srv.start()
    env = {**srv.env}
    try:
        cfw = sdk.client(srv.url)
        firewall_id = cfw.create_firewall(sdk.create_request("lab")).job_id
        assert sdk.wait_job(cfw, firewall_id) == "Success"
        assert until(lambda: lab_cli(env, "show", "--firewall", firewall_id).returncode == 0)
        instance = runner.instance(Settings(data_dir=srv.data_dir, database_url=None))
        if database_url is None:
            assert netns.Lab.for_firewall(firewall_id, instance) in netns.labs(instance)
        from huaweicloudsdkcfw.v1 import DeleteFirewallRequest

        cfw.delete_firewall(DeleteFirewallRequest(resource_id=firewall_id))
        assert until(lambda: lab_cli(env, "show", "--firewall", firewall_id).returncode == 4)
        second = cfw.create_firewall(sdk.create_request("lab2")).job_id
        assert sdk.wait_job(cfw, second) == "Success"
        assert until(lambda: lab_cli(env, "show", "--firewall", second).returncode == 0)
    finally:
        assert srv.stop() == 0
    assert lab_cli(env, "show", "--firewall", second).returncode == 4  # a stop removes the labs


def test_serve_refuses_to_start_where_the_data_plane_cannot_run(tmp_path: Path):
    env = server_environ(OPENCFW_DATA_DIR=str(tmp_path), OPENCFW_DATAPLANE="nftables", OPENCFW_PORT="0")
    env["PATH"] = str(tmp_path)  # neither ip nor nft on the PATH
    done = subprocess.run(
        [sys.executable, "-m", "opencfw", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "needs ip and nft" in done.stderr and "OPENCFW_DATAPLANE=none" in done.stderr
    assert not (tmp_path / "opencfw.sqlite3").exists()  # nothing was created
