"""The bounded soak run in CI: 200 clients on 127.0.0.1 for 60 s (after a 10 s warm-up)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SOAK = Path(__file__).parents[2] / "bench" / "soak.py"


@pytest.mark.exclusive  # 200 clients for a minute: it measures the server, not the machine's other load
@pytest.mark.timeout(240)
def test_soak_has_no_error_no_leak(tmp_path):
    """No error answer, server RSS within +20% of its warmed-up size, no descriptor left open."""
    seconds = os.environ.get("OPENCFW_SOAK_SECONDS", "60")
    env = {**os.environ, "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, str(SOAK), "--clients", "200", "--seconds", seconds],
        capture_output=True,
        text=True,
        timeout=200,
        env=env,
    )
    print(out.stdout)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "soak passed" in out.stdout
