"""Operations that are not a resource's create, read, list, change or delete (switches, imports,
trees, reports, quotas), declared the way the registry declares resources: the SDK's name, method
and path, the query and body structs, the answer struct and the errors. The route, the decoding,
the encoding and the OpenAPI description (``api.action_openapi``) come from the declaration; the
``run`` function only calls the service and builds the answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from opencfw.api import schemas
from opencfw.api.http import Request, Response, Route, json_response
from opencfw.domain.errors import BadParameter, OpenCfwError

if TYPE_CHECKING:
    from opencfw.runtime import Runtime


@dataclass(frozen=True)
class Call:
    """One decoded request: the project, the path's ids, the query and the body as structs."""

    project_id: str
    params: dict[str, str]
    query: Any
    body: Any


#: an answer to send as it is (a downloaded file): the body, its content type and extra headers
@dataclass(frozen=True)
class Download:
    content: bytes
    content_type: str
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


@dataclass(frozen=True)
class Action:
    sdk: str  # the official SDK's operation name
    method: str
    path: str
    run: Callable[[Runtime, Call], Any]  # -> an ``answer`` struct, or a ``Download``
    answer: type[msgspec.Struct] | None  # the whole answer's body; None: a ``Download``
    summary: str
    query: type[msgspec.Struct] | None = None
    body: type[msgspec.Struct] | None = None
    errors: tuple[type[OpenCfwError], ...] = ()
    write: bool = False
    description: str = ""

    def handle(self, rt: Runtime, req: Request) -> Response:
        schemas.query_text(req.query, "enterprise_project_id")  # accepted, bounded, not used
        params = {
            name: schemas.path_id(value, name) for name, value in req.params.items() if name != "project_id"
        }
        query = None
        if self.query is not None:
            # an empty value is a value (refused where the struct's pattern wants one), not an
            # absent parameter; only enterprise_project_id, read above, may be sent empty
            values = {k: v for k, v in req.query.items() if v != "" or k != "enterprise_project_id"}
            if any("\x00" in v for v in values.values()):
                raise BadParameter("Invalid query parameter: it contains a NUL character")
            try:
                query = msgspec.convert(values, self.query, strict=False)
            except msgspec.ValidationError as exc:
                raise BadParameter(f"Invalid query parameter: {exc}") from exc
        body = schemas.decode_body(req.body, self.body) if self.body is not None else None
        found = self.run(rt, Call(req.params["project_id"], params, query, body))
        if isinstance(found, Download):
            return Response(200, found.content, found.headers, content_type=found.content_type.encode())
        return json_response(200, msgspec.to_builtins(found))

    def route(self) -> Route:
        return Route(self.method, self.path, self.handle, mode="write" if self.write else "inline")
