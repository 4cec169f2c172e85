"""Transactions as plain steps, so one piece of code runs on SQLite and on PostgreSQL.

A transaction is a generator: it yields a :class:`Query` and is sent back that query's rows,
until it returns its result. It does no I/O itself, so SQLite runs it to completion on its
writer thread in one trip (:func:`drive`), and PostgreSQL awaits each query on the
connection that holds the transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.core.progress.dialect import Dialect

T = TypeVar("T")
Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Query:
    """One statement with ``?`` placeholders and its parameters."""

    sql: str
    params: tuple[Any, ...] = ()


Steps = Generator[Query, list[Row], T]
"""A transaction: yields queries, is sent their rows, returns its result."""
Transaction = Callable[[Dialect], Steps[T]]
"""What the store hands a database to run: given the dialect, the steps of one transaction."""


def rows_of(sql: str, params: Iterable[Any] = ()) -> Steps[list[Row]]:
    """Run a statement and return every row it yields."""
    return (yield Query(sql, tuple(params)))


def first_row(sql: str, params: Iterable[Any] = ()) -> Steps[Row | None]:
    """Run a statement to completion and return its first row, if any."""
    rows = yield from rows_of(sql, params)
    return rows[0] if rows else None


def statement(sql: str, params: Iterable[Any] = ()) -> Transaction[list[Row]]:
    """A transaction of one statement (returning its rows), for writes that need nothing else."""
    frozen = tuple(params)
    return lambda _dialect: rows_of(sql, frozen)


def drive(conn: sqlite3.Connection, steps: Steps[T]) -> T:
    """Run a transaction's steps on a ``sqlite3`` connection (the caller holds the transaction)."""
    try:
        query = next(steps)
        while True:
            query = steps.send(conn.execute(query.sql, query.params).fetchall())
    except StopIteration as done:
        result: T = done.value
        return result
