"""Attacks on signatures and tokens, in-process: tampering after signing, stale dates, duplicated and
oversized headers, unknown and revoked keys, foreign, expired and altered tokens, brute force; and
property tests of canonicalisation against the official SDK's own signer."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlsplit

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from opencfw.domain import signing
from opencfw.domain.accounts import AccessKey
from opencfw.domain.clock import ManualClock
from opencfw.domain.errors import Unauthenticated
from opencfw.service.credentials import AK_LOCKED, KEY_CACHE_MS, LOCK_AFTER_FAILURES, LOCK_MS, Credentials
from opencfw.service.secrets import SecretBox
from tests.unit import test_api
from tests.unit.test_api import AK, CREATE, OTHER, SK, START_MS, P, assert_error, call, token_for

# the in-process runtime with a manual clock, shared with the API tests
env = test_api.env
api = test_api.api

JOB_URL = f"/v3/{P}/jobs/00000000-0000-4000-8000-000000000000"
LIST_URL = f"/v1/{P}/firewalls/list"
DETAIL_URL = f"/v1/{P}/firewall/exist?offset=0&limit=10&service_type=0"


def sdk_date(clock: ManualClock, offset_s: float = 0) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(clock.now_ms() / 1000 + offset_s))


def sign(
    method: str, url: str, headers: dict[str, str], body: bytes = b"", *, ak: str = AK, sk: str = SK
) -> str:
    parts = urlsplit(url)
    return signing.sign_headers(
        access_key=ak,
        secret_key=sk,
        method=method,
        path=parts.path,
        query=parts.query,
        headers=headers,
        body=body,
    )


def send(client, method: str, url: str, headers: list[tuple[str, str]], body: bytes = b""):
    """Send exactly these header lines (repeats included)."""
    parts = urlsplit(url)
    raw = [(k.lower().encode(), v.encode()) for k, v in headers]
    return asyncio.run(client._call(method, parts.path, parts.query.encode(), raw, body))


def signed_headers(clock, method, url, body=b"", **sign_args) -> dict[str, str]:
    headers = {"content-type": "application/json", "host": "testserver", "x-sdk-date": sdk_date(clock)}
    headers["authorization"] = sign(method, url, {**headers}, body, **sign_args)
    return headers


LIST_BODY = json.dumps({"limit": 10, "offset": 0}).encode()


# -- a request changed after it was signed ------------------------------------------------------------


def test_untouched_signed_requests_pass(api):
    """The baseline: a signed GET with a query and a signed POST with a body both answer 200."""
    _, clock, client = api
    h = signed_headers(clock, "GET", DETAIL_URL)
    assert send(client, "GET", DETAIL_URL, list(h.items())).status == 200
    h = signed_headers(clock, "POST", LIST_URL, LIST_BODY)
    assert send(client, "POST", LIST_URL, list(h.items()), LIST_BODY).status == 200


@pytest.mark.parametrize(
    ("method", "url", "body", "sent_method", "sent_url", "sent_body"),
    [
        ("POST", LIST_URL, LIST_BODY, "POST", LIST_URL, LIST_BODY.replace(b"10", b"11")),
        ("POST", LIST_URL, LIST_BODY, "POST", LIST_URL, LIST_BODY + b" "),
        ("GET", DETAIL_URL, b"", "GET", DETAIL_URL.replace("limit=10", "limit=11"), b""),
        ("GET", DETAIL_URL, b"", "GET", DETAIL_URL + "&name=x", b""),
        ("GET", JOB_URL, b"", "GET", JOB_URL[:-1] + "1", b""),
        ("GET", JOB_URL, b"", "GET", JOB_URL.replace(P, OTHER), b""),
        ("GET", f"/v2/{P}/firewall/abc", b"", "DELETE", f"/v2/{P}/firewall/abc", b""),
    ],
    ids=["body", "body-whitespace", "query-value", "query-added", "path", "path-project", "method"],
)
def test_changed_after_signing_is_refused(api, method, url, body, sent_method, sent_url, sent_body):
    """Body, query, path or method changed after signing: 401 APIGW.0301 'verify aksk signature fail'."""
    _, clock, client = api
    h = signed_headers(clock, method, url, body)
    reply = send(client, sent_method, sent_url, list(h.items()), sent_body)
    assert_error(reply, 401, "APIGW.0301", "verify aksk signature fail")


def test_changed_signed_header_is_refused(api):
    """A header named in SignedHeaders changed after signing is refused; an unsigned one may change."""
    _, clock, client = api
    h = signed_headers(clock, "GET", JOB_URL)
    changed = {**h, "content-type": "text/plain"}
    assert_error(send(client, "GET", JOB_URL, list(changed.items())), 401, "APIGW.0301", "signature fail")
    unsigned = [*h.items(), ("user-agent", "anything")]
    assert send(client, "GET", JOB_URL, unsigned).status == 400  # authenticated: the job does not exist


def test_signed_headers_without_the_date_are_refused(api):
    """SignedHeaders that omit x-sdk-date: 401 saying so, even when the signature is right."""
    _, clock, client = api
    headers = {"content-type": "application/json", "host": "testserver"}
    date = sdk_date(clock)
    names = sorted(headers)
    body_hash = signing.payload_hash(signing.SHA256, b"")
    canonical = signing.canonical_request("GET", JOB_URL.encode(), b"", headers, names, body_hash)
    sig = signing.signature(signing.SHA256, SK, signing.string_to_sign(signing.SHA256, date, canonical))
    authorization = f"{signing.SHA256} Access={AK}, SignedHeaders={';'.join(names)}, Signature={sig}"
    reply = send(
        client, "GET", JOB_URL, [*headers.items(), ("x-sdk-date", date), ("authorization", authorization)]
    )
    assert_error(reply, 401, "APIGW.0301", "x-sdk-date is not signed")


@pytest.mark.parametrize("offset_s", [-16 * 60, 16 * 60, -86400 * 365])
def test_date_out_of_window_is_refused(api, offset_s):
    """An X-Sdk-Date 16 minutes (or a year) off either way: 401 naming the 15-minute window."""
    _, clock, client = api
    headers = {"host": "testserver", "x-sdk-date": sdk_date(clock, offset_s)}
    headers["authorization"] = sign("GET", JOB_URL, headers)
    assert_error(send(client, "GET", JOB_URL, list(headers.items())), 401, "APIGW.0301", "15 minutes")


@pytest.mark.parametrize("offset_s", [-14 * 60, 14 * 60])
def test_date_inside_window_is_accepted(api, offset_s):
    """An X-Sdk-Date 14 minutes off either way still authenticates."""
    _, clock, client = api
    headers = {"host": "testserver", "x-sdk-date": sdk_date(clock, offset_s)}
    headers["authorization"] = sign("GET", JOB_URL, headers)
    assert_error(send(client, "GET", JOB_URL, list(headers.items())), 400, "CFW.00200005")


@pytest.mark.parametrize("name", ["x-sdk-date", "authorization", "content-type", "host"])
def test_duplicated_headers_are_refused(api, name):
    """A repeated signed header, date or Authorization is folded, so the signature no longer holds."""
    _, clock, client = api
    h = signed_headers(clock, "GET", JOB_URL)
    lines = [*h.items(), (name, h[name])]
    assert_error(send(client, "GET", JOB_URL, lines), 401, "APIGW.0301")


@pytest.mark.parametrize(
    "name", ["authorization", "x-auth-token", "x-sdk-date", "x-project-id", "content-type"]
)
def test_oversized_headers_are_refused_cleanly(api, name):
    """A 64 KiB credential or signed header is a 401/403, never a 500 (socket limits: acceptance tier)."""
    _, clock, client = api
    h = signed_headers(clock, "GET", JOB_URL)
    huge = "A" * 65536
    if name == "authorization":
        h[name] = h[name][: -len("Signature=") - 64] + "Signature=" + "a" * 65536
    elif name == "x-auth-token":
        h = {name: huge}
    else:
        h[name] = huge
    reply = send(client, "GET", JOB_URL, list(h.items()))
    assert reply.status in (401, 403), reply.body
    assert_error(reply, reply.status, reply.json["error_code"])


def test_unknown_access_key_is_refused(api):
    """A well-formed signature by an AK the server does not know: 401 saying the AK is not found."""
    _, clock, client = api
    h = signed_headers(clock, "GET", JOB_URL, ak="UNKNOWNAK00000000000")
    assert_error(send(client, "GET", JOB_URL, list(h.items())), 401, "APIGW.0301", "not found or revoked")


def test_revoked_access_key_is_refused(api):
    """After the key is stored inactive, its correct signatures answer 401 like an unknown AK."""
    runtime, clock, client = api
    h = signed_headers(clock, "GET", JOB_URL)
    assert send(client, "GET", JOB_URL, list(h.items())).status == 400  # valid: the job does not exist
    key = runtime.store.get_access_key(AK)
    runtime.store.put_access_key(dataclasses.replace(key, active=False), clock.now_ms())
    clock.advance(KEY_CACHE_MS / 1000)  # a key is re-read from the store at most this often
    h = signed_headers(clock, "GET", JOB_URL)
    assert_error(send(client, "GET", JOB_URL, list(h.items())), 401, "APIGW.0301", "not found or revoked")


# -- tokens ---------------------------------------------------------------------------------------------


def test_token_of_another_project_is_forbidden(env):
    """A token scoped to project A used on project B's path: 403 APIGW.0302, as for no project at all."""
    _, _, client = env()
    token = token_for(client, P)
    for project in (OTHER, "doesnotexist"):
        assert_error(call(client, "GET", JOB_URL.replace(P, project), token=token), 403, "APIGW.0302")


