"""Guessing limits, counted per client address so that a stranger cannot lock out the owner: the
AK/SK lock per (AK, address), and the locks on the IAM password, the dashboard sign-in and the
admin token."""

from __future__ import annotations

import pytest

from opencfw.config import Secret
from opencfw.domain.clock import ManualClock
from opencfw.observability.http import auth_of
from opencfw.service.credentials import (
    ADMIN_LOCK_AFTER,
    ADMIN_LOCK_MS,
    AK_LOCKED,
    LOCK_AFTER_FAILURES,
    LOCK_MS,
    PASSWORD_LOCK_AFTER,
    PASSWORD_LOCK_MS,
)
from opencfw.service.lockout import Lockout
from tests.asgi import AsgiClient
from tests.unit import test_api
from tests.unit.test_api import P, assert_error
from tests.unit.test_hardening_auth import JOB_URL, send, signed_headers

env = test_api.env

OWNER, STRANGER = "192.0.2.10", "198.51.100.7"
TOKENS = "/v3/auth/tokens"
ADMIN = "/_opencfw/admin/engine"
SIGN_IN = "/_opencfw/ui/api/session"


@pytest.fixture
def world(env):
    """One runtime, and a client for each of two addresses."""
    runtime, clock, client = env(admin_token=Secret("the-admin-token"))
    return runtime, clock, AsgiClient(client.app, OWNER), AsgiClient(client.app, STRANGER)


def signed(client, clock, **sign_args):
    return send(client, "GET", JOB_URL, list(signed_headers(clock, "GET", JOB_URL, **sign_args).items()))


def token_request(client, password, user="admin"):
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "password": password, "domain": {"name": "opencfw"}}},
            },
            "scope": {"project": {"id": P}},
        }
    }
    return client.request("POST", TOKENS, json_body=body)


def test_a_stranger_failing_with_the_owners_ak_does_not_lock_the_owner(world):
    """Five bad signatures from a stranger's address lock the pair (AK, stranger) only: the stranger
    then meets the gateway's lock answer even with the right secret, the owner keeps working."""
    _, clock, owner, stranger = world
    for _ in range(LOCK_AFTER_FAILURES):
        assert_error(signed(stranger, clock, sk="guess"), 401, "APIGW.0301", "signature fail")
    locked = signed(stranger, clock)
    assert_error(locked, 401, "APIGW.0301")
    assert locked.json["error_msg"] == AK_LOCKED
    for _ in range(3):  # the stranger keeps failing: still no effect on the owner
        signed(stranger, clock, sk="guess")
        assert signed(owner, clock).status == 400  # authenticated: the job simply does not exist
    clock.advance(LOCK_MS / 1000)
    assert signed(stranger, clock).status == 400  # the stranger's pair is unlocked after 5 minutes


def test_an_owner_failing_from_its_own_address_is_locked_for_five_minutes(world):
    """A client that fails five times from its own address meets exactly what the gateway answers."""
    _, clock, owner, _ = world
    for _ in range(LOCK_AFTER_FAILURES):
        signed(owner, clock, sk="wrong")
    clock.advance(LOCK_MS / 1000 - 1)
    assert signed(owner, clock).json["error_msg"] == AK_LOCKED
    clock.advance(1)
    assert signed(owner, clock).status == 400


def test_the_password_is_locked_per_address_after_five_wrong_ones(world):
    """Five wrong passwords from one address: that address gets IAM's "The account is locked." for
    15 minutes, even with the right password; another address still gets its token."""
    _, clock, owner, stranger = world
    for user in ("admin", "nobody", "admin", "admin", "nobody"):
        assert_error(token_request(stranger, "guess", user), 401, "APIGW.0301", "username or password")
    reply = token_request(stranger, "pw")
    assert_error(reply, 401, "APIGW.0301")
    assert reply.json["error_msg"] == "The account is locked."
    assert token_request(owner, "pw").status == 201
    clock.advance(PASSWORD_LOCK_MS / 1000)
    assert token_request(stranger, "pw").status == 201


def test_a_success_resets_the_password_count(world):
    """Failures must be consecutive: four wrong, one right, four wrong leave the address usable."""
    _, _, owner, _ = world
    for _ in range(2):
        for _ in range(PASSWORD_LOCK_AFTER - 1):
            assert token_request(owner, "wrong").status == 401
        assert token_request(owner, "pw").status == 201


def test_dashboard_sign_in_shares_the_password_lock(world):
    """Wrong passwords at the dashboard count with the token requests' (the same password)."""
    _, _, owner, stranger = world
    body = {"method": "password", "project": P, "domain": "opencfw", "user": "admin", "password": "x"}
    headers = {"content-type": "application/json"}
    for _ in range(PASSWORD_LOCK_AFTER):
        assert stranger.request("POST", SIGN_IN, headers=headers, json_body=body).status == 401
    reply = stranger.request("POST", SIGN_IN, headers=headers, json_body={**body, "password": "pw"})
    assert reply.json["error_msg"] == "The account is locked."
    assert token_request(stranger, "pw").json["error_msg"] == "The account is locked."
    assert owner.request("POST", SIGN_IN, headers=headers, json_body={**body, "password": "pw"}).status == 200


def test_the_admin_token_is_locked_per_address_after_five_wrong_ones(world):
    """Guessing the admin token: after five wrong ones an address is refused for 15 minutes, at the
    admin API and at the dashboard's admin sign-in alike; other addresses are not affected."""
    _, clock, owner, stranger = world
    right = {"authorization": "Bearer the-admin-token"}
    for i in range(ADMIN_LOCK_AFTER):
        reply = stranger.request("GET", ADMIN, headers={"authorization": f"Bearer guess-{i}"})
        assert_error(reply, 401, "APIGW.0301", "admin token is not valid")
    assert_error(
        stranger.request("GET", ADMIN, headers=right), 401, "APIGW.0301", "Too many wrong admin tokens"
    )
    sign_in = {"method": "admin", "project": P, "token": "the-admin-token"}
    reply = stranger.request("POST", SIGN_IN, headers={"content-type": "application/json"}, json_body=sign_in)
    assert_error(reply, 401, "APIGW.0301", "Too many wrong admin tokens")
    assert owner.request("GET", ADMIN, headers=right).status == 200
    clock.advance(ADMIN_LOCK_MS / 1000)
    assert stranger.request("GET", ADMIN, headers=right).status == 200


def test_the_lock_table_is_bounded():
    """Past its limit the table forgets unlocked keys first, then the oldest locks."""
    lockout = Lockout(ManualClock(0), after=2, lock_ms=1000, limit=100)
    for i in range(1000):
        lockout.failed(("AK", f"10.0.{i // 256}.{i % 256}"))
    assert len(lockout._state) <= 100
    for i in range(1000):
        lockout.failed(i)
        lockout.failed(i)
    assert len(lockout._state) <= 100 and lockout.locked_for_ms(999) == 1000


@pytest.mark.parametrize(
    ("access", "logged"),
    [
        ("ACCEPTANCEAK00000001", "ACCEPTAN..."),
        ("SHORTAK", "SHORTAK"),
        ("x" * 100_000, None),
        ("AK\udcff00000", None),
        ("AK-../etc", None),
    ],
)
def test_the_request_log_keeps_only_well_formed_access_keys_truncated(access, logged):
    """The JSON request log names a well-formed AK by its first 8 characters; junk is not echoed."""
    header = f"SDK-HMAC-SHA256 Access={access}, SignedHeaders=x-sdk-date, Signature=ab"
    assert auth_of({"authorization": header}) == ("signature", logged)
