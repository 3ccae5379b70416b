"""The official Java SDK (huaweicloud-sdk-cfw) against the server: the ListJob page sample and a lifecycle.

interop/java is built at most once per session, with the Maven repository in .cache/interop/m2
(offline when that is warm) and the classes in .cache/interop/java; a build of the same sources is
reused without starting Maven. Then the Lifecycle program runs against a server on each store.
"""

from __future__ import annotations

import hashlib
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


def _sources_digest() -> str:
    """What the build depends on: the POM and every source file, by content."""
    digest = hashlib.sha256()
    for path in sorted([PROJECT_DIR / "pom.xml", *(PROJECT_DIR / "src").rglob("*.java")]):
        digest.update(str(path.relative_to(PROJECT_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _built(stamp: Path, classpath_file: Path, digest: str) -> bool:
    """The last build is of these very sources and every jar it names is still in the cache."""
    if not stamp.is_file() or stamp.read_text() != digest or not classpath_file.is_file():
        return False
    return all(Path(jar).is_file() for jar in classpath_file.read_text().strip().split(":"))


@pytest.fixture(scope="session")
def java_program() -> list[str]:
    """Compile interop/java (unless the cache holds a build of the same sources) and return the command."""
    tools.require("mvn", "java")
    classpath_file = tools.CACHE / "java" / "classpath.txt"
    classes = tools.CACHE / "java" / "classes"
    stamp = tools.CACHE / "java" / "sources.sha256"
    digest = _sources_digest()
    if _built(stamp, classpath_file, digest):
        return ["java", "-cp", f"{classes}:{classpath_file.read_text().strip()}"]
    stamp.unlink(missing_ok=True)
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
    stamp.write_text(digest)
    return ["java", "-cp", f"{classes}:{classpath_file.read_text().strip()}"]


def test_java_sdk_sample_and_lifecycle(java_program, interop_server, interop_home: Path):
    """Create, poll, detail, rename, delete through the Java SDK; its exceptions carry the API's codes."""
    env = checks.client_env(interop_server, interop_home)
    command = [*java_program, f"-Duser.home={interop_home}", "opencfw.interop.Lifecycle"]
    checks.run_program(command, env, PROJECT_DIR)
