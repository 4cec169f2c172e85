"""The rows of a live class game: the game, its questions and each player's latest answer.

Returned by :mod:`class_games` and read by the pure game rules (:mod:`bot.core.class_game`),
which score and rank them without knowing where they came from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.core.progress.times import from_db_time

Phase = Literal["asking", "revealed", "finished"]
GameType = Literal["choice", "truefalse", "mixed"]

GAME_COLUMNS = (
    "id, scope, channel, host_key, topic, card_type, seconds, auto_advance, question_count, position, "
    "phase, deadline, started_at, finished_at"
)
QUESTION_COLUMNS = "game_id, position, card_id, card_hash, options, correct_index, asked_at, deadline, " \
    "revealed_at, message"


@dataclass(frozen=True)
class Game:
    """A class game in one channel; ``position`` is the question shown now (from 0)."""

    id: str
    scope: str
    channel: str
    host_key: str
    topic: str | None
    card_type: GameType
    seconds: int
    auto_advance: bool
    question_count: int
    position: int
    phase: Phase
    deadline: datetime | None
    started_at: datetime
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        """Whether the game is over (every question played, or stopped)."""
        return self.phase == "finished"


@dataclass(frozen=True)
class QuestionSpec:
    """A question to store at the start of a game: the card and the options as shown."""

    card_id: str
    card_hash: str
    options: tuple[str, ...]
    correct_index: int


@dataclass(frozen=True)
class Question:
    """One stored question of a game; ``message`` is the front end's id of its public message."""

    game_id: str
    position: int
    card_id: str
    card_hash: str
    options: tuple[str, ...]
    correct_index: int
    asked_at: datetime | None
    deadline: datetime | None
    revealed_at: datetime | None
    message: str | None


@dataclass(frozen=True)
class GameAnswer:
    """A player's latest choice for one question, and how long after the question it came."""

    position: int
    learner_id: int
    display_name: str
    choice: int
    correct: bool
    answer_ms: int


@dataclass(frozen=True)
class Click:
    """What recording one click did: whether it replaced an earlier choice, and how many answered."""

    changed: bool
    answered: int


def _time(text: str | None) -> datetime | None:
    return from_db_time(text) if text else None


def game_from_row(row: Mapping[str, Any]) -> Game:
    """Decode a ``class_games`` row."""
    return Game(
        id=row["id"], scope=row["scope"], channel=row["channel"], host_key=row["host_key"], topic=row["topic"],
        card_type=row["card_type"], seconds=row["seconds"], auto_advance=bool(row["auto_advance"]),
        question_count=row["question_count"], position=row["position"], phase=row["phase"],
        deadline=_time(row["deadline"]), started_at=from_db_time(row["started_at"]),
        finished_at=_time(row["finished_at"]),
    )


def question_from_row(row: Mapping[str, Any]) -> Question:
    """Decode a ``class_game_questions`` row."""
    return Question(
        game_id=row["game_id"], position=row["position"], card_id=row["card_id"], card_hash=row["card_hash"],
        options=tuple(json.loads(row["options"])), correct_index=row["correct_index"],
        asked_at=_time(row["asked_at"]), deadline=_time(row["deadline"]), revealed_at=_time(row["revealed_at"]),
        message=row["message"],
    )
