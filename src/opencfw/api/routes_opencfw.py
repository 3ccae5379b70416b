"""opencfw's own endpoints under /_opencfw/ (never inside the documented API)."""

from __future__ import annotations

import functools
from importlib import resources
from typing import TYPE_CHECKING

from opencfw import __version__
from opencfw.api.http import Request, Response, Route, json_response

if TYPE_CHECKING:
    from opencfw.runtime import Runtime


def health(rt: Runtime, req: Request) -> Response:
    """200 once the server serves and its store answers; 503 while the store does not."""
    rt.store.schema_version()  # raises StoreUnavailable (503) when the store cannot be read
    return json_response(200, {"status": "ready", "version": __version__, "store": rt.store_kind})


@functools.cache
def openapi_document() -> bytes:
    """The OpenAPI 3.1 document of every route: a static file written from the spec."""
    return resources.files("opencfw.api").joinpath("openapi.json").read_bytes()


def openapi(rt: Runtime, req: Request) -> Response:
    return Response(200, openapi_document(), [])


ROUTES = [
    Route("GET", "/_opencfw/health", health, auth="none"),
    Route("GET", "/_opencfw/openapi.json", openapi, auth="none"),
]
