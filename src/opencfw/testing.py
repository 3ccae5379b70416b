"""A pytest plugin: real ``opencfw serve`` processes for tests of code that talks to CFW.

Installed with opencfw (entry point ``pytest11``). Fixtures:

- ``opencfw_server``: one server for the whole session;
- ``opencfw_fresh_server``: a server of its own for one test, with settings from the
  ``@pytest.mark.opencfw(provision_seconds="0", provision_outcome="failed")`` marker;
- ``opencfw_server_factory``: ``factory(**settings)`` starts more servers, all stopped after the test;
- ``opencfw_client``: an official SDK ``CfwClient`` for ``opencfw_server``.

Each server listens on a free port of 127.0.0.1, keeps its store in a temporary directory, and has its
own project id and access key. Settings are the server's ``OPENCFW_*`` variables without the prefix,
lower-case: ``provision_seconds`` (0.5 here unless set), ``provision_outcome``, ``delete_outcome``,
``job_time_format``... The ini option ``opencfw_settings`` (``KEY=VALUE`` lines) sets them for every
server; a marker or factory arguments override it for one test.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from huaweicloudsdkcfw.v1 import CfwClient

#: settings of every server the plugin starts, unless a test says otherwise
DEFAULT_SETTINGS = {"provision_seconds": "0.5"}
REGION = "cn-north-4"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _random(alphabet: str, size: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(size))


class OpencfwServer:
    """One ``opencfw serve`` process: where it listens, who may call it, and an SDK client."""

    def __init__(self, data_dir: Path, **settings: Any) -> None:
        self.data_dir = Path(data_dir)
        self.settings = {key: str(value) for key, value in {**DEFAULT_SETTINGS, **settings}.items()}
        self.region = REGION
        self.project_id = secrets.token_hex(16)
        self.access_key = _random(string.ascii_uppercase + string.digits, 20)
        self.secret_key = _random(string.ascii_letters + string.digits, 40)
        self.password = secrets.token_urlsafe(12)
        self.port = 0
        self.log = self.data_dir.parent / f"{self.data_dir.name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        #: seconds from starting the process to its first healthy answer
        self.startup_seconds = 0.0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environ(self) -> dict[str, str]:
        """What a client needs to reach this server: the SDK's variables and opencfw's."""
        region_variable = "HUAWEICLOUD_SDK_REGION_CFW_" + self.region.upper().replace("-", "_")
        return {
            "CLOUD_SDK_AK": self.access_key,
            "CLOUD_SDK_SK": self.secret_key,
            "OPENCFW_ENDPOINT": self.endpoint,
            "OPENCFW_PROJECT_ID": self.project_id,
            region_variable: self.endpoint,
        }

    def _server_environ(self) -> dict[str, str]:
        # the caller's own OPENCFW_* settings must not leak into a test server
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCFW_")}
        env.update(
            {
                "OPENCFW_HOST": "127.0.0.1",
                "OPENCFW_PORT": str(self.port),
                "OPENCFW_DATA_DIR": str(self.data_dir),
                "OPENCFW_REGION": self.region,
                "OPENCFW_PROJECT_ID": self.project_id,
                "OPENCFW_ACCESS_KEY": self.access_key,
                "OPENCFW_SECRET_KEY": self.secret_key,
                "OPENCFW_PASSWORD": self.password,
                # 32 bytes as hex, as a master key must be; the same for a restart of this server
                "OPENCFW_MASTER_KEY": hashlib.sha256(
                    b"opencfw-testing-" + self.project_id.encode()
                ).hexdigest(),
            }
        )
        env.update({f"OPENCFW_{key.upper()}": value for key, value in self.settings.items()})
        return env

    def start(self, timeout: float = 30.0) -> OpencfwServer:
        """Start the process and return once it answers ``/_opencfw/health`` (a new port per try)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        for _attempt in range(3):
            self.port = _free_port()
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "opencfw", "serve"],
                    env=self._server_environ(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            if self._wait_ready(began + timeout):
                self.startup_seconds = time.monotonic() - began
                return self
            if self.process.poll() is None:
                break  # running but not answering: trying another port will not help
            self.process = None  # it exited: most likely the port was taken meanwhile
        self.stop()
        raise RuntimeError(f"opencfw server did not start; its log ({self.log}):\n{self._log_tail()}")

    def _wait_ready(self, deadline: float) -> bool:
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                health = f"{self.endpoint}/_opencfw/health"  # always http://127.0.0.1
                with urllib.request.urlopen(health, timeout=1) as reply:  # noqa: S310
                    if reply.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.01)
        return False

    def _log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> int | None:
        """Stop the process (SIGTERM, then SIGKILL after 15 s); its exit code."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def new_client(self) -> CfwClient:
        """A new official SDK client for this server (AK/SK signatures, no retries)."""
        from huaweicloudsdkcfw.v1 import CfwClient
        from huaweicloudsdkcore.auth.credentials import BasicCredentials
        from huaweicloudsdkcore.http.http_config import HttpConfig

        config = HttpConfig.get_default_config()
        config.retry_times = 0
        return (
            CfwClient.new_builder()
            .with_credentials(BasicCredentials(self.access_key, self.secret_key, self.project_id))
            .with_endpoints([self.endpoint])
            .with_http_config(config)
            .build()
        )

    @cached_property
    def client(self) -> CfwClient:
        """An official SDK client for this server, made on first use."""
        return self.new_client()

    def __repr__(self) -> str:
        return f"OpencfwServer({self.endpoint}, project {self.project_id})"


def _ini_settings(config: pytest.Config) -> dict[str, str]:
    settings: dict[str, str] = {}
    for line in config.getini("opencfw_settings"):
        key, sep, value = str(line).partition("=")
        if not sep or not key.strip():
            raise pytest.UsageError(f"opencfw_settings: expected KEY=VALUE lines, got {line!r}")
        settings[key.strip().lower()] = value.strip()
    return settings


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "opencfw_settings",
        type="linelist",
        default=[],
        help="KEY=VALUE settings (OPENCFW_KEY without the prefix) of every opencfw test server",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "opencfw(**settings): server settings for opencfw_fresh_server, "
        "e.g. provision_seconds='0', provision_outcome='failed'",
    )


@pytest.fixture(scope="session")
def opencfw_server(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[OpencfwServer]:
    """One opencfw server for the whole session."""
    server = OpencfwServer(tmp_path_factory.mktemp("opencfw") / "data", **_ini_settings(pytestconfig))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def opencfw_server_factory(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Any]:
    """``factory(**settings)`` starts a server of the test's own; all are stopped after the test."""
    started: list[OpencfwServer] = []
    defaults = _ini_settings(pytestconfig)

    def factory(**settings: Any) -> OpencfwServer:
        server = OpencfwServer(tmp_path_factory.mktemp("opencfw") / "data", **{**defaults, **settings})
        started.append(server)
        return server.start()

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def opencfw_fresh_server(request: pytest.FixtureRequest, opencfw_server_factory: Any) -> OpencfwServer:
    """A server for this test alone, with the settings of its ``opencfw`` marker."""
    settings: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("opencfw"))):
        if marker.args:
            raise pytest.UsageError("@pytest.mark.opencfw takes keyword settings only")
        settings.update(marker.kwargs)
    server: OpencfwServer = opencfw_server_factory(**settings)
    return server


@pytest.fixture(scope="session")
def opencfw_client(opencfw_server: OpencfwServer) -> CfwClient:
    """The official SDK client for ``opencfw_server``."""
    return opencfw_server.client
