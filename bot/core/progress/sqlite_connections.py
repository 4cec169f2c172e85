"""aiosqlite connections to the study database: opened with the same settings, used on their threads."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import aiosqlite

T = TypeVar("T")

DEFAULT_BUSY_TIMEOUT_MS = 5000


def connection_pragmas(busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> tuple[str, ...]:
    """The settings every connection to the study database runs with (the benchmarks reuse them)."""
    return (
        f"PRAGMA busy_timeout = {int(busy_timeout_ms)}",
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL",
        "PRAGMA foreign_keys = ON",
    )


async def connect(path: Path, busy_timeout_ms: int, *, query_only: bool, create: bool) -> aiosqlite.Connection:
    """Open one connection in autocommit mode, so only our explicit BEGINs start transactions.

    Without ``create`` the file is opened with ``mode=rw``, so SQLite itself refuses to create it.
    """
    if create:
        connection = await await_connection(aiosqlite.connect(path, isolation_level=None))
    else:
        existing = f"file:{quote(str(path))}?mode=rw"
        connection = await await_connection(aiosqlite.connect(existing, isolation_level=None, uri=True))
    try:
        connection.row_factory = aiosqlite.Row
        for pragma in (*connection_pragmas(busy_timeout_ms), f"PRAGMA query_only = {int(query_only)}"):
            await run_statement(connection, pragma)
    except BaseException:
        await connection.close()
        raise
    return connection


async def await_connection(pending: aiosqlite.Connection) -> aiosqlite.Connection:
    """Await an ``aiosqlite.connect(...)``; if it fails, wait for aiosqlite's worker thread to stop.

    aiosqlite stops that thread after a failed connect without waiting; unless it finishes while
    this loop still runs, it reports "Event loop is closed" from the thread after the program ends.
    """
    try:
        return await pending
    except BaseException:
        await asyncio.to_thread(pending._thread.join, 5)
        raise


async def close_all(connections: list[aiosqlite.Connection]) -> None:
    """Close connections opened so far, newest first (a failed open leaves nothing behind)."""
    for connection in reversed(connections):
        await connection.close()


async def on_thread(connection: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    """Call ``fn(sqlite3_connection, *args)`` on the connection's worker thread; one trip.

    aiosqlite (0.17 through 0.22) has no public way to run a callable on its thread; every
    public method is a thin wrapper around ``Connection._execute``, which queues a callable
    to the single worker thread that owns the ``sqlite3`` connection, in FIFO order. We use
    that same queue, so our callables are ordered with every other call on the connection.
    """
    raw: sqlite3.Connection = connection._conn
    result: T = await connection._execute(fn, raw, *args)
    return result


async def run_statement(connection: aiosqlite.Connection, statement: str) -> None:
    """Run a statement to completion in one trip, so no half-read statement keeps a lock."""
    await connection.execute_fetchall(statement)
