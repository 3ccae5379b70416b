"""Authentication: password tokens, temporary keys, AK/SK signatures, the admin token, and which
projects a caller may use. ``Credentials`` gathers the first start (``bootstrap.py``), key
administration (``key_admin.py``) and the signature checks (``signatures.py``) as mixins; the
names those modules define are importable from here as before."""

from __future__ import annotations

import functools
import hmac
import secrets

from opencfw.domain.accounts import Domain, Project, User
from opencfw.domain.clock import Clock
from opencfw.domain.errors import BadParameter, Forbidden, TokenExpired, Unauthenticated
from opencfw.service.bootstrap import (  # noqa: F401 - re-exported
    AdminToken,
    BootstrapResult,
    BootstrapSpec,
    FirstStart,
    admin_token,
)
from opencfw.service.key_admin import KeyAdministration, new_access_key, new_secret_key
from opencfw.service.lockout import Lockout
from opencfw.service.secrets import (
    SecretBox,
    TemporaryCredential,
    TokenClaims,
    TokenCodec,
    hash_password,
    open_security_token,
    seal_security_token,
    verify_password,
)
from opencfw.service.signatures import (  # noqa: F401 - re-exported
    ACCESS_KEY_SHAPE,
    AK_LOCKED,
    SIGNATURE_WINDOW_MS,
    PendingSignature,
    Principal,
    Signatures,
    SigningKey,
)
from opencfw.store.base import Store

#: an AK/SK pair is read from the store (and decrypted) at most this often per process; a revoked
#: or changed key takes effect within this time
KEY_CACHE_MS = 2000
#: the remembered tokens, keys and projects are forgotten past this many entries
_CACHE_LIMIT = 50_000
#: AKs found unknown or revoked are remembered apart, fewer of them: a stream of made-up keys
#: neither evicts the real ones nor holds more than this many (each at most 128 characters)
_UNKNOWN_KEYS_LIMIT = 10_000

#: as the real gateway does: this many consecutive signature failures lock an AK for LOCK_MS
LOCK_AFTER_FAILURES = 5
LOCK_MS = 5 * 60 * 1000
#: wrong passwords (token requests and dashboard sign-ins) from one address before it is locked,
#: and for how long: IAM locks for 15 minutes and answers "The account is locked."
PASSWORD_LOCK_AFTER = 5
PASSWORD_LOCK_MS = 15 * 60 * 1000
#: wrong admin tokens from one address before it is locked, and for how long
ADMIN_LOCK_AFTER = 5
ADMIN_LOCK_MS = 15 * 60 * 1000

#: how long temporary AK/SK pairs and their security token last (IAM: 15 minutes to 24 hours)
TEMPORARY_MIN_S, TEMPORARY_DEFAULT_S, TEMPORARY_MAX_S = 900, 900, 86400


class Credentials(FirstStart, KeyAdministration, Signatures):
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
        #: verified tokens and the principal each makes (immutable, made once)
        self._verified_tokens: dict[str, tuple[TokenClaims, Principal]] = {}
        self._security_tokens: dict[str, TemporaryCredential] = {}
        self._keys: dict[str, tuple[int, SigningKey]] = {}
        self._unknown_keys: dict[str, int] = {}
        self._project_domains: dict[str, str] = {}

    def forget_keys(self) -> None:
        """Drop remembered AK/SK pairs (after this process changed one)."""
        self._keys.clear()
        self._unknown_keys.clear()

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
        known = self._verified_tokens.get(token)
        if known is not None:
            if self.clock.now_ms() >= known[0].expires_ms:
                raise TokenExpired("The token has expired")
            return known[1]
        claims = self.tokens.verify(token, self.clock.now_ms())
        # base64 has several spellings of one MAC ('+' for '-', unused bits of the last
        # character): only the exact text that was issued is a token, so re-issue and compare
        if not hmac.compare_digest(
            self.tokens.issue(claims).encode(), token.encode("utf-8", "surrogateescape")
        ):
            raise Unauthenticated("Incorrect IAM authentication information: decrypt token fail")
        principal = Principal(
            claims.domain_id,
            claims.user_id,
            "token",
            project_id=claims.project_id,
            domain_scoped=claims.project_id is None,
            expires_ms=claims.expires_ms,
        )
        if len(self._verified_tokens) >= _CACHE_LIMIT:
            self._verified_tokens.clear()
        self._verified_tokens[token] = (claims, principal)
        return principal

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

    def _access_key(self, ak: str) -> SigningKey | None:
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
        found = SigningKey.of(key, self.box.decrypt(key.secret_enc))
        if len(self._keys) >= _CACHE_LIMIT:
            self._keys.clear()
        self._keys[ak] = (now + KEY_CACHE_MS, found)
        return found

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
