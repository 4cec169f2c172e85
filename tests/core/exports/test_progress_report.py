"""The readable progress export on a real SQLite file filled through the real ProgressStore."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from bot.core.clock import FrozenClock
from bot.core.exports.progress_report import LEARNER_COLUMNS, TOPIC_COLUMNS, percent, progress_report
from bot.core.models import Topic
from bot.core.progress.backend import StudyDatabase
from bot.core.progress.database import Database
from bot.core.progress.export_queries import class_progress, due_dates, learner_progress
from bot.core.progress.reports import ProgressReports
from bot.core.progress.scheduler import Scheduler
from bot.core.progress.store import ProgressStore
from tests.core.progress.test_progress_store import GUILD, answer, learner, train

CARD_TOPICS = {"a1": "alpha", "a2": "alpha", "b1": "beta"}
TOPICS = (Topic("beta", "Beta: the second", ""), Topic("alpha", "=Alpha", ""))  # course order, not file order


async def fill(store: ProgressStore, clock: FrozenClock) -> dict[str, int]:
    """Ann masters a1 and a2, misses b1 then gets it; Bob gets a1 then misses it; Cy never answers."""
    ann = await learner(store, "Ann")
    bob = await store.upsert_learner(GUILD, "bob", '=HYPERLINK("http://x")')
    cy = await learner(store, "cy")
    eve = await learner(store, "Eve", scope="guild:other")
    await train(store, clock, [(ann, "a1"), (ann, "a2")])
    await answer(store, ann, "b1", correct=False)
    await answer(store, ann, "b1")
    await answer(store, ann, "removed-card")
    await answer(store, bob, "a1")
    await answer(store, bob, "a1", correct=False)
    await answer(store, eve, "a1")
    clock.advance(timedelta(hours=1))
    return {"ann": ann, "bob": bob, "cy": cy}


def sheet(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


async def test_rows_per_learner_and_topic_agree_with_the_store(
    store: ProgressStore, reports: ProgressReports, db: StudyDatabase, clock: FrozenClock
) -> None:
    ids = await fill(store, clock)
    last_answer = clock() - timedelta(hours=1)
    progress = await class_progress(db, GUILD, CARD_TOPICS, Scheduler(), clock())
    assert [s.name for s in progress.learners] == ["=HYPERLINK(\"http://x\")", "Ann", "cy"]
    ann = next(s for s in progress.learners if s.learner_id == ids["ann"])
    assert (ann.answers, ann.correct, ann.mastered, ann.due_now, ann.last_active) == (10, 9, 2, 1, last_answer)
    for learner_id in ids.values():
        expected = await reports.topic_progress(learner_id, CARD_TOPICS)
        for row in (r for r in progress.topics if r.learner_id == learner_id):
            mine = expected[row.topic]
            assert (row.cards, row.seen, row.mastered) == (mine.total, mine.seen, mine.mastered)
    rights = {(r.learner_id, r.topic): r.right for r in progress.topics}
    assert rights[ids["ann"], "alpha"] == 2 and rights[ids["ann"], "beta"] == 1  # b1's latest answer was right
    assert rights[ids["bob"], "alpha"] == 0  # a1 right once, but missed since
    alone = await learner_progress(db, ids["ann"], CARD_TOPICS, Scheduler(), clock())
    assert alone.learners == (ann,)
    assert alone.topics == tuple(r for r in progress.topics if r.learner_id == ids["ann"])


async def test_csv_sheets_are_rounded_neutralised_ordered_and_stamped(
    store: ProgressStore, db: StudyDatabase, clock: FrozenClock
) -> None:
    await fill(store, clock)
    progress = await class_progress(db, GUILD, CARD_TOPICS, Scheduler(), clock())
    learners_file, topics_file = progress_report(progress, TOPICS, now=clock())
    assert re.fullmatch(r"progress-learners-\d{4}-\d\d-\d\d_\d{6}Z\.csv", learners_file.filename)
    assert learners_file.filename.endswith(f"{clock():%Y-%m-%d_%H%M%S}Z.csv")
    rows = sheet(learners_file.data)
    assert tuple(rows[0]) == LEARNER_COLUMNS
    assert rows[0]["learner"] == "'=HYPERLINK(\"http://x\")"  # a formula would run in a spreadsheet
    assert [r["right %"] for r in rows] == ["50", "90", ""]
    assert [r["answers"] for r in rows] == ["2", "10", "0"]
    assert [r["mastered"] for r in rows] == ["0", "2", "0"]
    assert [r["due now"] for r in rows] == ["1", "1", "0"]
    assert rows[2]["last active (UTC)"] == ""
    assert rows[1]["last active (UTC)"] == f"{clock() - timedelta(hours=1):%Y-%m-%d %H:%M}"
    topic_rows = sheet(topics_file.data)
    assert tuple(topic_rows[0]) == TOPIC_COLUMNS
    assert [(r["learner"], r["topic"]) for r in topic_rows][:2] == [
        ("'=HYPERLINK(\"http://x\")", "Beta: the second"), ("'=HYPERLINK(\"http://x\")", "'=Alpha")]
    assert [r["cards"] + "/" + r["seen"] + "/" + r["right"] + "/" + r["mastered"] for r in topic_rows[2:4]] == [
        "1/1/1/0", "2/2/2/2"]
    later = progress_report(progress, TOPICS, now=clock() + timedelta(seconds=1))
    assert {f.filename for f in later}.isdisjoint(f.filename for f in (learners_file, topics_file))


async def test_an_empty_class_still_gets_both_headers(db: StudyDatabase, clock: FrozenClock) -> None:
    progress = await class_progress(db, GUILD, CARD_TOPICS, Scheduler(), clock())
    files = progress_report(progress, TOPICS, now=clock())
    assert [f.data.decode().strip() for f in files] == [",".join(LEARNER_COLUMNS), ",".join(TOPIC_COLUMNS)]


async def test_due_dates_are_the_learners_current_cards_before_the_horizon(
    store: ProgressStore, db: StudyDatabase, clock: FrozenClock
) -> None:
    ids = await fill(store, clock)
    states = await store.card_states(ids["ann"])
    horizon = clock() + timedelta(days=400)
    assert await due_dates(db, ids["ann"], set(CARD_TOPICS), horizon) == sorted(
        states[c].due for c in CARD_TOPICS if states[c].due < horizon)
    assert await due_dates(db, ids["ann"], {"b1"}, clock()) == [states["b1"].due]


_FULL_SCAN = re.compile(r"^SCAN (attempts|card_states|learners)\b")


@pytest.mark.sqlite_only
async def test_queries_are_served_by_indexes(store: ProgressStore, db: StudyDatabase, clock: FrozenClock) -> None:
    assert isinstance(db, Database)  # SQLite's own query plans
    ids = await fill(store, clock)
    statements: list[str] = []
    async with db.read() as reader:
        await reader.set_trace_callback(statements.append)
    await class_progress(db, GUILD, CARD_TOPICS, Scheduler(), clock())
    await learner_progress(db, ids["ann"], CARD_TOPICS, Scheduler(), clock())
    await due_dates(db, ids["ann"], set(CARD_TOPICS), clock())
    async with db.read() as reader:
        await reader.set_trace_callback(None)
        assert len(statements) == 7
        for sql in statements:
            plan = [row[3] for row in await reader.execute_fetchall(f"EXPLAIN QUERY PLAN {sql}")]
            assert not [step for step in plan if _FULL_SCAN.match(step)], (sql, plan)


def test_percent_rounds_halves_up_exactly() -> None:
    assert [percent(1, 8), percent(1, 3), percent(2, 3), percent(0, 5), percent(5, 5), percent(29, 200)] == [
        13, 33, 67, 0, 100, 15]
