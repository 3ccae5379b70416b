"""Acceptance tier: real server processes driven by the official SDK and plain HTTP."""

from __future__ import annotations

import contextlib

import pytest

from tests import pg
from tests.acceptance.server import Server
from tests.conftest import BACKENDS

pytestmark = pytest.mark.acceptance


@pytest.fixture(scope="session", autouse=True)
def sdk_home(tmp_path_factory):
    """The SDK writes $HOME/.huaweicloud/application_id: keep it in a temporary directory."""
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv("HOME", str(home))
    yield home
    mp.undo()


@pytest.fixture(scope="session", params=BACKENDS)
def server(request, tmp_path_factory, sdk_home):
    """The shared server, once per store kind: jobs take 0.4 s, default outcome and time format."""
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(pg.fresh_schema()) if request.param == "postgres" else None
        srv = Server(tmp_path_factory.mktemp("srv") / "data", url, provision_seconds="0.4").start()
        stack.callback(srv.stop)
        yield srv


@pytest.fixture
def spawn(tmp_path, sdk_home, database_url):
    """Start extra servers with their own settings (on this test's store); all stopped afterwards."""
    started: list[Server] = []

    def make(data_dir=None, **settings) -> Server:
        srv = Server(data_dir or tmp_path / f"data{len(started)}", database_url, **settings).start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()