def test_expired_token_is_refused(api):
    """A token past its 24 hours: 401 APIGW.0307, on every route."""
    _, clock, client = api
    clock.advance(24 * 3600)
    assert_error(call(client, "GET", JOB_URL), 401, "APIGW.0307")
    assert_error(call(client, "POST", f"/v2/{P}/firewall", CREATE), 401, "APIGW.0307")
    assert_error(call(client, "GET", "/v3/projects"), 401, "APIGW.0307")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_token_with_a_flipped_byte_is_refused(api, data):
    """Any one byte of a token changed (any position, any new value): 401 APIGW.0301."""
    _, _, client = api
    token = client.token
    position = data.draw(st.integers(0, len(token) - 1))
    flip = data.draw(st.integers(1, 255))
    changed = chr(ord(token[position]) ^ flip)
    assume(changed.isprintable() and changed.isascii())
    forged = token[:position] + changed + token[position + 1 :]
    assert_error(call(client, "GET", JOB_URL, token=forged), 401, "APIGW.0301")


def test_token_with_an_equivalent_base64_ending_is_refused(api):
    """Regression: base64 spellings that decode to the same MAC ('-' as '+', unused low bits of the
    last character) used to be accepted: only the exact token the server issued is valid."""
    _, _, client = api
    token = client.token
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    for other in alphabet[last & ~0b1111 : (last | 0b1111) + 1]:
        if other != token[-1]:
            assert_error(call(client, "GET", JOB_URL, token=token[:-1] + other), 401, "APIGW.0301")
    plus = token.replace("-", "+").replace("_", "/")
    if plus != token:
        assert_error(call(client, "GET", JOB_URL, token=plus), 401, "APIGW.0301")


