"""Quiz flow over a real SQLite file: "I was right", retries, open rounds, new rounds, sharing."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import FrozenClock
from bot.core.errors import StudyError
from bot.core.presentation.actions import Verb, decode, encode
from bot.core.presentation.replies import Reply
from bot.core.presentation.time_text import when
from bot.core.service.study_service import Actor, StudyService
from bot.settings import MIGRATIONS_DIR
from tests.core.service.test_study_service import answer_right, button

ANA = Actor("guild:1", "101", "Ana")
BEN = Actor("guild:1", "102", "Ben")
TEACHER = Actor("guild:1", "900", "Prof", is_instructor=True)


@pytest.fixture
async def service(tmp_path: Path, content_dir: Path, clock: FrozenClock) -> AsyncIterator[StudyService]:
    opened = await StudyService.open(db_path=tmp_path / "study.sqlite3", content_dir=content_dir,
                                     migrations_dir=MIGRATIONS_DIR, clock=clock, rng=random.Random(7))
    yield opened
    await opened.close()


async def wrong_short_answer(service: StudyService, actor: Actor, text: str = "Mitsubishi") -> Reply:
    card = await service.start_quiz(actor, card_type="short", count=1)
    assert card.prompt is not None
    wrong = await service.submit(actor, card.prompt.action, text)
    assert wrong.title == "Not quite"
    return wrong


async def test_i_was_right_counts_the_answer_right_and_schedules_it_good(service: StudyService) -> None:
    wrong = await wrong_short_answer(service, ANA, "TMC")
    assert [b.label for b in wrong.buttons] == ["I was right", "Next"]
    session_id = decode(wrong.buttons[0].action).args[0]
    again_state = await service.store.card_state(1, "trade-toshiba")
    assert again_state is not None and again_state.state == 1

    counted = await service.press(ANA, button(wrong, "I was right"))

    assert counted.title == "Counted as right" and counted.body.startswith("*Counted as right, at your word.")
    assert [b.label for b in counted.buttons] == ["See results"]  # the retry of the card is dropped
    state = await service.store.card_state(1, "trade-toshiba")
    assert state is not None and state.due > again_state.due  # rebuilt as Good, so due later than Again
    summary = await service.press(ANA, counted.buttons[0].action)
    assert summary.title == "Quiz finished: 1/1"
    [answer] = await service.store.session_answers(session_id)
    assert answer.correct and answer.overridden
    # a second press changes nothing
    twice = await service.press(ANA, button(wrong, "I was right"))
    assert twice.title == "Counted as right" and not twice.body.startswith("*Counted")
    assert len(await service.store.session_answers(session_id)) == 1


async def test_instructors_see_overridden_wordings_and_leaderboards_ignore_them(service: StudyService) -> None:
    wrong = await wrong_short_answer(service, ANA, "TMC")
    await service.press(ANA, button(wrong, "I was right"))

    stats = await service.stats(TEACHER, "Trade")
    assert "right of 1 · counted right by learners (“I was right”), consider adding: “TMC” (1×)" in stats.body
    progress = await service.progress(ANA)
    assert "100%" in progress.body  # their own progress counts it
    board = await service.instructor._ctx.reports.leaderboard("guild:1", None)
    assert board[0].accuracy == 0.0  # the leaderboard does not


async def test_i_was_right_is_refused_for_someone_elses_or_a_non_short_card(service: StudyService) -> None:
    wrong = await wrong_short_answer(service, ANA)
    with pytest.raises(StudyError, match="belongs to someone else"):
        await service.press(BEN, button(wrong, "I was right"))
    choice = await service.start_quiz(BEN, topic="History", card_type="choice", count=1)
    session_id = decode(choice.buttons[0].action).args[0]
    right = next(b for b in choice.buttons if "peace treaty" in b.label)
    await service.press(BEN, right.action)
    with pytest.raises(StudyError, match="no longer valid"):
        await service.press(BEN, encode(Verb.RIGHT, session_id, 0))


async def test_a_second_quiz_offers_to_resume_or_start_over(service: StudyService) -> None:
    first = await service.start_quiz(ANA, card_type="truefalse", count=2)
    offer = await service.start_quiz(ANA, topic="Trade")
    assert offer.title == "You have a quiz open" and "Card 1 of 2" in offer.body
    assert [b.label for b in offer.buttons] == ["Resume", "Start over"]

    resumed = await service.press(ANA, button(offer, "Resume"))
    assert resumed.title == first.title and resumed.body == first.body

    fresh = await service.press(ANA, button(offer, "Start over"))
    assert fresh.title.startswith("Quiz · card 1 of")
    assert (fresh.footer or "").startswith("Trade · ")
    old = await service.store.get_session(decode(first.buttons[0].action).args[0])
    assert old is not None and old.finished


async def test_an_old_abandoned_round_does_not_block_a_new_one(service: StudyService, clock: FrozenClock) -> None:
    await service.start_quiz(ANA, card_type="truefalse", count=2)
    clock.advance(timedelta(hours=13))
    assert (await service.start_quiz(ANA, card_type="truefalse", count=1)).title == "Quiz · card 1 of 1"


async def test_retry_missed_and_new_round_from_the_summary(service: StudyService) -> None:
    card = await service.start_quiz(ANA, topic="History", card_type="choice", count=1)
    wrong = next(b for b in card.buttons if "peace treaty" not in b.label and b.label != "End")
    reply = await service.press(ANA, wrong.action)
    ended = await service.press(ANA, button(reply, "Next"))  # the second try
    summary = await service.press(ANA, button(ended, "End"))
    assert [b.label for b in summary.buttons] == ["Retry missed", "New round"]

    retry = await service.press(ANA, button(summary, "Retry missed"))
    assert retry.title == "Quiz · card 1 of 1" and "peace treaty" in " ".join(b.label for b in retry.buttons)
    finished = await service.press(ANA, button(await answer_right(service, ANA, retry), "See results"))
    assert [b.label for b in finished.buttons] == ["New round"]

    again = await service.press(ANA, button(finished, "New round"))
    assert again.title == "Quiz · card 1 of 1" and (again.footer or "").startswith("History · multiple choice")


async def test_nothing_is_shared_when_nothing_was_answered(service: StudyService) -> None:
    card = await service.start_quiz(ANA, card_type="choice", count=1, share=True)
    ended = await service.press(ANA, button(card, "End"))
    assert ended.title == "Quiz finished: 0/0" and ended.ephemeral


async def test_a_card_says_whether_it_is_new_or_a_review(service: StudyService, clock: FrozenClock) -> None:
    card = await service.start_quiz(ANA, topic="History", card_type="choice", count=1)
    assert (card.footer or "").endswith(" · new card")
    await service.press(ANA, button(await answer_right(service, ANA, card), "See results"))
    clock.advance(timedelta(days=30))
    review = await service.review(ANA)
    assert (review.footer or "").endswith(" · review")


def test_due_times_under_a_minute_are_not_now(clock: FrozenClock) -> None:
    now = clock()
    assert when(now + timedelta(seconds=50), now) == "in under a minute"
    assert when(now - timedelta(seconds=5), now) == "now"
    assert when(now + timedelta(minutes=10), now).startswith("in 10 min")


async def test_forged_ids_cannot_reveal_or_self_rate_a_graded_card(service: StudyService) -> None:
    choice = await service.start_quiz(ANA, topic="History", card_type="choice", count=1)
    session_id = decode(choice.buttons[0].action).args[0]
    version = decode(choice.buttons[0].action).args[-1]
    for forged in (encode(Verb.SHOW, session_id, 0, version), encode(Verb.RATE, session_id, 0, 4, version),
                   encode(Verb.ASK, session_id, 0, version)):
        with pytest.raises(StudyError, match="no longer valid"):
            await service.press(ANA, forged)
    with pytest.raises(StudyError, match="no longer valid"):
        await service.submit(ANA, encode(Verb.TEXT, session_id, 0, version), "A peace treaty")
    assert await service.store.session_answers(session_id) == []
    flashcard = await service.start_quiz(BEN, card_type="flashcard", count=1)
    flash_session = decode(flashcard.buttons[0].action).args[0]
    with pytest.raises(StudyError, match="no longer valid"):
        await service.press(BEN, encode(Verb.ANSWER, flash_session, 0, 0, decode(flashcard.buttons[0].action).args[-1]))


async def test_a_card_changed_by_a_reload_is_not_graded_against_its_new_words(
    service: StudyService, content_dir: Path
) -> None:
    card = await service.start_quiz(ANA, topic="History", card_type="choice", count=1)
    right = next(b for b in card.buttons if "peace treaty" in b.label)
    deck = content_dir / "cards/history.yaml"
    deck.write_text(deck.read_text(encoding="utf-8").replace("A peace treaty", "A formal peace treaty"),
                    encoding="utf-8")
    assert (await service.reload(TEACHER)).title == "Content reloaded"

    pressed = await service.press(ANA, right.action)

    assert pressed.title == "Quiz · card 1 of 1" and pressed.body.startswith("*The instructor changed this card")
    assert "A formal peace treaty" in pressed.body
    assert await service.store.session_answers(decode(right.action).args[0]) == []
    now_right = next(b for b in pressed.buttons if "formal peace treaty" in b.label)
    assert (await service.press(ANA, now_right.action)).title == "Correct!"
