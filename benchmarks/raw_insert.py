"""The limit: a bare aiosqlite loop inserting one attempt-shaped row per transaction.

Same file system, same pragmas as the bot's connections (WAL, ``synchronous=NORMAL``,
foreign keys on, busy timeout), one ``INSERT`` and one ``COMMIT`` per row, one row at a time.
The table has the columns and checks of ``attempts`` but no secondary indexes or foreign keys:
this is what SQLite plus aiosqlite cost, with none of the bot's bookkeeping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from bot.core.progress.database import to_db_time
from bot.core.progress.sqlite_connections import connection_pragmas

_TABLE = """
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    learner_id INTEGER NOT NULL,
    card_id TEXT NOT NULL,
    card_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    answered_at TEXT NOT NULL,
    response_ms INTEGER CHECK (response_ms >= 0),
    session_id TEXT,
    position INTEGER,
    CHECK ((session_id IS NULL) = (position IS NULL))
)
"""
_INSERT = (
    "INSERT INTO attempts (learner_id, card_id, card_hash, response, correct, rating, answered_at, "
    "response_ms, session_id, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


async def raw_answers_per_second(path: Path, rows: int) -> float:
    """Insert ``rows`` attempt-shaped rows into a new file at ``path``, committing each; return rows/s."""
    async with aiosqlite.connect(path) as conn:
        for pragma in connection_pragmas():
            await conn.execute(pragma)
        await conn.execute(_TABLE)
        await conn.commit()
        answered_at = to_db_time(datetime.now(UTC))
        started = time.perf_counter()
        for n in range(rows):
            await conn.execute(
                _INSERT,
                (n % 500, f"card-{n % 20}", "0123456789abcdef", "an answer", n % 3 != 0, 3, answered_at, 1500,
                 f"session-{n // 20:06d}", n % 20),
            )
            await conn.commit()
        return rows / (time.perf_counter() - started)
