from __future__ import annotations

import asyncio
import re
import sqlite3
import string
from collections.abc import Sequence
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import FrozenClock
from bot.core.errors import DatabaseBusyError, StudyError
from bot.core.progress import database
from bot.core.progress import store as progress_store
from bot.core.progress.backend import DatabaseTarget, StudyDatabase
from bot.core.progress.database import Database
from bot.core.progress.migrations import migrate
from bot.core.progress.opening import open_database
from bot.core.progress.records import AnswerInput, AnswerResult, CardReset, LearnerReset, QuizSession
from bot.core.progress.reports import ProgressReports
from bot.core.progress.scheduler import Scheduler
from bot.core.progress.steps import rows_of
from bot.core.progress.store import ProgressStore
from bot.settings import MIGRATIONS_DIR
from tests.core.conftest import START

AGAIN, GOOD = 1, 3
GUILD = "guild:42"


async def learner(store: ProgressStore, name: str, scope: str = GUILD) -> int:
    return await store.upsert_learner(scope, name.lower(), name)


async def answer(
    store: ProgressStore,
    learner_id: int,
    card_id: str,
    correct: bool = True,
    *,
    response: str | None = None,
    card_hash: str = "v1",
    session: QuizSession | None = None,
    position: int | None = None,
) -> AnswerResult:
    return await store.record_answer(
        AnswerInput(
            learner_id=learner_id,
            card_id=card_id,
            card_hash=card_hash,
            response=response if response is not None else ("right" if correct else "wrong"),
            correct=correct,
            rating=GOOD if correct else AGAIN,
            response_ms=1500,
            session_id=session.id if session else None,
            position=position if position is not None else (session.position if session else None),
        )
    )


async def train(
    store: ProgressStore, clock: FrozenClock, pairs: Sequence[tuple[int, str]], rounds: int = 4
) -> None:
    """Answer every (learner, card) right at each due time; four rounds reach stability > 21 days."""
    for round_number in range(rounds):
        results = [await answer(store, learner_id, card_id) for learner_id, card_id in pairs]
        if round_number < rounds - 1:
            clock.advance(max(r.card_state.due for r in results if r.card_state) - clock())


async def count(db: StudyDatabase, table: str) -> int:
    rows = await db.fetch(f"SELECT COUNT(*) AS n FROM {table}")
    return int(rows[0]["n"])


# Learners


async def test_learners_are_per_scope_and_keep_their_latest_name(store: ProgressStore) -> None:
    ann = await store.upsert_learner(GUILD, "1001", "Ann")
    assert await store.upsert_learner(GUILD, "1001", "Ann") == ann
    assert await store.upsert_learner(GUILD, "1001", "Annie") == ann
    assert await store.upsert_learner("dm", "1001", "Annie") != ann
    found = await store.get_learner(GUILD, "1001")
    assert found is not None
    assert (found.id, found.display_name, found.created_at) == (ann, "Annie", START)
    assert await store.get_learner(GUILD, "9999") is None


async def test_learner_ids_are_remembered_but_names_still_refresh(db: StudyDatabase, clock: FrozenClock) -> None:
    writer = ProgressStore(db, clock, Scheduler())
    reader = ProgressStore(db, clock, Scheduler())  # another process on the same file
    assert await reader.learner_id(GUILD, "1001") is None
    ann = await writer.upsert_learner(GUILD, "1001", "Ann")
    assert await reader.learner_id(GUILD, "1001") == ann == await writer.learner_id(GUILD, "1001")
    assert await writer.upsert_learner(GUILD, "1001", "Annie") == ann
    # the other process remembers "Ann" and writes nothing: names are cosmetic, ids never change
    assert await reader.upsert_learner(GUILD, "1001", "Ann") == ann
    assert await reader.upsert_learner(GUILD, "1001", "Ann B.") == ann
    found = await writer.get_learner(GUILD, "1001")
    assert found is not None and found.display_name == "Ann B."
    assert await count(db, "learners") == 1


# Sessions


