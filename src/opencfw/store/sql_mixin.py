"""What the SQL mixins of ``sql_store.SqlStore`` (accounts, firewalls, tags) use of it: declared
for the type checker only, so that nothing here shadows the real methods at run time."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar


class SqlMixin:
    sql: ClassVar[dict[str, str]]
    list_filters: ClassVar[dict[str, str]]
    #: appended to a SELECT inside a write transaction to lock the rows it reads
    lock_rows: ClassVar[str]
    integrity_errors: ClassVar[tuple[type[BaseException], ...]]

    if TYPE_CHECKING:

        def _write(self) -> contextlib.AbstractContextManager[Any]: ...

        def _read(self) -> contextlib.AbstractContextManager[Any]: ...

        def _q(self, sql: str) -> str: ...

        def _one(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None: ...

        def _unique(self, error: Callable[[], Exception]) -> contextlib.AbstractContextManager[None]: ...

        def _emit(self, conn: Any, project_id: str, kind: str, data: dict[str, Any], at_ms: int) -> None: ...

        def _announce(self, projects: Iterable[str]) -> None: ...
