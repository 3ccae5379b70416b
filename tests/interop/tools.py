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
