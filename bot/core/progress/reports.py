"""Summaries of progress: per-topic standing, streaks, the leaderboard, item analysis, exports.

Read-only, in SQL both engines share: on SQLite every query runs on the reader connection, so
a report never waits for a write; on PostgreSQL on any pooled connection.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.clock import Clock
from bot.core.progress import export_queries
from bot.core.progress.backend import StudyDatabase
from bot.core.progress.export_queries import ClassProgress
from bot.core.progress.records import (
    QUALIFIED_STATE_COLUMNS,
    ItemStats,
    LeaderRow,
    TopicProgress,
    ratio,
    read_card_states,
    state_from_row,
)
from bot.core.progress.scheduler import Scheduler
from bot.core.progress.times import to_db_time

LEADERBOARD_MIN_ATTEMPTS = 5
"""Below this many attempts in the period, accuracy is luck: such learners rank after the rest."""

_STATE_NAMES = {1: "learning", 2: "review", 3: "relearning"}


class ProgressReports:
    """What learners and instructors read about progress; all time comes from the injected clock."""

    def __init__(self, db: StudyDatabase, clock: Clock, scheduler: Scheduler) -> None:
        self._db = db
        self._clock = clock
        self._scheduler = scheduler

    # One learner

    async def learner_progress(self, learner_id: int, card_topics: Mapping[str, str]) -> ClassProgress:
        """One learner's per-topic rows, as the ``/progress`` chart draws them."""
        return await export_queries.learner_progress(self._db, learner_id, card_topics, self._scheduler,
                                                     self._clock())

    async def due_dates(self, learner_id: int, card_ids: set[str], before: datetime) -> list[datetime]:
        """When each of the learner's current cards falls due, for those due before ``before``."""
        return await export_queries.due_dates(self._db, learner_id, card_ids, before)

    async def topic_progress(self, learner_id: int, card_topics: Mapping[str, str]) -> dict[str, TopicProgress]:
        """Summarise each topic of ``card_topics`` (card id -> topic) for one learner.

        Only cards in ``card_topics`` count, so removed cards drop out of the summary.
        """
        counts = await self._db.fetch(
            "SELECT card_id, COUNT(*) AS attempts, SUM(correct) AS correct FROM attempts "
            "WHERE learner_id = ? GROUP BY card_id",
            (learner_id,),
        )
        states = await read_card_states(self._db, learner_id)
        now = self._clock()
        totals: Counter[str] = Counter(card_topics.values())
        seen: Counter[str] = Counter()
        attempts: Counter[str] = Counter()
        correct: Counter[str] = Counter()
        mastered: Counter[str] = Counter(
            card_topics[card_id]
            for card_id, state in states.items()
            if card_id in card_topics and self._scheduler.is_mastered(state, now)
        )
        for row in counts:
            topic = card_topics.get(row["card_id"])
            if topic is not None:
                seen[topic] += 1
                attempts[topic] += row["attempts"]
                correct[topic] += row["correct"]
        return {
            topic: TopicProgress(
                seen=seen[topic],
                attempts=attempts[topic],
                correct=correct[topic],
                accuracy=ratio(correct[topic], attempts[topic]),
                mastered=mastered[topic],
                total=total,
            )
            for topic, total in totals.items()
        }

    async def streak(self, learner_id: int, today: date) -> int:
        """Count consecutive UTC days with an attempt, ending today (or yesterday, if today has none yet)."""
        return await self._streak_ending(learner_id, today) or await self._streak_ending(
            learner_id, today - timedelta(days=1)
        )

    async def _streak_ending(self, learner_id: int, last_day: date) -> int:
        """Count active days back from ``last_day``, one index probe per day, stopping at a gap.

        Stored times start with their UTC date, so "on day D" is ``D <= answered_at < D+1``.
        """
        rows = await self._db.fetch(self._db.dialect.streak_sql, (last_day.isoformat(), learner_id))
        return int(rows[0]["days"]) if rows else 0

    # Class-wide queries

    async def leaderboard(self, scope: str, since: datetime | None, limit: int = 10) -> list[LeaderRow]:
        """Rank a scope's learners active since ``since`` (or ever) by what they know.

        Order: cards mastered, then accuracy — but only for learners with at least
        ``LEADERBOARD_MIN_ATTEMPTS`` attempts in the period; the rest follow. Raw volume never
        ranks anyone, so grinding easy cards does not top the board.
        """
        activity = await self._db.fetch(
            "SELECT learners.id AS learner_id, learners.display_name, COUNT(*) AS attempts, "
            "SUM(attempts.correct - attempts.overridden) AS correct FROM learners "
            "JOIN attempts ON attempts.learner_id = learners.id "
            "WHERE learners.scope = ? AND attempts.answered_at >= ? GROUP BY learners.id",
            (scope, to_db_time(since) if since else ""),
        )
        state_rows = await self._db.fetch(
            f"SELECT card_states.learner_id, {QUALIFIED_STATE_COLUMNS} FROM learners "
            "JOIN card_states ON card_states.learner_id = learners.id WHERE learners.scope = ?",
            (scope,),
        )
        now = self._clock()
        mastered = Counter(
            row["learner_id"] for row in state_rows if self._scheduler.is_mastered(state_from_row(row), now)
        )
        rows = [
            LeaderRow(
                learner_id=row["learner_id"],
                display_name=row["display_name"],
                mastered=mastered[row["learner_id"]],
                attempts=row["attempts"],
                accuracy=ratio(row["correct"], row["attempts"]),
            )
            for row in activity
        ]
        rows.sort(
            key=lambda r: (
                -r.mastered,
                r.attempts < LEADERBOARD_MIN_ATTEMPTS,
                -r.accuracy,
                r.display_name.casefold(),
                r.learner_id,
            )
        )
        return rows[:limit]

    async def item_analysis(self, scope: str | None, card_ids: Iterable[str] | None) -> list[ItemStats]:
        """Show how a class (one scope, or every scope) did per card, weakest card first.

        ``wrong_responses`` counts each wrong answer as given, so for choice cards it shows
        how often each distractor was picked.
        """
        sql = "SELECT card_id, correct, overridden, response, COUNT(*) AS times FROM attempts"
        params: tuple[str, ...] = ()
        if scope is not None:
            sql += " WHERE learner_id IN (SELECT id FROM learners WHERE scope = ?)"
            params = (scope,)
        rows = await self._db.fetch(sql + " GROUP BY card_id, correct, overridden, response", params)
        wanted = set(card_ids) if card_ids is not None else None
        right: Counter[str] = Counter()
        wrong: defaultdict[str, Counter[str]] = defaultdict(Counter)
        overridden: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for row in rows:
            if wanted is None or row["card_id"] in wanted:
                if row["overridden"]:
                    overridden[row["card_id"]][row["response"]] += row["times"]
                if row["correct"]:
                    right[row["card_id"]] += row["times"]
                else:
                    wrong[row["card_id"]][row["response"]] += row["times"]
        stats = [
            ItemStats(
                card_id=card_id,
                attempts=right[card_id] + wrong[card_id].total(),
                correct=right[card_id],
                accuracy=ratio(right[card_id], right[card_id] + wrong[card_id].total()),
                wrong_responses=wrong[card_id].most_common(),
                overridden_responses=overridden[card_id].most_common(),
            )
            for card_id in sorted(right.keys() | wrong.keys())
        ]
        stats.sort(key=lambda s: (s.accuracy, -s.attempts, s.card_id))
        return stats

    async def class_progress(self, scope: str, card_topics: Mapping[str, str]) -> ClassProgress:
        """Every learner of a scope with every topic: the rows of the readable export."""
        return await export_queries.class_progress(self._db, scope, card_topics, self._scheduler, self._clock())

    async def export_progress_rows(self, scope: str) -> list[dict[str, object]]:
        """Return one CSV-ready row per learner and card in the scope, with mastery now."""
        rows = await self._db.fetch(
            f"SELECT learners.user_key, learners.display_name, {QUALIFIED_STATE_COLUMNS} "
            "FROM learners JOIN card_states ON card_states.learner_id = learners.id "
            "WHERE learners.scope = ? ORDER BY learners.display_name, learners.id, card_states.card_id",
            (scope,),
        )
        now = self._clock()
        return [_progress_row(row, self._scheduler, now) for row in rows]

    async def export_attempt_rows(self, scope: str) -> list[dict[str, object]]:
        """Return the scope's attempt log, oldest first, as CSV-ready rows."""
        rows = await self._db.fetch(
            "SELECT learners.user_key, learners.display_name, attempts.id AS attempt_id, "
            "attempts.card_id, attempts.card_hash, attempts.response, attempts.correct, "
            "attempts.rating, attempts.answered_at, attempts.response_ms, attempts.session_id, "
            "attempts.position FROM learners JOIN attempts ON attempts.learner_id = learners.id "
            "WHERE learners.scope = ? ORDER BY attempts.id",
            (scope,),
        )
        return [{**dict(row), "correct": bool(row["correct"])} for row in rows]


def _progress_row(row: Mapping[str, Any], scheduler: Scheduler, now: datetime) -> dict[str, object]:
    """Build one progress export row, columns in CSV order."""
    state = state_from_row(row)
    return {
        "user_key": row["user_key"],
        "display_name": row["display_name"],
        "card_id": state.card_id,
        "state": _STATE_NAMES[state.state],
        "reps": state.reps,
        "lapses": state.lapses,
        "stability_days": state.stability,
        "difficulty": state.difficulty,
        "due": row["due"],
        "last_review": row["last_review"],
        "retrievability": round(scheduler.retrievability(state, now), 4),
        "mastered": scheduler.is_mastered(state, now),
    }
