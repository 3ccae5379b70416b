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
        (
            {"authorization": "SDK-HMAC-SHA256 Access=A, SignedHeaders=host;X-Sdk-Date, Signature=ab"},
            "malformed SignedHeaders",
        ),
        (
            {"authorization": "SDK-HMAC-SHA256 Access=A, SignedHeaders=host;x-sdk-dat\u00c9, Signature=ab"},
            "malformed SignedHeaders",
        ),
        (
            {"authorization": "SDK-HMAC-SHA256 Access=A, SignedHeaders=host;;x-sdk-date, Signature=ab"},
            "malformed",
        ),
        ({"authorization": "SDK-HMAC-SHA256 Access=A, SignedHeaders=x-sdk-date;, Signature=ab"}, "malformed"),
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


@pytest.mark.parametrize(
    "path",
    [
        b"",
        b"/",
        b"/v3/p/jobs/0a-b_c.d~e",
        b"/v3/p/jobs/x/",
        b"//a//",
        b"/v1/a b",
        b"/v1/%7e",
        b"/v1/\xc3\xa9",
    ],
)
def test_a_plain_path_is_its_own_canonical_uri(path):
    """A path of unreserved characters skips decoding and re-encoding: the same text either way."""
    general = signing._encoded_uri.__wrapped__(path)
    assert signing.canonical_uri(path) == general


# -- SDK-ECDSA-P256-SHA256 and SDK-SM2-SM3: vectors made by the SDK's own signers -----------------


@dataclass
class AsymmetricVector:
    signer: str
    method: str
    path: str
    query: str
    ak: str
    sk: str
    public_key: tuple[int, int]
    body: bytes
    canonical: str
    string_to_sign: str
    authorization: str

    @property
    def algorithm(self) -> str:
        return signing.P256 if self.signer == "P256SHA256Signer" else signing.SM2

    @property
    def headers(self) -> dict[str, str]:
        lines = self.canonical.split("\n")
        signed = lines[-2].split(";")
        return dict(line.split(":", 1) for line in lines[3 : 3 + len(signed)])

    @property
    def signature(self) -> str:
        return signing.parse_authorization(self.authorization)[3]


def load_asymmetric_vectors() -> list[AsymmetricVector]:
    text = (DATA / "signing-vectors-asymmetric.txt").read_text()
    vectors = []
    for block in text.split("\n---- ")[1:]:
        head, rest = block.split("\n", 1)
        signer, method, uri = head.split(" ", 2)
        sent = urlsplit(uri)
        field = {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in rest.split("\n")[:4]}
        x, y = (int(part, 16) for part in field["PublicKey"].split())
        canonical = rest.split("CanonicalRequest:\n", 1)[1].split("\nStringToSign:\n", 1)[0]
        to_sign = rest.split("StringToSign:\n", 1)[1].split("\nAuthorization: ", 1)[0]
        authorization = rest.split("Authorization: ", 1)[1].split("\n", 1)[0]
        vectors.append(
            AsymmetricVector(
                signer, method, sent.path, sent.query, field["AK"], field["SK"], (x, y),
                field["Body"].encode(), canonical, to_sign, authorization,
            )
        )  # fmt: skip
    return vectors


ASYMMETRIC = load_asymmetric_vectors()


def _ids(v: AsymmetricVector) -> str:
    return f"{v.algorithm}-{v.sk[-3:]}-{v.method}-{v.path[-8:]}"


def test_asymmetric_vectors_cover_both_schemes_and_a_short_sm2_key():
    """The SDK-made file has ECDSA and SM2, GET, POST and a query, and an SM2 key whose public
    key has a coordinate below 2^248 (where the SDK's Z_A differs from the standard's)."""
    assert len(ASYMMETRIC) == 12
    assert {v.algorithm for v in ASYMMETRIC} == {signing.P256, signing.SM2}
    assert any(
        v.algorithm == signing.SM2 and min(k.bit_length() for k in v.public_key) <= 248 for v in ASYMMETRIC
    )


@pytest.mark.parametrize("v", ASYMMETRIC, ids=_ids)
def test_asymmetric_key_derivation_and_canonical_request_match_the_sdk(v: AsymmetricVector):
    """The public key derived from the AK/SK, the canonical request and the string to sign
    equal what the SDK's signer computed."""
    derived = signing.public_key(v.algorithm, v.ak, v.sk)
    if v.algorithm == signing.P256:
        numbers = derived.public_numbers()
        derived = (numbers.x, numbers.y)
    assert derived == v.public_key
    body_hash = signing.payload_hash(v.algorithm, v.body)
    canonical = signing.canonical_request(
        v.method, v.path.encode(), v.query.encode(), v.headers, sorted(v.headers), body_hash
    )
    assert canonical == v.canonical
    assert signing.string_to_sign(v.algorithm, v.headers["x-sdk-date"], canonical) == v.string_to_sign


