"""The real ``terraform`` and the real provider against opencfw, on both stores, for the EIP family:
huaweicloud_cfw_eip_protection (which waits for each EIP to be listed unprotected, then protected),
_eip_auto_protection, _eip_alarm_whitelist, _eip_all_protection_switch, and the data sources
eip_count, eip_auto_protect_status and sn_firewall_protection_status.

The provider is found (or built) as for tests/interop/test_terraform.py; without it the tests skip
with the same banner."""

from __future__ import annotations

import json
import shutil
import time
from typing import Any

import pytest

from tests.acceptance.server import PROJECT
from tests.interop import tools
from tests.interop.test_terraform import BUILD_TIMEOUT_S, Terraform, cli, provider  # noqa: F401 - fixtures

pytestmark = [pytest.mark.interop, pytest.mark.timeout(BUILD_TIMEOUT_S + 900)]

EIP_SOURCES = tools.INTEROP / "terraform-eip"
NO_EAST_WEST = ("-var", "east_west=false", "-var", "name=tf-eips")


@pytest.fixture
def eip_terraform(cli, interop_server, interop_home, tmp_path):  # noqa: F811 - the imported fixture
    """An initialised working directory with the firewall of interop/terraform and eip.tf."""
    tf = Terraform(cli, tmp_path / "eips", interop_home, interop_server.url)
    for source in EIP_SOURCES.glob("*.tf"):
        shutil.copy2(source, tf.workdir / source.name)
    tf.init()
    return tf


def _inventory(server) -> dict[str, dict[str, Any]]:
    status, _, body = server.request(
        "GET", f"/_opencfw/v1/{PROJECT}/eips", headers={"X-Auth-Token": server.token()}
    )
    assert status == 200, body
    return {e["id"]: e for e in body["eips"]}


def _fresh_eips(server, count: int) -> list[dict[str, Any]]:
    """EIPs made for this test, synced so that no firewall's auto-protection takes them later."""
    status, _, body = server.request(
        "POST",
        f"/_opencfw/v1/{PROJECT}/eips",
        headers={"X-Auth-Token": server.token()},
        body={"count": count},
    )
    assert status == 201, body
    return list(body["eips"])


def _var(name: str, value: Any) -> tuple[str, str]:
    return ("-var", f"{name}={json.dumps(value)}")


def _outputs(tf: Terraform) -> dict[str, Any]:
    return {k: v["value"] for k, v in json.loads(tf.run("output", "-json").stdout).items()}


def _protection_status(server, firewall_id: str) -> int:
    status, _, body = server.request(
        "GET", f"/v1/{PROJECT}/eip/protection-status/{firewall_id}", headers={"X-Auth-Token": server.token()}
    )
    assert status == 200, body
    return int(body["data"]["protection_status"])


def _args(**variables: Any) -> tuple[str, ...]:
    """``-var`` arguments: the firewall without east-west protection, and the EIP variables given."""
    pairs = [_var(name, value) for name, value in variables.items() if value is not None]
    return (*NO_EAST_WEST, *(arg for pair in pairs for arg in pair))


def _wait_status(server, firewall_id: str, wanted: int) -> int:
    """The provider does not wait for the switch's job; the test reads the status until it ends."""
    deadline = time.monotonic() + 30
    while (found := _protection_status(server, firewall_id)) != wanted and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_eip_family_apply_update_bypass_destroy(eip_terraform, interop_server):
    """Protect two EIPs with auto-protection and a whitelist entry; no drift; unprotect one; bypass
    all and restore; destroy unprotects the rest."""
    tf = eip_terraform
    eips = _fresh_eips(interop_server, 3)
    protected = [{"id": e["id"], "public_ipv4": e["public_ip"]} for e in eips[:2]]
    # auto-protection and the whitelist come second: CFW sees new EIPs only from the protection
    # resource's first sync on, and auto-protection would protect them there, while the provider
    # waits for them to read unprotected before it protects them
    common: dict[str, Any] = {}
    first = _args(protected_eips=protected)
    tf.apply(*first)
    firewall_id = tf.values()["id"]
    inventory = _inventory(interop_server)
    assert [inventory[e["id"]]["fw_instance_id"] for e in eips] == [firewall_id, firewall_id, None]
    assert _outputs(tf) == {
        "firewall_id": firewall_id,
        "eip_protected_self": 2,
        "auto_protect_status": 0,
        "protection_status": 0,
    }
    tf.no_drift(*first)

    # one EIP leaves the resource: the provider unprotects it and waits for its status 1
    common["auto_protection"] = True
    common["whitelisted_eip"] = {"id": eips[2]["id"], "public_ip": eips[2]["public_ip"]}
    second = _args(protected_eips=protected[:1], **common)
    tf.apply(*second)
    inventory = _inventory(interop_server)
    assert [inventory[e["id"]]["fw_instance_id"] for e in eips] == [firewall_id, None, None]
    assert _outputs(tf)["auto_protect_status"] == 1
    tf.no_drift(*second)

    # the one-shot switch (its arguments cannot change: a new one for each operation)
    tf.apply(*_args(protected_eips=protected[:1], bypass_operation=1, **common))
    assert _wait_status(interop_server, firewall_id, 2) == 2
    tf.apply(*second)  # forgets the switch (with the provider's warning), changes nothing
    assert _protection_status(interop_server, firewall_id) == 2
    last = _args(protected_eips=protected[:1], bypass_operation=0, **common)
    tf.apply(*last)
    assert _wait_status(interop_server, firewall_id, 0) == 0

    tf.run("destroy", "-auto-approve", "-input=false", *last)
    inventory = _inventory(interop_server)
    assert all(inventory[e["id"]]["fw_instance_id"] is None for e in eips)
