"""Small reads by key answered on the event loop's own thread, without a hop to a worker thread.

A session, a card state or a learner read by its key takes SQLite about 10 µs; handing the
same read to aiosqlite's reader thread and back costs the event loop 60-110 µs (a queue, a
future, a self-pipe wake-up) and the reader thread as much again, on a machine where every
answer and every *Next* press needs such a read. So these reads run synchronously on a
connection of their own, opened in ``query_only`` mode with no busy timeout: in WAL mode a
reader never waits for the writer, and in the rare moment SQLite would make it wait (another
process recovering the WAL) the read says so at once and :class:`~bot.core.progress.database.Database`
sends it to the reader thread instead. Anything longer than a lookup (reports, exports)
stays on the reader thread, where it cannot hold up the loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from bot.core.progress.sqlite_writes import is_busy
from bot.core.progress.steps import Row


class LoopLookups:
    """A read-only connection used only from the event loop's thread, for reads by key."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    @classmethod
    def open(cls, path: Path, pragmas: Iterable[str]) -> LoopLookups:
        """Connect read-only to an existing database file (the writer has created and migrated it)."""
        connection = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, isolation_level=None)
        try:
            connection.row_factory = sqlite3.Row
            for pragma in (*pragmas, "PRAGMA busy_timeout = 0", "PRAGMA query_only = 1"):
                connection.execute(pragma).fetchall()
        except BaseException:
            connection.close()
            raise
        return cls(connection)

    def rows(self, sql: str, params: tuple[Any, ...]) -> list[Row] | None:
        """Every row of the read, or ``None`` when SQLite would have to wait for a lock to answer it."""
        try:
            return cast(list[Row], self._connection.execute(sql, params).fetchall())
        except sqlite3.OperationalError as error:
            if is_busy(error):
                return None
            raise

    def close(self) -> None:
        """Close the connection (reads in progress cannot exist: they never leave the loop's thread)."""
        self._connection.close()
