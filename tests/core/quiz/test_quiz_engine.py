"""Card choice, option order and grading, without storage or Discord."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.core.models import Card, CardType
from bot.core.progress.scheduler import CardState
from bot.core.quiz.engine import TRUE_FALSE, grade_option, grade_text, options_for, pick_cards

NOW = datetime(2024, 5, 1, tzinfo=UTC)


def card(card_id: str, kind: CardType = CardType.CHOICE) -> Card:
    return Card(card_id, kind, "t", "prompt", ("right", "ok"), "why", (), choices=("right", "wrong", "other"))


def state(card_id: str, due: datetime) -> CardState:
    return CardState.new(card_id, "h", due)


def test_due_cards_come_first_then_new_then_later() -> None:
    cards = [card(f"c{i}") for i in range(6)]
    states = {"c0": state("c0", NOW + timedelta(days=3)), "c1": state("c1", NOW - timedelta(days=1)),
              "c2": state("c2", NOW - timedelta(days=5))}
    chosen = pick_cards(cards, states, NOW, 3, random.Random(1))
    assert {"c1", "c2"} <= set(chosen)
    assert "c0" not in chosen  # three new cards were available before the one due later
    assert set(pick_cards(cards, states, NOW, 10, random.Random(1))) == {c.id for c in cards}


def test_options_are_shuffled_but_stable_per_session_and_position() -> None:
    choice = card("c")
    assert options_for(choice, "s1", 0) == options_for(choice, "s1", 0)
    orders = {options_for(choice, f"s{i}", 0) for i in range(30)}
    assert len(orders) > 1 and all(sorted(o) == sorted(choice.choices) for o in orders)
    assert options_for(card("t", CardType.TRUEFALSE), "s", 0) == TRUE_FALSE
    assert options_for(card("f", CardType.FLASHCARD), "s", 0) == ()


def test_grading() -> None:
    choice = card("c")
    options = options_for(choice, "s", 0)
    assert grade_option(choice, options, options.index("right")) == ("right", True)
    assert grade_option(choice, options, options.index("wrong")) == ("wrong", False)
    assert grade_option(choice, options, 7) is None
    assert grade_text(choice, "Right") and grade_text(choice, "ok") and not grade_text(choice, "wrong")
