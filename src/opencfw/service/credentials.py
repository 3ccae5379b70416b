"""Accounts, the first-start bootstrap, password tokens and AK/SK signature verification."""

from __future__ import annotations

import dataclasses
import functools
import hmac
import re
import secrets
import string
import uuid
from dataclasses import dataclass

from opencfw.domain import signing
from opencfw.domain.accounts import AccessKey, Domain, Project, User
from opencfw.domain.clock import Clock
from opencfw.domain.errors import BadParameter, Forbidden, TokenExpired, Unauthenticated
from opencfw.service.lockout import Lockout
from opencfw.service.secrets import (
    SecretBox,
    TemporaryCredential,
    TokenClaims,
    TokenCodec,
    WeakMasterKey,
    hash_password,
    open_security_token,
    seal_security_token,
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
#: what the real gateway answers while a pair is locked (API Gateway FAQ, "Common Errors Related to
#: IAM Authentication Information")
AK_LOCKED = "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden."
#: wrong passwords (token requests and dashboard sign-ins) from one address before it is locked,
#: and for how long: IAM locks for 15 minutes and answers "The account is locked."
PASSWORD_LOCK_AFTER = 5
PASSWORD_LOCK_MS = 15 * 60 * 1000
#: wrong admin tokens from one address before it is locked, and for how long
ADMIN_LOCK_AFTER = 5
ADMIN_LOCK_MS = 15 * 60 * 1000

#: how long temporary AK/SK pairs and their security token last (IAM: 15 minutes to 24 hours)
TEMPORARY_MIN_S, TEMPORARY_DEFAULT_S, TEMPORARY_MAX_S = 900, 900, 86400

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
    #: OPENCFW_ADMIN_TOKEN; None: the one kept in the store, or a new one
    admin_token: str | None = None


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
    #: the admin credential in force (never printed unless generated)
    admin_token: str = dataclasses.field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class PendingSignature:
    """A signed request whose key, date and headers were checked; its body is not hashed yet."""

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


class Credentials:
    def __init__(self, store: Store, clock: Clock, box: SecretBox, *, token_ttl_ms: int) -> None:
        self.store = store
        self.clock = clock
        self.box = box
        self.tokens = TokenCodec(box.token_key)
        self.token_ttl_ms = token_ttl_ms
        #: signature failures per (access key, client address): a stranger cannot lock out the owner
        self.lockout = Lockout(clock, after=LOCK_AFTER_FAILURES, lock_ms=LOCK_MS)
        #: wrong passwords per client address (token requests and dashboard sign-ins alike)
        self.password_lockout = Lockout(clock, after=PASSWORD_LOCK_AFTER, lock_ms=PASSWORD_LOCK_MS)
        #: wrong admin tokens per client address (the admin API and the dashboard's admin sign-in)
        self.admin_lockout = Lockout(clock, after=ADMIN_LOCK_AFTER, lock_ms=ADMIN_LOCK_MS)
        self._verified_tokens: dict[str, TokenClaims] = {}
        self._security_tokens: dict[str, TemporaryCredential] = {}
        self._keys: dict[str, tuple[int, tuple[AccessKey, str] | None]] = {}
        self._unknown_keys: dict[str, int] = {}
        self._project_domains: dict[str, str] = {}

    def forget_keys(self) -> None:
        """Drop remembered AK/SK pairs (after this process changed one)."""
        self._keys.clear()
        self._unknown_keys.clear()

    # -- first start

    def check_master_key(self, weakness: str | None = None) -> bool:
        """Fail fast when the master key cannot read this store's secrets (the first process to
        start records a check value; concurrent first starts agree on one). A new store is refused
        a weak key (``weakness`` says why it is weak); a store already made with one still opens,
        or its secrets would be lost. Returns whether this store was made with the key just now."""
        with self.store.exclusive() as store:
            stored = store.get_meta("master_key_check")
            if stored is None:
                if weakness is not None:
                    raise WeakMasterKey(weakness)
                store.set_meta("master_key_check", self.box.check_value())
                return True
        self.box.verify_check_value(stored)
        return False

    def bootstrap(self, spec: BootstrapSpec) -> BootstrapResult:
        """Create the first account on an empty store; on later starts, make sure the values that
        the operator fixed (project id, AK/SK, password) exist as given.

        One transaction under the store's exclusive lock: any number of processes may start at
        once, exactly one creates the account (and the admin token) and gets the generated secrets
        to show; the others find it made. Password hashing is slow, so a new user's hash is made
        before the lock is taken."""
        now = self.clock.now_ms()
        generated_password = generated_sk = None
        prepared: str | None = None
        domain = self.store.get_domain_by_name(spec.domain)
        if domain is None or self.store.get_user(domain.id, spec.user) is None:
            password = spec.password if spec.password is not None else secrets.token_urlsafe(12)
            prepared = hash_password(password)
        with self.store.exclusive() as store:
            created = store.is_empty()
            domain = store.get_domain_by_name(spec.domain)
            if domain is None:
                domain = Domain(uuid.uuid4().hex, spec.domain)
                store.add_domain(domain, now)
            user = store.get_user(domain.id, spec.user)
            if user is None:
                if prepared is None:  # the user went away since the look before the lock
                    password = spec.password if spec.password is not None else secrets.token_urlsafe(12)
                    prepared = hash_password(password)
                if spec.password is None:
                    generated_password = password
                user = User(uuid.uuid4().hex, spec.user, domain.id, prepared)
                store.add_user(user, now)
            elif spec.password is not None and not verify_password(spec.password, user.password_hash):
                store.set_password_hash(user.id, hash_password(spec.password))

            project: Project | None = None
            if spec.project_id is not None:
                project = store.get_project(spec.project_id)
                if project is not None and project.domain_id != domain.id:
                    raise ValueError(f"project {spec.project_id} belongs to another account")
            else:
                found = store.list_projects(domain.id, spec.region)
                project = found[0] if found else None
            if project is None:
                project = Project(spec.project_id or uuid.uuid4().hex, spec.region, domain.id)
                store.add_project(project, now)

            access_key = spec.access_key
            if access_key is not None:
                secret = spec.secret_key
                existing = store.get_access_key(access_key)
                if secret is None:
                    if existing is None:
                        secret = generated_sk = new_secret_key()
                elif existing is not None and self.box.decrypt(existing.secret_enc) == secret:
                    secret = None  # already as given
                if secret is not None:
                    store.put_access_key(
                        AccessKey(access_key, user.id, domain.id, self.box.encrypt(secret), True), now
                    )
            elif created:
                access_key = new_access_key()
                generated_sk = new_secret_key()
                store.put_access_key(
                    AccessKey(access_key, user.id, domain.id, self.box.encrypt(generated_sk), True), now
                )
            admin = admin_token(store, self.box, spec.admin_token)
        return BootstrapResult(
            created=created,
            domain=domain.name,
            user=user.name,
            project_name=project.name,
            project_id=project.id,
            access_key=access_key,
            generated_password=generated_password,
            generated_secret_key=generated_sk,
            generated_admin_token=admin.value if admin.generated else None,
            admin_token=admin.value,
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
        scope_domain: tuple[str | None, str | None] | None = None,
        client: str = "",
    ) -> tuple[str, TokenClaims, User, Domain, Project | None]:
        """A password token scoped to a project, or with ``scope_domain`` (its id, its name) and no
        project, to the user's account (a domain-scoped token: project None). ``client`` is the
        caller's address: after PASSWORD_LOCK_AFTER wrong passwords in a row from it, it is refused
        for PASSWORD_LOCK_MS (as IAM does), before any password is checked."""
        if self.password_lockout.locked_for_ms(client):
            raise Unauthenticated("The account is locked.")
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
            self.password_lockout.failed(client)
            raise wrong
        if not verify_password(password, user.password_hash):
            self.password_lockout.failed(client)
            raise wrong
        self.password_lockout.succeeded(client)
        now = self.clock.now_ms()
        if scope_domain is not None and project_id is None and project_name is None:
            scope_id, scope_name = scope_domain
            if (scope_id and scope_id != domain.id) or (scope_name and scope_name != domain.name):
                raise Forbidden("The IAM user is not authorized to access this domain")
            claims = TokenClaims(user.id, domain.id, None, now, now + self.token_ttl_ms)
            return self.tokens.issue(claims), claims, user, domain, None
        if project_id is not None:
            project = self.store.get_project(project_id)
        else:
            found = self.store.list_projects(domain.id, project_name)
            project = found[0] if len(found) == 1 else None
        if project is None or project.domain_id != domain.id:
            raise Forbidden("The IAM user is not authorized to access this project")
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
        return Principal(
            claims.domain_id,
            claims.user_id,
            "token",
            project_id=claims.project_id,
            domain_scoped=claims.project_id is None,
            expires_ms=claims.expires_ms,
        )

    # -- temporary AK/SK pairs and security tokens (IAM OS-CREDENTIAL/securitytokens)

    def issue_temporary(
        self, principal: Principal, duration_s: int | None
    ) -> tuple[TemporaryCredential, str]:
        """A temporary AK/SK pair for the caller and the security token that must go with it.
        It reaches what the caller reaches: a project-scoped token's project, else the account's."""
        seconds = TEMPORARY_DEFAULT_S if duration_s is None else duration_s
        if not TEMPORARY_MIN_S <= seconds <= TEMPORARY_MAX_S:
            raise BadParameter(
                "Invalid request body: `auth.identity.token.duration_seconds` must be between "
                f"{TEMPORARY_MIN_S} and {TEMPORARY_MAX_S}, got {seconds}"
            )
        credential = TemporaryCredential(
            access_key=new_access_key(),
            secret_key=new_secret_key(),
            user_id=principal.user_id,
            domain_id=principal.domain_id,
            project_id=principal.project_id,
            expires_ms=self.clock.now_ms() + seconds * 1000,
        )
        return credential, seal_security_token(self.box, credential)

    def _temporary_key(self, ak: str, security_token: str) -> TemporaryCredential:
        """The temporary credential a security token carries: it must be this AK's and unexpired."""
        credential = self._security_tokens.get(security_token)
        if credential is None:
            credential = open_security_token(self.box, security_token)
            if len(self._security_tokens) >= _CACHE_LIMIT:
                self._security_tokens.clear()
            self._security_tokens[security_token] = credential
        if not hmac.compare_digest(credential.access_key.encode(), ak.encode("utf-8", "surrogateescape")):
            raise Unauthenticated(
                "Incorrect IAM authentication information: the security token does not belong to this AK"
            )
        if self.clock.now_ms() >= credential.expires_ms:
            raise TokenExpired("The security token has expired")
        return credential

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
            key, secret = found
            principal = Principal(key.domain_id, key.user_id, "aksk", access_key=ak)
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

    def check_admin_token(self, given: str, expected: str, client: str) -> None:
        """401 unless ``given`` is the admin token; after ADMIN_LOCK_AFTER wrong ones in a row
        from ``client``, that address is refused for ADMIN_LOCK_MS whatever it sends."""
        locked_ms = self.admin_lockout.locked_for_ms(client)
        if locked_ms:
            raise Unauthenticated(
                f"Too many wrong admin tokens from this address: try again in {-(-locked_ms // 1000)} s"
            )
        if not expected or not hmac.compare_digest(
            given.encode("utf-8", "surrogateescape"), expected.encode()
        ):
            self.admin_lockout.failed(client)
            raise Unauthenticated("The admin token is not valid")
        self.admin_lockout.succeeded(client)

    def still_valid(self, principal: Principal) -> bool:
        """Whether a caller verified earlier may still be served: its token has not expired, its
        AK has not been revoked (seen within KEY_CACHE_MS). For answers that outlive a request."""
        if principal.expires_ms is not None and self.clock.now_ms() >= principal.expires_ms:
            return False
        if principal.access_key is None or principal.temporary:
            return True  # a temporary key lives until its expires_ms, checked above
        return self._access_key(principal.access_key) is not None

    # -- authorisation

    def authorize_project(self, principal: Principal, project_id: str) -> None:
        """403 unless the caller may use ``project_id`` (an unknown project looks the same)."""
        if principal.domain_scoped:
            raise Forbidden(
                "The IAM user is not authorized to access this project: a domain-scoped token "
                "is for global services; get a project-scoped token"
            )
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
