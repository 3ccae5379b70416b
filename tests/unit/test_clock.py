"""The clock's ISO 8601 text, written without strftime on the job read's path."""

from __future__ import annotations

import random
import time

import pytest

from opencfw.domain.clock import iso8601


def strftime_iso8601(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms // 1000))


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "1970-01-01T00:00:00Z"),
        (999, "1970-01-01T00:00:00Z"),  # whole seconds, never rounded up
        (-1, "1969-12-31T23:59:59Z"),
        (1_641_370_501_000, "2022-01-05T08:15:01Z"),
        (1_709_251_199_999, "2024-02-29T23:59:59Z"),  # a leap day's last second
        (253_402_300_799_000, "9999-12-31T23:59:59Z"),
    ],
)
def test_iso8601_of_known_instants(ms, text):
    assert iso8601(ms) == text


def test_iso8601_agrees_with_strftime_everywhere():
    draw = random.Random(8601)
    for _ in range(20_000):
        ms = draw.randrange(-(10**12), 4 * 10**12)
        assert iso8601(ms) == strftime_iso8601(ms), ms
