"""What the first start prints (the banner), and the master key a new store accepts."""

from __future__ import annotations

import base64
import logging
import re

import pytest

from opencfw.cli import bootstrap_text, main
from opencfw.config import Secret, Settings
from opencfw.runtime import build_runtime
from opencfw.service.secrets import MasterKeyError, master_key_weakness

STRONG = base64.b64encode(bytes(range(7, 39))).decode()  # 32 distinct bytes


def start(settings: Settings) -> str:
    """Build a runtime as `serve` does and render what it would print."""
    runtime, result = build_runtime(settings)
    runtime.close()
    return bootstrap_text(result, settings)


def settings_for(tmp_path, database_url, **values) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=Secret(database_url) if database_url else None,
        master_key=Secret(STRONG),
        **values,
    )


def test_the_first_start_says_all_a_first_client_needs(tmp_path, database_url):
    """Generated secrets once, the dashboard, and exports for the SDK and the CLI (project id too);
    the store is named for what it is, and a later start says one line without secrets."""
    settings = settings_for(tmp_path, database_url, port=9555)
    text = start(settings)
    password = re.search(r"password +(\S+)", text).group(1)
    ak = re.search(r"access key +(\S+)", text).group(1)
    sk = re.search(r"secret key +(\S+)", text).group(1)
    project = re.search(r"\(id ([0-9a-f]{32})\)", text).group(1)
    assert "generated secrets are shown this once" in text and "admin token" in text
    assert f"export CLOUD_SDK_AK={ak} CLOUD_SDK_SK={sk}" in text
    assert f"export OPENCFW_PROJECT_ID={project} OPENCFW_ENDPOINT=http://127.0.0.1:9555" in text
    assert "export HUAWEICLOUD_SDK_REGION_CFW_CN_NORTH_4=http://127.0.0.1:9555" in text
    assert "dashboard      http://127.0.0.1:9555/_opencfw/ui" in text
    if database_url is None:
        assert f"created the first account in the SQLite store in {tmp_path / 'data'}" in text
    else:
        assert "created the first account in PostgreSQL at 127.0.0.1:5432/" in text
        assert str(tmp_path) not in text and "@" not in text  # no data directory, no URL credentials
    again = start(settings)
    assert again.count("\n") == 0 and project in again and "/_opencfw/ui" in again
    assert password not in again and sk not in again


def test_values_given_in_the_settings_are_never_echoed(tmp_path, database_url):
    """With the AK/SK and password given, the banner shows no secret key (and no "None"); the
    admin token, generated, is the one secret shown once."""
    settings = settings_for(
        tmp_path,
        database_url,
        access_key="GIVENAK0000000000001",
        secret_key=Secret("given-secret-key-0000000000000000000001"),
        password=Secret("given-password"),
    )
    text = start(settings)
    assert "None" not in text and "given-secret-key" not in text and "given-password" not in text
    assert "export CLOUD_SDK_AK=GIVENAK0000000000001 CLOUD_SDK_SK=<the secret key you set>" in text
    assert "generated secrets are shown this once" in text and "admin token" in text


def test_nothing_generated_nothing_said_to_be_shown_once(tmp_path):
    """When every credential comes from the settings, the banner does not claim to show secrets."""
    settings = settings_for(
        tmp_path,
        None,
        host="0.0.0.0",
        access_key="GIVENAK0000000000001",
        secret_key=Secret("given-secret-key-0000000000000000000001"),
        password=Secret("given-password"),
        admin_token=Secret("given-admin-token"),
    )
    text = start(settings)
    assert "created the first account" in text and "shown this once" not in text
    assert "given-admin-token" not in text and "admin token" not in text
    assert "OPENCFW_ENDPOINT=http://127.0.0.1:9449" in text


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("hello", "not base64 or hex"),
        ("c2hvcnQ=", "holds 5 bytes, fewer than 32"),
        ("A" * 64, "not random"),
        ("correct horse battery staple, a long passphrase", "not base64 or hex"),
    ],
)
def test_a_new_store_refuses_a_weak_master_key(tmp_path, monkeypatch, capsys, key, why):
    """OPENCFW_MASTER_KEY=hello stops the first start: exit 1, one line saying why and how to make one."""
    assert master_key_weakness(key.encode()) is not None
    monkeypatch.setenv("OPENCFW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPENCFW_MASTER_KEY", key)
    assert main(["migrate"]) == 0  # migrate needs no key
    assert main(["credentials", "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("opencfw: error: OPENCFW_MASTER_KEY is too weak to protect a new store")
    assert why in err and "openssl rand -base64 32" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "key",
    [
        STRONG,
        STRONG.rstrip("="),
        base64.urlsafe_b64encode(bytes(range(200, 240))).decode(),
        bytes(range(100, 132)).hex(),
    ],
    ids=["base64", "unpadded", "urlsafe", "hex"],
)
def test_strong_master_keys_in_every_spelling(tmp_path, key):
    """32 random bytes as base64 (either alphabet, padding optional) or hex make a store."""
    assert master_key_weakness(key.encode()) is None
    runtime, _ = build_runtime(Settings(data_dir=tmp_path, master_key=Secret(key)))
    runtime.close()


def test_a_store_made_with_a_weak_key_still_opens(tmp_path, caplog):
    """A store that predates the rule keeps opening with its weak key (else its secrets are lost),
    with a warning that says how to make a strong one; a wrong key is still refused."""
    from opencfw.domain.clock import ManualClock
    from opencfw.service.credentials import Credentials
    from opencfw.service.secrets import SecretBox
    from opencfw.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "opencfw.sqlite3")
    store.migrate()
    Credentials(store, ManualClock(), SecretBox(b"hello"), token_ttl_ms=1000).check_master_key()
    store.close()
    with caplog.at_level(logging.WARNING, logger="opencfw"):
        runtime, _ = build_runtime(Settings(data_dir=tmp_path, master_key=Secret("hello")))
        runtime.close()
    warned = [r for r in caplog.records if getattr(r, "event", None) == "master_key.weak"]
    assert len(warned) == 1 and "openssl rand -base64 32" in warned[0].getMessage()
    with pytest.raises(MasterKeyError, match="does not match"):
        build_runtime(Settings(data_dir=tmp_path, master_key=Secret(STRONG)))


def test_a_weak_master_key_file_is_refused_too(tmp_path, capsys):
    """The rule is the same for a master.key file written by hand."""
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "master.key").write_text("secret\n")
    with pytest.raises(MasterKeyError, match=r"the master key file .*master\.key is too weak"):
        build_runtime(Settings(data_dir=tmp_path))
