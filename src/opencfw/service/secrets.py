"""Master key, secret-key encryption, password hashing and signed tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

import msgspec
from cryptography.fernet import Fernet, InvalidToken

from opencfw.domain.errors import TokenExpired, Unauthenticated

MASTER_KEY_FILE = "master.key"

# scrypt parameters: ~50 ms and 16 MiB per check on this class of machine
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


class MasterKeyError(RuntimeError):
    """The master key is missing, unreadable, too weak for a new store, or does not match the store."""


class WeakMasterKey(MasterKeyError):
    """A new store was given a master key too weak to protect it; the message says why."""


#: a master key is at least this many random bytes, written as base64 (standard or URL-safe,
#: padding optional) or hex, as ``openssl rand -base64 32`` or ``openssl rand -hex 32`` print
MASTER_KEY_BYTES = 32
HOW_TO_MAKE_A_MASTER_KEY = (
    "make one with `openssl rand -base64 32` "
    "(or `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
)


def _key_bytes(text: str) -> bytes | None:
    """The bytes a master key's text writes: hex, or base64 (either alphabet, padding optional)."""
    if len(text) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in text):
        return bytes.fromhex(text)
    standard = text.rstrip("=").replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except ValueError:
        return None


def master_key_weakness(key: bytes) -> str | None:
    """Why ``key`` is too weak to protect a new store (None: it is fit): fewer than 32 bytes of
    base64 or hex, or bytes that are plainly not random (``AAAA...``)."""
    try:
        raw = _key_bytes(key.decode("ascii").strip())
    except UnicodeDecodeError:
        raw = None
    if raw is None:
        return "it is not base64 or hex text"
    if len(raw) < MASTER_KEY_BYTES:
        return f"it holds {len(raw)} bytes, fewer than {MASTER_KEY_BYTES}"
    if len(set(raw)) < 16:
        return "its bytes are not random"
    return None


def load_master_key(data_dir: Path, given: str | None) -> bytes:
    """The master key: ``given`` (from OPENCFW_MASTER_KEY) or the 0600 file in the data directory,
    created on first use."""
    if given:
        return given.encode()
    path = data_dir / MASTER_KEY_FILE
    if path.exists():
        return _read_key(path)
    # written whole under a temporary name, then linked into place: of processes starting at once,
    # exactly one key wins and nobody reads a file that is still empty
    key = base64.urlsafe_b64encode(secrets.token_bytes(32))
    fd, temporary = tempfile.mkstemp(dir=data_dir, prefix=".master.key.")
    try:
        with os.fdopen(fd, "wb") as handle:  # mkstemp makes it 0600
            handle.write(key + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read_key(path)
    finally:
        os.unlink(temporary)
    return key


def _read_key(path: Path) -> bytes:
    key = path.read_bytes().strip()
    if not key:
        raise MasterKeyError(f"the master key file {path} is empty")
    return key


class SecretBox:
    """Encrypts secret keys at rest and derives the token-signing key, both from the master key."""

    _CHECK = b"opencfw master key check"

    def __init__(self, master_key: bytes) -> None:
        # any string can be a master key: derive the 32-byte Fernet and HMAC keys from it
        material = hashlib.sha256(b"opencfw/v1/encryption\0" + master_key).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(material))
        self.token_key = hashlib.sha256(b"opencfw/v1/tokens\0" + master_key).digest()

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def decrypt(self, ciphertext: bytes) -> str:
        try:
            return self._fernet.decrypt(ciphertext).decode()
        except InvalidToken as exc:
            raise MasterKeyError("a stored secret cannot be decrypted with this master key") from exc

    def check_value(self) -> str:
        return self.encrypt(self._CHECK.decode()).decode()

    def verify_check_value(self, stored: str) -> None:
        try:
            matches = self.decrypt(stored.encode()) == self._CHECK.decode()
        except MasterKeyError:
            matches = False
        if not matches:
            raise MasterKeyError(
                "the master key does not match this store "
                "(OPENCFW_MASTER_KEY or master.key in the data directory)"
            )


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    actual = hashlib.scrypt(
        password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
    )
    return hmac.compare_digest(actual, expected)


class TokenClaims(msgspec.Struct, frozen=True):
    user_id: str
    domain_id: str
    #: None: a domain-scoped token (IAM's scope {"domain": ...}), for global services only
    project_id: str | None
    issued_ms: int
    expires_ms: int


class TemporaryCredential(msgspec.Struct, frozen=True):
    """What a security token carries (sealed): the temporary AK/SK it belongs to and whose it is.
    ``project_id`` is the project of the token it was obtained with (None: the account's projects)."""

    access_key: str
    secret_key: str
    user_id: str
    domain_id: str
    project_id: str | None
    expires_ms: int


_SECURITY_TOKEN_PREFIX = "ocfwst1."  # noqa: S105 - a format prefix, not a secret
_temporary_decoder = msgspec.json.Decoder(TemporaryCredential)


def seal_security_token(box: SecretBox, credential: TemporaryCredential) -> str:
    """The security token of a temporary credential: its fields encrypted and authenticated under
    the master key (Fernet), so any process sharing the key verifies it without a store read."""
    return _SECURITY_TOKEN_PREFIX + box.encrypt(msgspec.json.encode(credential).decode()).decode()


def open_security_token(box: SecretBox, token: str) -> TemporaryCredential:
    bad = Unauthenticated("Incorrect IAM authentication information: the security token is not valid")
    if not token.startswith(_SECURITY_TOKEN_PREFIX):
        raise bad
    try:
        return _temporary_decoder.decode(box.decrypt(token[len(_SECURITY_TOKEN_PREFIX) :].encode()))
    except (MasterKeyError, msgspec.DecodeError, UnicodeError, ValueError) as exc:
        raise bad from exc


_PREFIX = "ocfw1."
_claims_decoder = msgspec.json.Decoder(TokenClaims)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class TokenCodec:
    """Stateless project-scoped tokens: claims plus an HMAC-SHA256 under a key derived from the
    master key. Unforgeable without it, verifiable without a store read, and they expire."""

    key: bytes

    def issue(self, claims: TokenClaims) -> str:
        body = _PREFIX + _b64(msgspec.json.encode(claims))
        mac = hmac.new(self.key, body.encode(), hashlib.sha256).digest()
        return f"{body}.{_b64(mac)}"

    def verify(self, token: str, now_ms: int) -> TokenClaims:
        bad = Unauthenticated("Incorrect IAM authentication information: decrypt token fail")
        if not token.startswith(_PREFIX) or token.count(".") != 2:
            raise bad
        body, _, mac_text = token.rpartition(".")
        try:
            mac = _unb64(mac_text)
            expected = hmac.new(self.key, body.encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(mac, expected):
                raise bad
            claims = _claims_decoder.decode(_unb64(body[len(_PREFIX) :]))
        except (ValueError, msgspec.DecodeError) as exc:
            raise bad from exc
        if now_ms >= claims.expires_ms:
            raise TokenExpired("The token has expired")
        return claims
