"""Times and durations as learners read them; UTC throughout, since learners span time zones."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.clock import as_utc


def duration(delta: timedelta) -> str:
    """``4 min 12 s``, ``1 h 5 min``, ``3 days``."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days = round(hours / 24)
    return f"{days} days"


def when(moment: datetime, now: datetime) -> str:
    """``now``, ``in under a minute``, ``in 3 h (Nov 25, 14:00 UTC)`` or ``2 days ago (…)``."""
    moment, now = as_utc(moment), as_utc(now)
    stamp = f"{moment:%b} {moment.day}, {moment:%H:%M} UTC"
    delta = moment - now
    if timedelta(0) < delta < timedelta(minutes=1):
        return "in under a minute"
    if abs(delta) < timedelta(minutes=1):
        return "now"
    return f"in {duration(delta)} ({stamp})" if delta > timedelta(0) else f"{duration(-delta)} ago ({stamp})"
