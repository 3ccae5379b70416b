"""Limits over a real socket (127.0.0.1): oversized bodies are refused before being read whole, and
oversized headers, URLs or header counts get a clean 4xx from the HTTP server, never a 500."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time

import pytest

from tests.acceptance.server import PROJECT, Server

MAX_BODY = 12 * 1024 * 1024


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("limits") / "data", None, provision_seconds="0").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token(srv):
    return srv.token()


def read_reply(sock: socket.socket, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    """Read one HTTP/1.1 response (status, lower-case headers, body)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def exchange(srv: Server, head: bytes, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        # the server may answer and close before reading everything
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head + body)
        return read_reply(sock)


def assert_gateway_error(status, headers, body, expected_status, code):
    assert status == expected_status, body
    payload = json.loads(body)
    assert payload["error_code"] == code
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])
    assert payload["request_id"] == headers["x-request-id"]


def test_declared_oversized_body_is_refused_before_it_is_sent(srv, token):
    """A Content-Length over 12 MiB gets 413 APIGW.0201 at once, while the client has sent no body."""
    head = (
        f"POST /v2/{PROJECT}/firewall HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {MAX_BODY + 1}\r\n\r\n"
    ).encode()
    began = time.monotonic()
    status, headers, body = exchange(srv, head)
    assert_gateway_error(status, headers, body, 413, "APIGW.0201")
    assert time.monotonic() - began < 5


def test_streamed_oversized_body_is_cut_off(srv, token):
    """A chunked body that grows past 12 MiB is refused with 413 once the limit is passed; the server
    does not wait for (or buffer) the rest: here the client would send 64 MiB."""
    head = (
        f"POST /v2/{PROJECT}/firewall HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: {token}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    chunk = b"%x\r\n%s\r\n" % (1024 * 1024, b" " * 1024 * 1024)
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        sent = {"bytes": 0}

        def pump():
            try:
                sock.sendall(head)
                for _ in range(64):
                    sock.sendall(chunk)
                    sent["bytes"] += 1024 * 1024
            except OSError:
                pass

        sender = threading.Thread(target=pump, daemon=True)
        sender.start()
        status, headers, body = read_reply(sock, timeout=20)
        sender.join(timeout=20)
    assert_gateway_error(status, headers, body, 413, "APIGW.0201")
    assert sent["bytes"] < 64 * 1024 * 1024


def test_body_at_the_limit_is_read_and_judged(srv, token):
    """A body of exactly 12 MiB is read whole and answered as bad JSON (400), not as too large."""
    body = b"[" + b" " * (MAX_BODY - 2) + b"]"
    head = (
        f"POST /v1/{PROJECT}/firewalls/list HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    status, _, reply = exchange(srv, head, body)
    assert status == 400 and json.loads(reply)["error_code"] == "CFW.00200001"


@pytest.mark.parametrize(
    ("what", "size"),
    [("header", 8 * 1024), ("header", 200 * 1024), ("url", 8 * 1024), ("url", 200 * 1024), ("count", 2000)],
)
def test_large_headers_and_urls_never_get_a_500(srv, token, what, size):
    """Big header values, long URLs and many headers get an answer below 500 (401/400/404/431 ...)
    or a closed connection from the HTTP server, and the server keeps serving afterwards."""
    path = f"/v3/{PROJECT}/jobs/00000000-0000-4000-8000-000000000000"
    extra = ""
    if what == "header":
        extra = f"X-Padding: {'a' * size}\r\n"
    elif what == "url":
        path += "?pad=" + "a" * size
    else:
        extra = "".join(f"X-H{i}: v\r\n" for i in range(size))
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: {token}\r\n{extra}\r\n".encode()
    try:
        status, _, body = exchange(srv, head)
    except (ConnectionResetError, TimeoutError, IndexError, ValueError):
        status, body = None, b""  # the HTTP server dropped the connection: acceptable, not a 500
    assert status is None or status < 500, (status, body[:200])
    alive = srv.request("GET", "/_opencfw/health")
    assert alive[0] == 200


def test_a_huge_token_header_is_a_clean_401(srv):
    """A 32 KiB X-Auth-Token is refused as an invalid token, in the documented body."""
    head = (
        f"GET /v3/{PROJECT}/jobs/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: {'A' * 32768}\r\n\r\n"
    ).encode()
    assert_gateway_error(*exchange(srv, head), 401, "APIGW.0301")
