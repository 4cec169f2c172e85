"""SQLite work done on the event loop's own thread: reads by key, and write batches.

Handing a statement to aiosqlite's worker thread and back costs the event loop 60-110 µs (a
queue, a future, a self-pipe wake-up) and the thread as much again; a read by key takes
SQLite about 10 µs and a whole answer's transaction about 300 µs. Worse, each statement on a
worker thread releases the GIL and must win it back from the busy event loop, which can take
up to the interpreter's switch interval (5 ms): a write of eight statements then waits far
longer than it works, and that wait is the slow tail of answering. So the bot's small reads
and its write batches run synchronously here, on connections of their own opened with no busy
timeout, and never wait: in WAL mode a reader does not wait for the writer, and when the write
lock is held by someone else (another process, a checkpoint that must reset the log) the work
says so at once and :class:`~bot.core.progress.database.Database` sends it to the worker
threads, which wait as before. Anything longer than a lookup (reports, exports, backups)
stays on the reader thread, where it cannot hold up the loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from bot.core.progress.sqlite_writes import is_busy, transact_group_now
from bot.core.progress.steps import Row

Work = Callable[[sqlite3.Connection], Any]


class LoopConnections:
    """A read-only connection for lookups and a writing one, used only from the event loop's thread."""

    def __init__(self, lookups: sqlite3.Connection, writer: sqlite3.Connection) -> None:
        self._lookups = lookups
        self._writer = writer

    @classmethod
    def open(cls, path: Path, pragmas: Iterable[str]) -> LoopConnections:
        """Connect to an existing database file (the worker-thread writer has created it)."""
        opened: list[sqlite3.Connection] = []
        try:
            for query_only in (True, False):
                opened.append(_connect(path, pragmas, query_only=query_only))
        except BaseException:
            for connection in opened:
                connection.close()
            raise
        return cls(*opened)

    def rows(self, sql: str, params: tuple[Any, ...]) -> list[Row] | None:
        """Every row of a read, or ``None`` when SQLite would have to wait for a lock to answer it."""
        try:
            return cast(list[Row], self._lookups.execute(sql, params).fetchall())
        except sqlite3.OperationalError as error:
            if is_busy(error):
                return None
            raise

    def write_batch(self, works: list[Work]) -> list[tuple[bool, Any]] | None:
        """Run the works under one commit (see :func:`transact_group_now`); ``None`` if the lock is held."""
        return transact_group_now(self._writer, works)

    def set_trace_callback(self, callback: Callable[[str], object] | None) -> None:
        """Call ``callback(sql)`` for every statement either connection runs (``None`` stops it)."""
        for connection in (self._lookups, self._writer):
            connection.set_trace_callback(callback)

    def close(self) -> None:
        """Close both (nothing can be in progress: their work never leaves the loop's thread)."""
        self._lookups.close()
        self._writer.close()


def _connect(path: Path, pragmas: Iterable[str], *, query_only: bool) -> sqlite3.Connection:
    """Open one connection in autocommit mode that never waits for a lock.

    The writing one leaves checkpoints to the background checkpointer (``wal_autocheckpoint = 0``):
    a checkpoint fsyncs, and that must not happen on the loop.
    """
    connection = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, isolation_level=None)
    try:
        connection.row_factory = sqlite3.Row
        settings = (*pragmas, "PRAGMA busy_timeout = 0", f"PRAGMA query_only = {int(query_only)}",
                    "PRAGMA wal_autocheckpoint = 0")
        for pragma in settings:
            connection.execute(pragma).fetchall()
    except BaseException:
        connection.close()
        raise
    return connection
