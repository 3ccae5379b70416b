"""The log data sources of the real provider (huaweicloud_cfw_access_control_logs, _flow_logs,
_attack_logs and _logs) through the real ``terraform`` binary, against opencfw on both stores:
records injected through the admin API are what the configuration's outputs read.

Uses the provider and CLI of ``test_terraform.py`` (built or found once per machine, skipped with
the registry-refusal banner where they cannot be had) and the module ``interop/terraform-logs``."""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime

import pytest

from tests.acceptance.server import ADMIN_TOKEN, PROJECT, Server
from tests.acceptance.test_logs_sdk import attack, inject
from tests.acceptance.test_terraform import GoClient, wait_job
from tests.interop import tools
from tests.interop.test_terraform import BUILD_TIMEOUT_S, Terraform, cli, provider

__all__ = ["cli", "provider"]  # the session fixtures of test_terraform.py, shared

pytestmark = [pytest.mark.interop, pytest.mark.timeout(BUILD_TIMEOUT_S + 900)]
SOURCES = tools.INTEROP / "terraform-logs"
P = PROJECT


def utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
def logged(tmp_path, interop_home, database_url):
    """A server with an admin token, a firewall and its records: 1,100 flows to port 443, 50 to
    port 22 (one in ten of those denied by rule "block"), and two attacks."""
    server = Server(tmp_path / "data", database_url, admin_token=ADMIN_TOKEN, provision_seconds="0").start()
    try:
        yield from _logged(server)
    finally:
        server.stop()


def _logged(server):
    go = GoClient(server.port)
    body = {
        "name": "tf-logs",
        "flavor": {"version": "Professional"},
        "charge_info": {"charge_mode": "postPaid", "is_auto_pay": True},
    }
    fw = go.ok("POST", f"/v2/{P}/firewall", body)["job_id"]
    assert wait_job(go, fw) == "Success"
    now = int(time.time() * 1000)
    flows = [
        {
            "fw_instance_id": fw,
            "src_ip": f"10.2.{i // 200}.{i % 200 + 1}",
            "dst_ip": "192.168.9.9",
            "dst_port": 443 if i < 1100 else 22,
            "protocol": 6,
            "direction": "out2in",
            "action": "deny" if i >= 1100 and i % 10 == 0 else "permit",
            "rule_id": "rule-block" if i >= 1100 and i % 10 == 0 else "rule-web",
            "rule_name": "block" if i >= 1100 and i % 10 == 0 else "web",
            "bytes": 1000,
            "start_ms": now - 600_000 + i,
        }
        for i in range(1150)
    ]
    attacks = [
        attack(
            fw,
            src_ip="198.51.100.4",
            dst_ip="192.168.9.9",
            dst_port=443,
            attack_rule=rule,
            attack_rule_id=str(n),
        )
        for n, rule in enumerate(["XSS", "SQL injection"])
    ]
    inject(server, flows, attacks)
    yield server, fw, now


def test_log_data_sources_read_the_records(cli, interop_home, tmp_path, logged):
    """apply reads the four data sources; their outputs are the injected records."""
    server, fw, now = logged
    tf = Terraform(cli, tmp_path / "logs", interop_home, server.url)
    for copied in tf.workdir.glob("*.tf"):
        copied.unlink()
    for source in SOURCES.glob("*.tf"):
        shutil.copy2(source, tf.workdir / source.name)
    tf.run("init", "-input=false")
    start, end = now - 3_600_000, now + 60_000
    tf.run(
        "apply",
        "-auto-approve",
        "-input=false",
        *("-var", f"fw_instance_id={fw}", "-var", f"start_time={utc(start)}", "-var", f"end_time={utc(end)}"),
        *("-var", f"start_ms={start}", "-var", f"end_ms={end}"),
    )
    outputs = {k: v["value"] for k, v in json.loads(tf.run("output", "-json").stdout).items()}
    assert outputs["denied"] == ["block"] * 5
    # the flow data source reads one page of limit=1000: the newest 1,000 of the 1,145 inbound flows
    assert outputs["inbound_bytes"] == 1000 * 1000
    assert sorted(outputs["attacks"]) == ["SQL injection", "XSS"]
    # 1,100 flows to 443 come in a full page of 1,024 and one of 76; the provider's loop keeps only
    # full pages (it stops at a shorter one before appending it): v1.97.1's behaviour, not opencfw's
    assert outputs["flows_443"] == 1024
