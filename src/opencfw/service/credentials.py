"""Accounts, the first-start bootstrap, password tokens and AK/SK signature verification."""

from __future__ import annotations

import dataclasses
import functools
import hmac
import re
import secrets
import string
import threading
import uuid
from dataclasses import dataclass

from opencfw.domain import signing
from opencfw.domain.accounts import AccessKey, Domain, Project, User
from opencfw.domain.clock import Clock
from opencfw.domain.errors import Forbidden, TokenExpired, Unauthenticated
from opencfw.service.secrets import (
    SecretBox,
    TokenClaims,
    TokenCodec,
    hash_password,
    verify_password,
)
from opencfw.store.base import Store

#: a signed request's X-Sdk-Date may differ from the server clock by at most this much
SIGNATURE_WINDOW_MS = 15 * 60 * 1000
#: as the real gateway does: this many consecutive signature failures lock an AK for LOCK_MS
#: an AK/SK pair is read from the store (and decrypted) at most this often per process; a revoked
#: or changed key takes effect within this time
KEY_CACHE_MS = 2000
#: the remembered tokens, keys and projects are forgotten past this many entries
_CACHE_LIMIT = 50_000
#: AKs found unknown or revoked are remembered apart, fewer of them: a stream of made-up keys
#: neither evicts the real ones nor holds more than this many (each at most 128 characters)
_UNKNOWN_KEYS_LIMIT = 10_000

#: what an access key can look like (generated ones are 20 upper-case letters and digits); anything
#: else is refused before any lookup, lock or cache sees it
ACCESS_KEY_SHAPE = re.compile(r"[A-Za-z0-9._-]{1,128}", re.ASCII)

LOCK_AFTER_FAILURES = 5
LOCK_MS = 5 * 60 * 1000

_AK_ALPHABET = string.ascii_uppercase + string.digits
_SK_ALPHABET = string.ascii_letters + string.digits


def new_access_key() -> str:
    return "".join(secrets.choice(_AK_ALPHABET) for _ in range(20))


def new_secret_key() -> str:
    return "".join(secrets.choice(_SK_ALPHABET) for _ in range(40))


@dataclass(frozen=True, slots=True)
class BootstrapSpec:
    """What the first start creates; ``None`` fields are generated."""

    domain: str
    user: str
    password: str | None
    region: str
    project_id: str | None
    access_key: str | None
    secret_key: str | None


@dataclass(frozen=True, slots=True)
class BootstrapResult:
    """What a start created or changed, with the generated secrets to print once."""

    created: bool
    domain: str
    user: str
    project_name: str
    project_id: str
    access_key: str | None
    #: generated values only: a value given by the operator is never echoed back
    generated_password: str | None
    generated_secret_key: str | None
    generated_admin_token: str | None = None


@dataclass(frozen=True, slots=True)
class PendingSignature:
    """A signed request whose key, date and headers were checked; its body is not hashed yet."""

    algorithm: str
    access_key: str
    signed: list[str]
    signature: str
    sdk_date: str
    key: AccessKey
    secret: str


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made a request, and how."""

    domain_id: str
    user_id: str
    method: str  # "token" or "aksk"
    #: the project a token is scoped to (None for AK/SK, which reach every project of the domain)
    project_id: str | None = None
    access_key: str | None = None


class SignatureLockout:
    """Consecutive signature failures per AK, and the AKs locked because of them.

    Per process and in memory: behind a load balancer each API process counts on its own, so a
    client guessing across N processes gets up to N times the attempts; a restart forgets locks.
    Only keys that exist are tracked, so the table is bounded by the number of keys.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        #: access key -> (consecutive failures, locked until ms or 0)
        self._state: dict[str, tuple[int, int]] = {}

    def locked_for_ms(self, access_key: str) -> int:
        """How much longer ``access_key`` stays locked (0 when it is not)."""
        with self._lock:
            until = self._state.get(access_key, (0, 0))[1]
            left = until - self.clock.now_ms()
            if until and left <= 0:
                del self._state[access_key]  # the lock lapsed: start counting afresh
            return max(left, 0)

    def failed(self, access_key: str) -> None:
        with self._lock:
            failures, _ = self._state.get(access_key, (0, 0))
            failures += 1
            until = self.clock.now_ms() + LOCK_MS if failures >= LOCK_AFTER_FAILURES else 0
            self._state[access_key] = (failures, until)

    def succeeded(self, access_key: str) -> None:
        with self._lock:
            self._state.pop(access_key, None)


