"""The real ``terraform`` and Huawei Cloud provider against opencfw for IPS, anti-virus, alarm,
LTS log, DNS and capture-task resources (``interop/terraform-protection``), on both stores: apply,
no drift, change every resource in place, no drift, destroy. Built and skipped like
tests/interop/test_terraform.py (the provider comes from a local mirror only)."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest

from tests.interop import tools
from tests.interop.test_terraform import Terraform, cli, provider  # noqa: F401 - fixtures

pytestmark = [pytest.mark.interop, pytest.mark.timeout(3600)]

SOURCES = tools.INTEROP / "terraform-protection"
#: every resource of the configuration changed in place
CHANGED = (
    *("-var", "ips_severity=3", "-var", "ips_action=0", "-var", 'anti_virus={"0"=1,"1"=1}'),
    *(
        "-var",
        "alarm_count=50",
        "-var",
        "access_logs=0",
        "-var",
        'custom_dns=["8.8.4.4"]',
        "-var",
        "stop_capture=true",
    ),
)


@pytest.fixture
def protection(cli, interop_server, interop_home, tmp_path) -> Terraform:  # noqa: F811 - the fixture
    tf = Terraform(cli, tmp_path / "protection", interop_home, interop_server.url)
    for source in SOURCES.glob("*.tf"):  # versions.tf stays the firewall's
        shutil.copy2(source, tf.workdir / source.name)
    tf.init()
    return tf


def resources(tf: Terraform) -> dict[str, dict[str, Any]]:
    state = json.loads(tf.run("show", "-json").stdout)
    found = state.get("values", {}).get("root_module", {}).get("resources", [])
    return {r["address"]: r["values"] for r in found}


def test_protection_resources_apply_change_and_destroy(protection):
    tf = protection
    tf.apply()
    made = resources(tf)
    rule = made["huaweicloud_cfw_ips_custom_rule.this"]
    assert (rule["config_status"], rule["severity"]) == (2, 1)
    assert {
        (c["protocol_type"], c["action"])
        for c in made["huaweicloud_cfw_anti_virus.this"]["scan_protocol_configs"]
    } == {(0, 1), (4, 0)}
    assert made["huaweicloud_cfw_dns_resolution.this"]["custom_dns_servers"] == ["8.8.8.8"]
    assert made["huaweicloud_cfw_capture_task.this"]["status"] == 2
    outputs = json.loads(tf.run("output", "-json").stdout)
    assert {k: v["value"] for k, v in outputs.items() if k != "ips_rule_id"} == {
        "custom_rules": 1,
        "capture_tasks": 1,
        "log4j_rules": 2,
        "ips_versions": 2,
    }
    tf.run("plan", "-detailed-exitcode", "-input=false", expect=0)

    tf.apply(*CHANGED)
    changed = resources(tf)
    assert changed["huaweicloud_cfw_ips_custom_rule.this"]["id"] == rule["id"]
    assert (
        changed["huaweicloud_cfw_ips_custom_rule.this"]["severity"],
        changed["huaweicloud_cfw_ips_custom_rule.this"]["action_type"],
    ) == (3, 0)
    assert changed["huaweicloud_cfw_alarm_config.attack"]["frequency_count"] == 50
    assert changed["huaweicloud_cfw_lts_log.this"]["lts_access_log_stream_enable"] == 0
    assert changed["huaweicloud_cfw_capture_task.this"]["status"] == 4
    assert changed["huaweicloud_cfw_dns_resolution.this"]["custom_dns_servers"] == ["8.8.4.4"]
    tf.run("plan", "-detailed-exitcode", "-input=false", *CHANGED, expect=0)

    tf.run("destroy", "-auto-approve", "-input=false", *CHANGED)
    assert resources(tf) == {}
