"""The few places SQLite and PostgreSQL SQL differ, so the store writes each query once.

Queries are written with ``?`` placeholders and SQL both engines accept (``RETURNING``,
``ON CONFLICT … DO UPDATE``, text times that sort as times). PostgreSQL wants numbered
placeholders (``$1``) and can lock the row a transaction is about to change; SQLite has one
writer, so it needs no row lock. The streak query counts back day by day with each engine's
date arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_PLACEHOLDER = re.compile(r"\?")


@dataclass(frozen=True, slots=True)
class Dialect:
    """How one engine spells the parts that differ."""

    name: str
    for_update: str
    """Appended to a SELECT of a row the same transaction will change (a row lock, or nothing)."""
    streak_sql: str
    """Active days ending the day after ``?1`` (a date) for learner ``?2``, minus one."""
    migrations_subdir: str
    """Where this dialect's migration files live under the migrations folder ("" for the folder itself)."""
    numbered: bool
    json_pairs: str
    """A table of ``(key, value)`` text pairs from the JSON object in one ``?`` parameter."""

    def sql(self, text: str) -> str:
        """The statement as this engine's driver takes it."""
        return _numbered(text) if self.numbered else text


@lru_cache(maxsize=512)
def _numbered(text: str) -> str:
    """Turn ``?`` placeholders into ``$1, $2, …`` (our SQL never has a ``?`` in a literal)."""
    counter = iter(range(1, text.count("?") + 1))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", text)


SQLITE = Dialect(
    name="sqlite",
    for_update="",
    streak_sql=(
        "WITH RECURSIVE active(day) AS ("
        " SELECT date(?, '+1 day')"
        " UNION ALL"
        " SELECT date(day, '-1 day') FROM active WHERE EXISTS ("
        "  SELECT 1 FROM attempts WHERE learner_id = ?"
        "  AND answered_at >= date(day, '-1 day') AND answered_at < day))"
        " SELECT COUNT(*) - 1 AS days FROM active"
    ),
    migrations_subdir="",
    numbered=False,
    json_pairs="json_each(?)",
)

POSTGRESQL = Dialect(
    name="postgresql",
    for_update=" FOR UPDATE",
    streak_sql=(
        "WITH RECURSIVE active(day) AS ("
        " SELECT CAST(CAST(CAST(? AS text) AS date) + 1 AS text)"
        " UNION ALL"
        " SELECT CAST(day::date - 1 AS text) FROM active WHERE EXISTS ("
        "  SELECT 1 FROM attempts WHERE learner_id = ?"
        "  AND answered_at >= CAST(day::date - 1 AS text) AND answered_at < day))"
        " SELECT COUNT(*) - 1 AS days FROM active"
    ),
    migrations_subdir="postgresql",
    numbered=True,
    json_pairs="json_each_text(CAST(? AS json))",
)
