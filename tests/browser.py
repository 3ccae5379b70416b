"""A headless Chromium for tests: Debian's ``chromium`` driven by Playwright, or a loud skip.

Playwright never downloads a browser here: it launches ``OPENCFW_CHROMIUM`` (default
``/usr/bin/chromium``). With ``OPENCFW_REQUIRE_BROWSER=1`` (set by CI) a missing browser or a
missing Playwright fails the tests instead of skipping them.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("OPENCFW_CHROMIUM", "/usr/bin/chromium")
#: no sandbox (containers run as root), and nothing that reaches out to the internet
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@functools.cache
def missing() -> str | None:
    """Why no browser test can run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}: apt-get install chromium (or set OPENCFW_CHROMIUM)"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed: pip install -e '.[test]'"
    return None


def require() -> None:
    reason = missing()
    if reason is None:
        return
    if os.environ.get("OPENCFW_REQUIRE_BROWSER", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}, and OPENCFW_REQUIRE_BROWSER is set", pytrace=False)
    pytest.skip(f"BROWSER TESTS SKIPPED: {reason}")