# -- brute force ------------------------------------------------------------------------------------------


def test_five_signature_failures_lock_the_key_for_five_minutes(api):
    """After 5 consecutive bad signatures an AK (from this address) is locked: even a correct signature
    is refused with the gateway's own message, until 5 minutes have passed; then it works again."""
    _, clock, client = api
    for _ in range(LOCK_AFTER_FAILURES):
        h = signed_headers(clock, "GET", JOB_URL, sk="wrong-secret")
        reply = send(client, "GET", JOB_URL, list(h.items()))
        assert_error(reply, 401, "APIGW.0301", "signature fail")
        assert reply.json["error_msg"] != AK_LOCKED
    h = signed_headers(clock, "GET", JOB_URL)
    reply = send(client, "GET", JOB_URL, list(h.items()))
    assert_error(reply, 401, "APIGW.0301")
    assert reply.json["error_msg"] == (
        "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden."
    )
    clock.advance(LOCK_MS / 1000 - 1)
    h = signed_headers(clock, "GET", JOB_URL)
    assert send(client, "GET", JOB_URL, list(h.items())).json["error_msg"] == AK_LOCKED
    clock.advance(1)
    h = signed_headers(clock, "GET", JOB_URL)
    assert_error(send(client, "GET", JOB_URL, list(h.items())), 400, "CFW.00200005")  # authenticated again


def test_a_success_resets_the_failure_count(api):
    """Failures must be consecutive: 4 failures, a success, 4 more failures leave the key usable."""
    _, clock, client = api
    for _ in range(2):
        for _ in range(LOCK_AFTER_FAILURES - 1):
            h = signed_headers(clock, "GET", JOB_URL, sk="wrong-secret")
            assert send(client, "GET", JOB_URL, list(h.items())).status == 401
        h = signed_headers(clock, "GET", JOB_URL)
        assert send(client, "GET", JOB_URL, list(h.items())).status == 400


def test_lock_is_per_key_and_tokens_still_work(api):
    """A locked AK does not lock other keys, nor the account's tokens."""
    runtime, clock, client = api
    key = runtime.store.get_access_key(AK)
    other_sk = "other-secret-key-000000000000000000000000"
    runtime.store.put_access_key(
        AccessKey(
            "OTHERAK0000000000000",
            key.user_id,
            key.domain_id,
            runtime.credentials.box.encrypt(other_sk),
            True,
        ),
        clock.now_ms(),
    )
    for _ in range(LOCK_AFTER_FAILURES):
        send(client, "GET", JOB_URL, list(signed_headers(clock, "GET", JOB_URL, sk="bad").items()))
    assert send(client, "GET", JOB_URL, list(signed_headers(clock, "GET", JOB_URL).items())).status == 401
    h = signed_headers(clock, "GET", JOB_URL, ak="OTHERAK0000000000000", sk=other_sk)
    assert send(client, "GET", JOB_URL, list(h.items())).status == 400
    assert call(client, "GET", JOB_URL).status == 400


