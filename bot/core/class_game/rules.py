"""Limits of a game, how questions are chosen and shown, how an answer scores, and what falls due.

Scoring follows the usual live-quiz rule: a right answer is worth up to 1,000 points, losing
up to half of that linearly over the question's time (so the slowest right answer still
earns 500); a wrong answer or none earns nothing.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from bot.core.command_catalog import (
    DEFAULT_CLASS_QUESTIONS,
    DEFAULT_CLASS_SECONDS,
    MAX_CLASS_QUESTIONS,
    MAX_CLASS_SECONDS,
    MIN_CLASS_SECONDS,
)
from bot.core.models import Card, CardType
from bot.core.progress.class_game_records import Game, GameType, QuestionSpec
from bot.core.quiz.engine import options_for

MIN_QUESTIONS, MAX_QUESTIONS, DEFAULT_QUESTIONS = 1, MAX_CLASS_QUESTIONS, DEFAULT_CLASS_QUESTIONS
MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = MIN_CLASS_SECONDS, MAX_CLASS_SECONDS, DEFAULT_CLASS_SECONDS
GAME_TYPES: tuple[GameType, ...] = ("choice", "truefalse", "mixed")
"""The same as the catalogue's ``CLASS_GAME_TYPES`` (a test keeps them equal), typed for the store."""
DEFAULT_GAME_TYPE: GameType = "mixed"
AUTO_ADVANCE_PAUSE = timedelta(seconds=8)
"""How long a reveal stays up before the next question when the game advances by itself."""
MAX_POINTS = 1000

Step = Literal["reveal", "advance"]


def card_types(game_type: GameType) -> frozenset[CardType]:
    """The card types a game of this type asks (short answers and flashcards never suit a live game)."""
    if game_type == "choice":
        return frozenset({CardType.CHOICE})
    if game_type == "truefalse":
        return frozenset({CardType.TRUEFALSE})
    return frozenset({CardType.CHOICE, CardType.TRUEFALSE})


def pick_questions(candidates: Sequence[Card], count: int, rng: random.Random) -> list[Card]:
    """A random selection of up to ``count`` cards, in random order (the same cards for the whole class)."""
    return rng.sample(list(candidates), min(count, len(candidates)))


def question_spec(card: Card, game_id: str, position: int) -> QuestionSpec:
    """The question as it will be shown: the card's options in a fixed shuffled order, and the right one."""
    options = options_for(card, game_id, position)
    return QuestionSpec(card.id, card.content_hash, options, options.index(card.answer))


def points(correct: bool, answer_ms: int, seconds: int) -> int:
    """Points for one answer: ``1000 × (1 − t/T/2)`` rounded when right (t clamped to 0…T), else 0."""
    if not correct:
        return 0
    elapsed = min(max(answer_ms / 1000, 0.0), seconds)
    return round(MAX_POINTS * (1 - elapsed / seconds / 2))


def due_step(game: Game, now: datetime) -> Step | None:
    """What a running game needs at ``now``: its reveal, the next question, or nothing yet."""
    if game.finished or game.deadline is None or game.deadline > now:
        return None
    return "reveal" if game.phase == "asking" else "advance"
