"""SDK-HMAC-SHA256/SM3 canonicalisation and verification against the official SDK's vectors."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from opencfw.domain import signing
from opencfw.domain.clock import ManualClock
from opencfw.domain.errors import Unauthenticated
from opencfw.service.credentials import BootstrapSpec, Credentials
from tests.conftest import DATA

AK, SK = "MYAKEXAMPLE123", "MySecretKeyExample456"
PROJECT = "0123456789abcdef0123456789abcdef"
SIGNED_AT_MS = 1704067200000  # 2024-01-01T00:00:00Z, the vectors' X-Sdk-Date


@dataclass
class Vector:
    algorithm: str
    method: str
    path: str
    query: str
    body: bytes
    headers: dict[str, str]
    signed: list[str]
    canonical: str
    string_to_sign: str
    authorization: str


def load_vectors() -> list[Vector]:
    text = (DATA / "signing-vectors.txt").read_text()
    vectors = []
    for block in text.split("---- ")[1:]:
        head, rest = block.split("\n", 1)
        match = re.match(r"(\w+) (\w+) (\S+) query=(\[.*\]) body=(.*)$", head)
        assert match, head
        body = ast.literal_eval(match[5])
        canonical = rest.split("CanonicalRequest:\n", 1)[1].split("\nStringToSign:\n", 1)[0]
        to_sign = rest.split("StringToSign:\n", 1)[1].split("\nAuthorization: ", 1)[0]
        authorization = rest.split("Authorization: ", 1)[1].split("\n", 1)[0]
        sent = urlsplit(rest.split("Sent URI: ", 1)[1].split("\n", 1)[0])
        lines = canonical.split("\n")
        signed = lines[-2].split(";")
        headers = dict(line.split(":", 1) for line in lines[3 : 3 + len(signed)])
        vectors.append(
            Vector(
                algorithm=signing.SM3 if match[1] == "SM3Signer" else signing.SHA256,
                method=match[2],
                path=sent.path,
                query=sent.query,
                body=(body or "").encode(),
                headers=headers,
                signed=signed,
                canonical=canonical,
                string_to_sign=to_sign,
                authorization=authorization,
            )
        )
    return vectors


VECTORS = load_vectors()


def test_vectors_file_has_every_case():
    """The copied vectors cover GET, POST with a body, an encoded query, and SM3."""
    assert len(VECTORS) == 4
    assert {v.algorithm for v in VECTORS} == {signing.SHA256, signing.SM3}


@pytest.mark.parametrize("v", VECTORS, ids=lambda v: f"{v.algorithm}-{v.method}-{v.path[-12:]}")
def test_canonical_request_and_signature_match_the_sdk(v: Vector):
    """Our canonical request, string to sign and Authorization equal the official signer's."""
    if v.algorithm not in signing.ALGORITHMS:
        pytest.skip("this Python's OpenSSL has no SM3")
    body_hash = signing.payload_hash(v.algorithm, v.body)
    canonical = signing.canonical_request(
        v.method, v.path.encode(), v.query.encode(), v.headers, v.signed, body_hash
    )
    assert canonical == v.canonical
    to_sign = signing.string_to_sign(v.algorithm, v.headers["x-sdk-date"], canonical)
    assert to_sign == v.string_to_sign
    auth = signing.sign_headers(
        access_key=AK,
        secret_key=SK,
        method=v.method,
        path=v.path,
        query=v.query,
        headers=v.headers,
        body=v.body,
        algorithm=v.algorithm,
    )
    assert auth == v.authorization


@pytest.fixture
def keyed(store, box):
    clock = ManualClock(SIGNED_AT_MS + 60_000)
    creds = Credentials(store, clock, box, token_ttl_ms=3_600_000)
    creds.bootstrap(
        BootstrapSpec(
            domain="d",
            user="u",
            password="p",
            region="cn-north-4",
            project_id=PROJECT,
            access_key=AK,
            secret_key=SK,
        )
    )
    return creds, clock


def _verify(creds: Credentials, v: Vector, **changes):
    args = dict(
        authorization=v.authorization,
        method=v.method,
        raw_path=v.path.encode(),
        raw_query=v.query.encode(),
        headers=dict(v.headers),
        body=v.body,
    )
    args.update(changes)
    return creds.verify_signature(**args)


@pytest.mark.parametrize("v", VECTORS, ids=lambda v: f"{v.algorithm}-{v.method}-{v.path[-12:]}")
def test_server_accepts_each_vector(keyed, v):
    """The server verifies every vector's signature and names the key's owner."""
    if v.algorithm not in signing.ALGORITHMS:
        pytest.skip("this Python's OpenSSL has no SM3")
    creds, _ = keyed
    principal = _verify(creds, v)
    assert principal.method == "aksk" and principal.access_key == AK


