"""Durations as people write them: ``0``, ``3``, ``1.5s``, ``250ms``, ``2m``, ``1h``, ``30d``."""

from __future__ import annotations

import re

_UNITS = {"": 1.0, "ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d)?\s*$", re.IGNORECASE)


def parse_seconds(text: str) -> float:
    """Seconds in a duration string; ValueError when it is not one (negative, NaN, words...)."""
    match = _PATTERN.match(text)
    if match is None:
        raise ValueError(f"not a duration: {text!r}")
    return float(match[1]) * _UNITS[(match[2] or "").lower()]
