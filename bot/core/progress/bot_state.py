"""Key-value facts the bot keeps between runs (e.g. the last synced command-schema hash)."""

from __future__ import annotations

from bot.core.clock import Clock
from bot.core.progress.backend import StudyDatabase
from bot.core.progress.dialect import Dialect
from bot.core.progress.steps import Steps, rows_of, statement
from bot.core.progress.times import to_db_time


class BotState:
    """Reads and writes the ``bot_state`` table."""

    def __init__(self, db: StudyDatabase, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def get(self, key: str) -> str | None:
        """The stored value, or None."""
        rows = await self._db.fetch("SELECT value FROM bot_state WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    async def set(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, replacing any earlier value."""
        params = (key, value, to_db_time(self._clock()))

        def upsert(_: Dialect) -> Steps[None]:
            yield from rows_of(
                "INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params,
            )

        await self._db.write(upsert)

    async def delete(self, key: str) -> None:
        """Forget ``key`` (nothing happens if it is not there)."""
        await self._db.write(statement("DELETE FROM bot_state WHERE key = ?", (key,)))