@pytest.mark.parametrize("v", ASYMMETRIC, ids=_ids)
def test_asymmetric_signatures_verify_and_tampering_fails(v: AsymmetricVector):
    """Each SDK signature verifies; another string to sign, another SK or a changed signature
    does not."""
    assert signing.verify(v.algorithm, v.ak, v.sk, v.string_to_sign, v.signature)
    assert not signing.verify(v.algorithm, v.ak, v.sk, v.string_to_sign.replace("2024", "2025"), v.signature)
    assert not signing.verify(v.algorithm, v.ak, v.sk + "x", v.string_to_sign, v.signature)
    flipped = v.signature[:-1] + ("0" if v.signature[-1] != "0" else "1")
    assert not signing.verify(v.algorithm, v.ak, v.sk, v.string_to_sign, flipped)
    assert not signing.verify(v.algorithm, v.ak, v.sk, v.string_to_sign, "zz")


def test_the_sdk_z_of_a_short_sm2_key_is_needed():
    """For the SM2 key with a short coordinate the SDK's signature does not verify under the
    standard Z_A: the fallback to the SDK's Z_A is what accepts it."""
    short = [
        v
        for v in ASYMMETRIC
        if v.algorithm == signing.SM2 and min(k.bit_length() for k in v.public_key) <= 248
    ]
    r, s = signing.decode_dss_signature(bytes.fromhex(short[0].signature))
    message = short[0].string_to_sign.encode()
    assert not signing._sm2().verify(message, r, s, signing.SM2_UID, short[0].public_key)
    assert signing._sm2(signing._SdkZ).verify(message, r, s, signing.SM2_UID, short[0].public_key)


@pytest.mark.parametrize("v", [v for v in ASYMMETRIC if v.sk == SK], ids=_ids)
def test_server_accepts_asymmetric_vectors(keyed, v):
    """The server's signature check accepts the SDK's ECDSA and SM2 requests as sent."""
    creds, _ = keyed
    principal = creds.verify_signature(
        authorization=v.authorization,
        method=v.method,
        raw_path=v.path.encode(),
        raw_query=v.query.encode(),
        headers=v.headers,
        body=v.body,
    )
    assert principal.access_key == AK


@pytest.mark.parametrize("signer_name", ["P256SHA256Signer", "SM2SM3Signer"])
def test_fresh_signatures_of_the_installed_sdk_verify(signer_name):
    """The installed SDK's signer, on new random key pairs, makes signatures the server accepts."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer import signer as sdk_signer

    from opencfw.service.credentials import new_access_key, new_secret_key

    for _ in range(3):
        ak, sk = new_access_key(), new_secret_key()
        signer = getattr(sdk_signer, signer_name)(BasicCredentials(ak, sk, PROJECT))
        request = SdkRequest(
            method="GET",
            schema="http",
            host="127.0.0.1:1",
            resource_path=f"/v3/{PROJECT}/jobs/x",
            query_params=[],
            header_params={"X-Sdk-Date": "20240101T000000Z", "Host": "127.0.0.1:1"},
        )
        signer.sign(request)
        algorithm, _, names, sig = signing.parse_authorization(request.header_params["Authorization"])
        headers = {k.lower(): v for k, v in request.header_params.items()}
        body_hash = signing.payload_hash(algorithm, b"")
        canonical = signing.canonical_request(
            "GET", request.resource_path.encode(), b"", headers, names, body_hash
        )
        assert signing.verify(
            algorithm, ak, sk, signing.string_to_sign(algorithm, "20240101T000000Z", canonical), sig
        )


@pytest.mark.parametrize("algorithm", [signing.P256, signing.SM2])
def test_opencfw_signer_round_trips(keyed, algorithm):
    """sign_headers (tests and tools) makes ECDSA and SM2 signatures the server accepts."""
    creds, _ = keyed
    v = VECTORS[0]
    auth = signing.sign_headers(
        access_key=AK, secret_key=SK, method="GET", path=v.path, headers=v.headers, algorithm=algorithm
    )
    assert auth.startswith(algorithm + " ")
    assert _verify(creds, v, authorization=auth).access_key == AK
