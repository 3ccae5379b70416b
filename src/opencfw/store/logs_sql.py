"""The log record store: ``log_records`` on either store, with the aggregates the statistics need.

Every read is one firewall's records of one kind in a time range (the ``log_records_time``
index) plus conditions. A condition is built here from a column of ``log_records`` (checked
against the table's columns, never taken from input) and bound values; the counts, sums, tops
and time buckets are computed by the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from opencfw.domain.logs import COLUMNS, LogRecord
from opencfw.store.db import Database

_COLUMN_SET = frozenset(COLUMNS)
_SELECT = ", ".join(COLUMNS)
_INSERT = f"INSERT INTO log_records ({_SELECT}) VALUES ({', '.join('?' for _ in COLUMNS)})"
_CONTAINS = {"sqlite": "instr({column}, ?) > 0", "postgres": "strpos({column}, ?) > 0"}
TextMatch = Literal["equal", "not_equal", "contain", "starts_with"]


def _column(name: str) -> str:
    if name not in _COLUMN_SET:
        raise ValueError(f"log_records has no column {name!r}")
    return name


@dataclass
class Where:
    """The records of one kind of one firewall with ``start_ms <= at_ms <= end_ms``, and more."""

    project_id: str
    firewall_id: str
    kind: str
    start_ms: int
    end_ms: int
    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def eq(self, column: str, value: Any) -> Where:
        self.clauses.append(f"{_column(column)} = ?")
        self.params.append(value)
        return self

    def any_of(self, columns: Sequence[str], values: Sequence[Any]) -> Where:
        """Any of the columns holds any of the values."""
        marks = ", ".join("?" for _ in values)
        self.clauses.append("(" + " OR ".join(f"{_column(c)} IN ({marks})" for c in columns) + ")")
        for _ in columns:
            self.params.extend(values)
        return self

    def text(self, column: str, how: TextMatch, values: Sequence[str], dialect: str) -> Where:
        """The column, as text, matches one of the values (``not_equal``: none of them)."""
        as_text = f"CAST({_column(column)} AS TEXT)"
        if how == "not_equal":
            self.clauses.append(f"{as_text} NOT IN ({', '.join('?' for _ in values)})")
            self.params.extend(values)
            return self
        one = {
            "equal": f"{as_text} = ?",
            "contain": _CONTAINS[dialect].format(column=as_text),
            "starts_with": f"substr({as_text}, 1, ?) = ?",
        }[how]
        self.clauses.append("(" + " OR ".join(one for _ in values) + ")")
        for value in values:
            self.params.extend([len(value), value] if how == "starts_with" else [value])
        return self

    def seen_in(self, column: str, kind: str, other: str) -> Where:
        """The column's value is the ``other`` column of some record of ``kind`` in the same range."""
        self.clauses.append(
            f"{_column(column)} IN (SELECT {_column(other)} FROM log_records WHERE project_id = ? "
            "AND firewall_id = ? AND kind = ? AND at_ms >= ? AND at_ms <= ?)"
        )
        self.params.extend([self.project_id, self.firewall_id, kind, self.start_ms, self.end_ms])
        return self

    def sql(self) -> tuple[str, list[Any]]:
        text = "project_id = ? AND firewall_id = ? AND kind = ? AND at_ms >= ? AND at_ms <= ?"
        if self.clauses:
            text += " AND " + " AND ".join(self.clauses)
        return text, [self.project_id, self.firewall_id, self.kind, self.start_ms, self.end_ms, *self.params]


@dataclass(frozen=True, slots=True)
class Summary:
    count: int
    deny: int
    bytes: int
    packets: int
    first_ms: int | None
    last_ms: int | None


@dataclass(frozen=True, slots=True)
class Group:
    """One value (or tuple of values) of a top: how many records, their bytes, the latest."""

    values: tuple[Any, ...]
    count: int
    deny: int
    bytes: int
    last_ms: int


@dataclass(frozen=True, slots=True)
class Bucket:
    start_ms: int
    direction: str
    action: str
    count: int
    bytes: int


class LogStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _q(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.db.dialect == "postgres" else sql

    def insert(self, records: Sequence[LogRecord]) -> None:
        if not records:
            return
        rows = [tuple(getattr(r, c) for c in COLUMNS) for r in records]
        with self.db.write() as conn:
            if self.db.dialect == "postgres":
                with conn.cursor() as cur:
                    cur.executemany(self._q(_INSERT), rows)
            else:
                conn.executemany(_INSERT, rows)

    def page(
        self, where: Where, offset: int, limit: int, after: tuple[int, str] | None = None
    ) -> tuple[int, list[LogRecord]]:
        """One page, newest first (after the record ``after`` = (time, id) when given), and the
        exact number of records ``where`` selects."""
        text, params = where.sql()
        rows_text, rows_params = text, params
        if after is not None:
            rows_text += " AND (at_ms < ? OR (at_ms = ? AND id < ?))"
            rows_params = [*params, after[0], after[0], after[1]]
        sql = (
            f"SELECT (SELECT count(*) FROM log_records WHERE {text}) AS total, {_SELECT} FROM log_records "
            f"WHERE {rows_text} ORDER BY at_ms DESC, id DESC LIMIT ? OFFSET ?"
        )
        with self.db.read() as conn:
            rows = conn.execute(self._q(sql), [*params, *rows_params, limit, offset]).fetchall()
            if not rows:
                total = conn.execute(self._q(f"SELECT count(*) FROM log_records WHERE {text}"), params)
                return int(total.fetchone()[0]), []
        return int(rows[0][0]), [LogRecord(**dict(zip(COLUMNS, row[1:], strict=True))) for row in rows]

    def summary(self, where: Where) -> Summary:
        text, params = where.sql()
        sql = (
            "SELECT count(*), coalesce(sum(CASE WHEN action = 'deny' THEN 1 ELSE 0 END), 0), "
            "coalesce(sum(bytes), 0), coalesce(sum(packets), 0), min(at_ms), max(end_ms) "
            f"FROM log_records WHERE {text}"
        )
        with self.db.read() as conn:
            n, deny, size, packets, first, last = conn.execute(self._q(sql), params).fetchone()
        return Summary(
            int(n),
            int(deny),
            int(size),
            int(packets),
            None if first is None else int(first),
            None if last is None else int(last),
        )

    def distinct(self, where: Where, columns: Sequence[str]) -> dict[str, int]:
        """How many distinct values each column takes (empty strings not counted)."""
        text, params = where.sql()
        counts = ", ".join(
            f"count(DISTINCT CASE WHEN CAST({_column(c)} AS TEXT) <> '' THEN {c} END)" for c in columns
        )
        with self.db.read() as conn:
            row = conn.execute(self._q(f"SELECT {counts} FROM log_records WHERE {text}"), params).fetchone()
        return {c: int(v) for c, v in zip(columns, row, strict=True)}

    def top(
        self, where: Where, columns: Sequence[str], size: int, order: Literal["count", "bytes"] = "count"
    ) -> list[Group]:
        """The ``size`` most frequent (or heaviest) values of the columns, ties by value."""
        text, params = where.sql()
        keys = ", ".join(_column(c) for c in columns)
        first = "n DESC, b DESC" if order == "count" else "b DESC, n DESC"
        sql = (
            f"SELECT {keys}, count(*) AS n, coalesce(sum(CASE WHEN action = 'deny' THEN 1 ELSE 0 END), 0), "
            f"coalesce(sum(bytes), 0) AS b, max(at_ms) FROM log_records WHERE {text} "
            f"GROUP BY {keys} ORDER BY {first}, {keys} LIMIT ?"
        )
        with self.db.read() as conn:
            rows = conn.execute(self._q(sql), [*params, size]).fetchall()
        width = len(columns)
        return [
            Group(
                tuple(row[:width]),
                int(row[width]),
                int(row[width + 1]),
                int(row[width + 2]),
                int(row[width + 3]),
            )
            for row in rows
        ]

    def trend(self, where: Where, bucket_ms: int) -> list[Bucket]:
        """Records per time bucket (counted from ``where.start_ms``), direction and action."""
        text, params = where.sql()
        sql = (
            "SELECT (at_ms - ?) / ? AS slot, direction, action, count(*), coalesce(sum(bytes), 0) "
            f"FROM log_records WHERE {text} GROUP BY slot, direction, action ORDER BY slot, direction, action"
        )
        with self.db.read() as conn:
            rows = conn.execute(self._q(sql), [where.start_ms, bucket_ms, *params]).fetchall()
        return [
            Bucket(where.start_ms + int(slot) * bucket_ms, str(d), str(a), int(n), int(b))
            for slot, d, a, n, b in rows
        ]


#: the retention purge (store/extensions_sql.py runs it with the jobs' cut-off)
PURGE_SQL = "DELETE FROM log_records WHERE at_ms < ?"