async def test_sessions_survive_a_restart(db_target: DatabaseTarget, clock: FrozenClock) -> None:
    db = await open_database(db_target)
    store = ProgressStore(db, clock, Scheduler())
    await migrate(db, MIGRATIONS_DIR)
    session = await store.create_session(await learner(store, "Ann"), "quiz", "trade", ["a", "b"], share=True)
    await db.close()

    db = await open_database(db_target)
    try:
        assert await ProgressStore(db, clock, Scheduler()).get_session(session.id) == session
    finally:
        await db.close()
    assert len(session.id) <= 12 and set(session.id) <= set(string.ascii_letters + string.digits + "-_")
    assert (session.card_ids, session.position, session.share, session.started_at) == (("a", "b"), 0, True, START)


async def test_a_session_needs_cards(store: ProgressStore) -> None:
    with pytest.raises(ValueError, match="at least one card"):
        await store.create_session(await learner(store, "Ann"), "review", None, [])


async def test_finish_session_keeps_the_first_finish_time(store: ProgressStore, clock: FrozenClock) -> None:
    session = await store.create_session(await learner(store, "Ann"), "quiz", None, ["a", "b"])
    clock.advance(timedelta(minutes=5))
    finished = await store.finish_session(session.id)
    clock.advance(timedelta(minutes=5))
    assert finished is not None and finished.finished and finished.finished_at == START + timedelta(minutes=5)
    assert await store.finish_session(session.id) == finished == await store.get_session(session.id)
    assert await store.finish_session("nope") is None
    assert await store.get_session("nope") is None


async def test_learner_by_id_finds_the_same_learner_as_by_key(store: ProgressStore) -> None:
    ann = await learner(store, "Ann")
    found = await store.learner_by_id(ann)
    assert found is not None and found == await store.get_learner(GUILD, "ann")
    assert (found.id, found.scope, found.user_key, found.display_name, found.created_at) == (
        ann, GUILD, "ann", "Ann", START,
    )
    assert await store.learner_by_id(ann + 1000) is None


async def test_skip_position_moves_on_without_an_attempt(store: ProgressStore, db: StudyDatabase) -> None:
    ann = await learner(store, "Ann")
    session = await store.create_session(ann, "quiz", None, ["a", "b", "c"])
    await answer(store, ann, "a", session=session, position=0)
    skipped = await store.skip_position(session.id, 1)
    assert skipped is not None and not skipped.finished
    assert (skipped.position, skipped.answered, skipped.score) == (2, 1, 1)
    assert skipped == await store.get_session(session.id)
    assert await count(db, "attempts") == 1
    assert set(await store.card_states(ann)) == {"a"}
    # the next card is answerable as usual
    result = await answer(store, ann, "c", False, session=session, position=2)
    assert result.session is not None and (result.session.position, result.session.answered) == (3, 2)


async def test_skip_position_of_another_turn_is_a_no_op(store: ProgressStore, clock: FrozenClock) -> None:
    ann = await learner(store, "Ann")
    session = await store.create_session(ann, "quiz", None, ["a", "b"])
    assert await store.skip_position(session.id, 1) == session  # not reached yet
    once = await store.skip_position(session.id, 0)
    assert once is not None and once.position == 1
    assert await store.skip_position(session.id, 0) == once  # a repeated skip counts once
    assert await store.skip_position("nope", 0) is None


async def test_skipping_the_last_card_finishes_the_session(store: ProgressStore, clock: FrozenClock) -> None:
    ann = await learner(store, "Ann")
    session = await store.create_session(ann, "review", None, ["a", "b"])
    await answer(store, ann, "a", session=session, position=0)
    clock.advance(timedelta(minutes=2))
    finished = await store.skip_position(session.id, 1)
    assert finished is not None and finished.finished_at == START + timedelta(minutes=2)
    assert (finished.position, finished.answered, finished.score) == (2, 1, 1)
    clock.advance(timedelta(minutes=2))
    assert await store.skip_position(session.id, 1) == finished == await store.get_session(session.id)
    ended = await store.create_session(ann, "quiz", None, ["a", "b"])
    await store.finish_session(ended.id)
    stays = await store.skip_position(ended.id, 0)
    assert stays is not None and stays.position == 0 and stays == await store.get_session(ended.id)


