"""The request signatures of the Huawei Cloud SDKs: ``SDK-HMAC-SHA256``, ``SDK-HMAC-SM3``,
``SDK-ECDSA-P256-SHA256`` and ``SDK-SM2-SM3``.

Pure functions over bytes and strings: the server verifies with them, tests and benchmarks sign
with them. The scheme is spec section 5; the official SDK's own vectors are unit tests.

The two asymmetric schemes sign the same string to sign with a private key that both sides derive
from the AK/SK pair, as the SDK's signers do (docs/api-notes.md): for ``n`` the curve order and
``H`` the scheme's hash (SHA-256 for ECDSA-P256, SM3 for SM2), the first counter ``c`` in 0..254
for which ``k = HMAC-H(SK, 00000001 || algorithm || 00 || AK || c || 00000100)`` read as a
big-endian integer is at most ``n - 2`` gives the private key ``d = k + 1``; the public key is
``d·G``. The signature is the hex of the DER sequence ``(r, s)``. ECDSA is verified by
``cryptography``; SM2 (GB/T 32918.2, user id ``1234567812345678``) by ``gmalg``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_to_bytes

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from gmalg.ellipticcurve import ECDLP
from gmalg.sm2 import SM2Core
from gmalg.sm3 import SM3 as GmSM3

SHA256 = "SDK-HMAC-SHA256"
SM3 = "SDK-HMAC-SM3"
P256 = "SDK-ECDSA-P256-SHA256"
SM2 = "SDK-SM2-SM3"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"

_HASHES = {SHA256: "sha256", SM3: "sm3", P256: "sha256", SM2: "sm3"}
#: algorithms this Python's OpenSSL can compute (SM3 is absent from some builds)
ALGORITHMS = frozenset(a for a, h in _HASHES.items() if h in hashlib.algorithms_available)
#: the header that may say ``UNSIGNED-PAYLOAD`` instead of the body's hash, per algorithm
CONTENT_HASH_HEADER = {
    SHA256: "x-sdk-content-sha256",
    P256: "x-sdk-content-sha256",
    SM3: "x-sdk-content-sm3",
    SM2: "x-sdk-content-sm3",
}
#: the user id of SM2 signatures (the GB/T 32918 default, as the SDK uses)
SM2_UID = b"1234567812345678"

_AUTH_RE = re.compile(
    r"^(?P<alg>SDK-[A-Z0-9]+(?:-[A-Z0-9]+)+)\s+Access=(?P<ak>[!-+\--~]+),\s*SignedHeaders=(?P<sh>[^,\s]+),"
    r"\s*Signature=(?P<sig>[0-9a-fA-F]+)\s*$"
)
_DATE_RE = re.compile(r"^\d{8}T\d{6}Z$")


class SignatureFormatError(ValueError):
    """The Authorization or X-Sdk-Date header cannot be parsed."""


def _encode(value: str) -> str:
    # RFC 3986 unreserved characters stay, everything else is percent-encoded (as the SDK does)
    return quote(value, safe="~", errors="surrogateescape")


#: a path of unreserved characters and slashes only: decoding and re-encoding leave it as it is
_PLAIN_PATH = re.compile(rb"[A-Za-z0-9._~/-]*")


def canonical_uri(raw_path: bytes) -> str:
    """Decode the whole path, split on ``/``, re-encode each segment, end in ``/``."""
    if _PLAIN_PATH.fullmatch(raw_path):  # every API path but those with escapes
        uri = raw_path.decode("ascii")
        return uri if uri.endswith("/") else uri + "/"
    return _encoded_uri(raw_path)


@functools.lru_cache(maxsize=4096)  # pollers send the same few paths again and again
def _encoded_uri(raw_path: bytes) -> str:
    decoded = unquote_to_bytes(raw_path).decode("utf-8", "surrogateescape")
    uri = "/".join(_encode(part) for part in decoded.split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(raw_query: bytes) -> str:
    """Pairs sorted by key then value, each side percent-encoded, ``k=v`` joined with ``&``."""
    if not raw_query:
        return ""
    pairs = parse_qsl(
        raw_query.decode("utf-8", "surrogateescape"),
        keep_blank_values=True,
        encoding="utf-8",
        errors="surrogateescape",
    )
    pairs.sort()
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs)


#: each algorithm's hash constructor: OpenSSL's named one when it has one (``hashlib.new`` by name
#: costs more than the hash of a canonical request)
_CONSTRUCTORS: dict[str, Callable[[bytes], Any]] = {
    algorithm: getattr(hashlib, name, None) or functools.partial(hashlib.new, name)
    for algorithm, name in _HASHES.items()
}


def _hash(algorithm: str, data: bytes) -> Any:
    """A hash object of the algorithm's digest."""
    return _CONSTRUCTORS[algorithm](data)


