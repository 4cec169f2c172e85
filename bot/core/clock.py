"""Injectable "now": tests and the console fix the time, the bot reads the system clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""A function returning the current time as an aware UTC datetime."""


def system_clock() -> datetime:
    """Return the real current time; the default clock of the running bot."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Convert an aware datetime to UTC; naive ones are refused because their zone is a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


class FrozenClock:
    """A clock that stands still until told to move, so scheduling can be replayed exactly."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def __call__(self) -> datetime:
        """Return the frozen now."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward (e.g. "a week later") and return the new now."""
        self._now += delta
        return self._now


def fixed_clock(moment: datetime) -> Clock:
    """Return a clock that always answers ``moment`` (the console's ``--now``)."""
    return FrozenClock(moment)