async def test_session_answers_lists_answers_in_position_order(store: ProgressStore) -> None:
    ann = await learner(store, "Ann")
    session = await store.create_session(ann, "quiz", None, ["a", "b", "c", "d"])
    assert await store.session_answers(session.id) == []
    await answer(store, ann, "a", True, session=session, position=0)
    await store.skip_position(session.id, 1)
    await answer(store, ann, "c", False, session=session, position=2)
    await answer(store, ann, "c", True, session=session, position=2)  # duplicate: ignored
    await answer(store, ann, "d", True, session=session, position=3)
    await answer(store, ann, "a", False)  # outside the session
    assert [(a.position, a.card_id, a.correct) for a in await store.session_answers(session.id)] == [
        (0, "a", True), (2, "c", False), (3, "d", True)]
    assert await store.session_answers("nope") == []


# Recording answers


async def test_answer_without_session_is_recorded(
    store: ProgressStore, reports: ProgressReports, db: StudyDatabase
) -> None:
    ann = await learner(store, "Ann")
    result = await answer(store, ann, "a")
    assert not result.duplicate and result.session is None and result.correct
    assert result.card_state is not None and result.card_state.reps == 1
    assert (await store.card_states(ann))["a"] == result.card_state
    rows = await reports.export_attempt_rows(GUILD)
    assert rows == [
        {
            "user_key": "ann", "display_name": "Ann", "attempt_id": result.attempt_id, "card_id": "a",
            "card_hash": "v1", "response": "right", "correct": True, "rating": GOOD,
            "answered_at": "2024-05-01T09:00:00.000000Z", "response_ms": 1500, "session_id": None,
            "position": None,
        }
    ]


async def test_session_answers_advance_score_and_finish_on_the_last_card(
    store: ProgressStore, clock: FrozenClock
) -> None:
    ann = await learner(store, "Ann")
    session = await store.create_session(ann, "quiz", "trade", ["a", "b", "c"])
    for position, (card, correct) in enumerate([("a", True), ("b", False), ("c", True), ("b", False)]):
        clock.advance(timedelta(seconds=30))
        result = await answer(store, ann, card, correct, session=session, position=position)
        assert result.session is not None
        session = result.session
    # the missed card came back once at the end of the round, and not again after a second miss
    assert session.card_ids == ("a", "b", "c", "b") and session.is_retry(3) and not session.is_retry(1)
    assert (session.position, session.answered, session.score) == (4, 4, 2)
    assert session.finished_at == START + timedelta(seconds=120)
    assert session == await store.get_session(session.id)


async def test_second_answer_for_the_same_position_is_a_harmless_duplicate(
    store: ProgressStore, db: StudyDatabase
) -> None:
    ann = await learner(store, "Ann")
    session = await store.create_session(ann, "quiz", None, ["a", "b"])
    first = await answer(store, ann, "a", True, session=session, position=0)
    again = await answer(store, ann, "a", False, session=session, position=0)
    assert again.duplicate and not first.duplicate
    assert (again.attempt_id, again.correct, again.card_state, again.session) == (
        first.attempt_id, True, first.card_state, first.session,
    )
    assert await count(db, "attempts") == 1
    assert first.session is not None and (first.session.position, first.session.score) == (1, 1)


async def test_simultaneous_double_click_counts_once(store: ProgressStore, db: StudyDatabase) -> None:
    ann = await learner(store, "Ann")
    session = await store.create_session(ann, "quiz", None, ["a"])
    results = await asyncio.gather(*(answer(store, ann, "a", session=session, position=0) for _ in range(5)))
    assert sorted(r.duplicate for r in results) == [False, True, True, True, True]
    assert len({r.attempt_id for r in results}) == 1
    assert await count(db, "attempts") == 1
    states = await store.card_states(ann)
    assert states["a"].reps == 1


