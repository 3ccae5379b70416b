"""Faults injected into the documented API on purpose (admin API): an error status with the
documented body, added latency, or a dropped connection, for the next N matching requests or for a
time window. opencfw's own /_opencfw/ routes are never affected."""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field

from opencfw.domain.errors import BadParameter

#: the documented error code for each status a fault can answer with
ERROR_CODES = {
    400: "CFW.00200001",
    401: "APIGW.0301",
    403: "APIGW.0302",
    404: "APIGW.0101",
    # only when asked for explicitly: Terraform sleeps 2^n minutes on a 429
    429: "APIGW.0308",
    500: "CFW.00100001",
    502: "CFW.00100001",
    503: "CFW.00100001",
    504: "CFW.00100001",
}


#: an error code a fault may answer instead of its status's default (e.g. the real service's
#: documented system-busy answer, 400 CFW.00100001)
ERROR_CODE = re.compile(r"(CFW|APIGW)\.[0-9]{4,8}\Z")


@dataclass
class Fault:
    id: str
    method: str | None
    path: str | None
    status: int | None
    latency_ms: int
    drop: bool
    remaining: int | None
    until: float | None
    hits: int = 0
    #: the answer's error code when not the status's default
    error_code: str | None = None
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def describe(self) -> dict[str, object]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "error_code": self.code,
            "latency_ms": self.latency_ms,
            "drop": self.drop,
            "remaining": self.remaining,
            "expires_in_seconds": None
            if self.until is None
            else max(0.0, round(self.until - time.monotonic(), 3)),
            "hits": self.hits,
        }

    @property
    def code(self) -> str | None:
        """The error code of the answer (None: latency or a dropped connection only)."""
        if self.status is None:
            return None
        return self.error_code or ERROR_CODES[self.status]


class FaultInjector:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        latency_ms: int = 0,
        drop: bool = False,
        count: int | None = None,
        seconds: float | None = None,
        error_code: str | None = None,
    ) -> Fault:
        if status is None and not latency_ms and not drop:
            raise BadParameter("A fault needs a `status`, a `latency_ms` or `drop`: true")
        if status is not None and status not in ERROR_CODES:
            raise BadParameter(f"`status` must be one of {', '.join(map(str, sorted(ERROR_CODES)))}")
        if error_code is not None and (status is None or not ERROR_CODE.match(error_code)):
            raise BadParameter("`error_code` needs a `status` and must look like CFW.00100001 or APIGW.0101")
        if status is not None and drop:
            raise BadParameter("`status` and `drop` cannot be combined")
        if count is None and seconds is None:
            raise BadParameter("A fault needs a `count` (next N requests) or `seconds` (a time window)")
        pattern = None
        if path is not None:
            try:
                pattern = re.compile(path)
            except re.error as exc:
                raise BadParameter(f"`path` is not a valid regular expression: {exc}") from exc
        fault = Fault(
            id=uuid.uuid4().hex[:12],
            method=method.upper() if method else None,
            path=path,
            status=status,
            latency_ms=latency_ms,
            drop=drop,
            remaining=count,
            until=None if seconds is None else time.monotonic() + seconds,
            error_code=error_code,
            _pattern=pattern,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def match(self, method: str, path: str) -> Fault | None:
        """The first active fault matching the request, counted as used; None when none matches."""
        if not self._faults:  # the common case costs one attribute read
            return None
        now = time.monotonic()
        with self._lock:
            self._faults = [
                f for f in self._faults if (f.until is None or f.until > now) and f.remaining != 0
            ]
            for fault in self._faults:
                if fault.method is not None and fault.method != method:
                    continue
                if fault._pattern is not None and not fault._pattern.search(path):
                    continue
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def list(self) -> list[Fault]:
        now = time.monotonic()
        with self._lock:
            self._faults = [
                f for f in self._faults if (f.until is None or f.until > now) and f.remaining != 0
            ]
            return list(self._faults)

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> int:
        with self._lock:
            n = len(self._faults)
            self._faults = []
            return n
