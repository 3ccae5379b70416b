"""Consecutive authentication failures per key, and the keys locked because of them.

One mechanism for every guessable credential: an AK/SK pair per (access key, client address), the
IAM password and the dashboard sign-in per client address, the admin token per client address.
Counting per address is what keeps a stranger from locking out the owner: failures from one
address never lock another. Behind a reverse proxy the address is the one the HTTP server reports:
the proxy's own, unless it is trusted to say whose request it forwards (``X-Forwarded-For`` from
OPENCFW_FORWARDED_ALLOW_IPS), in which case it is the client's.

Per process and in memory: behind a load balancer each API process counts on its own, so a client
guessing across N processes gets up to N times the attempts; a restart forgets locks. The table is
bounded: past ``limit`` keys, those that are not locked are forgotten first.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

from opencfw.domain.clock import Clock

#: keys remembered at most (failing or locked); past this, unlocked ones are dropped
DEFAULT_LIMIT = 100_000


class Lockout:
    def __init__(self, clock: Clock, *, after: int, lock_ms: int, limit: int = DEFAULT_LIMIT) -> None:
        self.clock = clock
        self.after = after
        self.lock_ms = lock_ms
        self.limit = limit
        self._lock = threading.Lock()
        #: key -> (consecutive failures, locked until ms or 0)
        self._state: dict[Hashable, tuple[int, int]] = {}

    def locked_for_ms(self, key: Hashable) -> int:
        """How much longer ``key`` stays locked (0 when it is not)."""
        if key not in self._state:  # nearly every request: no failure to count (a dict read is atomic)
            return 0
        with self._lock:
            until = self._state.get(key, (0, 0))[1]
            left = until - self.clock.now_ms()
            if until and left <= 0:
                del self._state[key]  # the lock lapsed: start counting afresh
            return max(left, 0)

    def failed(self, key: Hashable) -> int:
        """Count a failure; return how long ``key`` is now locked (0: not yet)."""
        now = self.clock.now_ms()
        with self._lock:
            if key not in self._state and len(self._state) >= self.limit:
                self._make_room(now)
            failures, _ = self._state.get(key, (0, 0))
            failures += 1
            until = now + self.lock_ms if failures >= self.after else 0
            self._state[key] = (failures, until)
            return until - now if until else 0

    def succeeded(self, key: Hashable) -> None:
        if key in self._state:
            with self._lock:
                self._state.pop(key, None)

    def _make_room(self, now: int) -> None:
        self._state = {key: state for key, state in self._state.items() if state[1] > now}
        if len(self._state) >= self.limit:  # a flood of locks: forget the oldest half
            keep = sorted(self._state.items(), key=lambda item: item[1][1])[self.limit // 2 :]
            self._state = dict(keep)
