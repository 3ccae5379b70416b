"""Tokens, password hashes, secret encryption and the first-start bootstrap."""

from __future__ import annotations

import pytest

from opencfw.domain.errors import Forbidden, TokenExpired, Unauthenticated
from opencfw.service.credentials import BootstrapSpec
from opencfw.service.secrets import (
    MasterKeyError,
    SecretBox,
    TokenClaims,
    TokenCodec,
    hash_password,
    load_master_key,
    verify_password,
)

SPEC = BootstrapSpec(
    domain="acme",
    user="alice",
    password="s3cret!",
    region="cn-north-4",
    project_id=None,
    access_key=None,
    secret_key=None,
)


def test_token_round_trip_and_expiry():
    """A token verifies until its expiry instant, then answers 'expired'."""
    codec = TokenCodec(b"k" * 32)
    token = codec.issue(TokenClaims("u", "d", "p", 1000, 2000))
    assert codec.verify(token, 1999).project_id == "p"
    with pytest.raises(TokenExpired):
        codec.verify(token, 2000)


@pytest.mark.parametrize("position", [0, 6, 20, -3, -1])
def test_a_flipped_character_invalidates_a_token(position):
    """Changing any one character of a token makes it invalid (never a crash)."""
    codec = TokenCodec(b"k" * 32)
    token = codec.issue(TokenClaims("u", "d", "p", 1000, 2000))
    chars = list(token)
    chars[position] = "A" if chars[position] != "A" else "B"
    with pytest.raises(Unauthenticated):
        codec.verify("".join(chars), 1500)


@pytest.mark.parametrize("junk", ["", "x", "ocfw1.", "ocfw1.a.b", "ocfw1.!!!.###", "ocfw1.é.é", "a.b.c.d"])
def test_garbage_tokens_are_unauthenticated(junk):
    """Malformed tokens are a 401, whatever their shape."""
    with pytest.raises(Unauthenticated):
        TokenCodec(b"k" * 32).verify(junk, 0)


def test_a_token_from_another_master_key_is_refused():
    """Tokens are bound to the server's master key."""
    token = TokenCodec(SecretBox(b"one").token_key).issue(TokenClaims("u", "d", "p", 0, 10**15))
    with pytest.raises(Unauthenticated):
        TokenCodec(SecretBox(b"two").token_key).verify(token, 1)


def test_password_hashes_are_salted_and_verify():
    """Two hashes of one password differ; each verifies only that password."""
    a, b = hash_password("pw"), hash_password("pw")
    assert a != b and a.startswith("scrypt$")
    assert verify_password("pw", a) and not verify_password("pW", a)
    assert not verify_password("pw", "garbage")


def test_secret_box_round_trip_and_wrong_key():
    """Secrets decrypt under the same master key only."""
    sealed = SecretBox(b"one").encrypt("sk")
    assert SecretBox(b"one").decrypt(sealed) == "sk"
    with pytest.raises(MasterKeyError):
        SecretBox(b"two").decrypt(sealed)


def test_master_key_file_is_private_and_stable(tmp_path):
    """The generated master key is written 0600 and read back on the next start."""
    first = load_master_key(tmp_path, None)
    assert (tmp_path / "master.key").stat().st_mode & 0o777 == 0o600
    assert load_master_key(tmp_path, None) == first
    assert load_master_key(tmp_path, "given") == b"given"


def test_master_key_mismatch_is_detected(store, clock, box):
    """Starting a store with another master key fails clearly instead of breaking signatures later."""
    from opencfw.service.credentials import Credentials

    Credentials(store, clock, box, token_ttl_ms=1000).check_master_key()
    with pytest.raises(MasterKeyError):
        Credentials(store, clock, SecretBox(b"other"), token_ttl_ms=1000).check_master_key()


def test_bootstrap_creates_once_and_generates_secrets(credentials, store, box):
    """The first start creates account, user, project and key; the second creates nothing."""
    first = credentials.bootstrap(SPEC)
    assert first.created and first.generated_secret_key and first.access_key
    assert first.generated_password is None  # it was given
    key = store.get_access_key(first.access_key)
    assert key is not None and box.decrypt(key.secret_enc) == first.generated_secret_key
    assert key.secret_enc != first.generated_secret_key.encode()  # never stored in clear
    second = credentials.bootstrap(SPEC)
    assert not second.created and second.generated_secret_key is None
    assert second.project_id == first.project_id


def test_bootstrap_honours_fixed_values_and_updates_them(credentials, store, box):
    """OPENCFW_* values fix the project id, AK/SK and password, and a changed SK is applied."""
    spec = BootstrapSpec("acme", "alice", "pw1", "cn-north-4", "p" * 32, "AKFIXED", "SK1")
    result = credentials.bootstrap(spec)
    assert result.project_id == "p" * 32 and result.generated_secret_key is None
    credentials.bootstrap(BootstrapSpec("acme", "alice", "pw2", "cn-north-4", "p" * 32, "AKFIXED", "SK2"))
    assert box.decrypt(store.get_access_key("AKFIXED").secret_enc) == "SK2"
    token, *_ = credentials.issue_token(
        domain_name="acme",
        domain_id=None,
        user_name="alice",
        password="pw2",
        project_id=None,
        project_name="cn-north-4",
    )
    assert credentials.verify_token(token).project_id == "p" * 32


def test_issue_token_checks_password_and_scope(credentials):
    """Wrong user, wrong password or a project outside the account: no token."""
    credentials.bootstrap(SPEC)
    base = dict(
        domain_name="acme", domain_id=None, user_name="alice", project_id=None, project_name="cn-north-4"
    )
    with pytest.raises(Unauthenticated, match="username or password"):
        credentials.issue_token(**{**base, "password": "nope"})
    with pytest.raises(Unauthenticated, match="username or password"):
        credentials.issue_token(**{**base, "user_name": "bob", "password": "s3cret!"})
    with pytest.raises(Forbidden):
        credentials.issue_token(**{**base, "password": "s3cret!", "project_name": "eu-west-0"})


def test_authorize_project(credentials, store):
    """A token reaches its own project only; an AK reaches its account's projects only."""
    result = credentials.bootstrap(SPEC)
    token, *_ = credentials.issue_token(
        domain_name="acme",
        domain_id=None,
        user_name="alice",
        password="s3cret!",
        project_id=None,
        project_name="cn-north-4",
    )
    principal = credentials.verify_token(token)
    credentials.authorize_project(principal, result.project_id)
    with pytest.raises(Forbidden):
        credentials.authorize_project(principal, "f" * 32)
