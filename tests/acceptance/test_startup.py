"""First start with real processes, on both stores: servers and workers started at the same moment,
workers started first or with other account settings, and a port that is already taken."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from opencfw.domain import signing
from tests.acceptance.server import Server, Worker, stop_process

#: settings that would fix the first account's secrets: unset, so that the first start generates them
FIXED = ("OPENCFW_PASSWORD", "OPENCFW_ACCESS_KEY", "OPENCFW_SECRET_KEY", "OPENCFW_PROJECT_ID")
SHOWN = "generated secrets are shown this once"


def generating(server: Server) -> Server:
    """``server`` with nothing fixed: its first start generates the password, AK/SK and admin token."""
    for name in (*FIXED, "OPENCFW_ADMIN_TOKEN"):
        server.env.pop(name, None)
    return server


def launch(command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "opencfw", command], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def wait_until(ready, what: str, procs, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        for proc, log in procs:
            assert proc.poll() is None, f"{what}: a process exited with {proc.returncode}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"{what}: not ready after {timeout} s"
        time.sleep(0.05)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_opencfw/health", timeout=2) as reply:
            return reply.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def secrets_in(text: str) -> dict[str, str]:
    """The one-time block of a server's output: password, access key, secret key, admin token."""
    found = {}
    for name in ("password", "access key", "secret key", "admin token"):
        match = re.search(rf"^  {name} +(\S+)", text, re.M)
        if match:
            found[name] = match[1]
    return found


def token_status(
    srv: Server, password: str, domain: str = "opencfw", user: str = "admin", project: str = "cn-north-4"
) -> int:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": user, "password": password, "domain": {"name": domain}}},
            },
            "scope": {"project": {"name": project}},
        }
    }
    return srv.request("POST", "/v3/auth/tokens", body=body)[0]


def signed_status(srv: Server, ak: str, sk: str) -> int:
    headers = {"host": f"127.0.0.1:{srv.port}", "x-sdk-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())}
    headers["authorization"] = signing.sign_headers(
        access_key=ak, secret_key=sk, method="GET", path="/v3/projects", query="", headers=headers
    )
    return srv.request("GET", "/v3/projects", headers=headers)[0]


def test_servers_and_workers_started_together_create_one_account(tmp_path, database_url, sdk_home):
    """Two servers and three workers started at the same moment on an empty store all start; the
    generated secrets are shown by exactly one process, whole, and they work on both servers."""
    data = tmp_path / "data"
    servers = [generating(Server(data, database_url)) for _ in range(2)]
    workers = [Worker(data, database_url) for _ in range(3)]
    for worker in workers:
        worker.env = generating(Server(data, database_url)).env
    logs = [tmp_path / f"process-{i}.log" for i in range(5)]
    procs = []
    try:
        for srv, log in zip(servers, logs, strict=False):
            procs.append((launch("serve", srv.env, log), log))
        for worker, log in zip(workers, logs[2:], strict=True):
            procs.append((launch("worker", worker.env, log), log))
        wait_until(
            lambda: (
                all(healthy(s.url) for s in servers)
                and all(b"opencfw: worker " in log.read_bytes() for log in logs[2:])
            ),
            "servers and workers",
            procs,
        )
        outputs = [log.read_text() for log in logs]
        for bad in ("Traceback", "IntegrityError", "UniqueViolation"):
            assert not any(bad in out for out in outputs), "\n".join(outputs)
        showing = [out for out in outputs if SHOWN in out]
        assert len(showing) == 1, outputs
        shown = secrets_in(showing[0])
        assert set(shown) == {"password", "access key", "secret key", "admin token"}, showing[0]
        assert all(SHOWN not in out for out in outputs[2:])  # never a worker
        for srv in servers:
            assert token_status(srv, shown["password"]) == 201
            assert signed_status(srv, shown["access key"], shown["secret key"]) == 200
            status, _, _ = srv.request(
                "GET", "/_opencfw/admin/engine", headers={"Authorization": f"Bearer {shown['admin token']}"}
            )
            assert status == 200
    finally:
        for proc, _ in procs:
            stop_process(proc, 15)


def test_a_worker_never_creates_or_changes_the_account(tmp_path, database_url, sdk_home):
    """A worker started first creates nothing (the server started next shows the secrets); a worker
    with another password changes nothing; one with another domain, user and region creates nothing."""
    data = tmp_path / "data"
    early = Worker(data, database_url)
    early.env = generating(Server(data, database_url)).env
    srv = generating(Server(data, database_url))
    other = {"domain": "elsewhere", "user": "intruder", "region": "eu-west-0", "password": "intruder-pw"}
    late = [Worker(data, database_url, password="the-workers-password"), Worker(data, database_url, **other)]
    try:
        early.start(timeout=90)
        srv.start(timeout=90)
        text = srv.log.read_text()
        assert SHOWN in text and "created the first account" in text, text
        shown = secrets_in(text)
        assert token_status(srv, shown["password"]) == 201
        for worker in late:
            worker.start(timeout=90)
        assert token_status(srv, shown["password"]) == 201
        assert token_status(srv, "the-workers-password") == 401
        assert (
            token_status(srv, "intruder-pw", domain="elsewhere", user="intruder", project="eu-west-0") == 401
        )
    finally:
        for process in (srv, early, *late):
            process.stop()


def test_a_taken_port_says_so_and_keeps_the_secrets_for_the_next_start(tmp_path, database_url, sdk_home):
    """A first start on a taken port exits 1 saying the port is taken, prints no secret and creates
    nothing; the next start on a free port creates the account and shows its secrets."""
    data = tmp_path / "data"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        blocked = generating(Server(data, database_url))
        blocked.env["OPENCFW_PORT"] = str(port)
        result = subprocess.run(
            [sys.executable, "-m", "opencfw", "serve"], env=blocked.env, capture_output=True, timeout=90
        )
    out = result.stdout.decode() + result.stderr.decode()
    assert result.returncode == 1, out
    assert f"port {port} is taken" in result.stderr.decode()
    for word in ("secret", "password", "export", "access key"):
        assert word not in out
    srv = generating(Server(data, database_url))
    try:
        srv.start(timeout=90)
        text = srv.log.read_text()
        assert SHOWN in text and "created the first account" in text
        assert token_status(srv, secrets_in(text)["password"]) == 201
    finally:
        srv.stop()
