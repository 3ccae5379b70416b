"""opencfw's own endpoints under /_opencfw/ (never inside the documented API)."""

from __future__ import annotations

import functools
import hmac
from importlib import resources
from typing import TYPE_CHECKING

from opencfw import __version__
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.domain.errors import RouteNotFound, Unauthenticated
from opencfw.observability import metrics

if TYPE_CHECKING:
    from opencfw.runtime import Runtime


def health(rt: Runtime, req: Request) -> Response:
    """200 ``ready`` once the server serves and its store answers; 503 while the store does not,
    while it is ``starting`` and once it is ``draining`` (stopping)."""
    rt.store.schema_version()  # raises StoreUnavailable (503) when the store cannot be read
    phase = "draining" if rt.draining.is_set() else rt.phase
    body = {"status": phase, "version": __version__, "store": rt.store_kind}
    return json_response(200 if phase == "ready" else 503, body)


def prometheus(rt: Runtime, req: Request) -> Response:
    """The Prometheus text exposition; with OPENCFW_METRICS_TOKEN, only for ``Bearer <token>``."""
    if rt.metrics is None:
        raise RouteNotFound()
    expected = rt.settings.metrics_token
    if expected is not None:
        authorization = req.headers.get("authorization", "")
        given = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.reveal().encode()):
            raise Unauthenticated("The metrics endpoint needs the metrics token (Authorization: Bearer ...)")
    return Response(200, rt.metrics.exposition(), [], content_type=metrics.CONTENT_TYPE)


@functools.cache
def openapi_document() -> bytes:
    """The OpenAPI 3.1 document of every route: a static file written from the spec."""
    return resources.files("opencfw.api").joinpath("openapi.json").read_bytes()


def openapi(rt: Runtime, req: Request) -> Response:
    return Response(200, openapi_document(), [])


ROUTES = [
    Route("GET", "/_opencfw/health", health, auth="none"),
    Route("GET", "/_opencfw/openapi.json", openapi, auth="none"),
    Route("GET", "/_opencfw/metrics", prometheus, auth="none"),
]
