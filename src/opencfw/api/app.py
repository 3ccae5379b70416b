"""The ASGI application: request id, routing, authentication, dispatch, and the one place where
errors become the documented JSON body."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from opencfw.api import (
    acl_routes,
    action_routes,
    resource_routes,
    routes_actions,
    routes_admin,
    routes_cfw,
    routes_domains,
    routes_eip,
    routes_iam,
    routes_logs,
    routes_opencfw,
    routes_tasks,
    routes_terraform,
    routes_ui,
    schemas,
)
from opencfw.api.http import JSON_CONTENT_TYPE, SESSION_AUTH, Request, Response, json_response
from opencfw.api.routing import Router
from opencfw.dataplane import runner as dataplane
from opencfw.dataplane.reconciler import Reconciler
from opencfw.domain import signing
from opencfw.domain.errors import (
    BadParameter,
    Forbidden,
    InternalError,
    MethodNotAllowed,
    OpenCfwError,
    PayloadTooLarge,
    StoreUnavailable,
    Unauthenticated,
)
from opencfw.service.credentials import PendingSignature, Principal
from opencfw.service.faults import ERROR_CODES, Fault

if TYPE_CHECKING:
    from opencfw.runtime import Runtime

log = logging.getLogger("opencfw.api")

#: request ids: 128 random bits each, from a generator of this process's own (seeded from the OS,
#: and again in a forked child): they tell requests apart in logs and answers and guard nothing,
#: and ``os.urandom`` would be a system call on every request
_REQUEST_IDS = random.Random()  # noqa: S311 - not a secret (above)
os.register_at_fork(after_in_child=_REQUEST_IDS.seed)

MAX_BODY_BYTES = 12 * 1024 * 1024
#: routes that need no credentials (token issue, dashboard sign-in...) take small bodies only
MAX_OPEN_BODY_BYTES = 64 * 1024

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def error_response(exc: OpenCfwError, request_id: str) -> Response:
    message = exc.error_msg
    if not message.isascii():
        # a message may quote the request, and a request may carry bytes that are not UTF-8
        # (decoded as lone surrogates): JSON cannot hold those, so they are written as escapes
        message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    body: dict[str, str] = {"error_code": exc.error_code, "error_msg": message}
    if exc.gateway:
        body["request_id"] = request_id
    headers: list[tuple[bytes, bytes]] = []
    if isinstance(exc, MethodNotAllowed):
        headers.append((b"allow", ", ".join(exc.allowed).encode()))
    if isinstance(exc, PayloadTooLarge):
        # the rest of the body is never read: close, or a client could stream on forever
        headers.append((b"connection", b"close"))
    return json_response(exc.http_status, body, headers)


class ClientGone(Exception):
    """The client went away (or its body stalled) before the request was read: nothing to answer."""


class BodyBudget:
    """Bytes of request bodies held at once, all requests together: past ``limit`` a body waits
    (at most ``timeout`` s, then 503) for others to be done. One body is always let through."""

    def __init__(self, limit: int, timeout: float) -> None:
        self.limit = limit
        self.timeout = timeout
        self.used = 0
        self._freed: asyncio.Condition | None = None

    async def take(self, size: int) -> None:
        if self.used + size <= self.limit or self.used == 0:
            self.used += size
            return
        if self._freed is None:
            self._freed = asyncio.Condition()
        async with self._freed:
            try:
                await asyncio.wait_for(
                    self._freed.wait_for(lambda: self.used + size <= self.limit or self.used == 0),
                    self.timeout,
                )
            except TimeoutError:
                raise StoreUnavailable("System busy. Try again later.") from None
            self.used += size

    async def give(self, size: int) -> None:
        self.used -= size
        if self._freed is not None:
            async with self._freed:
                self._freed.notify_all()


class App:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.bodies = BodyBudget(runtime.settings.max_body_bytes_in_flight, runtime.settings.body_timeout)
        self.router = Router(
            routes_cfw.ROUTES
            + routes_iam.ROUTES
            + routes_opencfw.ROUTES
            + routes_terraform.ROUTES
            + routes_tasks.ROUTES
            + routes_admin.ROUTES
            + routes_domains.ROUTES
            + routes_ui.ROUTES
            + resource_routes.ROUTES
            + acl_routes.ROUTES
            + routes_eip.ROUTES
            + routes_actions.ROUTES
            + action_routes.ROUTES
            + routes_logs.ROUTES
        )
        self._stop = asyncio.Event()
        self._engine: asyncio.Task[None] | None = None
        self._dataplane: Reconciler | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.rt.observer(self._http, scope, receive, send)  # metrics and the request log
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    # -- lifespan: the engine runs in the server's process and loop

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def startup(self) -> None:
        self._stop.clear()
        self.rt.attach(asyncio.get_running_loop())
        if self.rt.settings.run_worker:
            self._engine = asyncio.create_task(self.rt.run_engine(self._stop))
        self._dataplane = dataplane.start(self.rt)

    def begin_draining(self) -> None:
        """The server is stopping: end event streams and waits so their connections can close.

        Safe from a signal handler: the work runs on the event loop between two steps of any
        coroutine, so a wait that checks ``draining`` and then starts waiting cannot miss it."""
        loop = self.rt.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._drain)
        else:
            self._drain()

    def _drain(self) -> None:
        self.rt.draining.set()
        self.rt.hub.notify_all()

    async def shutdown(self) -> None:
        """Stop claiming jobs; a step being written is finished first (its lease then lapses)."""
        self._drain()
        self._stop.set()
        if self._engine is not None:
            await self._engine
        if self._dataplane is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._dataplane.stop)

    # -- requests

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = _REQUEST_IDS.randbytes(16).hex()
        fault = None
        if not scope["path"].startswith("/_opencfw/"):
            fault = self.rt.faults.match(scope["method"], scope["path"])
        try:
            if fault is not None:
                await self._injected(fault, request_id, send)
                if fault.status is not None or fault.drop:
                    return
            response = await self._handle(scope, receive, request_id)
        except ClientGone:
            return
        except asyncio.CancelledError:
            # the server stopped waiting for this request (graceful shutdown timed out): answer in
            # the documented body instead of the HTTP server's plain-text 500, then stop
            with contextlib.suppress(Exception):
                response = error_response(StoreUnavailable(), request_id)
                await self._send_whole(response, request_id, send)
            raise
        except OpenCfwError as exc:
            response = error_response(exc, request_id)
        except Exception:
            log.exception("unhandled error serving request %s", request_id)
            response = error_response(InternalError(), request_id)
        if response.stream is None:
            await self._send_whole(response, request_id, send)
        else:
            headers = [
                (b"content-type", response.content_type),
                (b"x-request-id", request_id.encode()),
                *response.headers,
            ]
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            await self._stream(response, receive, send)

    @staticmethod
    async def _send_whole(response: Response, request_id: str, send: Send) -> None:
        headers = [
            (b"content-type", response.content_type),
            (b"x-request-id", request_id.encode()),
            *response.headers,
            (b"content-length", str(len(response.body)).encode()),
        ]
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})

    async def _stream(self, response: Response, receive: Receive, send: Send) -> None:
        """Send a streamed body until it ends or the client goes away."""
        assert response.stream is not None
        stream = response.stream

        async def pump() -> None:
            async for chunk in stream:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})

        async def disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        tasks = [asyncio.ensure_future(pump()), asyncio.ensure_future(disconnected())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await stream.aclose()  # type: ignore[attr-defined]
        with contextlib.suppress(OSError, RuntimeError):
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _injected(self, fault: Fault, request_id: str, send: Send) -> None:
        """Apply an injected fault: latency first, then an error answer or a dropped connection."""
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault.drop:
            # start an answer and abandon it: the server closes the connection mid-response
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"1024"), (b"x-request-id", request_id.encode())],
                }
            )
        elif fault.status is not None:
            code = fault.code or ERROR_CODES[fault.status]
            busy = code == OpenCfwError.error_code  # the documented "System busy" answer
            exc = OpenCfwError(
                f"{'System busy. Try again later. ' if busy else ''}(injected fault {fault.id})"
            )
            exc.error_code = code
            exc.http_status = fault.status
            exc.gateway = exc.error_code.startswith("APIGW")
            response = error_response(exc, request_id)
            headers = [
                (b"content-type", JSON_CONTENT_TYPE),
                (b"content-length", str(len(response.body)).encode()),
                (b"x-request-id", request_id.encode()),
            ]
            await send({"type": "http.response.start", "status": fault.status, "headers": headers})
            await send({"type": "http.response.body", "body": response.body})

    async def _handle(self, scope: Scope, receive: Receive, request_id: str) -> Response:
        route, params = self.router.match(scope["method"], scope["path"])
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("utf-8", "surrogateescape")
            # a repeated header is folded as HTTP says; a signature over either copy then fails
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        req = Request(
            method=scope["method"],
            path=scope["path"],
            raw_path=scope.get("raw_path") or scope["path"].encode(),
            raw_query=scope.get("query_string", b""),
            headers=headers,
            request_id=request_id,
        )
        req.params = params
        client = scope.get("client")
        if client:
            req.client = str(client[0])
        scope["opencfw.route"], scope["opencfw.request"] = route, req  # for the observer
        # credentials are checked before the body is read: a request without valid ones costs no
        # body memory (the protocol drops a refused request's body as it arrives); a signature's
        # key and date are checked here, its body hash once the body is in
        limit = MAX_OPEN_BODY_BYTES if route.auth == "none" or route.auth in SESSION_AUTH else MAX_BODY_BYTES
        length = headers.get("content-length")
        declared = int(length) if length is not None and length.isdigit() else None
        if declared is not None and declared > limit:  # refused at once, whoever asks
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes")
        pending = None
        if route.auth == "admin":
            self._authenticate_admin(req)
        elif route.auth in SESSION_AUTH:
            req.session = await routes_ui.check_session(self.rt, req, route.auth)
        elif route.auth != "none":
            pending = self._authenticate(req)
        held = [0]
        try:
            req.body = await self._read_body(receive, declared, limit, held)
            if pending is not None:
                if isinstance(pending, Principal):
                    req.principal = pending
                elif pending.algorithm == signing.SM2:
                    # SM2 verification is pure Python (~0.14 s of CPU): keep it off the event loop
                    req.principal = await asyncio.get_running_loop().run_in_executor(
                        None, self._check_signed_body, pending, req
                    )
                else:
                    req.principal = self._check_signed_body(pending, req)
                if route.auth == "project":
                    self._authorize(req.principal, req)
            if route.mode == "async":
                return await cast("Awaitable[Response]", route.handler(self.rt, req))
            handler = cast("Callable[[Runtime, Request], Response]", route.handler)
            if route.mode == "inline" and self.rt.inline_reads:
                return handler(self.rt, req)
            loop = asyncio.get_running_loop()
            executor = self.rt.writer if route.mode == "write" else None
            return await loop.run_in_executor(executor, handler, self.rt, req)
        finally:
            if held[0]:
                await self.bodies.give(held[0])

    async def _read_body(self, receive: Receive, declared: int | None, limit: int, held: list[int]) -> bytes:
        """The request body, at most ``limit`` bytes; ``held[0]`` counts what it took of the budget
        of body bytes in flight (the caller gives it back)."""
        if declared:
            await self.bodies.take(declared)
            held[0] = declared
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"The request body is larger than {limit} bytes")
            if size > held[0]:  # chunked, or more than declared (the parser stops that)
                await self.bodies.take(size - held[0])
                held[0] = size
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _authenticate(self, req: Request) -> Principal | PendingSignature:
        """A token's principal, or a signature checked as far as it can be without the body."""
        credentials = self.rt.credentials
        authorization = req.headers.get("authorization")
        if authorization is not None and authorization.startswith("SDK-"):
            return credentials.check_signed_head(authorization, req.headers, client=req.client)
        token = req.headers.get("x-auth-token")
        if token:
            return credentials.verify_token(token)
        if authorization is not None:
            raise Unauthenticated(
                "Incorrect IAM authentication information: unsupported Authorization scheme"
            )
        raise Unauthenticated("Incorrect IAM authentication information: x-auth-token not found")

    def _check_signed_body(self, pending: PendingSignature, req: Request) -> Principal:
        return self.rt.credentials.check_signed_body(
            pending,
            method=req.method,
            raw_path=req.raw_path,
            raw_query=req.raw_query,
            headers=req.headers,
            body=req.body,
        )

    def _authenticate_admin(self, req: Request) -> None:
        given = req.headers.get("x-opencfw-admin-token")
        authorization = req.headers.get("authorization", "")
        if given is None and authorization.lower().startswith("bearer "):
            given = authorization[7:].strip()
        if not given:
            raise Unauthenticated("The admin API needs the admin token (Authorization: Bearer ...)")
        self.rt.credentials.check_admin_token(given, self.rt.admin_token, req.client)

    def _authorize(self, principal: Principal, req: Request) -> None:
        project_id = req.params["project_id"]
        if not schemas.PROJECT_ID.fullmatch(project_id):
            raise BadParameter(f"The path parameter `project_id` is not valid: {project_id[:64]!r}")
        header_project = req.headers.get("x-project-id")
        if header_project is not None and header_project != project_id:
            raise Forbidden("The X-Project-Id header does not match the project in the request path")
        self.rt.credentials.authorize_project(principal, project_id)