async def test_answers_that_are_not_the_current_turn_are_refused(store: ProgressStore, db: StudyDatabase) -> None:
    ann, bob = await learner(store, "Ann"), await learner(store, "Bob")
    session = await store.create_session(ann, "quiz", None, ["a", "b"])
    with pytest.raises(StudyError, match="no longer the current one"):
        await answer(store, ann, "b", session=session, position=1)
    with pytest.raises(StudyError, match="someone else"):
        await answer(store, bob, "a", session=session, position=0)
    with pytest.raises(ValueError, match="asks 'a'"):
        await answer(store, ann, "b", session=session, position=0)
    with pytest.raises(StudyError, match="no longer exists"):
        await store.record_answer(AnswerInput(ann, "a", "v1", "x", True, GOOD, session_id="gone", position=0))
    with pytest.raises(ValueError, match="together"):
        await store.record_answer(AnswerInput(ann, "a", "v1", "x", True, GOOD, session_id=session.id))
    await store.finish_session(session.id)
    with pytest.raises(StudyError, match="already finished"):
        await answer(store, ann, "a", session=session, position=0)
    assert await count(db, "attempts") == 0
    assert await store.card_states(ann) == {}


async def test_failure_part_way_leaves_no_partial_answer(
    store: ProgressStore, db: StudyDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = await learner(store, "Ann")
    session = await store.create_session(ann, "quiz", None, ["a", "b"])

    def broken_advance(*args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(progress_store, "advance", broken_advance)
    with pytest.raises(sqlite3.OperationalError):
        await answer(store, ann, "a", session=session)
    assert await count(db, "attempts") == 0
    assert await store.card_states(ann) == {}
    assert await store.get_session(session.id) == session


async def test_a_write_meeting_a_held_lock_gets_the_friendly_busy_error(tmp_path: Path, clock: FrozenClock) -> None:
    db = await Database.open(tmp_path / "busy.sqlite3", busy_timeout_ms=50)
    try:
        await migrate(db, MIGRATIONS_DIR)
        store = ProgressStore(db, clock, Scheduler())
        ann = await learner(store, "Ann")
        session = await store.create_session(ann, "quiz", None, ["a"])
        holder = sqlite3.connect(db.path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(DatabaseBusyError, match="busy right now"):
                await answer(store, ann, "a", session=session)
        finally:
            holder.rollback()
            holder.close()
        result = await answer(store, ann, "a", session=session)  # the writer is usable again
        assert not result.duplicate and await count(db, "attempts") == 1
    finally:
        await db.close()


async def test_answers_are_checkpointed_into_the_database_file_in_the_background(
    tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "CHECKPOINT_EVERY_WRITES", 5)
    db = await Database.open(tmp_path / "wal.sqlite3")
    try:
        await migrate(db, MIGRATIONS_DIR)
        store = ProgressStore(db, clock, Scheduler())
        ann = await learner(store, "Ann")
        for n in range(30):  # several checkpoints start on the way (one is skipped while another runs)
            await answer(store, ann, f"c{n}")
            if n % 5 == 4 and db._checkpointing is not None:
                await db._checkpointing
        # immutable=1 reads the main file alone, ignoring the WAL: only checkpointed pages show
        with closing(sqlite3.connect(f"file:{db.path}?immutable=1", uri=True)) as main_file_only:
            # checkpoints ran while answering, so answers reached the main file without a close
            assert main_file_only.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] >= 5
    finally:
        await db.close()


async def test_a_failing_answer_among_concurrent_ones_fails_alone(store: ProgressStore, db: StudyDatabase) -> None:
    ann, bob, cy = await learner(store, "Ann"), await learner(store, "Bob"), await learner(store, "Cy")
    sessions = [await store.create_session(who, "quiz", None, ["a", "b"]) for who in (ann, bob, cy)]
    outcomes = await asyncio.gather(
        answer(store, ann, "a", session=sessions[0], position=0),
        answer(store, bob, "b", session=sessions[1], position=1),  # not Bob's turn yet
        answer(store, cy, "a", session=sessions[2], position=0),
        answer(store, ann, "a", session=sessions[2], position=0),  # Cy's quiz
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], AnswerResult) and not outcomes[0].duplicate
    assert isinstance(outcomes[1], StudyError) and "no longer the current one" in str(outcomes[1])
    assert isinstance(outcomes[2], AnswerResult) and not outcomes[2].duplicate
    assert isinstance(outcomes[3], StudyError) and "someone else" in str(outcomes[3])
    assert await count(db, "attempts") == 2
    assert await store.get_session(sessions[1].id) == sessions[1]


async def test_an_answer_cancelled_before_it_reaches_the_writer_writes_nothing(
    store: ProgressStore, db: StudyDatabase
) -> None:
    ann = await learner(store, "Ann")
    session = await store.create_session(ann, "quiz", None, ["a", "b"])
    pending = asyncio.create_task(answer(store, ann, "a", session=session, position=0))
    await asyncio.sleep(0)  # the answer is queued; the writer has not taken it yet
    pending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    assert await count(db, "attempts") == 0
    assert await store.get_session(session.id) == session
    result = await answer(store, ann, "a", session=session, position=0)
    assert not result.duplicate and await count(db, "attempts") == 1


async def test_attempts_are_append_only(store: ProgressStore, db: StudyDatabase) -> None:
    await answer(store, await learner(store, "Ann"), "a")
    with pytest.raises(Exception, match="append-only"):
        await db.write(lambda _: rows_of("UPDATE attempts SET correct = 0"))
    assert [row["correct"] for row in await db.fetch("SELECT correct FROM attempts")] == [1]


# Content changes


async def test_changed_cards_start_over_for_everyone_and_removed_cards_keep_progress(
    store: ProgressStore, db: StudyDatabase
) -> None:
    ann, bob = await learner(store, "Ann"), await learner(store, "Bob")
    for who in (ann, bob):
        for card in ("a", "b", "gone"):
            await answer(store, who, card)
    before = await store.card_states(ann)

    assert await store.stale_cards({"a": "v2", "b": "v1", "new": "v1"}) == CardReset(["a"], 2)
    assert await store.sync_card_versions({"a": "v2", "b": "v1", "new": "v1"}) == CardReset(["a"], 2)
    for who in (ann, bob):
        assert set(await store.card_states(who)) == {"b", "gone"}
    assert (await store.card_states(ann))["gone"] == before["gone"]
    assert await count(db, "attempts") == 6
    assert await store.sync_card_versions({"a": "v2", "b": "v1"}) == CardReset([], 0)

    fresh = await answer(store, ann, "a", card_hash="v2")
    assert fresh.card_state is not None and (fresh.card_state.reps, fresh.card_state.card_hash) == (1, "v2")


async def test_an_answer_on_a_new_card_version_starts_over_even_before_sync(store: ProgressStore) -> None:
    ann = await learner(store, "Ann")
    await answer(store, ann, "a")
    await answer(store, ann, "a")
    result = await answer(store, ann, "a", card_hash="v2")
    assert result.card_state is not None and result.card_state.reps == 1


# Due cards


async def test_due_selection_respects_due_at_or_before_now(store: ProgressStore, clock: FrozenClock) -> None:
    ann = await learner(store, "Ann")
    assert await store.next_due(ann) is None
    wrong = (await answer(store, ann, "wrong", False)).card_state
    right = (await answer(store, ann, "right", True)).card_state
    assert wrong is not None and right is not None and wrong.due < right.due
    assert await store.due_cards(ann, START, 10) == []
    assert await store.due_count(ann, START) == 0
    assert await store.next_due(ann) == wrong.due

    assert [s.card_id for s in await store.due_cards(ann, wrong.due, 10)] == ["wrong"]
    assert await store.due_count(ann, wrong.due - timedelta(microseconds=1)) == 0
    assert [s.card_id for s in await store.due_cards(ann, right.due, 10)] == ["wrong", "right"]
    assert [s.card_id for s in await store.due_cards(ann, right.due, 1)] == ["wrong"]
    assert await store.due_count(ann, right.due) == 2
    assert await store.due_cards(await learner(store, "Bob"), right.due, 10) == []


async def test_reset_learner_removes_only_their_progress(
    store: ProgressStore, reports: ProgressReports, db: StudyDatabase
) -> None:
    ann, bob = await learner(store, "Ann"), await learner(store, "Bob")
    session = await store.create_session(ann, "quiz", None, ["a", "b"])
    await answer(store, ann, "a", session=session)
    await answer(store, ann, "b")
    await answer(store, bob, "a")
    assert await store.reset_learner(ann) == LearnerReset(answers=2, schedules=2, rounds=1)
    assert await store.card_states(ann) == {} and await store.get_session(session.id) is None
    assert (await reports.topic_progress(ann, {"a": "t"}))["t"].attempts == 0
    assert set(await store.card_states(bob)) == {"a"}
    assert await count(db, "attempts") == 1
    assert await store.get_learner(GUILD, "ann") is not None


# Indexes


_FULL_SCAN = re.compile(r"^SCAN (attempts|card_states)\b")


@pytest.mark.sqlite_only
async def test_per_learner_queries_never_scan_whole_tables(
    store: ProgressStore, reports: ProgressReports, db: StudyDatabase
) -> None:
    statements: list[str] = []
    await db.set_trace_callback(statements.append)

    ann = await learner(store, "Ann")
    session = await store.create_session(ann, "quiz", "t", ["a", "b"])
    await answer(store, ann, "a", session=session)
    await answer(store, ann, "a", session=session, position=0)
    await answer(store, ann, "b")
    await store.card_states(ann)
    await store.due_cards(ann, START, 5)
    await store.next_due(ann)
    await store.due_count(ann, START)
    await reports.topic_progress(ann, {"a": "t"})
    await reports.streak(ann, START.date())
    await reports.leaderboard(GUILD, START)
    await reports.item_analysis(GUILD, None)
    await reports.export_progress_rows(GUILD)
    await reports.export_attempt_rows(GUILD)
    await store.sync_card_versions({"a": "v2"})
    await store.finish_session(session.id)
    await store.reset_learner(ann)

    await db.set_trace_callback(None)
    checked = 0
    async with db.transaction() as writer:
        for sql in statements:
            if not re.search(r"\b(attempts|card_states)\b", sql) or sql.startswith("INSERT"):
                continue
            plan = [row[3] for row in await writer.execute_fetchall(f"EXPLAIN QUERY PLAN {sql}")]
            assert not [step for step in plan if _FULL_SCAN.match(step)], (sql, plan)
            checked += 1
    assert checked >= 15


# Concurrency


async def test_concurrent_answers_are_each_recorded_exactly_once(store: ProgressStore, db: StudyDatabase) -> None:
    workers, answers_each, learners_count, cards = 200, 25, 40, [f"c{n}" for n in range(8)]
    learner_ids = [await learner(store, f"L{n}") for n in range(learners_count)]

    async def work(worker: int) -> list[AnswerResult]:
        learner_id = learner_ids[worker % learners_count]
        deck = [cards[(worker + k) % len(cards)] for k in range(answers_each)]
        session = await store.create_session(learner_id, "quiz", None, deck)
        results = []
        for position, card in enumerate(deck):
            correct = (worker + position) % 3 != 0
            clicks = 2 if position % 5 == 0 else 1  # some double clicks race each other
            results += await asyncio.gather(
                *(answer(store, learner_id, card, correct, session=session, position=position) for _ in range(clicks))
            )
        return results

    results = [r for batch in await asyncio.gather(*(work(w) for w in range(workers))) for r in batch]

    recorded = [r for r in results if not r.duplicate]
    assert len(recorded) == workers * answers_each
    assert len({r.attempt_id for r in recorded}) == len(recorded)
    assert {r.attempt_id for r in results if r.duplicate} <= {r.attempt_id for r in recorded}
    ids = {row["id"] for row in await db.fetch("SELECT id FROM attempts")}
    per_card = await db.fetch("SELECT learner_id, card_id, COUNT(*) AS n FROM attempts GROUP BY learner_id, card_id")
    columns = ("position", "answered", "score", "finished", "attempts", "correct")
    sessions = [tuple(row[name] for name in columns) for row in await db.fetch(
        "SELECT position, answered, score, finished_at IS NOT NULL AS finished, "
        "(SELECT COUNT(*) FROM attempts WHERE session_id = quiz_sessions.id) AS attempts, "
        "(SELECT SUM(correct) FROM attempts WHERE session_id = quiz_sessions.id) AS correct FROM quiz_sessions"
    )]
    assert ids == {r.attempt_id for r in recorded}
    reps = {
        (learner_id, card_id): state.reps
        for learner_id in learner_ids
        for card_id, state in (await store.card_states(learner_id)).items()
    }
    assert reps == {(row["learner_id"], row["card_id"]): row["n"] for row in per_card}
    assert len(sessions) == workers
    for position, answered, score, finished, attempt_count, correct in sessions:
        assert position == answered == attempt_count == answers_each and finished
        assert score == correct
