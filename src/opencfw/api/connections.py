"""Limits on what one HTTP connection may cost, before the ASGI application sees a request.

uvicorn's httptools protocol reads header blocks of any size, keeps a connection that sends nothing
forever and has no bound on connections. ``guarded_protocol`` returns a subclass of it that

- counts the bytes of an unfinished header block and refuses it past ``max_header_bytes`` (431),
  refuses more than ``max_header_lines`` header lines (431) and a URL over ``MAX_URL_BYTES`` (414);
- closes a connection whose request head has not arrived ``header_timeout`` seconds after the
  connection (or the request's first byte) — silently when nothing came, with 408 otherwise;
- closes a connection whose request body stalls for ``body_timeout`` seconds (408 when the
  application is still waiting for that body), also after an early answer left the body unread;
- keeps at most ``max_connections`` open: one more closes the oldest connection that is waiting for
  a request (idle, or with an unfinished head), or, when every connection is busy, the new one.

Refusals are in the documented error body (``APIGW.0201`` with the request id) and are followed by
a short lingering close, so that the client reads the answer instead of a connection reset.

The per-request cost is a few attribute writes: the header checks run once on the whole head, and
deadlines are plain numbers that one sweep per server checks every SWEEP_SECONDS.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

if TYPE_CHECKING:
    from opencfw.config import Settings

log = logging.getLogger("opencfw.api")

#: the longest request target accepted (the real gateway's limit is 32 KB too)
MAX_URL_BYTES = 32 * 1024
#: after a refusal, the rest of what the client sends is read and dropped for at most this long
LINGER_SECONDS = 2.0
#: descriptors kept back for the store, logs and the listening socket when the bound is automatic
RESERVED_DESCRIPTORS = 64
#: how often deadlines are checked (so a timeout acts up to this much late)
SWEEP_SECONDS = 0.25
#: the connection-limit warning is logged at most this often
WARN_EVERY_SECONDS = 10.0

_REASONS = {
    400: b"Bad Request",
    408: b"Request Timeout",
    414: b"URI Too Long",
    431: b"Request Header Fields Too Large",
}


@dataclass(frozen=True)
class ConnectionLimits:
    max_header_bytes: int = 64 * 1024
    max_header_lines: int = 100
    header_timeout: float = 10.0
    body_timeout: float = 15.0
    max_connections: int = 1000


def raise_descriptor_limit() -> int:
    """Raise this process's soft open-file limit to the hard one; the soft limit now in force."""
    try:
        import resource
    except ImportError:  # not a POSIX system
        return 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def automatic_max_connections(descriptors: int) -> int:
    """The connection bound that keeps the process under its open-file limit."""
    return max(16, descriptors - RESERVED_DESCRIPTORS)


