"""Dashboard sessions: an encrypted, expiring cookie value and the sign-outs this process has seen.

The cookie carries the session (who, which project, the CSRF token, when it ends) encrypted and
authenticated under a key derived from the master key, so every process sharing the master key
accepts it and nothing is kept per session. It is bound to a fingerprint of the password hash (or
of the admin token): changing the password or the admin token ends every session made with it.
A sign-out is remembered in this process until the session would have expired anyway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from typing import Literal

import msgspec
from cryptography.fernet import Fernet, InvalidToken

from opencfw.domain.clock import Clock
from opencfw.domain.errors import Unauthenticated

#: a session lasts this long from sign-in, however active it is
SESSION_TTL_MS = 8 * 3600 * 1000

Kind = Literal["user", "admin"]


class Session(msgspec.Struct, frozen=True):
    id: str
    kind: Kind
    project_id: str
    #: the user's id (kind "user"), empty for the admin
    user_id: str
    csrf: str
    issued_ms: int
    expires_ms: int
    #: fingerprint of the credential the session was made with
    bind: str


_decoder = msgspec.json.Decoder(Session)


def fingerprint(secret: str) -> str:
    return hashlib.sha256(b"opencfw/v1/ui-bind\0" + secret.encode("utf-8", "surrogateescape")).hexdigest()[
        :32
    ]


class Sessions:
    def __init__(self, token_key: bytes, clock: Clock) -> None:
        key = hmac.new(token_key, b"opencfw/v1/ui-sessions", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))
        self.clock = clock
        self._lock = threading.Lock()
        #: signed-out session id -> when it would have expired
        self._ended: dict[str, int] = {}

    def issue(self, kind: Kind, project_id: str, user_id: str, credential: str) -> tuple[str, Session]:
        now = self.clock.now_ms()
        session = Session(
            id=secrets.token_urlsafe(16),
            kind=kind,
            project_id=project_id,
            user_id=user_id,
            csrf=secrets.token_urlsafe(32),
            issued_ms=now,
            expires_ms=now + SESSION_TTL_MS,
            bind=fingerprint(credential),
        )
        return self._fernet.encrypt(msgspec.json.encode(session)).decode(), session

    def verify(self, cookie: str) -> Session:
        """The session in ``cookie``; 401 when it is forged, expired or signed out."""
        try:
            session = _decoder.decode(self._fernet.decrypt(cookie.encode("ascii")))
        except (InvalidToken, UnicodeEncodeError, msgspec.DecodeError, ValueError) as exc:
            raise Unauthenticated("The dashboard session is not valid: sign in again") from exc
        if self.clock.now_ms() >= session.expires_ms:
            raise Unauthenticated("The dashboard session has expired: sign in again")
        with self._lock:
            if session.id in self._ended:
                raise Unauthenticated("The dashboard session has ended: sign in again")
        return session

    def end(self, session: Session) -> None:
        now = self.clock.now_ms()
        with self._lock:
            self._ended = {sid: until for sid, until in self._ended.items() if until > now}
            self._ended[session.id] = session.expires_ms


def csrf_matches(session: Session, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(
        session.csrf.encode(), given.encode("utf-8", "surrogateescape")
    )
