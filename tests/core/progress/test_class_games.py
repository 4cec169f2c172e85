"""Class-game storage on both databases: one game per channel, clicks, reveals, resuming."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.clock import FrozenClock
from bot.core.errors import StudyError
from bot.core.progress.backend import DatabaseTarget, StudyDatabase
from bot.core.progress.class_game_records import QuestionSpec
from bot.core.progress.class_games import ClassGameStore
from bot.core.progress.opening import open_database
from bot.core.progress.scheduler import Scheduler
from bot.core.progress.store import ProgressStore
from tests.core.conftest import START

QUESTIONS = [QuestionSpec("history-1956", "h1", ("1956", "1965", "1972"), 0),
             QuestionSpec("trade-toshiba", "h2", ("True", "False"), 1)]


@pytest.fixture
def games(db: StudyDatabase, clock: FrozenClock) -> ClassGameStore:
    return ClassGameStore(db, clock, Scheduler())


async def new_game(games: ClassGameStore, game_id: str = "game-1", channel: str = "c1", *, auto: bool = False,
                   seconds: int = 20):
    return await games.create_game(game_id=game_id, scope="guild:1", channel=channel, host_key="prof", topic=None,
                                   card_type="mixed", seconds=seconds, auto_advance=auto, questions=QUESTIONS)


async def learners(store: ProgressStore, count: int) -> list[int]:
    return [await store.upsert_learner("guild:1", f"u{i}", f"Student {i}") for i in range(count)]


async def test_one_running_game_per_channel(games: ClassGameStore) -> None:
    game = await new_game(games)
    assert (game.phase, game.position, game.deadline) == ("asking", 0, START + timedelta(seconds=20))
    with pytest.raises(StudyError, match="already running in this channel"):
        await new_game(games, "game-2")
    assert (await new_game(games, "game-3", channel="c2")).channel == "c2"
    await games.finish(game.id)
    assert (await new_game(games, "game-4")).id == "game-4"  # once it ended, the channel is free again
    latest = await games.latest_game("guild:1", "c1")
    assert latest is not None and latest.id == "game-4"


async def test_concurrent_clicks_count_once_each_and_the_last_choice_counts(
        games: ClassGameStore, store: ProgressStore) -> None:
    game = await new_game(games)
    players = await learners(store, 50)
    at = START + timedelta(seconds=3)
    # Two waves: within a wave the clicks race (on PostgreSQL over several connections, in no set order).
    first = await asyncio.gather(*(games.record_click(game.id, 0, lid, 1, at) for lid in players))
    changed = await asyncio.gather(*(games.record_click(game.id, 0, lid, 0, at + timedelta(seconds=1))
                                     for lid in players[:20]))
    results = [*first, *changed]
    assert [r.changed for r in results] == [False] * 50 + [True] * 20
    assert max(r.answered for r in results) == 50
    answers = await games.answers(game.id)
    assert len(answers) == 50 and len({a.learner_id for a in answers}) == 50
    assert sum(a.choice == 0 and a.correct and a.answer_ms == 4000 for a in answers) == 20
    assert sum(a.choice == 1 and not a.correct and a.answer_ms == 3000 for a in answers) == 30
    assert await games.answer_count(game.id, 0) == 50


async def test_a_click_at_or_after_the_deadline_is_refused_and_not_counted(
        games: ClassGameStore, store: ProgressStore) -> None:
    game = await new_game(games)
    [ada, bob] = await learners(store, 2)
    await games.record_click(game.id, 0, ada, 0, START + timedelta(seconds=19, microseconds=999_999))
    with pytest.raises(StudyError, match="Time is up"):
        await games.record_click(game.id, 0, bob, 0, START + timedelta(seconds=20))
    with pytest.raises(StudyError, match="Time is up"):
        await games.record_click(game.id, 1, bob, 0, START)  # not the open question
    assert [a.learner_id for a in await games.answers(game.id)] == [ada]


async def test_the_reveal_turns_final_choices_into_attempts_and_reviews_once(
        games: ClassGameStore, store: ProgressStore, db: StudyDatabase, clock: FrozenClock) -> None:
    game = await new_game(games, auto=True)
    [ada, bob] = await learners(store, 2)
    await games.record_click(game.id, 0, ada, 1, START + timedelta(seconds=2))
    await games.record_click(game.id, 0, ada, 0, START + timedelta(seconds=5))
    await games.record_click(game.id, 0, bob, 2, START + timedelta(seconds=6))
    clock.advance(timedelta(seconds=20))
    revealed = await games.reveal(game.id, 0, next_after=timedelta(seconds=8))
    assert revealed is not None and revealed.phase == "revealed"
    assert revealed.deadline == clock() + timedelta(seconds=8)
    assert await games.reveal(game.id, 0, next_after=None) is None  # the timer and Reveal now raced: once
    with pytest.raises(StudyError, match="Time is up"):
        await games.record_click(game.id, 0, bob, 0, START + timedelta(seconds=7))
    rows = await db.fetch("SELECT learner_id, card_id, response, correct, response_ms, class_game_id, "
                          "session_id FROM attempts ORDER BY learner_id")
    assert [tuple(r) for r in rows] == [(ada, "history-1956", "1956", 1, 5000, game.id, None),
                                        (bob, "history-1956", "1972", 0, 6000, game.id, None)]
    states = await store.card_states(ada)
    assert states["history-1956"].reps == 1 and states["history-1956"].last_review == START + timedelta(seconds=5)


async def test_advancing_opens_the_next_question_then_finishes(games: ClassGameStore, clock: FrozenClock) -> None:
    game = await new_game(games)
    assert await games.advance(game.id, 0) is None  # not revealed yet
    clock.advance(timedelta(seconds=20))
    await games.reveal(game.id, 0, next_after=None)
    assert await games.next_deadline() is None  # waiting for the instructor's Next question
    clock.advance(timedelta(seconds=30))
    second = await games.advance(game.id, 0)
    assert second is not None and (second.position, second.phase) == (1, "asking")
    assert second.deadline == clock() + timedelta(seconds=20)
    question = await games.question(game.id, 1)
    assert question is not None and question.asked_at == clock()
    assert await games.advance(game.id, 0) is None  # a second Next on the old reveal does nothing
    await games.reveal(game.id, 1, next_after=None)
    over = await games.advance(game.id, 1)
    assert over is not None and over.finished and over.deadline is None
    assert await games.finish(game.id) is None


async def test_a_restarted_store_sees_the_stored_deadlines(
        games: ClassGameStore, db_target: DatabaseTarget, clock: FrozenClock) -> None:
    game = await new_game(games)
    await games.set_message(game.id, 0, "m-1")
    reopened = await open_database(db_target)
    try:
        again = ClassGameStore(reopened, clock, Scheduler())
        assert await again.next_deadline() == START + timedelta(seconds=20)
        assert await again.due_games(START + timedelta(seconds=19)) == []
        [due] = await again.due_games(START + timedelta(seconds=21))
        assert due.id == game.id
        question = await again.question(game.id, 0)
        assert question is not None and question.message == "m-1" and question.options == QUESTIONS[0].options
    finally:
        await reopened.close()
