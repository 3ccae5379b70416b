"""Drive the ASGI app in-process: no sockets, a manual clock, the real routing and auth."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from opencfw.api.app import App
from opencfw.domain import signing


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class AsgiClient:
    def __init__(self, app: App, address: str | None = None) -> None:
        self.app = app
        #: the client address the server sees (scope "client"); None: unknown, as before
        self.address = address

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        json_body: Any = None,
    ) -> Reply:
        if json_body is not None:
            body = json.dumps(json_body).encode()
        parts = urlsplit(url)
        raw_headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        return asyncio.run(self._call(method, parts.path, parts.query.encode(), raw_headers, body or b""))

    async def _call(self, method, path, query, headers, body) -> Reply:
        from urllib.parse import unquote

        scope = {
            "type": "http",
            "method": method,
            "path": unquote(path),
            "raw_path": path.encode(),
            "query_string": query,
            "headers": headers,
        }
        if self.address is not None:
            scope["client"] = (self.address, 50000)
        sent = False
        messages: list[dict] = []

        async def receive():
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            messages.append(message)

        await self.app(scope, receive, send)
        start = messages[0]
        return Reply(
            start["status"],
            {k.decode(): v.decode() for k, v in start["headers"]},
            b"".join(m.get("body", b"") for m in messages[1:]),
        )

    def signed(
        self,
        method: str,
        url: str,
        *,
        ak: str,
        sk: str,
        sdk_date: str,
        body: bytes = b"",
        extra: dict | None = None,
        algorithm: str = signing.SHA256,
    ) -> Reply:
        parts = urlsplit(url)
        headers = {
            "content-type": "application/json",
            "host": "testserver",
            "x-sdk-date": sdk_date,
            **(extra or {}),
        }
        headers["authorization"] = signing.sign_headers(
            access_key=ak,
            secret_key=sk,
            method=method,
            path=parts.path,
            query=parts.query,
            headers=headers,
            body=body,
            algorithm=algorithm,
        )
        return self.request(method, url, headers=headers, body=body)
