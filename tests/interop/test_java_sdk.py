"""The official Java SDK (huaweicloud-sdk-cfw) against the server: the ListJob page sample and a lifecycle.

interop/java is built once per session with the Maven repository in .cache/interop/m2 (offline when
that is warm) and the classes in .cache/interop/java; then interop/java's Lifecycle program runs
against a server on each store.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.interop import checks, tools

pytestmark = [pytest.mark.interop, pytest.mark.timeout(1800)]

PROJECT_DIR = tools.INTEROP / "java"
BUILD_TIMEOUT = 15 * 60


def _mvn(*args: str, offline: bool) -> subprocess.CompletedProcess[str]:
    build_dir = tools.CACHE / "java"
    command = [
        "mvn",
        "-B",
        "-q",
        *(["-o"] if offline else []),
        f"-Dmaven.repo.local={tools.CACHE / 'm2'}",
        f"-Dopencfw.build.directory={build_dir}",
        *args,
    ]
    return subprocess.run(
        command, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False
    )


@pytest.fixture(scope="session")
def java_program() -> list[str]:
    """Compile interop/java and return the command that runs its lifecycle program."""
    tools.require("mvn", "java")
    classpath_file = tools.CACHE / "java" / "classpath.txt"
    goals = ("compile", "dependency:build-classpath", f"-Dmdep.outputFile={classpath_file}")
    began = time.monotonic()
    proc = _mvn(*goals, offline=True)
    if proc.returncode != 0:  # a cold cache: let Maven download what it needs
        proc = _mvn(*goals, offline=False)
    if proc.returncode != 0:
        tools.unavailable(
            f"the Java interop program did not build (mvn exit {proc.returncode}):\n"
            f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    print(f"java interop build: {time.monotonic() - began:.1f} s")
    classpath = f"{tools.CACHE / 'java' / 'classes'}:{classpath_file.read_text().strip()}"
    return ["java", "-cp", classpath]


def test_java_sdk_sample_and_lifecycle(java_program, interop_server, interop_home: Path):
    """Create, poll, detail, rename, delete through the Java SDK; its exceptions carry the API's codes."""
    env = checks.client_env(interop_server, interop_home)
    command = [*java_program, f"-Duser.home={interop_home}", "opencfw.interop.Lifecycle"]
    checks.run_program(command, env, PROJECT_DIR)