def test_tampering_is_rejected(keyed):
    """A change to the method, path, query, body or a signed header after signing fails."""
    creds, _ = keyed
    get, post, query = VECTORS[0], VECTORS[1], VECTORS[2]
    cases = [
        (get, {"method": "DELETE"}),
        (get, {"raw_path": get.path.replace("f588", "f589").encode()}),
        (query, {"raw_query": query.query.replace("limit=10", "limit=11").encode()}),
        (post, {"body": post.body.replace(b"fw1", b"fw2")}),
        (get, {"headers": {**get.headers, "user-agent": "evil"}}),
        (get, {"authorization": get.authorization[:-1] + ("0" if get.authorization[-1] != "0" else "1")}),
    ]
    for v, change in cases:
        creds.lockout.succeeded((AK, ""))  # about signatures, not about the brute-force lock
        with pytest.raises(Unauthenticated, match="verify aksk signature fail"):
            _verify(creds, v, **change)


def test_unsigned_trailing_slash_and_encoded_path_verify(keyed):
    """The signed URI always ends in '/', so a request sent with the slash verifies too."""
    creds, _ = keyed
    v = VECTORS[0]
    assert _verify(creds, v, raw_path=(v.path + "/").encode()).access_key == AK


@pytest.mark.parametrize(
    ("now_offset_ms", "ok"),
    [(14 * 60_000, True), (-14 * 60_000, True), (16 * 60_000, False), (-16 * 60_000, False)],
)
def test_signature_window_is_fifteen_minutes(keyed, now_offset_ms, ok):
    """X-Sdk-Date more than 15 minutes from the server clock, either way, is refused."""
    creds, clock = keyed
    clock._now = SIGNED_AT_MS + now_offset_ms
    if ok:
        _verify(creds, VECTORS[0])
    else:
        with pytest.raises(Unauthenticated, match="15 minutes"):
            _verify(creds, VECTORS[0])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"authorization": "SDK-HMAC-SHA256 nonsense"}, "malformed Authorization"),
        ({"authorization": "SDK-HMAC-MD5 Access=A, SignedHeaders=x-sdk-date, Signature=ab"}, "unsupported"),
        ({"headers": {"content-type": "application/json"}}, "signed header"),
        ({"headers": {**VECTORS[0].headers, "x-sdk-date": "2024-01-01"}}, "malformed X-Sdk-Date"),
        ({"headers": {**VECTORS[0].headers, "x-sdk-date": "20241341T000000Z"}}, "malformed X-Sdk-Date"),
    ],
)
def test_malformed_signatures_are_rejected_with_a_reason(keyed, change, message):
    """Each malformed part of a signed request gets a 401 saying what is wrong."""
    creds, _ = keyed
    with pytest.raises(Unauthenticated, match=message):
        _verify(creds, VECTORS[0], **change)


def test_signed_headers_must_include_the_date(keyed):
    """A signature that does not cover x-sdk-date could be replayed forever: refused."""
    creds, _ = keyed
    v = VECTORS[0]
    names = ["content-type", "host"]
    empty = signing.payload_hash(signing.SHA256, b"")
    canonical = signing.canonical_request("GET", v.path.encode(), b"", v.headers, names, empty)
    to_sign = signing.string_to_sign(signing.SHA256, v.headers["x-sdk-date"], canonical)
    sig = signing.signature(signing.SHA256, SK, to_sign)
    auth = f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders=content-type;host, Signature={sig}"
    with pytest.raises(Unauthenticated, match="x-sdk-date is not signed"):
        _verify(creds, v, authorization=auth)


def test_unknown_access_key_is_rejected(keyed):
    """An AK the store does not know is a 401."""
    creds, _ = keyed
    v = VECTORS[0]
    with pytest.raises(Unauthenticated, match="not found"):
        _verify(creds, v, authorization=v.authorization.replace(AK, "NOSUCHKEY0000"))


def test_unsigned_payload_is_honoured(keyed):
    """X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD leaves the body out of the signature."""
    creds, _ = keyed
    v = VECTORS[1]
    headers = {**v.headers, "x-sdk-content-sha256": "UNSIGNED-PAYLOAD"}
    auth = signing.sign_headers(
        access_key=AK, secret_key=SK, method="POST", path=v.path, headers=headers, body=v.body
    )
    assert _verify(creds, v, authorization=auth, headers=headers, body=b'{"other": 1}').access_key == AK


def test_query_canonicalisation_sorts_and_encodes():
    """Keys then values sorted, each percent-encoded, blank values kept as 'k='."""
    assert (
        signing.canonical_query(b"b=2&a=z&a=y&flag&sp=a+b&sl=a%2Fb") == "a=y&a=z&b=2&flag=&sl=a%2Fb&sp=a%20b"
    )
    assert signing.canonical_uri(b"/v1/a%20b/c%2Fd") == "/v1/a%20b/c/d/"
