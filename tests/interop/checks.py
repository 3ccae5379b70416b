"""Run one interop program and read its verdict.

The Java and Go programs print one line per check (``CHECK <name> ok|FAIL <detail>``) and a last line
``RESULT ok`` or ``RESULT FAIL ...``, and exit non-zero on any failed check.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.acceptance.server import AK, PROJECT, SK, Server

#: every check the programs make, in order; a program that skips one fails the test
CHECKS = (
    "create",
    "create_job",
    "job_times",
    "seed_list_job",
    "detail",
    "rename",
    "detail_renamed",
    "delete",
    "delete_job",
    "gone",
    "unknown_job",
    "seed_unknown_job",
    "wrong_sk",
)

#: the page's samples name this region; the SDKs map it to an endpoint from this variable
SEED_REGION_VARIABLE = "HUAWEICLOUD_SDK_REGION_CFW_CN_NORTH_4"


def client_env(server: Server, home: Path) -> dict[str, str]:
    """The environment a user gives the programs: keys, project, endpoint, and the seed's region."""
    return {
        **os.environ,
        "HOME": str(home),
        "CLOUD_SDK_AK": AK,
        "CLOUD_SDK_SK": SK,
        "OPENCFW_ENDPOINT": server.url,
        "OPENCFW_PROJECT_ID": PROJECT,
        SEED_REGION_VARIABLE: server.url,
    }


def run_program(command: list[str], env: dict[str, str], cwd: Path, timeout: float = 120) -> dict[str, str]:
    """Run a program to the end and return ``{check: "ok"|"FAIL"}``, asserting that every check passed."""
    proc = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    output = f"exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr[-4000:]}"
    verdicts: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        parts = line.split(" ", 3)
        if len(parts) >= 3 and parts[0] == "CHECK":
            verdicts[parts[1]] = parts[2]
    failed = [name for name, verdict in verdicts.items() if verdict != "ok"]
    missing = [name for name in CHECKS if name not in verdicts]
    assert not failed and not missing, f"failed: {failed}, missing: {missing}\n{output}"
    assert proc.stdout.splitlines()[-1] == "RESULT ok", output
    assert proc.returncode == 0, output
    return verdicts