@functools.cache
def _empty_body_hash(algorithm: str) -> str:
    return str(_hash(algorithm, b"").hexdigest())


def payload_hash(algorithm: str, body: bytes) -> str:
    if not body:  # every GET: the same hash
        return _empty_body_hash(algorithm)
    return str(_hash(algorithm, body).hexdigest())


def canonical_request(
    method: str,
    raw_path: bytes,
    raw_query: bytes,
    headers: Mapping[str, str],
    signed_headers: Iterable[str],
    body_hash: str,
) -> str:
    """``headers`` maps lower-case names to values; every signed header must be in it."""
    names = list(signed_headers)
    header_block = "".join([f"{name}:{headers[name].strip()}\n" for name in names])
    return f"{method.upper()}\n{canonical_uri(raw_path)}\n{canonical_query(raw_query)}\n{header_block}\n{';'.join(names)}\n{body_hash}"


def string_to_sign(algorithm: str, sdk_date: str, canonical: str) -> str:
    digest = _hash(algorithm, canonical.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{algorithm}\n{sdk_date}\n{digest}"


@functools.lru_cache(maxsize=256)
def _keyed(algorithm: str, secret_key: str) -> hmac.HMAC:
    """The HMAC state after the key (its padded key hashed in): copied for every signature, so a
    verification hashes only the string to sign."""
    name = _HASHES[algorithm]
    return hmac.new(secret_key.encode(), digestmod=getattr(hashlib, name, name))


def signature(algorithm: str, secret_key: str, to_sign: str) -> str:
    """hex(HMAC(key = SK bytes, StringToSign)): no key derivation (the HMAC algorithms)."""
    mac = _keyed(algorithm, secret_key).copy()
    mac.update(to_sign.encode())
    return mac.hexdigest()


# -- the asymmetric schemes ------------------------------------------------------------------------

_P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
#: the SM2 curve of GB/T 32918.5 (p, a, b, G, n)
_SM2_CURVE = ECDLP(
    0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF,
    0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC,
    0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93,
    (
        0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
        0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
    ),
    0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123,
)
_ORDERS = {P256: _P256_N, SM2: _SM2_CURVE.fpn.p}
ASYMMETRIC = frozenset(_ORDERS)


def derive_private_key(algorithm: str, access_key: str, secret_key: str) -> int:
    """The private key the SDK's ECDSA/SM2 signers derive from an AK/SK pair (module docstring)."""
    order = _ORDERS[algorithm]
    for counter in range(0xFF):
        data = b"\x00\x00\x00\x01" + algorithm.encode() + b"\x00" + access_key.encode() + bytes([counter])
        data += b"\x00\x00\x01\x00"
        digest = hmac.new(secret_key.encode(), data, _HASHES[algorithm]).digest()
        candidate = int.from_bytes(digest, "big")
        if candidate <= order - 2:
            return candidate + 1
    raise ValueError("no private key could be derived from this AK/SK pair")  # p < 2^-2000


class _SdkZ(SM2Core):
    """SM2 whose Z_A hashes the public key's coordinates without leading zero bytes, as the
    Python SDK's signer computes it (GB/T 32918 pads them to 32 bytes; the two differ only when a
    coordinate is below 2^248, for about one key in 128)."""

    def entity_info(self, uid: bytes, pk: Any) -> bytes:
        x, y = pk
        curve = self.ecdlp
        parts = [(len(uid) * 8).to_bytes(2, "big"), uid]
        for value in (curve.ec.a, curve.ec.b, *curve.G, x, y):
            parts.append(value.to_bytes((value.bit_length() + 7) // 8, "big"))
        return bytes(self._hash_fn(b"".join(parts)))


def _sm2(kind: type[SM2Core] = SM2Core) -> SM2Core:
    # one per use: the core keeps its hash object's state between calls (not thread-safe)
    return kind(_SM2_CURVE, GmSM3())


@functools.lru_cache(maxsize=1024)  # a key pair's public key is a scalar multiplication: keep it
def public_key(algorithm: str, access_key: str, secret_key: str) -> Any:
    """The public key of an AK/SK pair: a ``cryptography`` key (ECDSA) or an ``(x, y)`` point (SM2)."""
    private = derive_private_key(algorithm, access_key, secret_key)
    if algorithm == P256:
        return ec.derive_private_key(private, ec.SECP256R1()).public_key()
    return _sm2().generate_pk(private)


def verify(algorithm: str, access_key: str, secret_key: str, to_sign: str, sig_hex: str) -> bool:
    """Whether ``sig_hex`` is a valid signature of ``to_sign`` by this AK/SK pair, any algorithm."""
    message = to_sign.encode()
    if algorithm not in ASYMMETRIC:
        expected = signature(algorithm, secret_key, to_sign)
        return hmac.compare_digest(expected.encode(), sig_hex.encode())
    try:
        der = bytes.fromhex(sig_hex)
        r, s = decode_dss_signature(der)
    except ValueError:
        return False
    if encode_dss_signature(r, s) != der:  # one spelling of a signature only (no BER variants)
        return False
    key = public_key(algorithm, access_key, secret_key)
    if algorithm == P256:
        try:
            key.verify(der, message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True
    x, y = key
    if _sm2().verify(message, r, s, SM2_UID, key):
        return True
    short = x.bit_length() <= 248 or y.bit_length() <= 248
    return short and _sm2(_SdkZ).verify(message, r, s, SM2_UID, key)


def sign_asymmetric(algorithm: str, access_key: str, secret_key: str, to_sign: str) -> str:
    """The hex DER signature of ``to_sign`` (client side: tests; standard Z_A for SM2)."""
    private = derive_private_key(algorithm, access_key, secret_key)
    if algorithm == P256:
        key = ec.derive_private_key(private, ec.SECP256R1())
        return key.sign(to_sign.encode(), ec.ECDSA(hashes.SHA256())).hex()
    r, s = _sm2().sign(to_sign.encode(), private, SM2_UID, public_key(algorithm, access_key, secret_key))
    return encode_dss_signature(r, s).hex()


def parse_authorization(value: str) -> tuple[str, str, list[str], str]:
    """``(algorithm, access_key, signed_headers, signature)`` of an Authorization header."""
    match = _AUTH_RE.match(value)
    if match is None:
        raise SignatureFormatError("malformed Authorization header")
    algorithm, access_key, names, sig = match.groups()
    signed = names.split(";")
    if names != names.lower() or "" in signed:  # every name lower-case, none empty
        raise SignatureFormatError("malformed SignedHeaders")
    return algorithm, access_key, signed, sig.lower()


@functools.lru_cache(maxsize=64)  # a pure function; requests of the same second share a date
def parse_sdk_date(value: str) -> int:
    """``YYYYMMDDTHHMMSSZ`` (UTC) as epoch milliseconds."""
    if not _DATE_RE.match(value):
        raise SignatureFormatError("malformed X-Sdk-Date")
    try:
        # datetime() checks the ranges (month 13, day 31 of April...); strptime costs 10x more
        when = datetime(
            int(value[0:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[9:11]),
            int(value[11:13]),
            int(value[13:15]),
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise SignatureFormatError("malformed X-Sdk-Date") from exc
    return int(when.timestamp()) * 1000


def sign_headers(
    *,
    access_key: str,
    secret_key: str,
    method: str,
    path: str,
    query: str = "",
    headers: Mapping[str, str],
    body: bytes = b"",
    algorithm: str = SHA256,
) -> str:
    """The Authorization value for a request (client side: tests, benchmarks, the CLI).

    ``path`` and ``query`` are as sent on the wire; every header in ``headers`` is signed, in
    sorted order, as the Python SDK does.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    names = sorted(lowered)
    unsigned = lowered.get(CONTENT_HASH_HEADER[algorithm]) == UNSIGNED_PAYLOAD
    body_hash = UNSIGNED_PAYLOAD if unsigned and body else payload_hash(algorithm, body)
    canonical = canonical_request(method, path.encode(), query.encode(), lowered, names, body_hash)
    to_sign = string_to_sign(algorithm, lowered["x-sdk-date"], canonical)
    if algorithm in ASYMMETRIC:
        sig = sign_asymmetric(algorithm, access_key, secret_key, to_sign)
    else:
        sig = signature(algorithm, secret_key, to_sign)
    return f"{algorithm} Access={access_key}, SignedHeaders={';'.join(names)}, Signature={sig}"
