"""Quiz rules that know nothing of storage or Discord: which cards, in what order, graded how."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.core.models import Card, CardType
from bot.core.progress.scheduler import CardState
from bot.core.quiz.answer_matching import matches

TRUE_FALSE = ("True", "False")
LETTERS = "ABCDE"


def pick_cards(
    candidates: Sequence[Card],
    states: Mapping[str, CardState],
    now: datetime,
    count: int,
    rng: random.Random,
) -> list[str]:
    """Choose a round: cards due first (most overdue first), then new ones, then the rest.

    The rest are those seen but not yet due, soonest due first, so a learner who has seen
    everything still gets the cards they are closest to forgetting.
    """
    due = sorted((c for c in candidates if c.id in states and states[c.id].due <= now), key=lambda c: states[c.id].due)
    new = [c for c in candidates if c.id not in states]
    rng.shuffle(new)
    later = sorted((c for c in candidates if c.id in states and states[c.id].due > now),
                   key=lambda c: states[c.id].due)
    chosen = (due + new + later)[:count]
    rng.shuffle(chosen)
    return [card.id for card in chosen]


def options_for(card: Card, session_id: str, position: int) -> tuple[str, ...]:
    """The buttons of a choice or true/false card, in an order fixed per session and position.

    Choices are shuffled (so the answer is not always first in the file) but the same press
    always means the same option, even after a restart.
    """
    if card.type is CardType.TRUEFALSE:
        return TRUE_FALSE
    if card.type is not CardType.CHOICE:
        return ()
    options = list(card.choices)
    random.Random(f"{session_id}:{position}").shuffle(options)
    return tuple(options)


def grade_option(card: Card, options: Sequence[str], index: int) -> tuple[str, bool] | None:
    """The chosen option's text and whether it is right; None for an index out of range."""
    if not 0 <= index < len(options):
        return None
    chosen = options[index]
    return chosen, chosen == card.answer


def grade_text(card: Card, response: str) -> bool:
    """Whether a typed answer matches any accepted answer (typos allowed, meaning not)."""
    return matches(response, card.answers, card.prompt, (citation.quote for citation in card.citations))
