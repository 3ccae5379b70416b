"""The ASGI application: request id, routing, authentication, dispatch, and the one place where
errors become the documented JSON body."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from opencfw.api import (
    resource_routes,
    routes_admin,
    routes_cfw,
    routes_iam,
    routes_opencfw,
    routes_tasks,
    routes_terraform,
    routes_ui,
    schemas,
)
from opencfw.api.http import JSON_CONTENT_TYPE, Request, Response, json_response
from opencfw.api.routing import Router
from opencfw.domain.errors import (
    BadParameter,
    Forbidden,
    InternalError,
    MethodNotAllowed,
    OpenCfwError,
    PayloadTooLarge,
    Unauthenticated,
)
from opencfw.service.faults import ERROR_CODES, Fault

if TYPE_CHECKING:
    from opencfw.runtime import Runtime
    from opencfw.service.credentials import Principal

log = logging.getLogger("opencfw.api")

MAX_BODY_BYTES = 12 * 1024 * 1024

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def error_response(exc: OpenCfwError, request_id: str) -> Response:
    body: dict[str, str] = {"error_code": exc.error_code, "error_msg": exc.error_msg}
    if exc.gateway:
        body["request_id"] = request_id
    headers: list[tuple[bytes, bytes]] = []
    if isinstance(exc, MethodNotAllowed):
        headers.append((b"allow", ", ".join(exc.allowed).encode()))
    if isinstance(exc, PayloadTooLarge):
        # the rest of the body is never read: close, or a client could stream on forever
        headers.append((b"connection", b"close"))
    return json_response(exc.http_status, body, headers)


class App:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime
        self.router = Router(
            routes_cfw.ROUTES
            + routes_iam.ROUTES
            + routes_opencfw.ROUTES
            + routes_terraform.ROUTES
            + routes_tasks.ROUTES
            + routes_admin.ROUTES
            + routes_ui.ROUTES
            + resource_routes.ROUTES
        )
        self._stop = asyncio.Event()
        self._engine: asyncio.Task[None] | None = None

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

    def begin_draining(self) -> None:
        """The server is stopping: end event streams and waits so their connections can close."""
        self.rt.draining.set()
        self.rt.hub.notify_all()

    async def shutdown(self) -> None:
        """Stop claiming jobs; a step being written is finished first (its lease then lapses)."""
        self.begin_draining()
        self._stop.set()
        if self._engine is not None:
            await self._engine

    # -- requests

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = os.urandom(16).hex()
        fault = None
        if not scope["path"].startswith("/_opencfw/"):
            fault = self.rt.faults.match(scope["method"], scope["path"])
        try:
            if fault is not None:
                await self._injected(fault, request_id, send)
                if fault.status is not None or fault.drop:
                    return
            response = await self._handle(scope, receive, request_id)
        except OpenCfwError as exc:
            response = error_response(exc, request_id)
        except Exception:
            log.exception("unhandled error serving request %s", request_id)
            response = error_response(InternalError(), request_id)
        headers = [
            (b"content-type", response.content_type),
            (b"x-request-id", request_id.encode()),
            *response.headers,
        ]
        if response.stream is None:
            headers.append((b"content-length", str(len(response.body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        if response.stream is None:
            await send({"type": "http.response.body", "body": response.body})
        else:
            await self._stream(response, receive, send)

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
            exc = OpenCfwError(f"Injected fault {fault.id}")
            exc.error_code = ERROR_CODES[fault.status]
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
        scope["opencfw.route"], scope["opencfw.request"] = route, req  # for the observer
        req.body = await self._read_body(headers, receive)
        if route.auth == "admin":
            self._authenticate_admin(req)
        elif route.auth != "none":
            req.principal = self._authenticate(req)
            if route.auth == "project":
                self._authorize(req.principal, req)
        if route.mode == "async":
            response: Response = await route.handler(self.rt, req)
            return response
        if route.mode == "inline" and self.rt.inline_reads:
            return route.handler(self.rt, req)
        loop = asyncio.get_running_loop()
        executor = self.rt.writer if route.mode == "write" else None
        return await loop.run_in_executor(executor, route.handler, self.rt, req)

    async def _read_body(self, headers: dict[str, str], receive: Receive) -> bytes:
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _authenticate(self, req: Request) -> Principal:
        credentials = self.rt.credentials
        authorization = req.headers.get("authorization")
        if authorization is not None and authorization.startswith("SDK-HMAC-"):
            return credentials.verify_signature(
                authorization=authorization,
                method=req.method,
                raw_path=req.raw_path,
                raw_query=req.raw_query,
                headers=req.headers,
                body=req.body,
            )
        token = req.headers.get("x-auth-token")
        if token:
            return credentials.verify_token(token)
        if authorization is not None:
            raise Unauthenticated(
                "Incorrect IAM authentication information: unsupported Authorization scheme"
            )
        raise Unauthenticated("Incorrect IAM authentication information: x-auth-token not found")

    def _authenticate_admin(self, req: Request) -> None:
        given = req.headers.get("x-opencfw-admin-token")
        authorization = req.headers.get("authorization", "")
        if given is None and authorization.lower().startswith("bearer "):
            given = authorization[7:].strip()
        if not given:
            raise Unauthenticated("The admin API needs the admin token (Authorization: Bearer ...)")
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self.rt.admin_token.encode()):
            raise Unauthenticated("The admin token is not valid")

    def _authorize(self, principal: Principal, req: Request) -> None:
        project_id = req.params["project_id"]
        if not schemas.PROJECT_ID.fullmatch(project_id):
            raise BadParameter(f"The path parameter `project_id` is not valid: {project_id[:64]!r}")
        header_project = req.headers.get("x-project-id")
        if header_project is not None and header_project != project_id:
            raise Forbidden("The X-Project-Id header does not match the project in the request path")
        self.rt.credentials.authorize_project(principal, project_id)
