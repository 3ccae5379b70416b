"""Shell completion scripts generated from the command line's own parser."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from opencfw.cli import main


@pytest.mark.parametrize("shell", ["bash", "zsh", "tcsh"])
def test_completion_scripts_name_every_command(shell, capsys):
    """`opencfw completion SHELL` prints a script that knows the commands and their options."""
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for word in ("serve", "worker", "migrate", "credentials", "firewall", "job", "no-worker"):
        assert word in script


def test_bash_completion_is_valid_bash(capsys, tmp_path):
    """The bash script parses (bash -n)."""
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    main(["completion", "bash"])
    script = tmp_path / "opencfw.bash"
    script.write_text(capsys.readouterr().out)
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0


def test_unknown_shell_is_a_usage_error(capsys):
    """An unsupported shell is refused by the parser (exit 3, a usage error)."""
    with pytest.raises(SystemExit) as err:
        main(["completion", "fish"])
    assert err.value.code == 3
