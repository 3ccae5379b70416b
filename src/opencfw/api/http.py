"""Requests, responses and routing for the thin ASGI layer.

The hot path (a job read) must stay well under the ~120 µs a full framework spends before the
handler runs (design.md), so this is a few small classes instead of a framework.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl

import msgspec

from opencfw.domain.errors import MethodNotAllowed, RouteNotFound

if TYPE_CHECKING:
    from opencfw.service.credentials import Principal

JSON_CONTENT_TYPE = b"application/json;charset=UTF-8"
_encoder = msgspec.json.Encoder()


class Request:
    __slots__ = (
        "body",
        "client",
        "headers",
        "method",
        "params",
        "path",
        "principal",
        "query",
        "raw_path",
        "raw_query",
        "request_id",
        "session",
    )

    def __init__(
        self,
        *,
        method: str,
        path: str,
        raw_path: bytes,
        raw_query: bytes,
        headers: dict[str, str],
        request_id: str,
    ) -> None:
        self.method = method
        self.path = path
        self.raw_path = raw_path
        self.raw_query = raw_query
        self.headers = headers
        self.request_id = request_id
        self.body = b""
        #: the caller's address as the HTTP server reports it ("" when unknown)
        self.client = ""
        self.params: dict[str, str] = {}
        self.principal: Principal | None = None
        #: the dashboard session of a route with a ``session*`` auth mode (checked by the router)
        self.session: Any = None
        self.query: dict[str, str] = (
            dict(parse_qsl(raw_query.decode("utf-8", "replace"), keep_blank_values=True, errors="replace"))
            if raw_query
            else {}
        )


@dataclass(slots=True)
class Response:
    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]]
    #: a streamed body (Server-Sent Events): sent chunk by chunk after ``body``
    stream: AsyncIterator[bytes] | None = None
    content_type: bytes = JSON_CONTENT_TYPE


def json_response(status: int, payload: Any, headers: list[tuple[bytes, bytes]] | None = None) -> Response:
    return Response(status, _encoder.encode(payload), headers or [])


#: where a handler runs: on the event loop (short reads), on the single writer thread (anything
#: that writes), on the shared thread pool (slow CPU work such as password hashing), or as a
#: coroutine on the event loop (waiting, streaming; it does its own store calls via the runtime)
Mode = Literal["inline", "write", "thread", "async"]
#: what a route requires: a caller allowed on the path's project, any authenticated caller, the
#: admin token, a dashboard session (``session``; ``session_write`` also checks its CSRF token and
#: the origin; ``session_admin`` further needs an admin session), or none
Auth = Literal["project", "caller", "admin", "session", "session_write", "session_admin", "none"]
#: the dashboard's auth modes: a session cookie, checked before the handler runs
SESSION_AUTH = frozenset({"session", "session_write", "session_admin"})
#: ``(runtime, request) -> Response``; for ``async`` routes an awaitable of one
Handler = Callable[[Any, Request], Any]

_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    template: str
    handler: Handler
    mode: Mode = "inline"
    auth: Auth = "project"

    def compile(self) -> re.Pattern[str]:
        return re.compile("^" + _PARAM.sub(r"(?P<\1>[^/]+)", self.template) + "$")


#: paths of opencfw's own extensions: a wrong method there is a 405 with ``Allow``; on the documented
#: API it is what the real gateway answers, 404 APIGW.0101 (docs/api-notes.md)
EXTENSION_PREFIX = "/_opencfw/"


class Router:
    def __init__(self, routes: list[Route]) -> None:
        self._routes = [(route, route.compile()) for route in routes]
        # the templates without parameters are matched by a dict lookup first
        self._static: dict[str, dict[str, Route]] = {}
        for route in routes:
            if "{" not in route.template:
                self._static.setdefault(route.template, {})[route.method] = route

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        static = self._static.get(path)
        if static is not None:
            if method in static:
                return static[method], {}
            self._wrong_method(method, path, list(static))
        allowed: list[str] = []
        for route, pattern in self._routes:
            found = pattern.match(path)
            if found is None:
                continue
            if route.method == method:
                return route, found.groupdict()
            allowed.append(route.method)
        if allowed:
            self._wrong_method(method, path, allowed)
        raise RouteNotFound()

    @staticmethod
    def _wrong_method(method: str, path: str, allowed: list[str]) -> None:
        if path.startswith(EXTENSION_PREFIX):
            raise MethodNotAllowed(method, allowed)
        raise RouteNotFound()

    @property
    def routes(self) -> list[Route]:
        return [route for route, _ in self._routes]
