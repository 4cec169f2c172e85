"""Stored reminder settings and send times (``migrations/0005_reminders.sql``).

Moving a send time on is a compare-and-set on the time it replaces: a reminder delivered
twice, or one the learner turned off or moved while it was being sent, is then left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.clock import Clock
from bot.core.progress.backend import StudyDatabase
from bot.core.progress.dialect import Dialect
from bot.core.progress.steps import Row, Steps, first_row, rows_of, statement
from bot.core.progress.times import from_db_time, to_db_time

_COLUMNS = "delivery, user_key, enabled, local_time, timezone, next_send_at, last_sent_at, notice"


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    """One person's reminder row."""

    delivery: str
    user_key: str
    enabled: bool
    local_time: str
    timezone: str
    next_send_at: datetime | None
    last_sent_at: datetime | None
    notice: str | None


@dataclass(frozen=True, slots=True)
class StudyPlace:
    """One learner row of a person: where they study and their progress there."""

    learner_id: int
    scope: str
    display_name: str


def _settings(row: Mapping[str, Any]) -> ReminderSettings:
    return ReminderSettings(
        row["delivery"], row["user_key"], bool(row["enabled"]), row["local_time"], row["timezone"],
        from_db_time(row["next_send_at"]) if row["next_send_at"] else None,
        from_db_time(row["last_sent_at"]) if row["last_sent_at"] else None, row["notice"],
    )


class ReminderStore:
    """Reads and writes the ``reminders`` table."""

    def __init__(self, db: StudyDatabase, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self.shared = db.dialect.name != "sqlite"
        """Whether other bot processes write this table too (PostgreSQL), so nothing read may be cached."""

    async def _one(self, sql: str, params: tuple[object, ...]) -> Row | None:
        rows = await self._db.fetch(sql, params)
        return rows[0] if rows else None

    async def get(self, delivery: str, user_key: str) -> ReminderSettings | None:
        """A person's reminder row, if they ever turned reminders on."""
        row = await self._one(f"SELECT {_COLUMNS} FROM reminders WHERE delivery = ? AND user_key = ?",
                              (delivery, user_key))
        return _settings(row) if row else None

    async def turn_on(self, delivery: str, user_key: str, local_time: str, timezone: str,
                      next_send_at: datetime) -> None:
        """Opt in (or change the time or zone); clears any pending notice, since they are back."""
        params = (delivery, user_key, local_time, timezone, to_db_time(next_send_at), to_db_time(self._clock()))

        await self._db.write(statement(
            "INSERT INTO reminders (delivery, user_key, enabled, local_time, timezone, next_send_at, updated_at) "
            "VALUES (?, ?, 1, ?, ?, ?, ?) ON CONFLICT (delivery, user_key) DO UPDATE SET enabled = 1, "
            "local_time = excluded.local_time, timezone = excluded.timezone, "
            "next_send_at = excluded.next_send_at, notice = NULL, updated_at = excluded.updated_at",
            params,
        ))

    async def turn_off(self, delivery: str, user_key: str, notice: str | None = None) -> bool:
        """Opt out (keeping the time and zone for a later /remind on); returns whether they were on."""
        params = (notice, to_db_time(self._clock()), delivery, user_key)

        rows = await self._db.write(statement(
            "UPDATE reminders SET enabled = 0, next_send_at = NULL, notice = COALESCE(?, notice), "
            "updated_at = ? WHERE delivery = ? AND user_key = ? AND enabled = 1 RETURNING user_key",
            params,
        ))
        return bool(rows)

    async def due(self, delivery: str, now: datetime, limit: int = 500) -> list[ReminderSettings]:
        """Reminders switched on whose send time has come, the earliest first."""
        rows = await self._db.fetch(
            f"SELECT {_COLUMNS} FROM reminders WHERE enabled = 1 AND next_send_at <= ? AND delivery = ? "
            "ORDER BY next_send_at, user_key LIMIT ?",
            (to_db_time(now), delivery, limit),
        )
        return [_settings(row) for row in rows]

    async def next_send_at(self, delivery: str) -> datetime | None:
        """The earliest send time of any reminder switched on."""
        row = await self._one("SELECT MIN(next_send_at) AS at FROM reminders WHERE enabled = 1 AND delivery = ?",
                              (delivery,))
        return from_db_time(row["at"]) if row and row["at"] else None

    async def move_on(self, delivery: str, user_key: str, expected: datetime, next_send_at: datetime,
                      *, sent: bool) -> bool:
        """Replace the send time ``expected`` with ``next_send_at`` (recording a send if ``sent``).

        Returns False, changing nothing, when the row no longer waits for ``expected`` (already
        moved on, turned off, or given a new time meanwhile).
        """
        now = to_db_time(self._clock())
        params = (to_db_time(next_send_at), now if sent else None, now, delivery, user_key, to_db_time(expected))

        rows = await self._db.write(statement(
            "UPDATE reminders SET next_send_at = ?, last_sent_at = COALESCE(?, last_sent_at), updated_at = ? "
            "WHERE delivery = ? AND user_key = ? AND enabled = 1 AND next_send_at = ? RETURNING user_key",
            params,
        ))
        return bool(rows)

    async def still_due(self, delivery: str, user_key: str, expected: datetime) -> bool:
        """Whether the reminder for ``expected`` is still wanted (on, and not moved on)."""
        row = await self._one("SELECT 1 AS yes FROM reminders WHERE delivery = ? AND user_key = ? "
                              "AND enabled = 1 AND next_send_at = ?", (delivery, user_key, to_db_time(expected)))
        return row is not None

    async def with_notices(self) -> set[tuple[str, str]]:
        """Everyone with a notice waiting, as ``(delivery, user_key)``."""
        rows = await self._db.fetch("SELECT delivery, user_key FROM reminders WHERE notice IS NOT NULL")
        return {(row["delivery"], row["user_key"]) for row in rows}

    async def take_notice(self, delivery: str, user_key: str) -> str | None:
        """Return a person's waiting notice and clear it, so it is shown once."""
        params = (delivery, user_key)

        def take(dialect: Dialect) -> Steps[str | None]:
            row = yield from first_row(
                f"SELECT notice FROM reminders WHERE delivery = ? AND user_key = ?{dialect.for_update}", params)
            if row is None or row["notice"] is None:
                return None
            yield from rows_of("UPDATE reminders SET notice = NULL WHERE delivery = ? AND user_key = ?", params)
            return str(row["notice"])

        return await self._db.write(take)

    async def places(self, user_key: str) -> list[StudyPlace]:
        """Every learner row of ``user_key``: each scope they studied in."""
        rows = await self._db.fetch("SELECT id, scope, display_name FROM learners WHERE user_key = ? ORDER BY id",
                                    (user_key,))
        return [StudyPlace(row["id"], row["scope"], row["display_name"]) for row in rows]

    async def studied_since(self, learner_id: int, since: datetime) -> bool:
        """Whether the learner answered anything since ``since``."""
        row = await self._one("SELECT 1 AS yes FROM attempts WHERE learner_id = ? AND answered_at >= ? LIMIT 1",
                              (learner_id, to_db_time(since)))
        return row is not None
