"""AK/SK signatures (SDK-HMAC-SHA256, SDK-ECDSA-P256-SHA256, SDK-SM2-SM3): the head checked
before the body is read (form, key shape, lock, date, key), then the body's hash and the signature.
A mixin of ``credentials.Credentials`` (moved from there unchanged), with the principals it makes."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opencfw.domain import signing
from opencfw.domain.accounts import AccessKey
from opencfw.domain.clock import Clock
from opencfw.domain.errors import Unauthenticated
from opencfw.service.lockout import Lockout
from opencfw.service.secrets import TemporaryCredential

#: a signed request's X-Sdk-Date may differ from the server clock by at most this much
SIGNATURE_WINDOW_MS = 15 * 60 * 1000
#: what an access key can look like (generated ones are 20 upper-case letters and digits); anything
#: else is refused before any lookup, lock or cache sees it
ACCESS_KEY_SHAPE = re.compile(r"[A-Za-z0-9._-]{1,128}", re.ASCII)
#: what the real gateway answers while a pair is locked (API Gateway FAQ, "Common Errors Related to
#: IAM Authentication Information")
AK_LOCKED = "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden."


@dataclass(slots=True)
class PendingSignature:
    """A signed request whose key, date and headers were checked; its body is not hashed yet.
    (Not frozen: a frozen dataclass's ``__init__`` costs a microsecond more, on every request.)"""

    algorithm: str
    access_key: str
    signed: list[str]
    signature: str
    sdk_date: str
    #: who signed, if the signature holds
    principal: Principal
    secret: str = dataclasses.field(repr=False)
    #: the caller's address, with which failures are counted
    client: str = ""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made a request, and how."""

    domain_id: str
    user_id: str
    method: str  # "token" or "aksk"
    #: the project a token is scoped to (None for AK/SK, which reach every project of the domain)
    project_id: str | None = None
    access_key: str | None = None
    #: a domain-scoped token: IAM's global calls only, never a project's path
    domain_scoped: bool = False
    #: signed with a temporary AK/SK and its security token
    temporary: bool = False
    #: when a token or temporary key ends (None for permanent AK/SK): long-lived answers (event
    #: streams) end with it
    expires_ms: int | None = None


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A permanent access key found in the store, its secret, and who its signatures are from
    (made once per look-up of the key, not per request)."""

    key: AccessKey
    secret: str = dataclasses.field(repr=False)
    principal: Principal

    @classmethod
    def of(cls, key: AccessKey, secret: str) -> SigningKey:
        return cls(key, secret, Principal(key.domain_id, key.user_id, "aksk", access_key=key.access_key))


class Signatures:
    if TYPE_CHECKING:  # set by Credentials.__init__ and defined there
        clock: Clock
        lockout: Lockout

        def _access_key(self, ak: str) -> SigningKey | None: ...

        def _temporary_key(self, ak: str, security_token: str) -> TemporaryCredential: ...

    # -- AK/SK signatures

    def verify_signature(
        self,
        *,
        authorization: str,
        method: str,
        raw_path: bytes,
        raw_query: bytes,
        headers: dict[str, str],
        body: bytes,
        client: str = "",
    ) -> Principal:
        """Verify an ``SDK-*`` signature. ``headers`` maps lower-case names to values;
        ``client`` is the caller's address, with which failures are counted."""
        pending = self.check_signed_head(authorization, headers, client=client)
        return self.check_signed_body(
            pending, method=method, raw_path=raw_path, raw_query=raw_query, headers=headers, body=body
        )

    def check_signed_head(
        self, authorization: str, headers: dict[str, str], *, client: str = ""
    ) -> PendingSignature:
        """Everything of a signature that does not need the body: its form, the AK's shape, lock and
        existence (or its security token), the signed headers and the date. The API does this
        before reading a body."""
        try:
            algorithm, ak, signed, sig = signing.parse_authorization(authorization)
        except signing.SignatureFormatError as exc:
            raise Unauthenticated(f"Incorrect IAM authentication information: {exc}") from exc
        if algorithm not in signing.ALGORITHMS:
            raise Unauthenticated(
                f"Incorrect IAM authentication information: unsupported algorithm {algorithm}"
            )
        if not ACCESS_KEY_SHAPE.fullmatch(ak):
            raise Unauthenticated(
                "Incorrect IAM authentication information: AK access key not found or revoked"
            )
        if self.lockout.locked_for_ms((ak, client)):
            # refused even when this signature is right: the lock is what stops guessing
            raise Unauthenticated(AK_LOCKED)
        if "x-sdk-date" not in signed:
            raise Unauthenticated("Incorrect IAM authentication information: x-sdk-date is not signed")
        missing = [name for name in signed if name not in headers]
        if missing:
            raise Unauthenticated(
                f"Incorrect IAM authentication information: signed header {missing[0]} is missing"
            )
        sdk_date = headers["x-sdk-date"]
        try:
            when = signing.parse_sdk_date(sdk_date)
        except signing.SignatureFormatError as exc:
            raise Unauthenticated(f"Incorrect IAM authentication information: {exc}") from exc
        if abs(self.clock.now_ms() - when) > SIGNATURE_WINDOW_MS:
            raise Unauthenticated(
                "Incorrect IAM authentication information: "
                "the X-Sdk-Date is more than 15 minutes from the server time"
            )
        security_token = headers.get("x-security-token")
        found = self._access_key(ak)
        if security_token is not None:
            if found is not None:
                raise Unauthenticated(
                    "Incorrect IAM authentication information: a permanent AK cannot be used with a security token"
                )
            temporary = self._temporary_key(ak, security_token)
            principal = Principal(
                temporary.domain_id,
                temporary.user_id,
                "aksk",
                project_id=temporary.project_id,
                access_key=ak,
                temporary=True,
                expires_ms=temporary.expires_ms,
            )
            secret = temporary.secret_key
        elif found is None:
            raise Unauthenticated(
                "Incorrect IAM authentication information: AK access key not found or revoked"
            )
        else:
            secret, principal = found.secret, found.principal
        return PendingSignature(algorithm, ak, signed, sig, sdk_date, principal, secret, client)

    def check_signed_body(
        self,
        pending: PendingSignature,
        *,
        method: str,
        raw_path: bytes,
        raw_query: bytes,
        headers: dict[str, str],
        body: bytes,
    ) -> Principal:
        """The rest of ``check_signed_head``: the body's hash and the signature itself."""
        algorithm, ak = pending.algorithm, pending.access_key
        if not body:
            body_hash = signing.payload_hash(algorithm, b"")
        elif headers.get(signing.CONTENT_HASH_HEADER[algorithm]) == signing.UNSIGNED_PAYLOAD:
            body_hash = signing.UNSIGNED_PAYLOAD
        else:
            body_hash = signing.payload_hash(algorithm, body)
        canonical = signing.canonical_request(method, raw_path, raw_query, headers, pending.signed, body_hash)
        to_sign = signing.string_to_sign(algorithm, pending.sdk_date, canonical)
        if not signing.verify(algorithm, ak, pending.secret, to_sign, pending.signature):
            self.lockout.failed((ak, pending.client))
            raise Unauthenticated("Incorrect IAM authentication information: verify aksk signature fail")
        self.lockout.succeeded((ak, pending.client))
        return pending.principal
