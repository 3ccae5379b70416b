"""Open event streams end when their credential does: an AK revoked (also by another process), a
token expired, a dashboard session expired or signed out."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from opencfw.api import routes_tasks, routes_ui
from opencfw.config import Secret
from opencfw.service.credentials import KEY_CACHE_MS
from opencfw.service.sessions import SESSION_TTL_MS
from tests.unit import test_api
from tests.unit.test_api import AK, P, token_for
from tests.unit.test_hardening_auth import signed_headers

env = test_api.env

EVENTS = f"/_opencfw/v1/{P}/events"
UI_EVENTS = "/_opencfw/ui/api/events"
#: how long a stream may take to notice (a few rechecks, generous for a loaded machine)
NOTICE_SECONDS = 5.0


@pytest.fixture
def world(env, monkeypatch):
    monkeypatch.setattr(routes_tasks, "RECHECK_SECONDS", 0.05)
    runtime, clock, client = env(admin_token=Secret("admin-secret"))
    return runtime, clock, client


class Stream:
    """An event stream opened on the in-process app; ``done`` once the server ends it."""

    def __init__(self, app, path: str, headers: dict[str, str]) -> None:
        self.chunks: list[bytes] = []
        self.status: int | None = None
        self._gone = asyncio.Event()
        self._first = True
        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        }
        self.task = asyncio.ensure_future(app(scope, self._receive, self._send))

    async def _receive(self):
        if self._first:
            self._first = False
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message):
        if message["type"] == "http.response.start":
            self.status = message["status"]
        else:
            self.chunks.append(message.get("body", b""))

    async def opened(self) -> None:
        async with asyncio.timeout(NOTICE_SECONDS):
            while not self.chunks:
                await asyncio.sleep(0.01)
        assert self.status == 200, self.chunks

    async def still_open_after_rechecks(self) -> None:
        await asyncio.sleep(routes_tasks.RECHECK_SECONDS * 6)
        assert not self.task.done()

    async def ends(self) -> None:
        await asyncio.wait_for(self.task, NOTICE_SECONDS)
        assert b"expired or was revoked" in b"".join(self.chunks)

    def close(self) -> None:
        self._gone.set()
        self.task.cancel()


def run(runtime, scenario):
    async def main():
        runtime.attach(asyncio.get_running_loop())
        await scenario()

    asyncio.run(main())


def test_an_ak_stream_ends_when_the_key_is_revoked_elsewhere(world):
    """A stream signed with an AK ends within the key cache's time once another process revokes the
    key (the store changes, this process is not told)."""
    runtime, clock, client = world

    async def scenario():
        stream = Stream(client.app, EVENTS, signed_headers(clock, "GET", EVENTS))
        await stream.opened()
        await stream.still_open_after_rechecks()
        key = runtime.store.get_access_key(AK)
        runtime.store.put_access_key(dataclasses.replace(key, active=False), clock.now_ms())
        clock.advance(KEY_CACHE_MS / 1000)
        await stream.ends()

    run(runtime, scenario)


def test_a_token_stream_ends_when_the_token_expires(world):
    """A stream opened with a token ends once the token has expired."""
    runtime, clock, client = world
    token = token_for(client, P)

    async def scenario():
        stream = Stream(client.app, EVENTS, {"x-auth-token": token})
        await stream.opened()
        clock.advance(runtime.credentials.token_ttl_ms / 1000 - 60)
        await stream.still_open_after_rechecks()
        clock.advance(60)
        await stream.ends()

    run(runtime, scenario)


@pytest.mark.parametrize("how", ["expiry", "sign-out"])
def test_a_dashboard_stream_ends_with_its_session(world, how):
    """The dashboard's stream ends when its session expires or is signed out."""
    runtime, clock, client = world
    reply = client.request(
        "POST",
        "/_opencfw/ui/api/session",
        headers={"content-type": "application/json"},
        json_body={"method": "admin", "project": P, "token": "admin-secret"},
    )
    cookie = reply.headers["set-cookie"].split(";", 1)[0]

    async def scenario():
        stream = Stream(client.app, UI_EVENTS, {"cookie": cookie})
        await stream.opened()
        await stream.still_open_after_rechecks()
        if how == "expiry":
            clock.advance(SESSION_TTL_MS / 1000)
        else:  # what DELETE /_opencfw/ui/api/session does
            codec = routes_ui._sessions(runtime)
            codec.end(codec.verify(cookie.split("=", 1)[1]))
        await stream.ends()

    run(runtime, scenario)
