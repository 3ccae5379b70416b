"""The per-request hook of the API: metrics and the request log line around each answer.

``App`` calls ``Observer.__call__`` with its own request handler; the handler records the matched
route and the request in the ASGI scope (``opencfw.route``, ``opencfw.request``). Everything here
runs after the handler except one ``perf_counter`` and a wrapper around ``send``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import Any

from opencfw.observability.metrics import Metrics

log = logging.getLogger("opencfw.request")

Scope = dict[str, Any]
Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]
Receive = Callable[[], Awaitable[Message]]
Handler = Callable[[Scope, Receive, Send], Awaitable[None]]

#: the label of requests that matched no route (404/405): raw paths are never labels
UNMATCHED = "unmatched"
_ACCESS = re.compile(r"Access=([^,\s]+)")
#: what an access key looks like: anything else in ``Access=`` is logged as null, never echoed
_WELL_FORMED_AK = re.compile(r"[A-Za-z0-9]{1,64}")
#: characters of a well-formed AK kept in the log: enough to tell keys apart, and a secret key
#: pasted by mistake where the AK belongs is not written out whole
AK_LOGGED_CHARS = 8


def logged_access_key(raw: str) -> str | None:
    if not _WELL_FORMED_AK.fullmatch(raw):
        return None
    return raw if len(raw) <= AK_LOGGED_CHARS else raw[:AK_LOGGED_CHARS] + "..."


def auth_of(headers: dict[str, str]) -> tuple[str, str | None]:
    """How a request authenticated, and its AK if it was signed: never the token or signature."""
    authorization = headers.get("authorization", "")
    if authorization.startswith("SDK-HMAC-"):
        found = _ACCESS.search(authorization)
        return "signature", logged_access_key(found.group(1)) if found else None
    if headers.get("x-auth-token"):
        return "token", None
    if authorization.lower().startswith("bearer ") or "x-opencfw-admin-token" in headers:
        return "bearer", None
    return "none", None


class Observer:
    """Counts and times each request (``metrics``), and logs one line per request (``log_requests``)."""

    def __init__(self, metrics: Metrics | None, log_requests: bool) -> None:
        self.metrics = metrics
        self.log_requests = log_requests

    async def __call__(self, handler: Handler, scope: Scope, receive: Receive, send: Send) -> None:
        if self.metrics is None and not self.log_requests:
            await handler(scope, receive, send)
            return
        started = perf_counter()
        answer: list[Any] = [0, None, 0.0]  # status, response headers, seconds to the answer's start

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer[0] = message["status"]
                answer[1] = message.get("headers")
                answer[2] = perf_counter() - started
            await send(message)

        try:
            await handler(scope, receive, observed_send)
        finally:
            self.finished(scope, answer[0], answer[1], answer[2] or perf_counter() - started)

    def finished(self, scope: Scope, status: int, headers: Any, seconds: float) -> None:
        route = scope.get("opencfw.route")
        template = route.template if route is not None else UNMATCHED
        if self.metrics is not None:
            self.metrics.request(template, scope["method"], status, seconds)
            if status == 503 and "opencfw.request" in scope:
                # an injected fault never reaches routing; a matched request's 503 is the store's
                self.metrics.store_error("api")
        if self.log_requests and log.isEnabledFor(logging.INFO):
            self._log(scope, template, status, headers, seconds)

    def _log(self, scope: Scope, template: str, status: int, headers: Any, seconds: float) -> None:
        req = scope.get("opencfw.request")
        if req is not None:
            request_headers = req.headers
            project_id = req.params.get("project_id")
        else:
            request_headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            project_id = None
        request_id = next((v.decode() for k, v in headers or () if k == b"x-request-id"), None)
        auth, access_key = auth_of(request_headers)
        log.info(
            "%s %s %s",
            scope["method"],
            template,
            status,
            extra={
                "event": "http.request",
                "request_id": request_id,
                "method": scope["method"],
                "route": template,
                "project_id": project_id,
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "auth": auth,
                "access_key": access_key,
            },
        )


def passthrough() -> Observer:
    return Observer(None, log_requests=False)
