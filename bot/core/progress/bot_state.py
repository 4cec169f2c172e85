"""Key-value facts the bot keeps between runs (e.g. the last synced command-schema hash)."""

from __future__ import annotations

from bot.core.clock import Clock
from bot.core.progress.database import Database, to_db_time


class BotState:
    """Reads and writes the ``bot_state`` table."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def get(self, key: str) -> str | None:
        """The stored value, or None."""
        async with self._db.read() as conn, conn.execute("SELECT value FROM bot_state WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        return None if row is None else str(row[0])

    async def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, replacing any earlier value."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (key, value, to_db_time(self._clock())),
            )

    async def delete(self, key: str) -> None:
        """Forget ``key`` (nothing happens if it is not there)."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM bot_state WHERE key = ?", (key,))
