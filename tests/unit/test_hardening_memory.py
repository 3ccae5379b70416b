"""What an unauthenticated client can make the server hold: request bodies are not read before the
credentials are checked, access keys of impossible shapes never reach a lookup or a cache, and the
caches and the body bytes in flight are bounded."""

from __future__ import annotations

import asyncio

import pytest

from opencfw.api.app import BodyBudget
from opencfw.domain.errors import StoreUnavailable, Unauthenticated
from opencfw.service import credentials as credentials_module
from opencfw.service.job_answers import ANSWER_BYTES
from tests.unit import test_api
from tests.unit.test_api import AK, SK, P

env = test_api.env
api = test_api.api


def call_counting_reads(app, method: str, path: str, headers: dict[str, str], body: bytes):
    """Call the app; return (status, body, how many times it asked for the request body)."""
    reads = {"n": 0}
    messages: list[dict] = []

    async def receive():
        reads["n"] += 1
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        messages.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
    }
    asyncio.run(app(scope, receive, send))
    return messages[0]["status"], b"".join(m.get("body", b"") for m in messages[1:]), reads["n"]


BODY = b'{"name": "fw", "padding": "' + b"a" * 100_000 + b'"}'


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-auth-token": "not-a-token"},
        {
            "authorization": "SDK-HMAC-SHA256 Access=NOSUCHKEY0000000000, SignedHeaders=x-sdk-date, "
            "Signature=" + "0" * 64,
            "x-sdk-date": "20200101T000000Z",
        },
    ],
)
def test_requests_without_valid_credentials_are_refused_before_the_body_is_read(api, headers):
    """401 without asking for the body (it used to read up to 12 MiB first): no credentials, a bad
    token, a signature with an unknown key or a stale date."""
    _, _, client = api
    headers = {**headers, "content-length": str(len(BODY)), "content-type": "application/json"}
    status, reply, reads = call_counting_reads(client.app, "POST", f"/v2/{P}/firewall", headers, BODY)
    assert status == 401, reply
    assert reads == 0


def test_a_valid_token_still_gets_its_body_read(api):
    _, _, client = api
    headers = {"x-auth-token": client.token, "content-length": "2", "content-type": "application/json"}
    status, _, reads = call_counting_reads(client.app, "POST", f"/v1/{P}/firewalls/list", headers, b"{}")
    assert reads == 1 and status == 400  # read, then judged: the list needs its fields


def test_a_signed_request_is_checked_whole_after_its_body(api):
    """The key and date are checked first; the signature over the body still decides."""
    _, clock, client = api
    from tests.unit.test_hardening_auth import sdk_date

    body = b'{"limit": 10, "offset": 0}'
    good = client.signed("POST", f"/v1/{P}/firewalls/list", ak=AK, sk=SK, sdk_date=sdk_date(clock), body=body)
    assert good.status == 200, good.body
    changed = client.signed(
        "POST", f"/v1/{P}/firewalls/list", ak=AK, sk=SK + "x", sdk_date=sdk_date(clock), body=body
    )
    assert changed.status == 401 and changed.json["error_code"] == "APIGW.0301"


def test_open_routes_take_small_bodies_only(api):
    """Routes that need no credentials (token issue, dashboard sign-in) refuse bodies over 64 KiB."""
    _, _, client = api
    reply = client.request("POST", "/v3/auth/tokens", body=b" " * (64 * 1024 + 1))
    assert reply.status == 413 and reply.json["error_code"] == "APIGW.0201"


def test_access_keys_of_other_shapes_reach_no_lookup_or_cache(api, monkeypatch):
    """Three hundred distinct 100 KB Access= values: each 401, none looked up, locked or remembered
    (the unknown-key cache used to keep every one: 3,000 of them held 280 MB)."""
    runtime, clock, client = api
    from tests.unit.test_hardening_auth import sdk_date

    creds = runtime.credentials
    looked_up: list[str] = []
    real_lookup = runtime.store.get_access_key
    monkeypatch.setattr(runtime.store, "get_access_key", lambda ak: looked_up.append(ak) or real_lookup(ak))
    for i in range(300):
        ak = f"{i:06d}" + "A" * 100_000
        headers = {
            "authorization": f"SDK-HMAC-SHA256 Access={ak}, SignedHeaders=x-sdk-date, Signature={'0' * 64}",
            "x-sdk-date": sdk_date(clock),
        }
        reply = client.request("GET", f"/v3/{P}/jobs/00000000-0000-4000-8000-000000000000", headers=headers)
        assert reply.status == 401 and reply.json["error_code"] == "APIGW.0301"
    for odd in ("KEY;WITH;SEMICOLONS", "KÉY", "K\udcff", "K" * 129):
        with pytest.raises(Unauthenticated):
            creds.check_signed_head(
                f"SDK-HMAC-SHA256 Access={odd}, SignedHeaders=x-sdk-date, Signature={'0' * 64}",
                {"x-sdk-date": sdk_date(clock)},
            )
    assert looked_up == []
    assert all(len(k) <= 128 for k in [*creds._keys, *creds._unknown_keys, *creds.lockout._state])


def test_unknown_keys_are_remembered_apart_and_bounded(api, monkeypatch):
    runtime, clock, client = api
    from tests.unit.test_hardening_auth import sdk_date

    monkeypatch.setattr(credentials_module, "_UNKNOWN_KEYS_LIMIT", 50)
    creds = runtime.credentials
    date = sdk_date(clock)
    for i in range(120):
        with pytest.raises(Exception, match="not found or revoked"):
            creds.check_signed_head(
                f"SDK-HMAC-SHA256 Access=UNKNOWN{i:013d}, SignedHeaders=x-sdk-date, Signature={'0' * 64}",
                {"x-sdk-date": date},
            )
    assert len(creds._unknown_keys) <= 50
    # the real key is still remembered and works
    reply = client.signed(
        "GET", f"/v3/{P}/jobs/00000000-0000-4000-8000-000000000000", ak=AK, sk=SK, sdk_date=date
    )
    assert reply.status == 400  # signature accepted; the job does not exist
    assert AK in creds._keys


def test_body_budget_waits_then_refuses():
    async def scenario():
        budget = BodyBudget(100, timeout=0.2)
        await budget.take(60)
        await budget.take(30)
        waiter = asyncio.ensure_future(budget.take(60))
        await asyncio.sleep(0)
        assert not waiter.done()
        await budget.give(60)
        await waiter  # fits now
        assert budget.used == 90
        with pytest.raises(StoreUnavailable):
            await budget.take(50)
        await budget.give(90)
        await budget.take(500)  # one body alone always passes
        assert budget.used == 500

    asyncio.run(scenario())


def test_job_answers_are_bounded_by_bytes(api):
    runtime, _, _ = api
    answers = runtime.job_reads.answers
    body = b"x" * (1024 * 1024)
    for i in range(64):
        answers.put(f"job-{i}", (P, body, None), answers.generation)
    assert answers.size_bytes <= ANSWER_BYTES
    assert len(answers) * len(body) <= ANSWER_BYTES