class Refusal(Exception):
    """Raised from a parser callback: the request is answered with ``status`` and the connection closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_bytes(status: int, message: str) -> bytes:
    """A whole HTTP/1.1 answer in the documented gateway error body, closing the connection."""
    request_id = os.urandom(16).hex()
    body = json.dumps({"error_code": "APIGW.0201", "error_msg": message, "request_id": request_id}).encode()
    head = (
        b"HTTP/1.1 %d %s\r\ncontent-type: application/json;charset=UTF-8\r\nx-request-id: %s\r\n"
        b"content-length: %d\r\nconnection: close\r\n\r\n"
    ) % (status, _REASONS[status], request_id.encode(), len(body))
    return head + body


class ConnectionTable:
    """The open connections of one server, oldest first, and the bound on their number."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self._open: dict[GuardedProtocol, None] = {}
        self._warned_at = -WARN_EVERY_SECONDS
        self._closed_since_warning = 0
        self._sweeping: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        return len(self._open)

    def admit(self, conn: GuardedProtocol) -> bool:
        """Take ``conn`` in; at the bound, close the oldest idle connection or refuse ``conn``."""
        if len(self._open) >= self.limits.max_connections:
            victim = next((c for c in self._open if c.waiting_for_request()), None)
            self._warn(victim is not None)
            if victim is None:
                return False
            victim.close_idle()
            self._open.pop(victim, None)
        self._open[conn] = None
        if self._sweeping is None:
            self._sweeping = conn.loop.call_later(SWEEP_SECONDS, self._sweep, conn.loop)
        return True

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        """Every SWEEP_SECONDS while connections are open: act on the deadlines that passed (one
        timer for all, instead of a timer set and cancelled per request)."""
        now = loop.time()
        for conn in list(self._open):
            if conn.deadline and now >= conn.deadline:
                conn.deadline_passed(now)
        self._sweeping = loop.call_later(SWEEP_SECONDS, self._sweep, loop) if self._open else None

    def discard(self, conn: GuardedProtocol) -> None:
        self._open.pop(conn, None)

    def _warn(self, evicted: bool) -> None:
        self._closed_since_warning += 1
        now = time.monotonic()
        if now - self._warned_at < WARN_EVERY_SECONDS:
            return
        log.warning(
            "connection limit reached: %d connections open (OPENCFW_MAX_CONNECTIONS=%d); %s "
            "(%d connection(s) closed for this since the last warning)",
            len(self._open),
            self.limits.max_connections,
            "closing the oldest connection that is waiting for a request"
            if evicted
            else "every connection is busy: refusing new ones",
            self._closed_since_warning,
        )
        self._warned_at = now
        self._closed_since_warning = 0


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of a ``ConnectionTable`` (see the module)."""

    table: ConnectionTable

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = self.table.limits
        self._in_head = True  # waiting for (the rest of) a request head
        self._head_bytes = 0
        #: loop time by which the head (``_in_head``) or the next body bytes must arrive; 0: none
        self.deadline = 0.0
        self._lingering = False

    # -- the connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if not self.table.admit(self):
            self._lingering = True
            transport.close()
            return
        self.deadline = self.loop.time() + self._limits.header_timeout

    def connection_lost(self, exc: Exception | None) -> None:
        self.deadline = 0.0
        self.table.discard(self)
        super().connection_lost(exc)

    def waiting_for_request(self) -> bool:
        """Idle between requests, or still receiving a request's head (nothing being answered)."""
        return self._in_head and (self.cycle is None or self.cycle.response_complete) and not self.pipeline

    def close_idle(self) -> None:
        self.deadline = 0.0
        self._lingering = True
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # a refusal was sent: what follows is dropped
        if self._in_head:
            self._head_bytes += len(data)
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, Refusal):
                self._refuse(cause.status, cause.message)
            else:
                self._refuse(400, "Invalid HTTP request")
            return
        except httptools.HttpParserUpgrade:
            # no WebSocket here: uvicorn's own handling (a warning, then the request as usual)
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError:
            self._refuse(400, "Invalid HTTP request")
            return
        if self._in_head and self._head_bytes > self._limits.max_header_bytes and not self._lingering:
            if self.headers is not None and len(self.url) > MAX_URL_BYTES:
                self._refuse(414, f"Request URI too large: at most {MAX_URL_BYTES} bytes")
            else:
                self._refuse(431, f"Request headers too large: at most {self._limits.max_header_bytes} bytes")

    # -- parser callbacks (the header checks run once per request, on the whole head)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        if not self.deadline:  # a new request on a kept-alive connection: its head has a deadline
            self.deadline = self.loop.time() + self._limits.header_timeout

    def on_headers_complete(self) -> None:
        if len(self.url) > MAX_URL_BYTES:
            raise Refusal(414, f"Request URI too large: at most {MAX_URL_BYTES} bytes")
        if len(self.headers) > self._limits.max_header_lines:
            raise Refusal(431, f"Too many request header lines: at most {self._limits.max_header_lines}")
        size = len(self.url)
        for name, value in self.headers:
            size += len(name) + len(value) + 4
        if size > self._limits.max_header_bytes:
            raise Refusal(431, f"Request headers too large: at most {self._limits.max_header_bytes} bytes")
        self._in_head = False
        self._head_bytes = 0
        self.deadline = self.loop.time() + self._limits.body_timeout
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self.deadline = self.loop.time() + self._limits.body_timeout
        super().on_body(body)

    def on_message_complete(self) -> None:
        self.deadline = 0.0
        self._in_head = True
        self._head_bytes = 0
        answered = self.cycle is not None and self.cycle.response_complete
        super().on_message_complete()
        if answered and not self.pipeline and not self.transport.is_closing():
            # answered before the body ended (e.g. refused unauthenticated): uvicorn's keep-alive
            # timer was stopped by the body bytes, so idle time is bounded again from here
            self._unset_keepalive_if_required()
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler
            )

    # -- deadlines (checked by the table's sweep)

    def deadline_passed(self, now: float) -> None:
        self.deadline = 0.0
        if self.transport.is_closing():
            return
        if self._in_head:
            self._head_timed_out()
        else:
            self._body_timed_out(now)

    def _head_timed_out(self) -> None:
        if self._head_bytes == 0 and (self.cycle is None or self.cycle.response_complete):
            self.close_idle()  # nothing of a request came: nothing to answer
            return
        self._refuse(408, f"The request head did not arrive within {self._limits.header_timeout:g} s")

    def _body_timed_out(self, now: float) -> None:
        if self.flow.read_paused:
            # the server itself is not reading (the application has not asked for more yet)
            self.deadline = now + self._limits.body_timeout
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_started:
            # the application waits for this body: it sees a disconnect, the client a 408
            cycle.disconnected = True
            cycle.message_event.set()
            self._refuse(408, f"The request body stalled for {self._limits.body_timeout:g} s")
        else:
            self.close_idle()

    # -- refusing

    def _refuse(self, status: int, message: str) -> None:
        """Answer ``status`` in the documented body, then read and drop input briefly and close."""
        if self._lingering or self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and not cycle.disconnected:
            self.close_idle()  # an earlier request is being answered: no answer can go in between
            return
        self.deadline = 0.0
        self._lingering = True
        self._unset_keepalive_if_required()
        log.debug("refused a request with %d: %s", status, message)
        self.transport.write(error_bytes(status, message))
        self.flow.resume_reading()
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)


def connection_limits(settings: Settings) -> ConnectionLimits:
    """The limits of ``settings``; an automatic connection bound follows the open-file limit,
    which is first raised to its hard maximum."""
    descriptors = raise_descriptor_limit()
    return ConnectionLimits(
        max_header_bytes=settings.max_header_bytes,
        max_header_lines=settings.max_header_lines,
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
        max_connections=settings.max_connections or automatic_max_connections(descriptors),
    )


def guarded_protocol(limits: ConnectionLimits) -> type[GuardedProtocol]:
    """A protocol class for ``uvicorn.Config(http=...)`` bound to a fresh table of connections."""
    return type("OpencfwHttpProtocol", (GuardedProtocol,), {"table": ConnectionTable(limits)})
