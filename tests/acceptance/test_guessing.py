"""Guessing limits through a real server: failures count per client address, and behind a trusted
proxy the address is the one in X-Forwarded-For (OPENCFW_FORWARDED_ALLOW_IPS)."""

from __future__ import annotations

import time

from opencfw.domain import signing
from opencfw.service.credentials import AK_LOCKED, LOCK_AFTER_FAILURES
from tests.acceptance.server import AK, PROJECT, SK

PATH = f"/v3/{PROJECT}/jobs/00000000-0000-4000-8000-000000000000"


def signed(srv, sk: str, forwarded_for: str | None):
    headers = {"host": f"127.0.0.1:{srv.port}", "x-sdk-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())}
    headers["authorization"] = signing.sign_headers(
        access_key=AK, secret_key=sk, method="GET", path=PATH, query="", headers=headers
    )
    if forwarded_for is not None:
        headers["x-forwarded-for"] = forwarded_for  # not signed: added by the proxy
    status, _, body = srv.request("GET", PATH, headers=headers)
    return status, body


def test_a_stranger_behind_a_trusted_proxy_cannot_lock_out_the_owner(spawn):
    """Through a proxy on 127.0.0.1 (trusted by default), a stranger's five bad signatures lock the
    stranger's pair only: the stranger meets the gateway's lock answer, the owner goes on."""
    srv = spawn()
    for _ in range(LOCK_AFTER_FAILURES):
        assert signed(srv, "guess", "198.51.100.7")[0] == 401
    status, body = signed(srv, SK, "198.51.100.7")
    assert (status, body["error_code"], body["error_msg"]) == (401, "APIGW.0301", AK_LOCKED)
    assert signed(srv, SK, "192.0.2.10")[0] == 400  # authenticated: that job does not exist
    assert signed(srv, SK, None)[0] == 400


def test_an_untrusted_proxy_is_one_address_for_all_its_clients(spawn):
    """With OPENCFW_FORWARDED_ALLOW_IPS=none, X-Forwarded-For is ignored: every client of a proxy
    shares the proxy's address, so a stranger's failures through it lock the owner's key there too."""
    srv = spawn(forwarded_allow_ips="none")
    for _ in range(LOCK_AFTER_FAILURES):
        assert signed(srv, "guess", "198.51.100.7")[0] == 401
    assert signed(srv, SK, "192.0.2.10")[1]["error_msg"] == AK_LOCKED
