"""Spaced repetition with FSRS: when each card should come back, and what "mastered" means.

This wraps the ``fsrs`` package so the rest of the bot deals in :class:`CardState` (our
string card ids, content hash, review counts) rather than ``fsrs.Card``. Fuzzing is off, so
the same answers at the same times always give the same schedule, which tests and the
console's ``--now`` rely on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

import fsrs

from bot.core.clock import as_utc
from bot.core.models import CardType

MASTERY_RETRIEVABILITY = 0.9
"""A mastered card is one FSRS predicts the learner would recall right now at least this often…"""
MASTERY_STABILITY_DAYS = 21.0
"""…and whose memory has proven to last at least three weeks, so one lucky streak is not enough."""

_FSRS_CARD_ID = 0  # fsrs wants an int id (and sleeps to invent one); ours live in CardState


@dataclass(frozen=True)
class CardState:
    """One learner's memory of one card: the fsrs Card fields plus counts fsrs does not keep.

    ``card_hash`` is the card content the state was built on; when the card's answer changes
    the old state no longer describes anything the learner saw, so it starts over.
    """

    card_id: str
    card_hash: str
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int
    lapses: int

    def to_fsrs(self) -> fsrs.Card:
        """Give fsrs the scheduling fields it works on."""
        return fsrs.Card(
            card_id=_FSRS_CARD_ID,
            state=fsrs.State(self.state),
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=self.due,
            last_review=self.last_review,
        )

    def with_fsrs(self, card: fsrs.Card, *, reps: int, lapses: int) -> CardState:
        """Take fsrs's updated scheduling fields, keeping our identity fields."""
        return dataclasses.replace(
            self,
            state=int(card.state),
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due,
            last_review=card.last_review,
            reps=reps,
            lapses=lapses,
        )

    @classmethod
    def new(cls, card_id: str, card_hash: str, now: datetime) -> CardState:
        """Return the state of a card never reviewed: learning, due immediately."""
        return cls(
            card_id=card_id,
            card_hash=card_hash,
            state=int(fsrs.State.Learning),
            step=0,
            stability=None,
            difficulty=None,
            due=as_utc(now),
            last_review=None,
            reps=0,
            lapses=0,
        )


class Scheduler:
    """Deterministic FSRS scheduling plus the bot's rating and mastery rules."""

    def __init__(self) -> None:
        self._fsrs = fsrs.Scheduler(enable_fuzzing=False)

    def review(
        self,
        state: CardState | None,
        rating: int,
        now: datetime,
        *,
        card_id: str,
        card_hash: str,
    ) -> CardState:
        """Return the card's state after one answer rated ``rating`` (1 Again … 4 Easy) at ``now``.

        ``state`` is the learner's previous state for this card, or ``None`` for a first try.
        A previous state built on a different ``card_hash`` is ignored: the card changed, so
        the learner starts over on it.
        """
        if state is not None and state.card_id != card_id:
            raise ValueError(f"state of card {state.card_id!r} passed to review {card_id!r}")
        grade = fsrs.Rating(rating)
        moment = as_utc(now)
        if state is None or state.card_hash != card_hash:
            state = CardState.new(card_id, card_hash, moment)
        card, _log = self._fsrs.review_card(state.to_fsrs(), grade, moment)
        lapsed = grade is fsrs.Rating.Again and state.state == fsrs.State.Review
        return state.with_fsrs(card, reps=state.reps + 1, lapses=state.lapses + lapsed)

    def retrievability(self, state: CardState, now: datetime) -> float:
        """Return FSRS's predicted probability that the learner recalls the card at ``now``."""
        return float(self._fsrs.get_card_retrievability(state.to_fsrs(), as_utc(now)))

    def is_mastered(self, state: CardState, now: datetime) -> bool:
        """Tell whether the card counts as mastered (see the ``MASTERY_*`` constants)."""
        return (
            state.stability is not None
            and state.stability >= MASTERY_STABILITY_DAYS
            and self.retrievability(state, now) >= MASTERY_RETRIEVABILITY
        )

    @staticmethod
    def rating_for(correct: bool, response_ms: int | None, card_type: str) -> int:
        """Turn an auto-graded answer into an FSRS rating: wrong is Again (1), right is Good (3).

        Response time is deliberately ignored: in Discord it includes reading, typing and
        network delay, so a slow right answer says little about how well the card is known.
        Flashcards are not graded by the bot; their self-rating (1-4) is the rating, so this
        refuses them rather than guess.
        """
        if card_type == CardType.FLASHCARD:
            raise ValueError("flashcards are self-rated; record the learner's own rating instead")
        return int(fsrs.Rating.Good if correct else fsrs.Rating.Again)
