"""Interop tier: the official Java and Go SDKs and the real ``terraform`` binary against a real server.

Each test asks for the toolchain it needs with :func:`require`. Where one is missing the test is
skipped with the reason and the run ends with a red banner; with ``OPENCFW_REQUIRE_INTEROP=1`` (set by
CI) the skip is a failure. Downloads (Go modules, the Maven repository, the provider binary) are kept
in ``.cache/interop`` of the project (git-ignored), so a second run costs little.
"""

from __future__ import annotations

import contextlib

import pytest

from tests import pg
from tests.acceptance.server import Server
from tests.conftest import BACKENDS
from tests.interop import tools

pytestmark = pytest.mark.interop


@pytest.fixture(scope="session")
def interop_home(tmp_path_factory):
    """The SDKs write under $HOME: keep that in a temporary directory."""
    return tmp_path_factory.mktemp("interop-home")


@pytest.fixture(scope="session", params=BACKENDS)
def interop_server(request, tmp_path_factory):
    """One server per store kind for the interop tier: jobs take 0.5 s."""
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(pg.fresh_schema()) if request.param == "postgres" else None
        srv = Server(tmp_path_factory.mktemp("interop-srv") / "data", url, provision_seconds="0.5").start()
        stack.callback(srv.stop)
        yield srv


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say it loudly when interop tests were skipped, or a registry refused what they need."""
    skipped = terminalreporter.stats.get("skipped", [])
    refused = [r for r in skipped if tools.REFUSED_PREFIX in str(getattr(r, "longrepr", ""))]
    if refused:
        terminalreporter.write_sep(
            "!", "A PACKAGE REGISTRY REFUSED WHAT SOME INTEROP TESTS NEED", red=True, bold=True
        )
        terminalreporter.write_line(
            f"{len(refused)} interop test(s) could not run here (the refusal is in the skip reason above).",
            red=True,
        )
    if any(tools.SKIP_PREFIX in str(getattr(report, "longrepr", "")) for report in skipped):
        terminalreporter.write_sep("!", "INTEROP TESTS WERE SKIPPED", red=True, bold=True)
        terminalreporter.write_line(
            "The Java/Go SDK or Terraform tests did not run (reasons above). "
            "CI sets OPENCFW_REQUIRE_INTEROP=1.",
            red=True,
        )
