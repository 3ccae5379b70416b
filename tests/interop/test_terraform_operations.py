"""The real ``terraform`` binary and provider against opencfw for schedules, report profiles and
reports, the IP blacklist actions, the organisation tree, east-west reads and config quotas
(``interop/terraform-operations``), on both stores: apply, no drift, change in place, destroy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.interop import tools
from tests.interop.test_terraform import BUILD_TIMEOUT_S, Terraform, cli, provider  # noqa: F401 - fixtures

SOURCES = tools.INTEROP / "terraform-operations"
STAGE_2 = ("-var", "stage=2")

pytestmark = [pytest.mark.interop, pytest.mark.timeout(BUILD_TIMEOUT_S + 900)]


class OperationsTerraform(Terraform):
    """``terraform`` in a working directory holding ``interop/terraform-operations`` with the
    provider's version and variables of ``interop/terraform`` (its firewall's main.tf left out)."""

    def __init__(self, command: str, workdir: Path, home: Path, server_url: str) -> None:
        super().__init__(command, workdir, home, server_url)
        (workdir / "main.tf").unlink()
        for source in SOURCES.glob("*.tf"):
            shutil.copy2(source, workdir / source.name)

    def outputs(self) -> dict[str, Any]:
        found = json.loads(self.run("output", "-json").stdout)
        return {name: value["value"] for name, value in found.items()}

    def addresses(self) -> list[str]:
        return self.run("state", "list").stdout.split()


@pytest.fixture
def operations(cli, interop_server, interop_home, tmp_path):  # noqa: F811 - the imported fixture
    tf = OperationsTerraform(cli, tmp_path / "operations", interop_home, interop_server.url)
    tf.init()
    return tf


def test_operations_through_terraform(operations):
    """Every resource applies, every data source reads what was made, a second plan is empty, a
    change updates in place, the one-shot blacklist resources run, and destroy leaves nothing."""
    tf = operations
    tf.apply()
    out = tf.outputs()
    (schedule,) = out["schedules"]
    assert (schedule["name"], schedule["description"], schedule["ref_count"]) == (
        "office-hours",
        "weekdays",
        0,
    )
    assert schedule["periodic"][0]["week_mask"] == [1, 2, 3, 4, 5]
    (profile,) = out["report_profiles"]
    assert (profile["name"], profile["category"], profile["status"]) == ("audit", "custom", 1)
    assert out["report"]["category"] == "custom"
    assert out["report"]["statistic_period"][0]["start_time"] == 1772035200000
    (blacklist,) = out["ip_blacklist"]
    # the provider's ExpandToIntList keeps Go ints only, and JSON numbers decode as float64: the
    # provider reads every effect_scope as [] (from the real service too); opencfw answers [1]
    assert blacklist["name"] == "ip-blacklist-eip.txt" and blacklist["effect_scope"] == []
    assert out["ip_blacklist_switch"][0]["status"] == 1
    assert [node["org_type"] for node in out["organization"]] == ["root", "account"]
    assert out["routers"] == [] and out["vpcs_protection"][0]["total"] == 0
    assert out["quota"][0]["max_quota"] == 100 and out["quota"][0]["used_quota"] == 0

    tf.no_drift()

    tf.apply(*STAGE_2)
    out = tf.outputs()
    (schedule,) = out["schedules"]
    assert schedule["description"] == "weekdays and saturday"
    assert schedule["periodic"][0]["week_mask"] == [1, 2, 3, 4, 5, 6]
    assert out["report_profiles"][0]["name"] == "audit-renamed"
    assert out["exported"] == "198.51.100.7\n203.0.113.0/24\n"
    assert out["ip_blacklist"] == []
    tf.no_drift(*STAGE_2)

    tf.run("destroy", "-auto-approve", "-input=false", *STAGE_2)
    assert tf.addresses() == []
