"""``opencfw eip create|list|delete`` as a user runs them, against a real server: the inventory
they change is the one ListEips shows after a sync."""

from __future__ import annotations

import pytest

from tests.acceptance import sdk
from tests.acceptance.server import PROJECT, Server
from tests.acceptance.test_client_commands import as_json, cli, error_line


@pytest.fixture(scope="module")
def srv(tmp_path_factory, sdk_home):
    """A server whose projects start with two EIPs."""
    server = Server(
        tmp_path_factory.mktemp("cli-eip") / "data", provision_seconds="0.2", eip_count="2"
    ).start()
    yield server
    server.stop()


def test_eip_create_list_delete(srv):
    """create adds EIPs (made-up or given addresses), list shows them with their protection,
    delete releases one; CFW sees the new ones after a sync."""
    listed = cli(srv, "eip", "list", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    assert len(as_json(listed)) == 2 and all(e["synced"] for e in as_json(listed))

    made = cli(srv, "eip", "create", "--count", "2", "-o", "json")
    assert made.returncode == 0, made.stderr
    assert [e["synced"] for e in as_json(made)] == [False, False]
    given = cli(
        srv, "eip", "create", "--ip", "198.51.100.200", "--ipv6", "2001:db8::c8", "--device-name", "web"
    )
    assert given.returncode == 0, given.stderr
    one = as_json(given)[0]
    assert (one["public_ip"], one["public_ipv6"], one["device_name"]) == (
        "198.51.100.200",
        "2001:db8::c8",
        "web",
    )

    table = cli(srv, "eip", "list", "-o", "table")
    assert table.stdout.splitlines()[0].split() == ["ID", "ADDRESS", "IPV6", "FIREWALL", "SYNCED", "DEVICE"]
    assert any(one["id"] in line and "198.51.100.200" in line for line in table.stdout.splitlines())

    cfw = sdk.client(srv.url)
    firewall_id = cfw.create_firewall(sdk.create_request("cli-eip")).job_id
    assert sdk.wait_job(cfw, firewall_id) == "Success"
    obj = sdk.detail(cfw, firewall_id).data.records[0].protect_objects[0].object_id
    status, _, body = srv.request(
        "GET",
        f"/v1/{PROJECT}/eips/protect?object_id={obj}&offset=0&limit=100&sync=1",
        headers={"X-Auth-Token": srv.token()},
    )
    assert status == 200 and body["data"]["total"] == 5

    deleted = cli(srv, "eip", "delete", one["id"], "-o", "json")
    assert deleted.returncode == 0 and as_json(deleted) == {"removed": one["id"]}
    assert len(as_json(cli(srv, "eip", "list", "-o", "json"))) == 4
    gone = cli(srv, "eip", "delete", one["id"])
    assert gone.returncode == 4 and "CFW.00200005" in error_line(gone)
    bad = cli(srv, "eip", "create", "--ip", "not-an-address")
    assert bad.returncode != 0 and "public_ip" in error_line(bad)
    mixed = cli(srv, "eip", "create", "--count", "2", "--ip", "192.0.2.9")
    assert mixed.returncode == 3 and "--count" in error_line(mixed)
