"""Write batches on a ``sqlite3`` connection: one transaction, or several sharing a commit.

:class:`~bot.core.progress.database.Database` runs a batch of writes that queued up together
(a whole answer each, in its own savepoint) under one ``BEGIN IMMEDIATE … COMMIT``: on the
event loop's thread when the write lock is free (:func:`transact_group_now`), else on the
writer connection's thread, where a lock held by another process gets one retry, then a
polite :class:`DatabaseBusyError` (:func:`transact_group`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from bot.core.errors import DATABASE_BUSY, DatabaseBusyError

_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def is_busy(error: sqlite3.OperationalError) -> bool:
    """Tell a transient lock conflict (worth one retry) from a real failure."""
    return getattr(error, "sqlite_errorcode", 0) & 0xFF in _BUSY_CODES  # extended codes keep the base low


def transact_group(
    conn: sqlite3.Connection, works: list[Callable[[sqlite3.Connection], Any]]
) -> list[tuple[bool, Any]]:
    """Run works in one transaction, each in a savepoint; ``(True, result)`` or ``(False, error)`` each.

    A lone work gets a plain transaction. If a work's failure ended the whole transaction
    (SQLite does that on I/O errors, a full disk or no memory), the works before it were lost
    with it: they fail with the same error, and the rest start over in a new transaction.
    Raises (after rolling back) when BEGIN or COMMIT fails: then nothing was kept.
    """
    execute_retrying(conn, "BEGIN IMMEDIATE")
    return _in_transaction(conn, works)


def transact_group_now(
    conn: sqlite3.Connection, works: list[Callable[[sqlite3.Connection], Any]]
) -> list[tuple[bool, Any]] | None:
    """:func:`transact_group` if the write lock is free right now; ``None`` (nothing run) if it is held."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if is_busy(error):
            return None
        raise
    return _in_transaction(conn, works)


def _in_transaction(
    conn: sqlite3.Connection, works: list[Callable[[sqlite3.Connection], Any]]
) -> list[tuple[bool, Any]]:
    """The rest of :func:`transact_group`, once BEGIN has succeeded."""
    outcomes: list[tuple[bool, Any]] = []
    try:
        if len(works) == 1:
            try:
                outcomes.append((True, works[0](conn)))
            except Exception as error:  # handed back to the loop and raised for that caller
                rollback(conn)
                return [(False, error)]
            execute_retrying(conn, "COMMIT")
            return outcomes
        for index, work in enumerate(works):
            conn.execute("SAVEPOINT write")
            try:
                result = work(conn)
            except Exception as error:
                if not conn.in_transaction:
                    lost = [(False, error)] * (len(outcomes) + 1)
                    return lost + transact_group(conn, works[index + 1 :]) if index + 1 < len(works) else lost
                conn.execute("ROLLBACK TO write")
                conn.execute("RELEASE write")
                outcomes.append((False, error))
            else:
                conn.execute("RELEASE write")
                outcomes.append((True, result))
        execute_retrying(conn, "COMMIT")
    except BaseException:
        rollback(conn)
        raise
    return outcomes


def execute_retrying(conn: sqlite3.Connection, statement: str) -> None:
    """Run BEGIN/COMMIT, retrying a lock conflict once before telling the user to retry."""
    try:
        conn.execute(statement)
    except sqlite3.OperationalError as first:
        if not is_busy(first):
            raise
        try:
            conn.execute(statement)
        except sqlite3.OperationalError as second:
            if is_busy(second):
                raise DatabaseBusyError(DATABASE_BUSY) from second
            raise


def rollback(conn: sqlite3.Connection) -> None:
    """Undo the open transaction, tolerating one SQLite already ended on its own."""
    try:
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError:
        if conn.in_transaction:
            raise
