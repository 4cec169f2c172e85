"""How times are stored: fixed-width UTC ISO-8601 text, the same on SQLite and PostgreSQL.

Text of one width sorts as the times it spells (PostgreSQL columns use the "C" collation so
no locale reorders it), which keeps every time comparison plain SQL both engines share.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import as_utc


def to_db_time(moment: datetime) -> str:
    """Encode an aware datetime as fixed-width UTC ISO-8601 text, so text order is time order."""
    return as_utc(moment).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_db_time(text: str) -> datetime:
    """Decode what :func:`to_db_time` wrote back into an aware UTC datetime."""
    return as_utc(datetime.fromisoformat(text))