def test_unknown_keys_leave_no_lock_state(api):
    """Failures of AKs that do not exist are not tracked, so random AKs cannot grow the table."""
    runtime, clock, client = api
    for i in range(20):
        send(
            client, "GET", JOB_URL, list(signed_headers(clock, "GET", JOB_URL, ak=f"RANDOM{i:014d}").items())
        )
    assert runtime.credentials.lockout._state == {}


# -- canonicalisation against the official SDK's signer --------------------------------------------------


class OneKey:
    """The one store read that signature verification makes."""

    def __init__(self, box: SecretBox) -> None:
        self.key = AccessKey(AK, "u", "d", box.encrypt(SK), True)

    def get_access_key(self, access_key: str) -> AccessKey | None:
        return self.key if access_key == AK else None


@pytest.fixture(scope="module")
def verifier():
    box = SecretBox(b"hardening master key")
    clock = ManualClock(START_MS)
    return Credentials(OneKey(box), clock, box, token_ttl_ms=3_600_000), clock  # type: ignore[arg-type]


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
SEGMENT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)


def sdk_signed(clock, method: str, segments: list[str], query: list[tuple[str, str]], body: bytes):
    """What the official SDK sends: path, query string, headers and body, signed by its Signer."""
    resource_path = "/v1/" + "/".join(quote(segment, safe="") for segment in segments)
    request = SdkRequest(
        method=method,
        schema="http",
        host="127.0.0.1:9449",
        resource_path=resource_path,
        query_params=list(query),
        header_params={
            "Content-Type": "application/json",
            "X-Sdk-Date": sdk_date(clock),
            "X-Project-Id": P,
            "User-Agent": "huaweicloud-usdk-python/3.0",
        },
        body=body,
    )
    Signer(BasicCredentials(AK, SK, P)).sign(request)
    path, _, query_string = request.uri.partition("?")
    headers = {k.lower(): v for k, v in request.header_params.items()}
    return method, path, query_string, headers, body


REQUESTS = st.tuples(
    st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    st.lists(SEGMENT, min_size=1, max_size=4),
    st.lists(st.tuples(TEXT, TEXT), max_size=4),
    st.binary(max_size=64),
)


def verify(creds: Credentials, method, path, query, headers, body):
    return creds.verify_signature(
        authorization=headers["authorization"],
        method=method,
        raw_path=path.encode(),
        raw_query=query.encode(),
        headers=headers,
        body=body,
    )


@settings(max_examples=300, deadline=None)
@given(request=REQUESTS)
def test_whatever_the_sdk_signs_verifies(verifier, request):
    """Any path segments, query pairs and body the official SDK's Signer signs are accepted."""
    creds, clock = verifier
    method, path, query, headers, body = sdk_signed(clock, *request)
    assert verify(creds, method, path, query, headers, body).access_key == AK


def meaning(method, path, query, headers, body):
    """What the server acts on: equal meanings may verify alike (e.g. %2f and %2F)."""
    pairs = sorted(parse_qsl(query, keep_blank_values=True, errors="surrogateescape"))
    return method, unquote_to_bytes(path), pairs, sorted(headers.items()), body


@settings(max_examples=300, deadline=None)
@given(request=REQUESTS, data=st.data())
def test_any_single_byte_change_fails(verifier, request, data):
    """Changing one byte of the method, path, query, body or a signed header value makes a signed
    request fail, unless the change means the same request (hex case of a percent escape)."""
    creds, clock = verifier
    signed = list(sdk_signed(clock, *request))
    part = data.draw(st.sampled_from(["method", "path", "query", "body", "header"]))
    if part == "header":
        name = data.draw(
            st.sampled_from(["content-type", "x-project-id", "user-agent", "host", "x-sdk-date"])
        )
        target = signed[3][name].encode()
    else:
        index = {"method": 0, "path": 1, "query": 2, "body": 4}[part]
        target = signed[index] if isinstance(signed[index], bytes) else signed[index].encode()
    assume(target)
    position = data.draw(st.integers(0, len(target) - 1))
    value = data.draw(st.integers(0x21, 0x7E))  # printable ASCII, as an HTTP client could send it
    assume(value != target[position])
    changed = target[:position] + bytes([value]) + target[position + 1 :]
    mutated = list(signed)
    if part == "header":
        mutated[3] = {**signed[3], name: changed.decode("latin-1")}
    elif part == "body":
        mutated[4] = changed
    else:
        mutated[{"method": 0, "path": 1, "query": 2}[part]] = changed.decode("latin-1")
    assume(meaning(*mutated) != meaning(*signed))
    assume(part != "method" or mutated[0].upper() != signed[0])
    creds.lockout.succeeded((AK, ""))  # this test is about signatures, not about the brute-force lock
    with pytest.raises(Unauthenticated):
        verify(creds, *mutated)
