"""A small database helper for the resource registry, over either store.

``Catalogue`` reads the named queries of ``sql/queries/*.sql``; ``Database`` hands out a store's
connections (reads inline, writes in one transaction: the SQLite store's write lock, the PostgreSQL
store's pool), the catalogue's text in the store's dialect, unique violations as the API's error,
and the event log.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opencfw.store.sql_store import SqlStore

_ENTRY = re.compile(r"^-- name: (\w+)(?:@(\w+))?[ \t]*$", re.MULTILINE)
DIALECTS = ("sqlite", "postgres")


class Catalogue:
    """Named queries: ``text(name, dialect)`` is the dialect's own entry if there is one, else the
    common one; ``?`` becomes the driver's placeholder (``%s`` for psycopg)."""

    def __init__(self, source: str) -> None:
        self._entries: dict[tuple[str, str | None], str] = {}
        parts = _ENTRY.split(source)
        for i in range(1, len(parts), 3):
            name, dialect, body = parts[i], parts[i + 1], parts[i + 2]
            if dialect is not None and dialect not in DIALECTS:
                raise ValueError(f"query {name}: unknown dialect {dialect!r}")
            text = " ".join(line.split("--", 1)[0].strip() for line in body.splitlines())
            key = (name, dialect)
            if key in self._entries:
                raise ValueError(f"query {name}@{dialect} is defined twice")
            self._entries[key] = " ".join(text.split())

    @classmethod
    def load(cls) -> Catalogue:
        folder = resources.files("opencfw.store") / "sql" / "queries"
        return cls(
            "\n".join(
                f.read_text("utf-8")
                for f in sorted(folder.iterdir(), key=lambda f: f.name)
                if f.name.endswith(".sql")
            )
        )

    @property
    def names(self) -> set[str]:
        return {name for name, _ in self._entries}

    def arity(self, name: str, dialect: str) -> int:
        """How many values the named query binds."""
        return self._entries.get((name, dialect), self._entries.get((name, None), "")).count("?")

    def text(self, name: str, dialect: str) -> str:
        found = self._entries.get((name, dialect)) or self._entries.get((name, None))
        if found is None:
            raise KeyError(f"no query named {name!r} for {dialect}")
        return found.replace("?", "%s") if dialect == "postgres" else found


@functools.cache
def catalogue() -> Catalogue:
    return Catalogue.load()


class Database:
    """What the generic repository needs of a store, and nothing more."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.dialect = store.dialect
        self._catalogue = catalogue()
        self._texts: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}

    def sql(self, name: str, **identifiers: str) -> str:
        """The named query in this store's dialect, with the declaration's identifiers filled in."""
        key = (name, tuple(sorted(identifiers.items())))
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = self._catalogue.text(name, self.dialect).format(**identifiers)
        return text

    def arity(self, name: str) -> int:
        return self._catalogue.arity(name, self.dialect)

    def read(self) -> contextlib.AbstractContextManager[Any]:
        return self.store._read()

    def write(self) -> contextlib.AbstractContextManager[Any]:
        return self.store._write()

    @contextlib.contextmanager
    def unique(self, error: Callable[[], Exception] | None) -> Iterator[None]:
        """A unique violation inside becomes ``error()`` (the driver's error stays the cause)."""
        try:
            yield
        except self.store.integrity_errors as exc:
            if error is None:
                raise
            raise error() from exc

    def emit(self, conn: Any, project_id: str, kind: str, data: dict[str, Any], at_ms: int) -> None:
        self.store._emit(conn, project_id, kind, data, at_ms)

    def announce(self, project_id: str) -> None:
        """After the commit: wake the project's waiters and event streams."""
        self.store._announce([project_id])
