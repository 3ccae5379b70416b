"""The official Go SDK (huaweicloud-sdk-go-v3, services/cfw/v1) against the server: the page sample and a lifecycle.

interop/go is built once per session with its module, build and path caches in .cache/interop/go, into
.cache/interop/bin; then the program runs against a server on each store.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.interop import checks, tools

pytestmark = [pytest.mark.interop, pytest.mark.timeout(1800)]

PROJECT_DIR = tools.INTEROP / "go"
BUILD_TIMEOUT = 15 * 60


def go_env() -> dict[str, str]:
    """Go with every cache under .cache/interop/go (module files writable so the folder can be removed)."""
    go = tools.CACHE / "go"
    return {
        **os.environ,
        "GOMODCACHE": str(go / "mod"),
        "GOCACHE": str(go / "build"),
        "GOPATH": str(go / "path"),
        "GOFLAGS": "-modcacherw -mod=readonly",
        "GOTOOLCHAIN": "local",
    }


@pytest.fixture(scope="session")
def go_program() -> Path:
    """Build interop/go and return the binary."""
    tools.require("go")
    binary = tools.CACHE / "bin" / "cfw-interop-go"
    began = time.monotonic()
    proc = subprocess.run(
        ["go", "build", "-o", str(binary), "."],
        cwd=PROJECT_DIR,
        env=go_env(),
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    if proc.returncode != 0:
        tools.unavailable(
            f"the Go interop program did not build (go exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    print(f"go interop build: {time.monotonic() - began:.1f} s")
    return binary


def test_go_sdk_sample_and_lifecycle(go_program: Path, interop_server, interop_home: Path):
    """Create, poll, detail, rename, delete through the Go SDK; its errors carry the API's codes."""
    checks.run_program([str(go_program)], checks.client_env(interop_server, interop_home), PROJECT_DIR)
