"""Acceptance tier: real server processes driven by the official SDK and plain HTTP."""

from __future__ import annotations

import pytest

from tests.acceptance.server import Server

pytestmark = pytest.mark.acceptance


@pytest.fixture(scope="session", autouse=True)
def sdk_home(tmp_path_factory):
    """The SDK writes $HOME/.huaweicloud/application_id: keep it in a temporary directory."""
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv("HOME", str(home))
    yield home
    mp.undo()


@pytest.fixture(scope="session")
def server(tmp_path_factory, sdk_home):
    """The shared server: jobs take 0.4 s, the default outcome and time format."""
    srv = Server(tmp_path_factory.mktemp("srv") / "data", provision_seconds="0.4").start()
    yield srv
    srv.stop()


@pytest.fixture
def spawn(tmp_path, sdk_home):
    """Start extra servers with their own settings; all are stopped after the test."""
    started: list[Server] = []

    def make(data_dir=None, **settings) -> Server:
        srv = Server(data_dir or tmp_path / f"data{len(started)}", **settings).start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()
