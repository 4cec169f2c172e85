"""Every phrasing of the set is marked as a teacher marks it, by the service's own grader."""

from __future__ import annotations

import pytest

from benchmarks.answer_eval import Phrasing, load_phrasings
from bot.core.content.loader import load_content
from bot.core.content.snapshot import ContentSnapshot
from bot.core.models import CardType
from bot.core.quiz.engine import grade_text
from bot.core.service.template_samples import template_samples
from tests.conftest import SHIPPED_CONTENT

PHRASINGS = load_phrasings()


@pytest.fixture(scope="module")
def shipped() -> ContentSnapshot:
    return load_content(SHIPPED_CONTENT, template_samples)


def test_the_set_covers_every_short_card_of_the_shipped_content(shipped: ContentSnapshot) -> None:
    short = {card.id for card in shipped.cards.values() if card.type is CardType.SHORT}
    named = {p.card for p in PHRASINGS}
    assert named <= set(shipped.cards), named - set(shipped.cards)
    assert all(shipped.cards[card].type is CardType.SHORT for card in named)
    assert short <= named, short - named
    assert len(PHRASINGS) >= 170
    assert any(p.right for p in PHRASINGS) and any(not p.right for p in PHRASINGS)


@pytest.mark.parametrize("case", [
    pytest.param(p, id=f"{p.card}:{p.text}", marks=[pytest.mark.xfail(reason=p.miss, strict=True)] if p.miss else [])
    for p in PHRASINGS
])
def test_phrasing_is_marked_as_a_teacher_would(shipped: ContentSnapshot, case: Phrasing) -> None:
    assert grade_text(shipped.cards[case.card], case.text) is case.right, case.why


def test_known_misses_are_few_and_never_a_wrong_answer_let_through() -> None:
    misses = [p for p in PHRASINGS if p.miss]
    assert all(p.right for p in misses)
    assert len(misses) <= 0.05 * sum(p.right for p in PHRASINGS)
