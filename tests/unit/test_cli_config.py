"""Settings parsing and the command line's error handling."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from opencfw.cli import main
from opencfw.config import ConfigError, Settings


def test_defaults_bind_loopback_and_use_xdg(tmp_path):
    """Without settings the server binds 127.0.0.1:9449 and keeps data under XDG_DATA_HOME."""
    s = Settings.load({"XDG_DATA_HOME": str(tmp_path)})
    assert (s.host, s.port) == ("127.0.0.1", 9449)
    assert s.data_dir == tmp_path / "opencfw"
    assert Settings.load({"HOME": str(tmp_path)}).data_dir == tmp_path / ".local/share/opencfw"


def test_environment_and_flags(tmp_path):
    """OPENCFW_* variables are read; flags win over them."""
    env = {
        "OPENCFW_PORT": "1234",
        "OPENCFW_PROVISION_SECONDS": "1.5s",
        "OPENCFW_PROVISION_OUTCOME": "FAILED",
        "OPENCFW_TOKEN_TTL": "2m",
        "OPENCFW_JOB_TIME_FORMAT": "epoch_ms",
    }
    s = Settings.load(env, port=4321)
    assert s.port == 4321 and s.provision_seconds == 1.5 and s.provision_outcome == "failed"
    assert s.token_ttl == 120 and s.job_time_format == "epoch_ms"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"OPENCFW_PORT": "http"}, "OPENCFW_PORT"),
        ({"OPENCFW_PORT": "70000"}, "OPENCFW_PORT"),
        ({"OPENCFW_PROVISION_SECONDS": "-1"}, "OPENCFW_PROVISION_SECONDS"),
        ({"OPENCFW_PROVISION_SECONDS": "soon"}, "OPENCFW_PROVISION_SECONDS"),
        ({"OPENCFW_PROVISION_SECONDS": "nan"}, "OPENCFW_PROVISION_SECONDS"),
        ({"OPENCFW_PROVISION_OUTCOME": "maybe"}, "OPENCFW_PROVISION_OUTCOME"),
        ({"OPENCFW_JOB_TIME_FORMAT": "rfc822"}, "OPENCFW_JOB_TIME_FORMAT"),
        ({"OPENCFW_TOKEN_TTL": "0"}, "OPENCFW_TOKEN_TTL"),
        ({"OPENCFW_SECRET_KEY": "x"}, "OPENCFW_ACCESS_KEY"),
        ({"OPENCFW_HOST": "   "}, "OPENCFW_HOST"),
    ],
)
def test_bad_values_name_the_variable(env, named):
    """Each unusable value is an error that names its variable."""
    with pytest.raises(ConfigError, match=named):
        Settings.load(env)


def test_cli_reports_bad_settings_without_traceback(monkeypatch, capsys):
    """`opencfw serve` with a bad setting prints one line on stderr and exits 3."""
    monkeypatch.setenv("OPENCFW_PORT", "not-a-port")
    assert main(["serve"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("opencfw: error: OPENCFW_PORT") and "Traceback" not in err


def test_migrate_creates_the_schema(tmp_path, capsys):
    """`opencfw migrate` creates the store, and a second run has nothing to apply."""
    assert main(["migrate", "--data-dir", str(tmp_path)]) == 0
    assert "applied 1" in capsys.readouterr().out
    assert main(["migrate", "--data-dir", str(tmp_path)]) == 0
    assert "nothing to apply" in capsys.readouterr().out


def test_wrong_master_key_stops_the_server(tmp_path, monkeypatch, capsys):
    """A store started with another master key refuses to serve, saying why."""
    from opencfw.runtime import build_runtime

    runtime, _ = build_runtime(Settings(data_dir=tmp_path))
    runtime.close()
    monkeypatch.setenv("OPENCFW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPENCFW_MASTER_KEY", "some other key")
    assert main(["serve", "--port", "0"]) == 1
    assert "master key does not match" in capsys.readouterr().err


def test_help_lists_every_variable():
    """`opencfw serve --help` shows every OPENCFW_* setting."""
    out = subprocess.run(
        [sys.executable, "-m", "opencfw", "serve", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for variable, _ in Settings.variables():
        assert variable in out
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for variable, _ in Settings.variables():
        assert f"`{variable}`" in readme, f"{variable} is not documented in the README"


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--port", "70000"], "--port must be between 0 and 65535"),
        (["--port", "http"], "--port must be a port number"),
        (["--host", ""], "--host must not be empty"),
        (["--data-dir", " "], "--data-dir must not be empty"),
    ],
)
def test_flags_are_checked_like_variables(argv, named, capsys):
    """A flag's value goes through the same check as its variable's: one line naming the flag, exit 3."""
    assert main(["serve", *argv]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"opencfw: error: {named}") and "Traceback" not in err


def test_help_names_settings_as_the_file_does(tmp_path):
    """`opencfw --help` shows each setting by its configuration file key, and that key is accepted in
    the file: one set of names (no token_ttl_seconds next to token_ttl)."""
    out = subprocess.run(
        [sys.executable, "-m", "opencfw", "--help"], capture_output=True, text=True, check=True
    ).stdout
    listed = [line.split() for line in out.splitlines() if line.strip().startswith("OPENCFW_")]
    keys = {words[1] for words in listed if words[0] != "OPENCFW_CONFIG"}
    assert {"token_ttl", "poll_interval", "job_retention", "migrate"} <= keys
    for stale in ("token_ttl_seconds", "poll_seconds", "job_retention_seconds", "migrate_on_start"):
        assert stale not in out
    config = tmp_path / "opencfw.toml"
    for key in keys:  # every key the help shows is one the file knows (its value may be refused)
        config.write_text(f'{key} = "x"\n')
        try:
            Settings.load({}, config)
        except ConfigError as exc:
            assert "unknown setting" not in str(exc)


def test_no_command_is_a_usage_error(capsys):
    """`opencfw` alone prints its usage on stderr and exits 3, like every other usage error."""
    assert main([]) == 3
    assert "usage: opencfw" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["completion", "bash"], ["--help"], ["serve", "--help"], ["version"]])
def test_a_closed_pipe_ends_output_quietly(argv):
    """`opencfw ... | head` never prints "Broken pipe" or a traceback: exit 141, as for SIGPIPE.
    The reader is gone before the command writes anything, so every run meets the closed pipe."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "opencfw", *argv], stdout=write_end, stderr=subprocess.PIPE, timeout=60
        )
    finally:
        os.close(write_end)
    assert done.stderr == b""
    # argparse's --help drops what it cannot write and exits 0 itself; our own output exits 141
    assert done.returncode in ((0, 141) if "--help" in argv else (141,))
