from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from bot.core.models import CardType
from bot.core.progress.scheduler import MASTERY_RETRIEVABILITY, MASTERY_STABILITY_DAYS, CardState, Scheduler
from tests.core.conftest import START

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4


@pytest.fixture
def scheduler() -> Scheduler:
    return Scheduler()


def review(scheduler: Scheduler, state: CardState | None, rating: int, now: datetime = START) -> CardState:
    return scheduler.review(state, rating, now, card_id="c1", card_hash="h1")


def graduated(scheduler: Scheduler) -> CardState:
    """A card answered right until it left the learning steps."""
    state = review(scheduler, None, GOOD)
    while state.state == 1:
        state = review(scheduler, state, GOOD, state.due)
    return state


def test_first_review_creates_a_state_for_that_card(scheduler: Scheduler) -> None:
    state = review(scheduler, None, GOOD)
    assert (state.card_id, state.card_hash, state.reps, state.lapses) == ("c1", "h1", 1, 0)
    assert state.last_review == START
    assert state.due > START
    assert state.stability is not None and state.difficulty is not None


def test_wrong_answer_schedules_sooner_than_right(scheduler: Scheduler) -> None:
    assert review(scheduler, None, AGAIN).due < review(scheduler, None, GOOD).due
    card = graduated(scheduler)
    later = card.due
    wrong, right = review(scheduler, card, AGAIN, later), review(scheduler, card, GOOD, later)
    assert wrong.due < right.due
    assert right.due - later > timedelta(days=1)


def test_lapse_counts_only_forgetting_a_card_in_review(scheduler: Scheduler) -> None:
    assert review(scheduler, None, AGAIN).lapses == 0
    card = graduated(scheduler)
    forgotten = review(scheduler, card, AGAIN, card.due)
    assert (forgotten.lapses, forgotten.reps, forgotten.state) == (1, card.reps + 1, 3)


def test_changed_card_hash_starts_over(scheduler: Scheduler) -> None:
    card = graduated(scheduler)
    fresh = scheduler.review(card, GOOD, card.due, card_id="c1", card_hash="h2")
    assert (fresh.card_hash, fresh.reps, fresh.state) == ("h2", 1, 1)
    assert fresh == scheduler.review(None, GOOD, card.due, card_id="c1", card_hash="h2")


def test_scheduling_is_deterministic(scheduler: Scheduler) -> None:
    assert graduated(scheduler) == graduated(Scheduler())


def test_refuses_naive_times_bad_ratings_and_mismatched_cards(scheduler: Scheduler) -> None:
    with pytest.raises(ValueError, match="naive"):
        review(scheduler, None, GOOD, datetime(2024, 5, 1))
    with pytest.raises(ValueError):
        review(scheduler, None, 5)
    with pytest.raises(ValueError, match="c1"):
        scheduler.review(review(scheduler, None, GOOD), GOOD, START, card_id="c2", card_hash="h1")


def test_fsrs_round_trip_keeps_every_field(scheduler: Scheduler) -> None:
    card = graduated(scheduler)
    assert card.with_fsrs(card.to_fsrs(), reps=card.reps, lapses=card.lapses) == card


def test_retrievability_fades_with_time(scheduler: Scheduler) -> None:
    card = graduated(scheduler)
    assert scheduler.retrievability(CardState.new("c1", "h1", START), START) == 0
    assert scheduler.retrievability(card, card.last_review) == pytest.approx(1.0)
    week, month = (scheduler.retrievability(card, card.last_review + timedelta(days=d)) for d in (7, 30))
    assert 1.0 > week > month > 0


def stable(stability: float, last_review: datetime = START) -> CardState:
    return dataclasses.replace(
        CardState.new("c1", "h1", START), state=2, step=None, stability=stability, difficulty=5.0,
        last_review=last_review,
    )


def test_mastered_needs_both_stability_and_current_recall(scheduler: Scheduler) -> None:
    strong = stable(MASTERY_STABILITY_DAYS + 9)
    assert scheduler.is_mastered(strong, START + timedelta(days=1))
    assert not scheduler.is_mastered(stable(MASTERY_STABILITY_DAYS - 1), START + timedelta(days=1))
    forgotten_by = START + timedelta(days=90)
    assert scheduler.retrievability(strong, forgotten_by) < MASTERY_RETRIEVABILITY
    assert not scheduler.is_mastered(strong, forgotten_by)
    assert not scheduler.is_mastered(CardState.new("c1", "h1", START), START)


def test_steady_right_answers_reach_mastery(scheduler: Scheduler) -> None:
    card = graduated(scheduler)
    while card.stability is not None and card.stability < MASTERY_STABILITY_DAYS:
        assert not scheduler.is_mastered(card, card.last_review or START)
        card = review(scheduler, card, GOOD, card.due)
    assert scheduler.is_mastered(card, card.last_review or START)


@pytest.mark.parametrize("card_type", [CardType.CHOICE, CardType.TRUEFALSE, CardType.SHORT])
def test_auto_graded_answers_are_again_or_good(card_type: CardType) -> None:
    assert Scheduler.rating_for(False, 1200, card_type) == AGAIN
    assert Scheduler.rating_for(True, None, card_type) == GOOD
    assert Scheduler.rating_for(True, 600_000, card_type) == GOOD


def test_flashcards_must_pass_their_self_rating() -> None:
    with pytest.raises(ValueError, match="self-rated"):
        Scheduler.rating_for(True, None, CardType.FLASHCARD)
    assert review(Scheduler(), None, EASY).due > review(Scheduler(), None, HARD).due
