"""Change notifications per project, for server-side waiting and the event stream.

Writers call ``notify`` (on the event loop's thread) after a commit that changed a project's jobs or
firewalls; waiters remember ``version(project)`` *before* reading the state they compare, then
``wait`` — so a change between the read and the wait is never missed. There is no polling: across
processes the notifications come from PostgreSQL's LISTEN/NOTIFY.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Callable, Iterable


class ChangeHub:
    def __init__(self) -> None:
        self._versions: defaultdict[str, int] = defaultdict(int)
        self._events: dict[str, asyncio.Event] = {}
        #: called with the changed projects on every notification (the data plane's reconciler)
        self.listeners: list[Callable[[list[str]], None]] = []

    def version(self, project_id: str) -> int:
        return self._versions[project_id]

    def notify(self, projects: Iterable[str]) -> None:
        projects = list(projects)
        for listener in self.listeners:
            listener(projects)
        for project_id in projects:
            self._versions[project_id] += 1
            event = self._events.pop(project_id, None)
            if event is not None:
                event.set()

    def notify_all(self) -> None:
        """Wake every waiter (the server is stopping, or the clock jumped)."""
        self.notify(list(self._events))

    async def wait(self, project_id: str, since: int, timeout: float) -> bool:
        """Until the project's version differs from ``since`` (True) or ``timeout`` s pass (False)."""
        if self._versions[project_id] != since:
            return True
        event = self._events.get(project_id)
        if event is None:
            event = self._events[project_id] = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
        return self._versions[project_id] != since
