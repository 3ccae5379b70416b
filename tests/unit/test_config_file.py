"""The configuration file: precedence flag > environment > file > default, strict keys and values,
and `opencfw config show`."""

from __future__ import annotations

import pytest

from opencfw.cli import main
from opencfw.config import ConfigError, Settings


def write(tmp_path, text: str):
    path = tmp_path / "opencfw.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("in_file", "in_env", "flag", "expected", "source"),
    [
        (None, None, None, 9449, "default"),
        (9001, None, None, 9001, "file"),
        (9001, "9002", None, 9002, "environment OPENCFW_PORT"),
        (9001, "9002", 9003, 9003, "flag"),
        (None, "9002", 9003, 9003, "flag"),
        (9001, None, 9003, 9003, "flag"),
        (None, "9002", None, 9002, "environment OPENCFW_PORT"),
    ],
)
def test_precedence_table(tmp_path, in_file, in_env, flag, expected, source):
    """A flag beats the environment, which beats the file, which beats the default."""
    path = write(tmp_path, f"port = {in_file}\n" if in_file else "")
    env = {"OPENCFW_CONFIG": str(path), **({"OPENCFW_PORT": in_env} if in_env else {})}
    settings, sources = Settings.resolve(env, None, port=flag)
    assert settings.port == expected
    assert sources["port"].startswith(source)


def test_file_holds_every_setting(tmp_path):
    """Every setting can be written in the file under its variable's name without OPENCFW_."""
    path = write(
        tmp_path,
        'provision_seconds = "1.5s"\npoll_interval = "250ms"\nrun_worker = false\nfailure_rate = 0.25\n'
        'log_format = "json"\nmetrics_token = "tok"\ndatabase_url = "postgresql://u@h/db"\n',
    )
    s = Settings.load({}, path)
    assert (s.provision_seconds, s.poll_interval, s.run_worker, s.failure_rate) == (1.5, 0.25, False, 0.25)
    assert s.log_format == "json" and s.metrics_token.reveal() == "tok"
    assert s.database_url.reveal() == "postgresql://u@h/db"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("prot = 1\n", "'prot'"),
        ("port = 70000\n", "port in"),
        ('provision_outcome = "maybe"\n', "provision_outcome in"),
        ("run_worker = 3\n", "run_worker in"),
        ("port = [1]\n", "port in"),
        ("port = \n", "not valid TOML"),
    ],
)
def test_unknown_keys_and_bad_values_name_the_key(tmp_path, text, named):
    """A mistake in the file stops start-up with a message naming the key."""
    with pytest.raises(ConfigError, match=named):
        Settings.load({}, write(tmp_path, text))


def test_missing_file_is_an_error(tmp_path):
    """A configuration file that was asked for but cannot be read is an error, not a silent default."""
    with pytest.raises(ConfigError, match="cannot read"):
        Settings.load({"OPENCFW_CONFIG": str(tmp_path / "absent.toml")})


def test_config_show_masks_secrets_and_names_sources(tmp_path, monkeypatch, capsys):
    """`opencfw config show` prints each value and its origin, never a secret."""
    path = write(tmp_path, 'access_key = "AKFILE"\nsecret_key = "sk-in-the-file"\nregion = "cn-east-3"\n')
    monkeypatch.setenv("OPENCFW_PASSWORD", "pw-in-the-environment")
    monkeypatch.setenv("OPENCFW_PORT", "9555")
    assert main(["config", "show", "--config", str(path), "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines()}
    assert "sk-in-the-file" not in out and "pw-in-the-environment" not in out
    assert "**********" in rows["secret_key"] and "file" in rows["secret_key"]
    assert "9555" in rows["port"] and "environment OPENCFW_PORT" in rows["port"]
    assert "cn-east-3" in rows["region"] and "flag" in rows["data_dir"] and "default" in rows["host"]


def test_cli_reports_a_bad_file_without_traceback(tmp_path, capsys):
    """`opencfw serve --config` with an unknown key exits 3 with one line naming it."""
    path = write(tmp_path, "colour = 'blue'\n")
    assert main(["serve", "--config", str(path)]) == 3
    err = capsys.readouterr().err
    assert "colour" in err and "Traceback" not in err


def test_the_example_file_in_deploy_loads():
    """deploy/opencfw.toml is a valid configuration file."""
    from pathlib import Path

    settings = Settings.load({}, Path(__file__).parents[2] / "deploy" / "opencfw.toml")
    assert settings.host == "0.0.0.0" and settings.log_format == "json"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("OPENCFW_MAX_HEADER_BYTES", "100"),
        ("OPENCFW_MAX_HEADER_LINES", "2"),
        ("OPENCFW_HEADER_TIMEOUT", "0"),
        ("OPENCFW_BODY_TIMEOUT", "0s"),
        ("OPENCFW_MAX_CONNECTIONS", "-1"),
        ("OPENCFW_MAX_BODY_BYTES_IN_FLIGHT", "1024"),
        ("OPENCFW_ACCESS_KEY", "has space"),
        ("OPENCFW_ACCESS_KEY", "K" * 129),
    ],
)
def test_connection_limits_and_the_access_key_shape_are_checked(variable, value):
    with pytest.raises(ConfigError, match=variable):
        Settings.load({variable: value})


def test_connection_limits_default_and_parse():
    settings = Settings.load(
        {"OPENCFW_HEADER_TIMEOUT": "2s", "OPENCFW_MAX_CONNECTIONS": "50", "OPENCFW_ACCESS_KEY": "my-key_1.a"}
    )
    assert (settings.header_timeout, settings.body_timeout) == (2.0, 15.0)
    assert (settings.max_header_bytes, settings.max_header_lines, settings.max_connections) == (
        65536,
        100,
        50,
    )
    assert settings.access_key == "my-key_1.a"
