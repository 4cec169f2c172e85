"""Every learner's progress: the attempt log, FSRS card states and resumable quiz sessions.

The store is the only code that writes progress SQL. Recording an answer is all or nothing
(attempt + card state + session position), so a crash can lose a whole answer but never half
of one, and it is idempotent per session position, so a double click or a retried
interaction counts once. Every write is a plain function run on the writer connection's
thread by :meth:`Database.run_in_writer` (its own transaction, or its own savepoint in a
commit shared with writes queued at the same moment), never one thread trip per statement:
that is what keeps recording close to the cost of a bare insert-and-commit. Each per-learner
query is served by an index (see ``migrations/0001_initial.sql``);
``tests/core/test_progress_store.py`` checks the plans.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

import aiosqlite

from bot.core.clock import Clock, as_utc
from bot.core.errors import StudyError
from bot.core.progress.database import Database, from_db_time, to_db_time
from bot.core.progress.scheduler import CardState, Scheduler

SessionKind = Literal["quiz", "review"]

LEADERBOARD_MIN_ATTEMPTS = 5
"""Below this many attempts in the period, accuracy is luck: such learners rank after the rest."""

_SESSION_ID_BYTES = 9  # 12 url-safe characters: short enough for Discord custom_ids
_STATE_COLUMNS = "card_id, card_hash, state, step, stability, difficulty, due, last_review, reps, lapses"
_QUALIFIED_STATE_COLUMNS = ", ".join(f"card_states.{name.strip()}" for name in _STATE_COLUMNS.split(","))
_SESSION_COLUMNS = (
    "id, learner_id, kind, topic, card_ids, position, score, answered, share, started_at, finished_at"
)
_LEARNER_COLUMNS = "id, scope, user_key, display_name, created_at"
_STATE_NAMES = {1: "learning", 2: "review", 3: "relearning"}


@dataclass(frozen=True)
class Learner:
    """One person in one scope ("guild:<id>", "dm" or "console"); progress is kept per scope."""

    id: int
    scope: str
    user_key: str
    display_name: str
    created_at: datetime


@dataclass(frozen=True)
class QuizSession:
    """A quiz or review run over a fixed list of cards; ``position`` is the next card to ask."""

    id: str
    learner_id: int
    kind: SessionKind
    topic: str | None
    card_ids: tuple[str, ...]
    position: int
    score: int
    answered: int
    started_at: datetime
    finished_at: datetime | None
    share: bool

    @property
    def finished(self) -> bool:
        """Whether the run is over (all cards answered, or ended early)."""
        return self.finished_at is not None


@dataclass(frozen=True)
class AnswerInput:
    """One graded answer to record; ``session_id`` and ``position`` go together or not at all."""

    learner_id: int
    card_id: str
    card_hash: str
    response: str
    correct: bool
    rating: int
    response_ms: int | None = None
    session_id: str | None = None
    position: int | None = None


@dataclass(frozen=True)
class AnswerResult:
    """What recording did; for a duplicate, the original attempt and the current state.

    ``card_state`` is ``None`` only for a duplicate whose card has been reset since.
    """

    attempt_id: int
    correct: bool
    card_state: CardState | None
    session: QuizSession | None
    duplicate: bool


@dataclass(frozen=True)
class TopicProgress:
    """A learner's standing in one topic; ``total`` counts the topic's current cards."""

    seen: int
    attempts: int
    correct: int
    accuracy: float
    mastered: int
    total: int


@dataclass(frozen=True)
class LeaderRow:
    """One line of a scope's leaderboard; ``attempts`` and ``accuracy`` cover the period."""

    learner_id: int
    display_name: str
    mastered: int
    attempts: int
    accuracy: float


@dataclass(frozen=True)
class ItemStats:
    """How a class did on one card, with its wrong answers most common first."""

    card_id: str
    attempts: int
    correct: int
    accuracy: float
    wrong_responses: list[tuple[str, int]]


def _ratio(part: int, whole: int) -> float:
    """Return a share in 0..1; nothing attempted counts as 0, not as an error."""
    return part / whole if whole else 0.0


