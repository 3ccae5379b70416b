"""Operations that are not a row's create, read, update or delete: a setting shown or changed, a
catalogue read, a task stopped. Each is declared with the structs of its query, body and answer
(which make its OpenAPI description and check its input); its handler is in
``api.routes_actions``, by the SDK's operation name."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from opencfw.domain.errors import OpenCfwError


@dataclass(frozen=True)
class Action:
    method: str
    path: str
    sdk: str
    summary: str
    #: the query parameters (decoded into this struct), the body, and the answer's ``data``
    query: type[msgspec.Struct] | None = None
    body: type[msgspec.Struct] | None = None
    answer: type[msgspec.Struct] | None = None
    #: the answer is ``{"data": [answer...]}`` rather than ``{"data": answer}``
    many: bool = False
    #: the answer's fields are at the top level, beside ``data`` (the alarm configuration)
    top_level: bool = False
    errors: tuple[type[OpenCfwError], ...] = ()
    #: "inline" for reads, "write" for changes (how the server runs the handler)
    mode: str = "inline"
