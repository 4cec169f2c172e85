"""The numbers each chart draws, computed apart from the drawing so they can be checked exactly."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.clock import as_utc
from bot.core.models import Topic

if TYPE_CHECKING:  # only its type: drawing a chart needs no database code
    from bot.core.progress.export_queries import LearnerTopic

FORECAST_DAYS = 14


@dataclass(frozen=True, slots=True)
class TopicBars:
    """One topic's group of bars: cards seen, right at the latest answer and mastered, out of ``cards``."""

    title: str
    cards: int
    seen: int
    right: int
    mastered: int


@dataclass(frozen=True, slots=True)
class DayCount:
    """Reviews falling due on one UTC day; the first day also holds everything already overdue."""

    day: date
    count: int


@dataclass(frozen=True, slots=True)
class CardScore:
    """How a class did on one card (``/instructor stats``): answers and right answers."""

    card_id: str
    attempts: int
    correct: int


@dataclass(frozen=True, slots=True)
class CardShare:
    """One bar of the per-card chart: the share right in 0..1 and how many answers it rests on."""

    card_id: str
    share: float
    attempts: int


def topic_bars(rows: Iterable[LearnerTopic], topics: Sequence[Topic]) -> list[TopicBars]:
    """One learner's topic rows in course order, titled; topics without cards are left out."""
    by_topic = {row.topic: row for row in rows}
    return [
        TopicBars(topic.title, row.cards, row.seen, row.right, row.mastered)
        for topic in topics
        if (row := by_topic.get(topic.id)) is not None and row.cards
    ]


def due_forecast(dues: Iterable[datetime], now: datetime, days: int = FORECAST_DAYS) -> list[DayCount]:
    """Reviews due on each of ``days`` UTC days from today; overdue ones count today, later ones not at all."""
    today = as_utc(now).date()
    counts = Counter(max(as_utc(due).date(), today) for due in dues)
    return [DayCount(today + timedelta(days=n), counts[today + timedelta(days=n)]) for n in range(days)]


def card_shares(scores: Iterable[CardScore]) -> list[CardShare]:
    """Answered cards, weakest first; among equal shares the more answered (surer) one first."""
    shares = [CardShare(s.card_id, s.correct / s.attempts, s.attempts) for s in scores if s.attempts]
    return sorted(shares, key=lambda s: (s.share, -s.attempts, s.card_id))
