"""Progress records: the rows the store and the reports return, and how they are decoded.

Shared by :mod:`store` (writes and per-learner reads) and :mod:`reports` (summaries and
exports); also the column lists and the card-state read both use. Rows are mappings by
column name, as both engines' drivers return them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from bot.core.progress.scheduler import CardState
from bot.core.progress.times import from_db_time

if TYPE_CHECKING:
    from bot.core.progress.backend import StudyDatabase

SessionKind = Literal["quiz", "review"]

STATE_COLUMNS = "card_id, card_hash, state, step, stability, difficulty, due, last_review, reps, lapses"
QUALIFIED_STATE_COLUMNS = ", ".join(f"card_states.{name.strip()}" for name in STATE_COLUMNS.split(","))
SESSION_COLUMNS = (
    "id, learner_id, kind, topic, card_ids, position, score, answered, share, started_at, finished_at, card_type"
)
QUALIFIED_SESSION_COLUMNS = ", ".join(f"quiz_sessions.{name.strip()}" for name in SESSION_COLUMNS.split(","))
LEARNER_COLUMNS = "id, scope, user_key, display_name, created_at"


@dataclass(frozen=True)
class Learner:
    """One person in one scope ("guild:<id>", "dm" or "console"); progress is kept per scope."""

    id: int
    scope: str
    user_key: str
    display_name: str
    created_at: datetime


@dataclass(frozen=True)
class QuizSession:
    """A quiz or review run over a fixed list of cards; ``position`` is the next card to ask."""

    id: str
    learner_id: int
    kind: SessionKind
    topic: str | None
    card_ids: tuple[str, ...]
    position: int
    score: int
    answered: int
    started_at: datetime
    finished_at: datetime | None
    share: bool
    card_type: str | None = None

    @property
    def finished(self) -> bool:
        """Whether the run is over (all cards answered, or ended early)."""
        return self.finished_at is not None

    def is_retry(self, position: int) -> bool:
        """Whether the card at ``position`` is a missed card asked again at the end of the round."""
        return self.card_ids[position] in self.card_ids[:position]


@dataclass(frozen=True)
class AnswerInput:
    """One graded answer to record; ``session_id`` and ``position`` go together or not at all."""

    learner_id: int
    card_id: str
    card_hash: str
    response: str
    correct: bool
    rating: int
    response_ms: int | None = None
    session_id: str | None = None
    position: int | None = None
    class_game_id: str | None = None
    """Set for an answer given in a live class game (see :mod:`class_games`)."""


@dataclass(frozen=True)
class AnswerResult:
    """What recording did; for a duplicate, the original attempt and the current state.

    ``card_state`` is ``None`` only for a duplicate whose card has been reset since.
    """

    attempt_id: int
    correct: bool
    card_state: CardState | None
    session: QuizSession | None
    duplicate: bool


@dataclass(frozen=True)
class LearnerReset:
    """What erasing one learner's progress removed."""

    answers: int
    schedules: int
    rounds: int


@dataclass(frozen=True)
class CardReset:
    """Cards whose content changed, and how many learners had a schedule for them."""

    card_ids: list[str]
    learners: int


@dataclass(frozen=True)
class SessionAnswer:
    """One answer of a round, in position order (retries of missed cards included)."""

    position: int
    card_id: str
    correct: bool
    overridden: bool


@dataclass(frozen=True)
class TopicProgress:
    """A learner's standing in one topic; ``total`` counts the topic's current cards."""

    seen: int
    attempts: int
    correct: int
    accuracy: float
    mastered: int
    total: int


@dataclass(frozen=True)
class LeaderRow:
    """One line of a scope's leaderboard; ``attempts`` and ``accuracy`` cover the period."""

    learner_id: int
    display_name: str
    mastered: int
    attempts: int
    accuracy: float


@dataclass(frozen=True)
class ItemStats:
    """How a class did on one card, with its wrong answers most common first."""

    card_id: str
    attempts: int
    correct: int
    accuracy: float
    wrong_responses: list[tuple[str, int]]
    overridden_responses: list[tuple[str, int]] = field(default_factory=list)
    """Wrong answers their learners counted as right ("I was right"), most common first."""


def ratio(part: int, whole: int) -> float:
    """Return a share in 0..1; nothing attempted counts as 0, not as an error."""
    return part / whole if whole else 0.0


def state_from_row(row: Mapping[str, Any]) -> CardState:
    """Decode a ``card_states`` row."""
    return CardState(
        card_id=row["card_id"],
        card_hash=row["card_hash"],
        state=row["state"],
        step=row["step"],
        stability=row["stability"],
        difficulty=row["difficulty"],
        due=from_db_time(row["due"]),
        last_review=from_db_time(row["last_review"]) if row["last_review"] else None,
        reps=row["reps"],
        lapses=row["lapses"],
    )


def learner_from_row(row: Mapping[str, Any]) -> Learner:
    """Decode a ``learners`` row."""
    return Learner(row["id"], row["scope"], row["user_key"], row["display_name"], from_db_time(row["created_at"]))


def session_from_row(row: Mapping[str, Any]) -> QuizSession:
    """Decode a ``quiz_sessions`` row."""
    return QuizSession(
        id=row["id"],
        learner_id=row["learner_id"],
        kind=row["kind"],
        topic=row["topic"],
        card_ids=tuple(json.loads(row["card_ids"])),
        position=row["position"],
        score=row["score"],
        answered=row["answered"],
        started_at=from_db_time(row["started_at"]),
        finished_at=from_db_time(row["finished_at"]) if row["finished_at"] else None,
        share=bool(row["share"]),
        card_type=row["card_type"],
    )


async def read_card_states(db: StudyDatabase, learner_id: int) -> dict[str, CardState]:
    """Every card state a learner has, by card id."""
    rows = await db.fetch(f"SELECT {STATE_COLUMNS} FROM card_states WHERE learner_id = ?", (learner_id,))
    return {row["card_id"]: state_from_row(row) for row in rows}
