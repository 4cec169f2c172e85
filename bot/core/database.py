"""SQLite access: one serialised writer, one reader, explicit transactions, verified backups.

SQLite allows one writer at a time. Funnelling every write through one connection guarded by
an ``asyncio.Lock`` means writers queue in the event loop instead of spinning on SQLite's busy
handler, and every write is ``BEGIN IMMEDIATE … COMMIT`` so a transaction never has to upgrade
a read lock half way (the classic source of "database is locked" under WAL).

``synchronous=NORMAL`` in WAL mode never corrupts the database; a power cut (not a process
crash) can lose the last few committed transactions. That is the trade-off we accept for
answer recording that stays in the low milliseconds.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import aiosqlite

from bot.core.clock import as_utc
from bot.core.errors import DatabaseBusyError, StudyError

DEFAULT_BUSY_TIMEOUT_MS = 5000
_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_BUSY_MESSAGE = "The study database is busy right now — please try again in a moment."


def to_db_time(moment: datetime) -> str:
    """Encode an aware datetime as fixed-width UTC ISO-8601 text, so text order is time order."""
    return as_utc(moment).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_db_time(text: str) -> datetime:
    """Decode what :func:`to_db_time` wrote back into an aware UTC datetime."""
    return as_utc(datetime.fromisoformat(text))


def _is_busy(error: sqlite3.OperationalError) -> bool:
    """Tell a transient lock conflict (worth one retry) from a real failure."""
    return getattr(error, "sqlite_errorcode", 0) & 0xFF in _BUSY_CODES  # extended codes keep the base low


class Database:
    """The bot's SQLite file: a writer for serialised transactions and a reader for queries."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Database:
        """Open (creating if needed) the database file with the PRAGMAs every connection needs."""
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path, busy_timeout_ms, query_only=False)
        try:
            reader = await _connect(path, busy_timeout_ms, query_only=True)
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader)

    async def close(self) -> None:
        """Close both connections; waits for a running write transaction to finish first."""
        async with self._write_lock:
            await self._reader.close()
            await self._writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block as one ``BEGIN IMMEDIATE … COMMIT``; any exception rolls it all back."""
        async with self._write_lock:
            await self._execute_with_retry("BEGIN IMMEDIATE")
            try:
                yield self._writer
                await self._execute_with_retry("COMMIT")
            except BaseException:
                await self._rollback()
                raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """Lend the read-only connection; in WAL mode it never waits for the writer."""
        yield self._reader

    async def backup(self, dest: Path) -> None:
        """Copy the live database with SQLite's backup API and prove the copy is sound.

        The copy is written next to ``dest`` and only renamed into place once
        ``PRAGMA integrity_check`` says ``ok``, so a failed backup never replaces a good one.
        """
        partial = await asyncio.to_thread(_prepare_backup_file, self.path, dest)
        async with aiosqlite.connect(partial, check_same_thread=False) as copy:
            await self._reader.backup(copy)
            async with copy.execute("PRAGMA integrity_check") as cursor:
                verdict = [row[0] for row in await cursor.fetchall()]
        if verdict != ["ok"]:
            partial.unlink(missing_ok=True)
            raise StudyError(
                "The backup copy failed its integrity check and was discarded.",
                hint="; ".join(verdict[:5]),
            )
        partial.replace(dest)

    async def _execute_with_retry(self, statement: str) -> None:
        """Run BEGIN/COMMIT, retrying a lock conflict once before telling the user to retry."""
        try:
            await _run(self._writer, statement)
        except sqlite3.OperationalError as first:
            if not _is_busy(first):
                raise
            try:
                await _run(self._writer, statement)
            except sqlite3.OperationalError as second:
                if _is_busy(second):
                    raise DatabaseBusyError(_BUSY_MESSAGE) from second
                raise

    async def _rollback(self) -> None:
        """Undo the open transaction, tolerating one SQLite already ended on its own."""
        try:
            await _run(self._writer, "ROLLBACK")
        except sqlite3.OperationalError:
            if self._writer.in_transaction:
                raise


def _prepare_backup_file(live: Path, dest: Path) -> Path:
    """Refuse to overwrite the live file and return a fresh scratch path beside ``dest``."""
    if dest.resolve() == live.resolve():
        raise StudyError("A backup cannot overwrite the live database.", hint=str(dest))
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    return partial


async def _connect(path: Path, busy_timeout_ms: int, *, query_only: bool) -> aiosqlite.Connection:
    """Open one connection in autocommit mode, so only our explicit BEGINs start transactions."""
    connection = await aiosqlite.connect(path, isolation_level=None)
    try:
        connection.row_factory = aiosqlite.Row
        for pragma in (
            f"PRAGMA busy_timeout = {int(busy_timeout_ms)}",
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = NORMAL",
            "PRAGMA foreign_keys = ON",
            f"PRAGMA query_only = {int(query_only)}",
        ):
            await _run(connection, pragma)
    except BaseException:
        await connection.close()
        raise
    return connection


async def _run(connection: aiosqlite.Connection, statement: str) -> None:
    """Run a statement to completion in one trip, so no half-read statement keeps a lock."""
    await connection.execute_fetchall(statement)
