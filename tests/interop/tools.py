"""Toolchains of the interop tier: where they are, where their caches live, and the loud skip."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: every download of the tier (Go modules and builds, the Maven repository, the provider) lives here
CACHE = Path(os.environ.get("OPENCFW_INTEROP_CACHE", ROOT / ".cache" / "interop"))
INTEROP = ROOT / "interop"
SKIP_PREFIX = "INTEROP TESTS SKIPPED"
REFUSED_PREFIX = "REFUSED BY A PACKAGE REGISTRY"


def required() -> bool:
    return os.environ.get("OPENCFW_REQUIRE_INTEROP", "").lower() in ("1", "true", "yes")


def require(*commands: str) -> None:
    """Skip loudly (or fail, when required) unless every command is on PATH."""
    missing = [c for c in commands if shutil.which(c) is None]
    if not missing:
        return
    reason = f"{', '.join(missing)} not found on PATH"
    if required():
        pytest.fail(f"{reason}, and OPENCFW_REQUIRE_INTEROP is set", pytrace=False)
    pytest.skip(f"{SKIP_PREFIX}: {reason}")


def unavailable(reason: str) -> None:
    """Skip loudly (or fail, when required) for a reason found while preparing a toolchain."""
    if required():
        pytest.fail(f"{reason}, and OPENCFW_REQUIRE_INTEROP is set", pytrace=False)
    pytest.skip(f"{SKIP_PREFIX}: {reason}")


def refused_by_registry(reason: str) -> None:
    """A package registry refused, at once, what a test needs (a "403 not available" from the Go
    module proxy, say): nothing here can fix that, so the test is skipped even where the tier is
    required, and the run ends with a banner that names the refusal. Anything else that stops a
    toolchain (a build that fails, a time-out) is ``unavailable()``: a failure in CI."""
    pytest.skip(f"{REFUSED_PREFIX}: {reason}")


def registry_refusal(stderr: str) -> bool:
    """Whether a ``go`` command's error output is the module proxy refusing to serve a module."""
    return any(
        marker in stderr
        for marker in ("This module version is not available", "410 Gone", "403 Forbidden", ": 403 ")
    )
