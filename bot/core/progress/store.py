"""Every learner's progress: the attempt log, FSRS card states and resumable quiz sessions.

The store is the only code that writes progress SQL. Recording an answer is all or nothing
(attempt + card state + session position), so a crash can lose a whole answer but never half
of one, and it is idempotent per session position, so a double click or a retried
interaction counts once. Every write is a plain function run on the writer connection's
thread by :meth:`Database.run_in_writer` (its own transaction, or its own savepoint in a
commit shared with writes queued at the same moment), never one thread trip per statement:
that is what keeps recording close to the cost of a bare insert-and-commit. Each per-learner
query is served by an index (see ``migrations/0001_initial.sql``);
``tests/core/progress/test_progress_store.py`` checks the plans. Summaries and exports are
:mod:`reports`; the records both return are in :mod:`records`.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Mapping
from datetime import datetime

from bot.core.clock import Clock, as_utc
from bot.core.errors import StudyError
from bot.core.progress.database import Database, from_db_time, to_db_time
from bot.core.progress.records import (
    LEARNER_COLUMNS,
    SESSION_COLUMNS,
    STATE_COLUMNS,
    AnswerInput,
    AnswerResult,
    CardReset,
    Learner,
    LearnerReset,
    QuizSession,
    SessionAnswer,
    SessionKind,
    fetch_all,
    fetch_one,
    learner_from_row,
    read_card_states,
    session_from_row,
    state_from_row,
)
from bot.core.progress.scheduler import CardState, Scheduler
from bot.core.progress.transactions import (
    advance,
    check_turn,
    first_row,
    insert_attempt,
    move_on,
    rows_of,
    save_state,
    session_answered_by,
    session_in,
    state_in,
)

_SESSION_ID_BYTES = 9  # 12 url-safe characters: short enough for Discord custom_ids


class ProgressStore:
    """Reads and writes learner progress; all time comes from the injected clock."""

    def __init__(self, db: Database, clock: Clock, scheduler: Scheduler) -> None:
        self._db = db
        self._clock = clock
        self.scheduler = scheduler
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
            row = first_row(
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
            row = await fetch_one(
                conn, f"SELECT {LEARNER_COLUMNS} FROM learners WHERE scope = ? AND user_key = ?", (scope, user_key)
            )
        return learner_from_row(row) if row else None

    async def learner_by_id(self, learner_id: int) -> Learner | None:
        """Find a learner by id (e.g. the owner of a session)."""
        async with self._db.read() as conn:
            row = await fetch_one(conn, f"SELECT {LEARNER_COLUMNS} FROM learners WHERE id = ?", (learner_id,))
        return learner_from_row(row) if row else None

    # Sessions

    async def create_session(
        self,
        learner_id: int,
        kind: SessionKind,
        topic: str | None,
        card_ids: list[str],
        share: bool = False,
        card_type: str | None = None,
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
            card_type=card_type,
        )
        params = (
            session.id,
            learner_id,
            kind,
            topic,
            json.dumps(list(card_ids)),
            int(share),
            to_db_time(session.started_at),
            card_type,
        )

        def insert(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO quiz_sessions (id, learner_id, kind, topic, card_ids, share, started_at, card_type) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                params,
            )

        await self._db.run_in_writer(insert)
        return session

    async def get_session(self, session_id: str) -> QuizSession | None:
        """Load a session by id (e.g. from a button's custom_id)."""
        async with self._db.read() as conn:
            row = await fetch_one(conn, f"SELECT {SESSION_COLUMNS} FROM quiz_sessions WHERE id = ?", (session_id,))
        return session_from_row(row) if row else None

    async def finish_session(self, session_id: str) -> QuizSession | None:
        """End a run early (or confirm it ended); returns ``None`` for an unknown id."""
        params = (to_db_time(self._clock()), session_id)

        def finish(conn: sqlite3.Connection) -> QuizSession | None:
            row = first_row(
                conn,
                "UPDATE quiz_sessions SET finished_at = COALESCE(finished_at, ?) WHERE id = ? "
                f"RETURNING {SESSION_COLUMNS}",
                params,
            )
            return session_from_row(row) if row else None

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
            session = session_in(conn, session_id)
            if session is None or session.finished or session.position != position:
                return session
            return move_on(conn, session, now, answered=0, score=0)

        return await self._db.run_in_writer(skip)

    async def open_session(self, learner_id: int, since: datetime) -> QuizSession | None:
        """The learner's latest unfinished round started since ``since``, if any."""
        async with self._db.read() as conn:
            row = await fetch_one(
                conn,
                f"SELECT {SESSION_COLUMNS} FROM quiz_sessions WHERE learner_id = ? AND started_at >= ? "
                "AND finished_at IS NULL ORDER BY started_at DESC LIMIT 1",
                (learner_id, to_db_time(since)),
            )
        return session_from_row(row) if row else None

    async def session_answers(self, session_id: str) -> list[SessionAnswer]:
        """Every answer recorded in a session, in position order (retries included)."""
        async with self._db.read() as conn:
            rows = await fetch_all(
                conn,
                "SELECT position, card_id, correct, overridden FROM attempts WHERE session_id = ? ORDER BY position",
                (session_id,),
            )
        return [SessionAnswer(row["position"], row["card_id"], bool(row["correct"]), bool(row["overridden"]))
                for row in rows]

    # Answers

    async def record_answer(self, answer: AnswerInput) -> AnswerResult:
        """Append the attempt, reschedule the card and advance the session, all or nothing.

        A second answer for a session position already answered records nothing and returns
        the first one with ``duplicate=True``.
        """
        if (answer.session_id is None) != (answer.position is None):
            raise ValueError("session_id and position must be given together")
        now = self._clock()
        scheduler = self.scheduler

        def record(conn: sqlite3.Connection) -> AnswerResult:
            # Runs on the writer's thread as one transaction; see Database.run_in_writer.
            session = session_answered_by(conn, answer)
            if session is not None:
                earlier = first_row(
                    conn,
                    "SELECT id, card_id, correct FROM attempts WHERE session_id = ? AND position = ?",
                    (session.id, answer.position),
                )
                if earlier is not None:
                    state = state_in(conn, answer.learner_id, earlier["card_id"])
                    return AnswerResult(earlier["id"], bool(earlier["correct"]), state, session, duplicate=True)
                check_turn(session, answer)
            previous = state_in(conn, answer.learner_id, answer.card_id)
            new_state = scheduler.review(
                previous, answer.rating, now, card_id=answer.card_id, card_hash=answer.card_hash
            )
            attempt_id = insert_attempt(conn, answer, now)
            save_state(conn, answer.learner_id, new_state)
            if session is not None:
                session = advance(conn, session, answer.correct, now)
            return AnswerResult(attempt_id, answer.correct, new_state, session, duplicate=False)

        return await self._db.run_in_writer(record)

    async def override_answer(self, session_id: str, position: int) -> AnswerResult:
        """Count the wrong answer at a session position as right, at the learner's word.

        The attempt is marked right and overridden (its response kept for the instructor),
        the card's FSRS state is rebuilt from its attempts with this one rated Good, the round's
        score goes up, and the card's retry at the end of the round is dropped if not yet asked.
        Overriding twice changes nothing the second time (``duplicate=True``).
        """
        scheduler = self.scheduler

        def override(conn: sqlite3.Connection) -> AnswerResult:
            session = session_in(conn, session_id)
            attempt = first_row(
                conn,
                "SELECT id, learner_id, card_id, card_hash, correct FROM attempts "
                "WHERE session_id = ? AND position = ?",
                (session_id, position),
            )
            if session is None or attempt is None:
                raise StudyError("There is no answer of yours to change here.", hint="answer the card first")
            learner_id, card_id, card_hash = attempt["learner_id"], attempt["card_id"], attempt["card_hash"]
            if attempt["correct"]:
                return AnswerResult(attempt["id"], True, state_in(conn, learner_id, card_id), session, duplicate=True)
            conn.execute("UPDATE attempts SET correct = 1, overridden = 1, rating = 3 WHERE id = ?", (attempt["id"],))
            state = None
            history = rows_of(conn, "SELECT rating, answered_at FROM attempts WHERE learner_id = ? AND card_id = ? "
                                    "AND card_hash = ? ORDER BY id", (learner_id, card_id, card_hash))
            for earlier in history:
                state = scheduler.review(state, earlier["rating"], from_db_time(earlier["answered_at"]),
                                         card_id=card_id, card_hash=card_hash)
            if state is not None:
                save_state(conn, learner_id, state)
            card_ids = list(session.card_ids)
            pending_retry = len(card_ids) - 1 - card_ids[::-1].index(card_id)
            if pending_retry > position and pending_retry >= session.position:
                del card_ids[pending_retry]
            finished = session.finished_at is not None or session.position >= len(card_ids)
            row = first_row(
                conn,
                "UPDATE quiz_sessions SET score = score + 1, card_ids = ?, finished_at = COALESCE(finished_at, ?) "
                f"WHERE id = ? RETURNING {SESSION_COLUMNS}",
                (json.dumps(card_ids), to_db_time(self._clock()) if finished else None, session_id),
            )
            assert row is not None  # read in this same transaction
            return AnswerResult(attempt["id"], True, state, session_from_row(row), duplicate=False)

        return await self._db.run_in_writer(override)

    # Content changes

    async def sync_card_versions(self, current: Mapping[str, str]) -> CardReset:
        """Reset, for everyone, each card whose content hash changed; say which and for how many.

        Only an explicit reload of the content that is serving calls this (never opening the
        service: a draft tried in the console must not erase anyone's schedule). Cards missing
        from ``current`` were removed from the course: their history and states stay untouched
        (they are just no longer served), so restoring a card restores progress.
        """
        params = (json.dumps(dict(current)),)

        def reset_changed(conn: sqlite3.Connection) -> CardReset:
            rows = rows_of(
                conn,
                "DELETE FROM card_states WHERE (learner_id, card_id) IN ("
                " SELECT card_states.learner_id, card_states.card_id FROM json_each(?) AS current"
                " JOIN card_states ON card_states.card_id = current.key"
                " AND card_states.card_hash <> current.value"
                ") RETURNING card_id, learner_id",
                params,
            )
            return CardReset(sorted({row["card_id"] for row in rows}), len({row["learner_id"] for row in rows}))

        return await self._db.run_in_writer(reset_changed)

    async def stale_cards(self, current: Mapping[str, str]) -> CardReset:
        """What :meth:`sync_card_versions` would reset now, without changing anything."""
        async with self._db.read() as conn:
            rows = await fetch_all(
                conn,
                "SELECT DISTINCT card_states.card_id, card_states.learner_id FROM json_each(?) AS current"
                " JOIN card_states ON card_states.card_id = current.key AND card_states.card_hash <> current.value",
                (json.dumps(dict(current)),),
            )
        return CardReset(sorted({row["card_id"] for row in rows}), len({row["learner_id"] for row in rows}))

    # Per-learner queries

    async def card_states(self, learner_id: int) -> dict[str, CardState]:
        """Return every card state the learner has, by card id."""
        async with self._db.read() as conn:
            return await read_card_states(conn, learner_id)

    async def card_state(self, learner_id: int, card_id: str) -> CardState | None:
        """The learner's state for one card (``None``: never answered, or reset since)."""
        async with self._db.read() as conn:
            row = await fetch_one(conn, f"SELECT {STATE_COLUMNS} FROM card_states WHERE learner_id = ? AND card_id = ?",
                                  (learner_id, card_id))
        return state_from_row(row) if row else None

    async def due_cards(self, learner_id: int, now: datetime, limit: int) -> list[CardState]:
        """Return up to ``limit`` cards due at ``now``, the longest overdue first."""
        async with self._db.read() as conn:
            rows = await fetch_all(
                conn,
                f"SELECT {STATE_COLUMNS} FROM card_states WHERE learner_id = ? AND due <= ? "
                "ORDER BY due, card_id LIMIT ?",
                (learner_id, to_db_time(now), limit),
            )
        return [state_from_row(row) for row in rows]

    async def next_due(self, learner_id: int) -> datetime | None:
        """Return when the learner's next card falls due (``None`` if they have no cards)."""
        async with self._db.read() as conn:
            row = await fetch_one(conn, "SELECT MIN(due) AS due FROM card_states WHERE learner_id = ?", (learner_id,))
        return from_db_time(row["due"]) if row and row["due"] else None

    async def due_count(self, learner_id: int, now: datetime) -> int:
        """Count the learner's cards due at ``now``."""
        async with self._db.read() as conn:
            row = await fetch_one(
                conn,
                "SELECT COUNT(*) AS due FROM card_states WHERE learner_id = ? AND due <= ?",
                (learner_id, to_db_time(now)),
            )
        return int(row["due"]) if row else 0
    async def reset_learner(self, learner_id: int) -> LearnerReset:
        """Erase a learner's attempts, card states and sessions together; say how many of each."""

        def erase(conn: sqlite3.Connection) -> LearnerReset:
            # attempts first: they reference sessions
            answers, schedules, rounds = (
                conn.execute(f"DELETE FROM {table} WHERE learner_id = ?", (learner_id,)).rowcount
                for table in ("attempts", "card_states", "quiz_sessions")
            )
            return LearnerReset(answers, schedules, rounds)

        return await self._db.run_in_writer(erase)

