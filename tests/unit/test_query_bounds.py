"""A query's integers are bounded before they reach a store: a number past 64 bits is a clear 400
(SQLite raised OverflowError, a 500, and PostgreSQL matched nothing), whatever the operation."""

from __future__ import annotations

import pytest
from msgspec import Struct

from opencfw.api.http import Request
from opencfw.api.resource_routes import _query
from opencfw.domain.errors import BadParameter


class Filters(Struct):
    name: str | None = None
    count: int | None = None


def request(**query: str) -> Request:
    from urllib.parse import urlencode

    raw = urlencode(query).encode()
    return Request(
        method="GET", path="/v1/p/things", raw_path=b"/v1/p/things", raw_query=raw, headers={}, request_id="r"
    )


def test_an_integer_past_64_bits_is_a_bad_parameter_and_a_text_is_not_one():
    assert _query(request(count=str(2**63 - 1)), Filters).count == 2**63 - 1
    assert _query(request(name="9" * 30), Filters).name == "9" * 30  # a text of digits stays a text
    for huge in (str(2**63), str(-(2**63) - 1), "9" * 40):
        with pytest.raises(BadParameter, match="`count` is out of range"):
            _query(request(count=huge), Filters)