class Credentials:
    def __init__(self, store: Store, clock: Clock, box: SecretBox, *, token_ttl_ms: int) -> None:
        self.store = store
        self.clock = clock
        self.box = box
        self.tokens = TokenCodec(box.token_key)
        self.token_ttl_ms = token_ttl_ms
        self.lockout = SignatureLockout(clock)
        self._verified_tokens: dict[str, TokenClaims] = {}
        self._keys: dict[str, tuple[int, tuple[AccessKey, str] | None]] = {}
        self._unknown_keys: dict[str, int] = {}
        self._project_domains: dict[str, str] = {}

    def forget_keys(self) -> None:
        """Drop remembered AK/SK pairs (after this process changed one)."""
        self._keys.clear()
        self._unknown_keys.clear()

    # -- first start

    def check_master_key(self) -> None:
        """Fail fast when the master key cannot read this store's secrets."""
        stored = self.store.get_meta("master_key_check")
        if stored is None:
            self.store.set_meta("master_key_check", self.box.check_value())
        else:
            self.box.verify_check_value(stored)

    def bootstrap(self, spec: BootstrapSpec) -> BootstrapResult:
        """Create the first account on an empty store; on later starts, make sure the values that
        the operator fixed (project id, AK/SK, password) exist as given."""
        now = self.clock.now_ms()
        created = self.store.is_empty()
        generated_password = generated_sk = None
        domain = self.store.get_domain_by_name(spec.domain)
        if domain is None:
            domain = Domain(uuid.uuid4().hex, spec.domain)
            self.store.add_domain(domain, now)
        user = self.store.get_user(domain.id, spec.user)
        if user is None:
            password = spec.password
            if password is None:
                password = generated_password = secrets.token_urlsafe(12)
            user = User(uuid.uuid4().hex, spec.user, domain.id, hash_password(password))
            self.store.add_user(user, now)
        elif spec.password is not None and not verify_password(spec.password, user.password_hash):
            self.store.set_password_hash(user.id, hash_password(spec.password))

        project: Project | None = None
        if spec.project_id is not None:
            project = self.store.get_project(spec.project_id)
            if project is not None and project.domain_id != domain.id:
                raise ValueError(f"project {spec.project_id} belongs to another account")
        else:
            found = self.store.list_projects(domain.id, spec.region)
            project = found[0] if found else None
        if project is None:
            project = Project(spec.project_id or uuid.uuid4().hex, spec.region, domain.id)
            self.store.add_project(project, now)

        access_key = spec.access_key
        if access_key is not None:
            secret = spec.secret_key
            existing = self.store.get_access_key(access_key)
            if secret is None:
                if existing is None:
                    secret = generated_sk = new_secret_key()
            elif existing is not None and self.box.decrypt(existing.secret_enc) == secret:
                secret = None  # already as given
            if secret is not None:
                self.store.put_access_key(
                    AccessKey(access_key, user.id, domain.id, self.box.encrypt(secret), True), now
                )
        elif created:
            access_key = new_access_key()
            generated_sk = new_secret_key()
            self.store.put_access_key(
                AccessKey(access_key, user.id, domain.id, self.box.encrypt(generated_sk), True), now
            )
        return BootstrapResult(
            created=created,
            domain=domain.name,
            user=user.name,
            project_name=project.name,
            project_id=project.id,
            access_key=access_key,
            generated_password=generated_password,
            generated_secret_key=generated_sk,
        )

    # -- key management (the `opencfw credentials` commands)

    def create_access_key(
        self, *, domain_name: str, user_name: str, project_id: str | None, project_name: str | None
    ) -> tuple[str, str, Project | None]:
        """A new AK/SK pair for an existing user, and optionally a new project in its account.
        Returns ``(access key, secret key, new project)``; the secret exists in clear only here."""
        domain = self.store.get_domain_by_name(domain_name)
        user = self.store.get_user(domain.id, user_name) if domain else None
        if domain is None or user is None:
            raise ValueError(f"no user {user_name!r} in account {domain_name!r}")
        project = None
        if project_id is not None or project_name is not None:
            if project_id is not None and self.store.get_project(project_id) is not None:
                raise ValueError(f"project {project_id} exists already")
            project = Project(
                project_id or uuid.uuid4().hex, project_name or project_id or "project", domain.id
            )
            self.store.add_project(project, self.clock.now_ms())
        access_key, secret_key = new_access_key(), new_secret_key()
        self.store.put_access_key(
            AccessKey(access_key, user.id, domain.id, self.box.encrypt(secret_key), True), self.clock.now_ms()
        )
        return access_key, secret_key, project

    def revoke_access_key(self, access_key: str) -> bool:
        """Mark a key revoked (every process refuses it within KEY_CACHE_MS). False if unknown."""
        key = self.store.get_access_key(access_key)
        if key is None:
            return False
        self.store.put_access_key(dataclasses.replace(key, active=False), self.clock.now_ms())
        self.forget_keys()
        return True

    # -- tokens

    def issue_token(
        self,
        *,
        domain_name: str | None,
        domain_id: str | None,
        user_name: str,
        password: str,
        project_id: str | None,
        project_name: str | None,
    ) -> tuple[str, TokenClaims, User, Domain, Project]:
        wrong = Unauthenticated("The username or password is wrong.")
        domain = (
            self.store.get_domain(domain_id)
            if domain_id
            else self.store.get_domain_by_name(domain_name or "")
        )
        user = self.store.get_user(domain.id, user_name) if domain else None
        if user is None or domain is None:
            # spend the same time as a real check, so that timing does not reveal which part was wrong
            verify_password(password, _dummy_hash())
            raise wrong
        if not verify_password(password, user.password_hash):
            raise wrong
        if project_id is not None:
            project = self.store.get_project(project_id)
        else:
            found = self.store.list_projects(domain.id, project_name)
            project = found[0] if len(found) == 1 else None
        if project is None or project.domain_id != domain.id:
            raise Forbidden("The IAM user is not authorized to access this project")
        now = self.clock.now_ms()
        claims = TokenClaims(user.id, domain.id, project.id, now, now + self.token_ttl_ms)
        return self.tokens.issue(claims), claims, user, domain, project

    def verify_token(self, token: str) -> Principal:
        # a token's text never changes meaning, so a verified one is remembered (bounded) and only
        # its expiry is checked again: the job read is polled far more than anything else is called
        claims = self._verified_tokens.get(token)
        if claims is None:
            claims = self.tokens.verify(token, self.clock.now_ms())
            # base64 has several spellings of one MAC ('+' for '-', unused bits of the last
            # character): only the exact text that was issued is a token, so re-issue and compare
            if not hmac.compare_digest(
                self.tokens.issue(claims).encode(), token.encode("utf-8", "surrogateescape")
            ):
                raise Unauthenticated("Incorrect IAM authentication information: decrypt token fail")
            if len(self._verified_tokens) >= _CACHE_LIMIT:
                self._verified_tokens.clear()
            self._verified_tokens[token] = claims
        elif self.clock.now_ms() >= claims.expires_ms:
            raise TokenExpired("The token has expired")
        return Principal(claims.domain_id, claims.user_id, "token", project_id=claims.project_id)

    def _access_key(self, ak: str) -> tuple[AccessKey, str] | None:
        """The key and its secret, remembered for KEY_CACHE_MS: a revoked or changed key
        takes effect within that time, and no request pays a store read and a decryption."""
        now = self.clock.now_ms()
        cached = self._keys.get(ak)
        if cached is not None and cached[0] > now:
            return cached[1]
        if self._unknown_keys.get(ak, 0) > now:
            return None
        key = self.store.get_access_key(ak)
        if key is None or not key.active:
            self._keys.pop(ak, None)
            if len(self._unknown_keys) >= _UNKNOWN_KEYS_LIMIT:
                self._unknown_keys.clear()
            self._unknown_keys[ak] = now + KEY_CACHE_MS
            return None
        found = (key, self.box.decrypt(key.secret_enc))
        if len(self._keys) >= _CACHE_LIMIT:
            self._keys.clear()
        self._keys[ak] = (now + KEY_CACHE_MS, found)
        return found

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
    ) -> Principal:
        """Verify an ``SDK-HMAC-*`` signature. ``headers`` maps lower-case names to values."""
        pending = self.check_signed_head(authorization, headers)
        return self.check_signed_body(
            pending, method=method, raw_path=raw_path, raw_query=raw_query, headers=headers, body=body
        )

    def check_signed_head(self, authorization: str, headers: dict[str, str]) -> PendingSignature:
        """Everything of a signature that does not need the body: its form, the AK's shape, lock and
        existence, the signed headers and the date. The API does this before reading a body."""
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
        locked_ms = self.lockout.locked_for_ms(ak)
        if locked_ms:
            # refused even when this signature is right: the lock is what stops guessing
            raise Unauthenticated(
                "Incorrect IAM authentication information: verify aksk signature fail: the AK is "
                f"locked after {LOCK_AFTER_FAILURES} consecutive failures; retry in {-(-locked_ms // 1000)} s"
            )
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
        found = self._access_key(ak)
        if found is None:
            raise Unauthenticated(
                "Incorrect IAM authentication information: AK access key not found or revoked"
            )
        key, secret = found
        return PendingSignature(algorithm, ak, signed, sig, sdk_date, key, secret)

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
        elif headers.get("x-sdk-content-sha256") == signing.UNSIGNED_PAYLOAD:
            body_hash = signing.UNSIGNED_PAYLOAD
        else:
            body_hash = signing.payload_hash(algorithm, body)
        canonical = signing.canonical_request(method, raw_path, raw_query, headers, pending.signed, body_hash)
        expected = signing.signature(
            algorithm, pending.secret, signing.string_to_sign(algorithm, pending.sdk_date, canonical)
        )
        if not hmac.compare_digest(expected.encode(), pending.signature.encode()):
            self.lockout.failed(ak)
            raise Unauthenticated("Incorrect IAM authentication information: verify aksk signature fail")
        self.lockout.succeeded(ak)
        return Principal(pending.key.domain_id, pending.key.user_id, "aksk", access_key=ak)

    # -- authorisation

    def authorize_project(self, principal: Principal, project_id: str) -> None:
        """403 unless the caller may use ``project_id`` (an unknown project looks the same)."""
        if principal.project_id is not None:
            allowed = hmac.compare_digest(principal.project_id, project_id)
        else:
            # a project never moves to another account: remember whose each one is
            domain_id = self._project_domains.get(project_id)
            if domain_id is None:
                project = self.store.get_project(project_id)
                if project is not None:
                    domain_id = self._project_domains[project.id] = project.domain_id
            allowed = domain_id is not None and domain_id == principal.domain_id
        if not allowed:
            raise Forbidden("The IAM user is not authorized to access this project")

    def projects_of(self, principal: Principal, name: str | None) -> list[Project]:
        projects = self.store.list_projects(principal.domain_id, name)
        if principal.project_id is not None:
            projects = [p for p in projects if p.id == principal.project_id]
        return projects


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class AdminToken:
    value: str
    #: created on this start (to be shown once)
    generated: bool


def admin_token(store: Store, box: SecretBox, given: str | None) -> AdminToken:
    """The admin credential: ``given`` (OPENCFW_ADMIN_TOKEN), else the one kept encrypted in the
    store, else a new one (kept for the next starts)."""
    if given:
        return AdminToken(given, False)
    stored = store.get_meta("admin_token")
    if stored is not None:
        return AdminToken(box.decrypt(stored.encode()), False)
    token = "ocfwadm-" + secrets.token_urlsafe(24)
    store.set_meta("admin_token", box.encrypt(token).decode())
    return AdminToken(token, True)
