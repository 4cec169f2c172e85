"""Progress summaries on a real SQLite file: topics, streaks, the leaderboard, item analysis, exports."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.clock import FrozenClock
from bot.core.progress.reports import ProgressReports
from bot.core.progress.scheduler import MASTERY_STABILITY_DAYS, Scheduler
from bot.core.progress.store import ProgressStore
from tests.core.conftest import START
from tests.core.progress.test_progress_store import GUILD, answer, learner, train


async def test_topic_progress_and_mastery_follow_the_definition(reports: ProgressReports,
    store: ProgressStore, clock: FrozenClock
) -> None:
    ann = await learner(store, "Ann")
    topics = {"a1": "alpha", "a2": "alpha", "a3": "alpha", "b1": "beta", "removed-later": "beta"}
    await train(store, clock, [(ann, "a1"), (ann, "a2")])
    await answer(store, ann, "a3", False)
    await answer(store, ann, "a3", True)
    await answer(store, ann, "not-in-course")

    progress = await reports.topic_progress(ann, topics)
    scheduler, now = Scheduler(), clock()
    states = await store.card_states(ann)
    assert all((states[c].stability or 0) > MASTERY_STABILITY_DAYS for c in ("a1", "a2"))
    assert progress["alpha"].mastered == sum(
        scheduler.is_mastered(states[c], now) for c in states if topics.get(c) == "alpha"
    ) == 2
    alpha = progress["alpha"]
    assert (alpha.seen, alpha.attempts, alpha.correct, alpha.total) == (3, 10, 9, 3)
    assert alpha.accuracy == pytest.approx(0.9)
    assert progress["beta"] == type(alpha)(seen=0, attempts=0, correct=0, accuracy=0.0, mastered=0, total=2)

    clock.advance(timedelta(days=365))
    assert (await reports.topic_progress(ann, topics))["alpha"].mastered == 0


async def test_streak_counts_consecutive_utc_days(
    reports: ProgressReports, store: ProgressStore, clock: FrozenClock
) -> None:
    ann = await learner(store, "Ann")
    today = START.date()
    assert await reports.streak(ann, today) == 0
    clock.advance(timedelta(hours=14, minutes=59))  # 23:59 UTC on day 0
    await answer(store, ann, "a")
    for _ in range(3):  # days 1..3, two answers on day 2
        clock.advance(timedelta(days=1))
        await answer(store, ann, "a")
    await answer(store, ann, "b")
    clock.advance(timedelta(days=2))  # day 5, after a gap on day 4
    await answer(store, ann, "a")

    day = timedelta(days=1)
    assert await reports.streak(ann, today + 5 * day) == 1
    assert await reports.streak(ann, today + 3 * day) == 4
    assert await reports.streak(ann, today + 4 * day) == 4  # yesterday still counts
    assert await reports.streak(ann, today + 7 * day) == 0
    assert await reports.streak(await learner(store, "Bob"), today + 5 * day) == 0


async def test_leaderboard_ranks_by_mastery_then_accuracy_never_volume(reports: ProgressReports,
    store: ProgressStore, clock: FrozenClock
) -> None:
    ann, bob, cat, dan = [await learner(store, n) for n in ("Ann", "Bob", "Cat", "Dan")]
    eve = await learner(store, "Eve", scope="guild:other")
    await train(store, clock, [(ann, "a"), (ann, "b"), (bob, "a"), (eve, "a"), (eve, "b"), (eve, "c")])
    for _ in range(20):  # lots of volume, mostly wrong
        await answer(store, cat, "x", False)
    await answer(store, cat, "x", True)
    for _ in range(5):  # few answers, all right
        await answer(store, dan, "y", True)
    await answer(store, bob, "z", False)  # bob: 4 right of 5 → below a perfect-score Dan

    board = await reports.leaderboard(GUILD, since=None)
    assert [(r.display_name, r.mastered, r.attempts) for r in board] == [
        ("Ann", 2, 8), ("Bob", 1, 5), ("Dan", 0, 5), ("Cat", 0, 21),
    ]
    assert board[3].accuracy == pytest.approx(1 / 21)
    assert [r.display_name for r in await reports.leaderboard(GUILD, None, limit=2)] == ["Ann", "Bob"]

    clock.advance(timedelta(days=1))
    await answer(store, cat, "x", True)
    recent = await reports.leaderboard(GUILD, since=clock() - timedelta(hours=1))
    assert [(r.display_name, r.attempts, r.accuracy) for r in recent] == [("Cat", 1, 1.0)]


async def test_leaderboard_needs_enough_attempts_to_rank_on_accuracy(
    reports: ProgressReports, store: ProgressStore
) -> None:
    lucky, steady = await learner(store, "Lucky"), await learner(store, "Steady")
    await answer(store, lucky, "a", True)
    for correct in (True, True, True, True, False):
        await answer(store, steady, "a", correct)
    assert [r.display_name for r in await reports.leaderboard(GUILD, None)] == ["Steady", "Lucky"]


async def test_item_analysis_shows_weak_cards_and_popular_wrong_answers(
    reports: ProgressReports, store: ProgressStore
) -> None:
    ann, bob, cat = [await learner(store, n) for n in ("Ann", "Bob", "Cat")]
    eve = await learner(store, "Eve", scope="dm")
    for who, response in ((ann, "1956"), (bob, "1956"), (cat, "1960")):
        await answer(store, who, "hard", False, response=response)
    await answer(store, ann, "hard", True)
    await answer(store, ann, "easy", True)
    await answer(store, eve, "easy", False, response="no")

    stats = await reports.item_analysis(GUILD, None)
    assert [(s.card_id, s.attempts, s.correct, s.accuracy) for s in stats] == [
        ("hard", 4, 1, 0.25), ("easy", 1, 1, 1.0),
    ]
    assert stats[0].wrong_responses == [("1956", 2), ("1960", 1)]
    everywhere = await reports.item_analysis(None, ["easy"])
    assert [(s.card_id, s.attempts, s.wrong_responses) for s in everywhere] == [("easy", 2, [("no", 1)])]


async def test_export_progress_rows(reports: ProgressReports, store: ProgressStore, clock: FrozenClock) -> None:
    ann = await learner(store, "Ann")
    await train(store, clock, [(ann, "a")])
    await answer(store, await learner(store, "Eve", scope="dm"), "a")
    rows = await reports.export_progress_rows(GUILD)
    assert len(rows) == 1
    row = rows[0]
    assert list(row) == [
        "user_key", "display_name", "card_id", "state", "reps", "lapses", "stability_days",
        "difficulty", "due", "last_review", "retrievability", "mastered",
    ]
    summary = (row["user_key"], row["card_id"], row["state"], row["reps"], row["mastered"])
    assert summary == ("ann", "a", "review", 4, True)
    assert row["retrievability"] == 1.0
