"""Start and stop a real ``opencfw serve`` process for acceptance tests."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

MASTER_KEY = hashlib.sha256(b"acceptance-master-key").hexdigest()  # 32 bytes as hex
PROJECT = "0123456789abcdef0123456789abcdef"
AK = "ACCEPTANCEAK00000001"
SK = "acceptance-secret-key-0000000000000001"
PASSWORD = "acceptance-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(proc: subprocess.Popen[bytes] | None, sig: int) -> int:
    """Signal a process, wait up to 15 s (then kill it), and return its exit status."""
    if proc is None:
        return 0
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


class Server:
    """One server process on a free port and a data directory of its own."""

    def __init__(
        self, data_dir: Path, database_url: str | None = None, *, nofile: int | None = None, **settings: str
    ) -> None:
        self.data_dir = data_dir
        #: an open-file limit (soft and hard) for the server process
        self.nofile = nofile
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "OPENCFW_DATA_DIR": str(data_dir),
            "OPENCFW_PORT": str(self.port),
            "OPENCFW_MASTER_KEY": MASTER_KEY,
            "OPENCFW_PROJECT_ID": PROJECT,
            "OPENCFW_ACCESS_KEY": AK,
            "OPENCFW_SECRET_KEY": SK,
            "OPENCFW_PASSWORD": PASSWORD,
            **{f"OPENCFW_{k.upper()}": v for k, v in settings.items()},
        }
        self.database_url = database_url
        if database_url is not None:
            self.env["OPENCFW_DATABASE_URL"] = database_url
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir.parent / f"server-{self.port}.log"
        self.startup_seconds = 0.0

    def start(self, timeout: float = 20.0) -> Server:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "opencfw", "serve"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=self._limit if self.nofile is not None else None,
            )
        while time.monotonic() - began < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_opencfw/health", timeout=1) as reply:
                    if reply.status == 200:
                        self.startup_seconds = time.monotonic() - began
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log.read_text()}")

    def _limit(self) -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (self.nofile, self.nofile))

    def rss(self, field: str = "VmRSS") -> int:
        """The server's resident memory in bytes (``VmHWM``: its peak so far)."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
        raise AssertionError(f"no {field}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        code = stop_process(self.proc, sig)
        self.proc = None
        return code

    def request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, body: object = None
    ) -> tuple[int, Any, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as reply:
                return reply.status, reply.headers, json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, err.headers, json.loads(err.read() or b"null")

    def token(self, project_id: str = PROJECT) -> str:
        status, headers, body = self.request(
            "POST",
            "/v3/auth/tokens",
            body={
                "auth": {
                    "identity": {
                        "methods": ["password"],
                        "password": {
                            "user": {"name": "admin", "password": PASSWORD, "domain": {"name": "opencfw"}}
                        },
                    },
                    "scope": {"project": {"id": project_id}},
                }
            },
        )
        assert status == 201, body
        return headers["X-Subject-Token"]


class Worker:
    """An ``opencfw worker`` process (the engine only)."""

    def __init__(self, data_dir: Path, database_url: str | None, **settings: str) -> None:
        self.env = Server(data_dir, database_url, **settings).env
        self.data_dir = data_dir
        self.log = data_dir.parent / f"worker-{id(self)}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> Worker:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "opencfw", "worker"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        began = time.monotonic()
        while b"opencfw: worker " not in self.log.read_bytes():
            if self.proc.poll() is not None or time.monotonic() - began > timeout:
                raise RuntimeError(f"worker did not start:\n{self.log.read_text()}")
            time.sleep(0.02)
        return self

    @property
    def owner_prefix(self) -> str:
        assert self.proc is not None
        return f":{self.proc.pid}:"

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def stop(self, sig: int = signal.SIGTERM) -> int:
        code = stop_process(self.proc, sig)
        self.proc = None
        return code
