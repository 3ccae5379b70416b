"""opencfw's own endpoints under /_opencfw/ (never inside the documented API)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opencfw import __version__
from opencfw.api.http import Request, Response, Route, json_response

if TYPE_CHECKING:
    from opencfw.runtime import Runtime


def health(rt: Runtime, req: Request) -> Response:
    """200 once the server serves and its store answers; 503 while the store does not."""
    rt.store.schema_version()  # raises StoreUnavailable (503) when the store cannot be read
    return json_response(200, {"status": "ready", "version": __version__, "store": rt.store_kind})


ROUTES = [Route("GET", "/_opencfw/health", health, auth="none")]