def _state_from_row(row: aiosqlite.Row) -> CardState:
    """Decode a ``card_states`` row."""
    return CardState(
        card_id=row["card_id"],
        card_hash=row["card_hash"],
        state=row["state"],
        step=row["step"],
        stability=row["stability"],
        difficulty=row["difficulty"],
        due=from_db_time(row["due"]),
        last_review=from_db_time(row["last_review"]) if row["last_review"] else None,
        reps=row["reps"],
        lapses=row["lapses"],
    )


def _learner_from_row(row: aiosqlite.Row) -> Learner:
    """Decode a ``learners`` row."""
    return Learner(row["id"], row["scope"], row["user_key"], row["display_name"], from_db_time(row["created_at"]))


def _session_from_row(row: aiosqlite.Row) -> QuizSession:
    """Decode a ``quiz_sessions`` row."""
    return QuizSession(
        id=row["id"],
        learner_id=row["learner_id"],
        kind=row["kind"],
        topic=row["topic"],
        card_ids=tuple(json.loads(row["card_ids"])),
        position=row["position"],
        score=row["score"],
        answered=row["answered"],
        started_at=from_db_time(row["started_at"]),
        finished_at=from_db_time(row["finished_at"]) if row["finished_at"] else None,
        share=bool(row["share"]),
    )


