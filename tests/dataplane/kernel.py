"""The data-plane tier's gate: real namespaces and nftables here, or a loud skip.

With ``OPENCFW_REQUIRE_DATAPLANE=1`` (set by CI) a host that cannot run the data plane fails these
tests instead of skipping them. The check is the product's own start-up probe (a throw-away
namespace, a veth pair and a table with every feature the compiler emits).
"""

from __future__ import annotations

import functools
import os

import pytest

from opencfw.dataplane import runner

SKIP_PREFIX = "DATA-PLANE TESTS SKIPPED"


@functools.cache
def missing() -> str | None:
    return runner.problem()


def require() -> None:
    reason = missing()
    if reason is None:
        return
    if os.environ.get("OPENCFW_REQUIRE_DATAPLANE", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}, and OPENCFW_REQUIRE_DATAPLANE is set", pytrace=False)
    pytest.skip(f"{SKIP_PREFIX}: {reason}")
