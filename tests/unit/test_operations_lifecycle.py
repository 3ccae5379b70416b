"""The state of the declared actions (IP blacklists, firewall switches, protected accounts,
private network segments) goes with its firewall and with a project reset, on both stores."""

from __future__ import annotations

from tests.unit import test_api
from tests.unit.test_api import P, call
from tests.unit.test_api_protection import running

env = test_api.env
api = test_api.api
TABLES = ("ip_blacklists", "firewall_switches", "firewall_accounts", "private_network_segments")


def _fill(client, fw: str) -> None:
    body = {"add_type": 0, "ip_blacklist": "1.1.1.1", "effect_scope": [1]}
    assert call(client, "POST", f"/v1/{P}/ptf/ip-blacklist/import?fw_instance_id={fw}", body).status == 200
    assert (
        call(client, "POST", f"/v1/{P}/ptf/ip-blacklist/switch?fw_instance_id={fw}", {"status": 1}).status
        == 200
    )
    accounts = {"accounts": [{"account_id": P}]}
    assert (
        call(client, "POST", f"/v1/{P}/system/multi-account/accounts?fw_instance_id={fw}", accounts).status
        == 200
    )
    segments = {"private_network_segments": [{"protect_network": "10.0.0.0/8"}]}
    path = f"/v2/{P}/firewall/{fw}/east-west/private-network-segments/batch-create"
    assert call(client, "POST", path, segments).status == 200


def _rows(runtime, fw: str) -> dict[str, int]:
    mark = "%s" if runtime.store.dialect == "postgres" else "?"
    with runtime.store._read() as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table} WHERE firewall_id = {mark}", (fw,)).fetchone()[
                0
            ]
            for table in TABLES
        }


def test_a_firewalls_deletion_takes_its_rows(api):
    """When the deletion job of a firewall succeeds, its rows in every table are gone; another
    firewall's stay."""
    runtime, _, client = api
    fw, _ = running(runtime, client)
    kept, _ = running(runtime, client, name="kept")
    _fill(client, fw)
    _fill(client, kept)
    assert set(_rows(runtime, fw).values()) == {1}
    assert call(client, "DELETE", f"/v2/{P}/firewall/{fw}").status == 200
    while runtime.worker.run_once():
        pass
    assert set(_rows(runtime, fw).values()) == {0}
    assert set(_rows(runtime, kept).values()) == {1}


def test_a_project_reset_takes_its_rows(api):
    """Resetting the project clears the rows of its firewalls."""
    runtime, clock, client = api
    fw, _ = running(runtime, client)
    _fill(client, fw)
    runtime.store.reset_project(P, clock.now_ms())
    assert set(_rows(runtime, fw).values()) == {0}
