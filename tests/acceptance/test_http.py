"""Plain HTTP against a real server: tokens, restart durability, the documented error bodies."""

from __future__ import annotations

import time

from tests.acceptance import sdk
from tests.acceptance.server import PROJECT, Server

OTHER = "fedcba9876543210fedcba9876543210"


def test_token_flow(spawn):
    """Get a token, read a job with it; refuse it on another project, tampered, or expired."""
    srv = spawn(provision_seconds="0", token_ttl="2s")
    token = srv.token()
    status, headers, body = srv.request(
        "POST",
        f"/v2/{PROJECT}/firewall",
        headers={"X-Auth-Token": token},
        body={"name": "tok", "flavor": {"version": "Professional"}, "charge_info": {"charge_mode": "postPaid"}},
    )
    assert status == 200, body
    job_id = body["job_id"]
    status, headers, body = srv.request(
        "GET", f"/v3/{PROJECT}/jobs/{job_id}", headers={"X-Auth-Token": token}
    )
    assert status == 200 and body["data"]["id"] == job_id
    assert len(headers["X-Request-Id"]) == 32

    status, _, body = srv.request("GET", f"/v3/{OTHER}/jobs/{job_id}", headers={"X-Auth-Token": token})
    assert (status, body["error_code"]) == (403, "APIGW.0302")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    status, _, body = srv.request("GET", f"/v3/{PROJECT}/jobs/{job_id}", headers={"X-Auth-Token": tampered})
    assert (status, body["error_code"]) == (401, "APIGW.0301")
    time.sleep(2.1)  # the token lives 2 s on this server
    status, _, body = srv.request("GET", f"/v3/{PROJECT}/jobs/{job_id}", headers={"X-Auth-Token": token})
    assert (status, body["error_code"]) == (401, "APIGW.0307")


def test_restart_keeps_jobs_and_firewalls(tmp_path, sdk_home, database_url):
    """Firewalls and jobs survive a restart on the same store, same ids and times."""
    data = tmp_path / "durable"
    first = Server(data, database_url, provision_seconds="0").start()
    try:
        cfw = sdk.client(first.url)
        ids = [cfw.create_firewall(sdk.create_request(f"keep-{i}")).job_id for i in range(3)]
        for job_id in ids:
            assert sdk.wait_job(cfw, job_id) == "Success"
        token = first.token()
        before = {
            job_id: first.request("GET", f"/v3/{PROJECT}/jobs/{job_id}", headers={"X-Auth-Token": token})[2]
            for job_id in ids
        }
    finally:
        assert first.stop() == 0
    second = Server(data, database_url, provision_seconds="0").start()
    try:
        # a token issued before the restart is still valid: the key comes from the master key
        after = {
            job_id: second.request("GET", f"/v3/{PROJECT}/jobs/{job_id}", headers={"X-Auth-Token": token})[2]
            for job_id in ids
        }
        assert after == before
        cfw = sdk.client(second.url)
        for job_id in ids:
            record = sdk.detail(cfw, job_id).data.records[0]
            assert record.status == 2 and record.fw_instance_name.startswith("keep-")
    finally:
        second.stop()


def test_unknown_route_and_method_over_the_wire(server):
    """404 APIGW.0101 and 405 with Allow reach a real client intact."""
    status, headers, body = server.request("GET", "/v1/nothing/here")
    assert (status, body["error_code"]) == (404, "APIGW.0101")
    assert body["request_id"] == headers["X-Request-Id"]
    status, headers, body = server.request("DELETE", "/_opencfw/health")
    assert status == 405 and headers["Allow"] == "GET"


def test_server_binds_loopback_by_default(server):
    """Without --host the server listens on 127.0.0.1 only."""
    assert server.env.get("OPENCFW_HOST") in (None, "")
    import socket

    with socket.create_connection(("127.0.0.1", server.port), timeout=2):
        pass
    out = __import__("subprocess").run(
        ["ss", "-ltnH", f"sport = :{server.port}"], capture_output=True, text=True
    )
    if out.returncode == 0 and out.stdout.strip():
        local = [line.split()[3] for line in out.stdout.strip().splitlines()]
        assert local and all(addr.startswith("127.0.0.1:") for addr in local), out.stdout
