"""The ``SDK-HMAC-SHA256`` (and ``SDK-HMAC-SM3``) request signature of the Huawei Cloud SDKs.

Pure functions over bytes and strings: the server verifies with them, tests and benchmarks sign
with them. The scheme is spec section 5; the official SDK's own vectors are unit tests.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, unquote_to_bytes

SHA256 = "SDK-HMAC-SHA256"
SM3 = "SDK-HMAC-SM3"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"

_HASHES = {SHA256: "sha256", SM3: "sm3"}
#: algorithms this Python's OpenSSL can compute (SM3 is absent from some builds)
ALGORITHMS = frozenset(a for a, h in _HASHES.items() if h in hashlib.algorithms_available)

_AUTH_RE = re.compile(
    r"^(?P<alg>SDK-HMAC-[A-Z0-9]+)\s+Access=(?P<ak>[!-+\--~]+),\s*SignedHeaders=(?P<sh>[^,\s]+),"
    r"\s*Signature=(?P<sig>[0-9a-fA-F]+)\s*$"
)
_DATE_RE = re.compile(r"^\d{8}T\d{6}Z$")


class SignatureFormatError(ValueError):
    """The Authorization or X-Sdk-Date header cannot be parsed."""


def _encode(value: str) -> str:
    # RFC 3986 unreserved characters stay, everything else is percent-encoded (as the SDK does)
    return quote(value, safe="~", errors="surrogateescape")


@functools.lru_cache(maxsize=4096)  # pollers send the same few paths again and again
def canonical_uri(raw_path: bytes) -> str:
    """Decode the whole path, split on ``/``, re-encode each segment, end in ``/``."""
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


def payload_hash(algorithm: str, body: bytes) -> str:
    return hashlib.new(_HASHES[algorithm], body).hexdigest()


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
    header_block = "".join(f"{name}:{headers[name].strip()}\n" for name in names)
    return "\n".join(
        (
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(raw_query),
            header_block,
            ";".join(names),
            body_hash,
        )
    )


def string_to_sign(algorithm: str, sdk_date: str, canonical: str) -> str:
    digest = hashlib.new(_HASHES[algorithm], canonical.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{algorithm}\n{sdk_date}\n{digest}"


def signature(algorithm: str, secret_key: str, to_sign: str) -> str:
    """hex(HMAC(key = SK bytes, StringToSign)): no key derivation."""
    return hmac.new(secret_key.encode(), to_sign.encode(), _HASHES[algorithm]).hexdigest()


def parse_authorization(value: str) -> tuple[str, str, list[str], str]:
    """``(algorithm, access_key, signed_headers, signature)`` of an Authorization header."""
    match = _AUTH_RE.match(value)
    if match is None:
        raise SignatureFormatError("malformed Authorization header")
    signed = match["sh"].split(";")
    if any(not name or name != name.lower() for name in signed):
        raise SignatureFormatError("malformed SignedHeaders")
    return match["alg"], match["ak"], signed, match["sig"].lower()


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
    unsigned = lowered.get("x-sdk-content-sha256") == UNSIGNED_PAYLOAD
    body_hash = UNSIGNED_PAYLOAD if unsigned and body else payload_hash(algorithm, body)
    canonical = canonical_request(method, path.encode(), query.encode(), lowered, names, body_hash)
    sig = signature(algorithm, secret_key, string_to_sign(algorithm, lowered["x-sdk-date"], canonical))
    return f"{algorithm} Access={access_key}, SignedHeaders={';'.join(names)}, Signature={sig}"