async def _all(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
    """Return every row of a query in one trip to the connection's thread."""
    return list(await conn.execute_fetchall(sql, tuple(params)))


async def _one(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
    """Return the first row of a query (for lookups by key and ``RETURNING`` one row)."""
    rows = await _all(conn, sql, params)
    return rows[0] if rows else None


def _rows(conn: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
    """Run a statement on the writer's thread and return every row it yields."""
    return list(conn.execute(sql, tuple(params)).fetchall())


def _first(conn: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
    """Run a statement on the writer's thread to completion and return its first row, if any."""
    rows = _rows(conn, sql, params)
    return rows[0] if rows else None


def _session_in(conn: sqlite3.Connection, session_id: str) -> QuizSession | None:
    """Read one session inside the caller's transaction."""
    row = _first(conn, f"SELECT {_SESSION_COLUMNS} FROM quiz_sessions WHERE id = ?", (session_id,))
    return _session_from_row(row) if row else None


def _session_answered_by(conn: sqlite3.Connection, answer: AnswerInput) -> QuizSession | None:
    """Load the session an answer belongs to, refusing a vanished one or someone else's."""
    if answer.session_id is None:
        return None
    session = _session_in(conn, answer.session_id)
    if session is None:
        raise StudyError("That quiz no longer exists.", hint="start a new one with /quiz")
    if session.learner_id != answer.learner_id:
        raise StudyError("This quiz belongs to someone else.", hint="start your own with /quiz")
    return session


def _state_in(conn: sqlite3.Connection, learner_id: int, card_id: str) -> CardState | None:
    """Read one card state inside the caller's transaction."""
    row = _first(
        conn,
        f"SELECT {_STATE_COLUMNS} FROM card_states WHERE learner_id = ? AND card_id = ?",
        (learner_id, card_id),
    )
    return _state_from_row(row) if row else None


def _insert_attempt(conn: sqlite3.Connection, answer: AnswerInput, now: datetime) -> int:
    """Append to the attempt log and return the new attempt id."""
    cursor = conn.execute(
        "INSERT INTO attempts (learner_id, card_id, card_hash, response, correct, rating, "
        "answered_at, response_ms, session_id, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            answer.learner_id,
            answer.card_id,
            answer.card_hash,
            answer.response,
            int(answer.correct),
            answer.rating,
            to_db_time(now),
            answer.response_ms,
            answer.session_id,
            answer.position,
        ),
    )
    assert cursor.lastrowid is not None  # a plain INSERT into a rowid table always sets it
    return cursor.lastrowid


def _save_state(conn: sqlite3.Connection, learner_id: int, state: CardState) -> None:
    """Store a card state, replacing the learner's previous one for that card."""
    conn.execute(
        f"INSERT OR REPLACE INTO card_states (learner_id, {_STATE_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            learner_id,
            state.card_id,
            state.card_hash,
            state.state,
            state.step,
            state.stability,
            state.difficulty,
            to_db_time(state.due),
            to_db_time(state.last_review) if state.last_review else None,
            state.reps,
            state.lapses,
        ),
    )


def _advance(conn: sqlite3.Connection, session: QuizSession, correct: bool, now: datetime) -> QuizSession:
    """Move the session past the answered card; answering the last card finishes it."""
    return _move_on(conn, session, now, answered=1, score=int(correct))


def _move_on(
    conn: sqlite3.Connection, session: QuizSession, now: datetime, *, answered: int, score: int
) -> QuizSession:
    """Step the session to its next card, adding to its counts; the last step finishes it."""
    position = session.position + 1
    finished_at = to_db_time(now) if position == len(session.card_ids) else None
    row = _first(
        conn,
        "UPDATE quiz_sessions SET position = ?, answered = answered + ?, score = score + ?, "
        f"finished_at = ? WHERE id = ? RETURNING {_SESSION_COLUMNS}",
        (position, answered, score, finished_at, session.id),
    )
    assert row is not None  # the row was read in this same transaction
    return _session_from_row(row)


def _check_turn(session: QuizSession, answer: AnswerInput) -> None:
    """Refuse an answer that is not for the session's current card."""
    if session.finished:
        raise StudyError("This quiz has already finished.", hint="start a new one to keep going")
    if answer.position != session.position:
        raise StudyError("That question is no longer the current one.", hint="answer the latest question")
    if session.card_ids[session.position] != answer.card_id:
        raise ValueError(
            f"session {session.id} asks {session.card_ids[session.position]!r} at position "
            f"{session.position}, not {answer.card_id!r}"
        )


class ProgressStore:
    """Reads and writes learner progress; all time comes from the injected clock."""

    def __init__(self, db: Database, clock: Clock, scheduler: Scheduler) -> None:
        self._db = db
        self._clock = clock
        self._scheduler = scheduler
        self._known: dict[tuple[str, str], tuple[int, str]] = {}
        """(scope, user key) -> (learner id, display name) of learners seen by this process."""

    # Learners

    async def upsert_learner(self, scope: str, user_key: str, display_name: str) -> int:
        """Return the learner's id, creating them or refreshing their display name.

        The common case (known learner, same name) is answered from memory: learner rows are
        never deleted or renumbered, so a remembered id stays true.
        """
        remembered = self._known.get((scope, user_key))
        if remembered is not None and remembered[1] == display_name:
            return remembered[0]
        known = await self.get_learner(scope, user_key)
        if known is not None and known.display_name == display_name:
            self._known[scope, user_key] = (known.id, display_name)
            return known.id
        params = (scope, user_key, display_name, to_db_time(self._clock()))

        def upsert(conn: sqlite3.Connection) -> int:
            row = _first(
                conn,
                "INSERT INTO learners (scope, user_key, display_name, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (scope, user_key) DO UPDATE SET display_name = excluded.display_name "
                "RETURNING id",
                params,
            )
            assert row is not None  # an upsert with RETURNING always yields its row
            return int(row["id"])

        learner_id = await self._db.run_in_writer(upsert)
        self._known[scope, user_key] = (learner_id, display_name)
        return learner_id

    async def learner_id(self, scope: str, user_key: str) -> int | None:
        """The id of an existing learner (remembered after the first read), or None."""
        remembered = self._known.get((scope, user_key))
        if remembered is not None:
            return remembered[0]
        known = await self.get_learner(scope, user_key)
        if known is None:
            return None
        self._known[scope, user_key] = (known.id, known.display_name)
        return known.id

    async def get_learner(self, scope: str, user_key: str) -> Learner | None:
        """Find a learner by scope and user key."""
        async with self._db.read() as conn:
            row = await _one(
                conn, f"SELECT {_LEARNER_COLUMNS} FROM learners WHERE scope = ? AND user_key = ?", (scope, user_key)
            )
        return _learner_from_row(row) if row else None

    async def learner_by_id(self, learner_id: int) -> Learner | None:
        """Find a learner by id (e.g. the owner of a session)."""
        async with self._db.read() as conn:
            row = await _one(conn, f"SELECT {_LEARNER_COLUMNS} FROM learners WHERE id = ?", (learner_id,))
        return _learner_from_row(row) if row else None

    # Sessions

    async def create_session(
        self,
        learner_id: int,
        kind: SessionKind,
        topic: str | None,
        card_ids: list[str],
        share: bool = False,
    ) -> QuizSession:
        """Start a persisted run, so its buttons keep working after a restart."""
        if not card_ids:
            raise ValueError("a session needs at least one card")
        session = QuizSession(
            id=secrets.token_urlsafe(_SESSION_ID_BYTES),
            learner_id=learner_id,
            kind=kind,
            topic=topic,
            card_ids=tuple(card_ids),
            position=0,
            score=0,
            answered=0,
            started_at=as_utc(self._clock()),
            finished_at=None,
            share=share,
        )
        params = (
            session.id,
            learner_id,
            kind,
            topic,
            json.dumps(list(card_ids)),
            int(share),
            to_db_time(session.started_at),
        )

        def insert(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO quiz_sessions (id, learner_id, kind, topic, card_ids, share, started_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                params,
            )

        await self._db.run_in_writer(insert)
        return session

    async def get_session(self, session_id: str) -> QuizSession | None:
        """Load a session by id (e.g. from a button's custom_id)."""
        async with self._db.read() as conn:
            row = await _one(conn, f"SELECT {_SESSION_COLUMNS} FROM quiz_sessions WHERE id = ?", (session_id,))
        return _session_from_row(row) if row else None

    async def finish_session(self, session_id: str) -> QuizSession | None:
        """End a run early (or confirm it ended); returns ``None`` for an unknown id."""
        params = (to_db_time(self._clock()), session_id)

        def finish(conn: sqlite3.Connection) -> QuizSession | None:
            row = _first(
                conn,
                "UPDATE quiz_sessions SET finished_at = COALESCE(finished_at, ?) WHERE id = ? "
                f"RETURNING {_SESSION_COLUMNS}",
                params,
            )
            return _session_from_row(row) if row else None

        return await self._db.run_in_writer(finish)

    async def skip_position(self, session_id: str, position: int) -> QuizSession | None:
        """Move a session past ``position`` without recording an attempt (e.g. a retired card).

        Skipping counts neither as answered nor as scored; skipping the last card finishes the
        session. If ``position`` is not the current one (already answered or skipped, or the
        session is over) nothing changes and the current session is returned, so a repeated
        skip is harmless. Returns ``None`` for an unknown id.
        """
        now = self._clock()

        def skip(conn: sqlite3.Connection) -> QuizSession | None:
            session = _session_in(conn, session_id)
            if session is None or session.finished or session.position != position:
                return session
            return _move_on(conn, session, now, answered=0, score=0)

        return await self._db.run_in_writer(skip)

    async def session_attempts(self, session_id: str) -> list[tuple[str, bool]]:
        """Return ``(card_id, correct)`` for each answer recorded in a session, in position order."""
        async with self._db.read() as conn:
            rows = await _all(
                conn,
                "SELECT card_id, correct FROM attempts WHERE session_id = ? ORDER BY position",
                (session_id,),
            )
        return [(row["card_id"], bool(row["correct"])) for row in rows]

    # Answers

    async def record_answer(self, answer: AnswerInput) -> AnswerResult:
        """Append the attempt, reschedule the card and advance the session, all or nothing.

        A second answer for a session position already answered records nothing and returns
        the first one with ``duplicate=True``.
        """
        if (answer.session_id is None) != (answer.position is None):
            raise ValueError("session_id and position must be given together")
        now = self._clock()
        scheduler = self._scheduler

        def record(conn: sqlite3.Connection) -> AnswerResult:
            # Runs on the writer's thread as one transaction; see Database.run_in_writer.
            session = _session_answered_by(conn, answer)
            if session is not None:
                earlier = _first(
                    conn,
                    "SELECT id, card_id, correct FROM attempts WHERE session_id = ? AND position = ?",
                    (session.id, answer.position),
                )
                if earlier is not None:
                    state = _state_in(conn, answer.learner_id, earlier["card_id"])
                    return AnswerResult(earlier["id"], bool(earlier["correct"]), state, session, duplicate=True)
                _check_turn(session, answer)
            previous = _state_in(conn, answer.learner_id, answer.card_id)
            new_state = scheduler.review(
                previous, answer.rating, now, card_id=answer.card_id, card_hash=answer.card_hash
            )
            attempt_id = _insert_attempt(conn, answer, now)
            _save_state(conn, answer.learner_id, new_state)
            if session is not None:
                session = _advance(conn, session, answer.correct, now)
            return AnswerResult(attempt_id, answer.correct, new_state, session, duplicate=False)

        return await self._db.run_in_writer(record)

    # Content changes

    async def sync_card_versions(self, current: Mapping[str, str]) -> list[str]:
        """Reset, for everyone, each card whose content hash changed; return their ids.

        Cards missing from ``current`` were removed from the course: their history and states
        stay untouched (they are just no longer served), so restoring a card restores progress.
        """
        params = (json.dumps(dict(current)),)

        def reset_changed(conn: sqlite3.Connection) -> list[str]:
            rows = _rows(
                conn,
                "DELETE FROM card_states WHERE (learner_id, card_id) IN ("
                " SELECT card_states.learner_id, card_states.card_id FROM json_each(?) AS current"
                " JOIN card_states ON card_states.card_id = current.key"
                " AND card_states.card_hash <> current.value"
                ") RETURNING card_id",
                params,
            )
            return sorted({row["card_id"] for row in rows})

        return await self._db.run_in_writer(reset_changed)

    # Per-learner queries

    async def card_states(self, learner_id: int) -> dict[str, CardState]:
        """Return every card state the learner has, by card id."""
        async with self._db.read() as conn:
            rows = await _all(conn, f"SELECT {_STATE_COLUMNS} FROM card_states WHERE learner_id = ?", (learner_id,))
        return {row["card_id"]: _state_from_row(row) for row in rows}

    async def due_cards(self, learner_id: int, now: datetime, limit: int) -> list[CardState]:
        """Return up to ``limit`` cards due at ``now``, the longest overdue first."""
        async with self._db.read() as conn:
            rows = await _all(
                conn,
                f"SELECT {_STATE_COLUMNS} FROM card_states WHERE learner_id = ? AND due <= ? "
                "ORDER BY due, card_id LIMIT ?",
                (learner_id, to_db_time(now), limit),
            )
        return [_state_from_row(row) for row in rows]

    async def next_due(self, learner_id: int) -> datetime | None:
        """Return when the learner's next card falls due (``None`` if they have no cards)."""
        async with self._db.read() as conn:
            row = await _one(conn, "SELECT MIN(due) AS due FROM card_states WHERE learner_id = ?", (learner_id,))
        return from_db_time(row["due"]) if row and row["due"] else None

    async def due_count(self, learner_id: int, now: datetime) -> int:
        """Count the learner's cards due at ``now``."""
        async with self._db.read() as conn:
            row = await _one(
                conn,
                "SELECT COUNT(*) AS due FROM card_states WHERE learner_id = ? AND due <= ?",
                (learner_id, to_db_time(now)),
            )
        return int(row["due"]) if row else 0

    async def topic_progress(self, learner_id: int, card_topics: Mapping[str, str]) -> dict[str, TopicProgress]:
        """Summarise each topic of ``card_topics`` (card id -> topic) for one learner.

        Only cards in ``card_topics`` count, so removed cards drop out of the summary.
        """
        async with self._db.read() as conn:
            counts = await _all(
                conn,
                "SELECT card_id, COUNT(*) AS attempts, SUM(correct) AS correct FROM attempts "
                "WHERE learner_id = ? GROUP BY card_id",
                (learner_id,),
            )
        states = await self.card_states(learner_id)
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
                accuracy=_ratio(correct[topic], attempts[topic]),
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
        async with self._db.read() as conn:
            row = await _one(
                conn,
                "WITH RECURSIVE active(day) AS ("
                " SELECT date(?, '+1 day')"
                " UNION ALL"
                " SELECT date(day, '-1 day') FROM active WHERE EXISTS ("
                "  SELECT 1 FROM attempts WHERE learner_id = ?"
                "  AND answered_at >= date(day, '-1 day') AND answered_at < day))"
                " SELECT COUNT(*) - 1 AS days FROM active",
                (last_day.isoformat(), learner_id),
            )
        return int(row["days"]) if row else 0

    # Class-wide queries

    async def leaderboard(self, scope: str, since: datetime | None, limit: int = 10) -> list[LeaderRow]:
        """Rank a scope's learners active since ``since`` (or ever) by what they know.

        Order: cards mastered, then accuracy — but only for learners with at least
        ``LEADERBOARD_MIN_ATTEMPTS`` attempts in the period; the rest follow. Raw volume never
        ranks anyone, so grinding easy cards does not top the board.
        """
        async with self._db.read() as conn:
            activity = await _all(
                conn,
                "SELECT learners.id AS learner_id, learners.display_name, COUNT(*) AS attempts, "
                "SUM(attempts.correct) AS correct FROM learners "
                "JOIN attempts ON attempts.learner_id = learners.id "
                "WHERE learners.scope = ? AND attempts.answered_at >= ? GROUP BY learners.id",
                (scope, to_db_time(since) if since else ""),
            )
            state_rows = await _all(
                conn,
                f"SELECT card_states.learner_id, {_QUALIFIED_STATE_COLUMNS} FROM learners "
                "JOIN card_states ON card_states.learner_id = learners.id WHERE learners.scope = ?",
                (scope,),
            )
        now = self._clock()
        mastered = Counter(
            row["learner_id"] for row in state_rows if self._scheduler.is_mastered(_state_from_row(row), now)
        )
        rows = [
            LeaderRow(
                learner_id=row["learner_id"],
                display_name=row["display_name"],
                mastered=mastered[row["learner_id"]],
                attempts=row["attempts"],
                accuracy=_ratio(row["correct"], row["attempts"]),
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
        sql = "SELECT card_id, correct, response, COUNT(*) AS times FROM attempts"
        params: tuple[str, ...] = ()
        if scope is not None:
            sql += " WHERE learner_id IN (SELECT id FROM learners WHERE scope = ?)"
            params = (scope,)
        async with self._db.read() as conn:
            rows = await _all(conn, sql + " GROUP BY card_id, correct, response", params)
        wanted = set(card_ids) if card_ids is not None else None
        right: Counter[str] = Counter()
        wrong: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for row in rows:
            if wanted is None or row["card_id"] in wanted:
                if row["correct"]:
                    right[row["card_id"]] += row["times"]
                else:
                    wrong[row["card_id"]][row["response"]] += row["times"]
        stats = [
            ItemStats(
                card_id=card_id,
                attempts=right[card_id] + wrong[card_id].total(),
                correct=right[card_id],
                accuracy=_ratio(right[card_id], right[card_id] + wrong[card_id].total()),
                wrong_responses=wrong[card_id].most_common(),
            )
            for card_id in sorted(right.keys() | wrong.keys())
        ]
        stats.sort(key=lambda s: (s.accuracy, -s.attempts, s.card_id))
        return stats

    async def export_progress_rows(self, scope: str) -> list[dict[str, object]]:
        """Return one CSV-ready row per learner and card in the scope, with mastery now."""
        async with self._db.read() as conn:
            rows = await _all(
                conn,
                f"SELECT learners.user_key, learners.display_name, {_QUALIFIED_STATE_COLUMNS} "
                "FROM learners JOIN card_states ON card_states.learner_id = learners.id "
                "WHERE learners.scope = ? ORDER BY learners.display_name, learners.id, card_states.card_id",
                (scope,),
            )
        now = self._clock()
        return [_progress_row(row, self._scheduler, now) for row in rows]

    async def export_attempt_rows(self, scope: str) -> list[dict[str, object]]:
        """Return the scope's attempt log, oldest first, as CSV-ready rows."""
        async with self._db.read() as conn:
            rows = await _all(
                conn,
                "SELECT learners.user_key, learners.display_name, attempts.id AS attempt_id, "
                "attempts.card_id, attempts.card_hash, attempts.response, attempts.correct, "
                "attempts.rating, attempts.answered_at, attempts.response_ms, attempts.session_id, "
                "attempts.position FROM learners JOIN attempts ON attempts.learner_id = learners.id "
                "WHERE learners.scope = ? ORDER BY attempts.id",
                (scope,),
            )
        return [{**dict(row), "correct": bool(row["correct"])} for row in rows]

    async def reset_learner(self, learner_id: int) -> int:
        """Erase a learner's attempts, card states and sessions together; return rows removed."""

        def erase(conn: sqlite3.Connection) -> int:
            # attempts first: they reference sessions
            return sum(
                conn.execute(f"DELETE FROM {table} WHERE learner_id = ?", (learner_id,)).rowcount
                for table in ("attempts", "card_states", "quiz_sessions")
            )

        return await self._db.run_in_writer(erase)


def _progress_row(row: aiosqlite.Row, scheduler: Scheduler, now: datetime) -> dict[str, object]:
    """Build one progress export row, columns in CSV order."""
    state = _state_from_row(row)
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
