"""`opencfw credentials create|list|revoke` on a store, and what the server makes of the keys."""

from __future__ import annotations

import json
import time

import pytest

from opencfw.cli import main
from opencfw.config import Secret, Settings
from opencfw.domain import signing
from opencfw.domain.clock import ManualClock
from opencfw.domain.errors import Forbidden, Unauthenticated
from opencfw.runtime import build_runtime

KEY = "Y2xpLXRlc3Qta2V5OiAzMiByYW5kb20tbG9va2luZyBieXRlcyE="  # 38 bytes of base64


@pytest.fixture
def data(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("OPENCFW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPENCFW_MASTER_KEY", KEY)
    if database_url:
        monkeypatch.setenv("OPENCFW_DATABASE_URL", database_url)
    return tmp_path


def run(capsys, *argv):
    code = main(["credentials", *argv, "--output", "json"])
    out, err = capsys.readouterr()
    return code, out, err


def verify(data, database_url, ak, sk, project_id):
    """Sign a request with the pair and have a fresh runtime on the store verify it."""
    clock = ManualClock()
    settings = Settings(
        data_dir=data,
        master_key=Secret(KEY),
        database_url=Secret(database_url) if database_url else None,
    )
    runtime, _ = build_runtime(settings, clock)
    try:
        date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(clock.now_ms() / 1000))
        path = f"/v3/{project_id}/jobs/x"
        headers = {"host": "h", "x-sdk-date": date}
        auth = signing.sign_headers(access_key=ak, secret_key=sk, method="GET", path=path, headers=headers)
        principal = runtime.credentials.verify_signature(
            authorization=auth, method="GET", raw_path=path.encode(), raw_query=b"", headers=headers, body=b""
        )
        runtime.credentials.authorize_project(principal, project_id)
    finally:
        runtime.close()


def test_create_list_revoke(data, capsys, database_url):
    """A created pair signs requests for the account's projects; once revoked it is refused."""
    code, out, err = run(capsys, "create", "--new-project-id", "b" * 32, "--new-project-name", "eu-west-0")
    assert code == 0, err
    created = json.loads(out)
    assert created["project_id"] == "b" * 32 and len(created["secret_key"]) == 40
    assert "created the first account" in err  # on stderr: stdout stays parseable
    verify(data, database_url, created["access_key"], created["secret_key"], "b" * 32)
    code, out, _ = run(capsys, "list")
    listed = json.loads(out)
    assert created["access_key"] in [k["access_key"] for k in listed]
    assert all("secret" not in k for k in listed) and created["secret_key"] not in out
    assert run(capsys, "revoke", created["access_key"])[0] == 0
    statuses = {k["access_key"]: k["status"] for k in json.loads(run(capsys, "list")[1])}
    assert statuses[created["access_key"]] == "revoked"
    with pytest.raises(Unauthenticated, match="not found or revoked"):
        verify(data, database_url, created["access_key"], created["secret_key"], "b" * 32)


def test_first_use_on_an_empty_store_shows_the_first_account(data, capsys):
    """Run first on an empty store, the command still shows the generated first account once."""
    code = main(["credentials", "list", "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 0 and "created the first account" in err and "secret key" in err
    assert len(json.loads(out)) == 1


def test_errors(data, capsys, database_url):
    """An unknown user is a usage error (3), an unknown AK not found (4); a key of another account
    cannot reach this one's projects."""
    assert run(capsys, "create", "--user", "nobody")[0] == 3
    assert run(capsys, "revoke", "NOSUCHKEY")[0] == 4
    code, out, _ = run(capsys, "create")
    created = json.loads(out)
    assert code == 0
    with pytest.raises(Forbidden):
        verify(data, database_url, created["access_key"], created["secret_key"], "c" * 32)


def test_people_get_a_table_scripts_ask_for_json(data, capsys):
    """Without options the commands print a table (also when piped); --json prints JSON."""
    assert main(["credentials", "list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["ACCESS", "KEY", "USER", "DOMAIN", "STATUS", "CREATED"]
    assert main(["credentials", "create"]) == 0
    out = capsys.readouterr().out
    assert "shown this once" in out and "secret_key" in out
    assert main(["credentials", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
