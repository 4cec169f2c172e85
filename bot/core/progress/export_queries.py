"""The rows behind the readable progress export and the ``/progress`` charts, read from either database.

Read-only (on SQLite, the reader connection). Every query starts from ``learners`` by
scope (its unique index) or by id, and reaches ``attempts`` and ``card_states`` through
their per-learner indexes, so a class export costs a handful of index searches, never a
scan of either table (``tests/core/exports/test_export_queries.py`` checks the plans).
Only cards of the current course (``card_topics``) count, as in ``/progress``: a removed
card's history stays in the database but no longer counts toward a topic.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.clock import as_utc
from bot.core.progress.backend import StudyDatabase
from bot.core.progress.records import QUALIFIED_STATE_COLUMNS, state_from_row
from bot.core.progress.scheduler import Scheduler
from bot.core.progress.times import from_db_time, to_db_time


@dataclass(frozen=True, slots=True)
class LearnerSummary:
    """One learner's line of the export: volume, accuracy and standing now."""

    learner_id: int
    user_key: str
    name: str
    answers: int
    correct: int
    mastered: int
    due_now: int
    last_active: datetime | None


@dataclass(frozen=True, slots=True)
class LearnerTopic:
    """One learner in one topic; every count is of distinct cards.

    ``right`` counts cards whose latest answer was right, so a card once missed and since
    learnt counts, and one answered right once and missed since does not.
    """

    learner_id: int
    topic: str
    cards: int
    seen: int
    right: int
    mastered: int


@dataclass(frozen=True, slots=True)
class ClassProgress:
    """Everything the readable export shows: learners by name, each with every topic of ``card_topics``."""

    learners: tuple[LearnerSummary, ...]
    topics: tuple[LearnerTopic, ...]


async def class_progress(
    db: StudyDatabase, scope: str, card_topics: Mapping[str, str], scheduler: Scheduler, now: datetime
) -> ClassProgress:
    """Every learner of a scope ("guild:<id>", "dm" or "console")."""
    return await _progress(db, "learners.scope = ?", scope, card_topics, scheduler, now)


async def learner_progress(
    db: StudyDatabase, learner_id: int, card_topics: Mapping[str, str], scheduler: Scheduler, now: datetime
) -> ClassProgress:
    """One learner, in the same shape (what ``/progress`` charts)."""
    return await _progress(db, "learners.id = ?", learner_id, card_topics, scheduler, now)


async def due_dates(db: StudyDatabase, learner_id: int, card_ids: set[str], before: datetime) -> list[datetime]:
    """When each of the learner's current cards falls due, for those due before ``before``."""
    rows = await db.fetch(
        "SELECT card_id, due FROM card_states WHERE learner_id = ? AND due < ? ORDER BY due",
        (learner_id, to_db_time(before)),
    )
    return [from_db_time(row["due"]) for row in rows if row["card_id"] in card_ids]


async def _progress(
    db: StudyDatabase, where: str, key: Any, card_topics: Mapping[str, str], scheduler: Scheduler, now: datetime
) -> ClassProgress:
    """Three index-served reads (learners, per-card attempt counts, card states), combined here."""
    learners = await db.fetch(
        "SELECT learners.id, learners.user_key, learners.display_name, "
        "(SELECT MAX(answered_at) FROM attempts WHERE attempts.learner_id = learners.id) AS last_active "
        f"FROM learners WHERE {where}",
        (key,),
    )
    # Each card's latest answer is the attempt with the highest id (a primary-key search).
    per_card = await db.fetch(
        "SELECT cards.learner_id, cards.card_id, cards.answers, cards.correct, latest.correct AS last_correct "
        "FROM (SELECT attempts.learner_id, attempts.card_id, COUNT(*) AS answers, "
        "SUM(attempts.correct) AS correct, MAX(attempts.id) AS last_id "
        f"FROM learners JOIN attempts ON attempts.learner_id = learners.id WHERE {where} "
        "GROUP BY attempts.learner_id, attempts.card_id) AS cards "
        "JOIN attempts AS latest ON latest.id = cards.last_id",
        (key,),
    )
    states = await db.fetch(
        f"SELECT card_states.learner_id, {QUALIFIED_STATE_COLUMNS} "
        f"FROM learners JOIN card_states ON card_states.learner_id = learners.id WHERE {where}",
        (key,),
    )
    now = as_utc(now)
    answers: Counter[int] = Counter()
    correct: Counter[int] = Counter()
    seen: defaultdict[int, Counter[str]] = defaultdict(Counter)
    right: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for row in per_card:
        topic = card_topics.get(row["card_id"])
        if topic is not None:
            answers[row["learner_id"]] += row["answers"]
            correct[row["learner_id"]] += row["correct"]
            seen[row["learner_id"]][topic] += 1
            right[row["learner_id"]][topic] += row["last_correct"]
    mastered: defaultdict[int, Counter[str]] = defaultdict(Counter)
    due_now: Counter[int] = Counter()
    for row in states:
        topic = card_topics.get(row["card_id"])
        if topic is not None:
            state = state_from_row(row)
            mastered[row["learner_id"]][topic] += scheduler.is_mastered(state, now)
            due_now[row["learner_id"]] += state.due <= now
    summaries = sorted(
        (
            LearnerSummary(
                learner_id=row["id"],
                user_key=row["user_key"],
                name=row["display_name"],
                answers=answers[row["id"]],
                correct=correct[row["id"]],
                mastered=mastered[row["id"]].total(),
                due_now=due_now[row["id"]],
                last_active=from_db_time(row["last_active"]) if row["last_active"] else None,
            )
            for row in learners
        ),
        key=lambda s: (s.name.casefold(), s.learner_id),
    )
    totals = Counter(card_topics.values())
    topics = tuple(
        LearnerTopic(
            learner_id=summary.learner_id,
            topic=topic,
            cards=total,
            seen=seen[summary.learner_id][topic],
            right=right[summary.learner_id][topic],
            mastered=mastered[summary.learner_id][topic],
        )
        for summary in summaries
        for topic, total in totals.items()
    )
    return ClassProgress(tuple(summaries), topics)
