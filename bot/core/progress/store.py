"""Every learner's progress: the attempt log, FSRS card states and resumable quiz sessions.

The store is the only code that writes progress SQL. Recording an answer is all or nothing
(attempt + card state + session position), so a crash can lose a whole answer but never half
of one, and it is idempotent per session position, so a double click or a retried
interaction counts once. Every write is a transaction written as steps (see
:mod:`transactions`) that the database runs: SQLite on its writer thread in one trip (its own
transaction, or its own savepoint in a commit shared with writes queued at the same moment),
PostgreSQL on one pooled connection with the session's row locked, so two processes answering
the same session still count one answer. Each per-learner query is served by an index (see
``migrations/0001_initial.sql``);
``tests/core/progress/test_progress_store.py`` checks the plans. Summaries and exports are
:mod:`reports`; the records both return are in :mod:`records`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from bot.core.clock import Clock, as_utc
from bot.core.errors import StudyError
from bot.core.progress.backend import StudyDatabase
from bot.core.progress.dialect import Dialect
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
    learner_from_row,
    read_card_states,
    session_from_row,
    state_from_row,
)
from bot.core.progress.scheduler import CardState, Scheduler
from bot.core.progress.steps import Row, Steps, first_row, rows_of
from bot.core.progress.times import from_db_time, to_db_time
from bot.core.progress.transactions import (
    advance,
    check_turn,
    insert_attempt,
    lock_learner,
    move_on,
    save_state,
    session_answered_by,
    session_in,
    state_in,
)

_SESSION_ID_BYTES = 9  # 12 url-safe characters: short enough for Discord custom_ids


class ProgressStore:
    """Reads and writes learner progress; all time comes from the injected clock."""

    def __init__(self, db: StudyDatabase, clock: Clock, scheduler: Scheduler) -> None:
        self._db = db
        self._clock = clock
        self.scheduler = scheduler
        self._known: dict[tuple[str, str], tuple[int, str]] = {}
        """(scope, user key) -> (learner id, display name) of learners seen by this process."""

    def exclusive(self, job: str) -> AbstractAsyncContextManager[bool]:
        """Hold ``job`` across every bot process on this database, if no one else does (see :mod:`coordination`)."""
        return self._db.exclusive(job)

    async def _one(self, sql: str, params: tuple[object, ...]) -> Row | None:
        """The first row of a read (a lookup by key), or None."""
        rows = await self._db.lookup(sql, params)
        return rows[0] if rows else None

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

        def upsert(_: Dialect) -> Steps[int]:
            row = yield from first_row(
                "INSERT INTO learners (scope, user_key, display_name, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (scope, user_key) DO UPDATE SET display_name = excluded.display_name "
                "RETURNING id",
                params,
            )
            assert row is not None  # an upsert with RETURNING always yields its row
            return int(row["id"])

        learner_id = await self._db.write(upsert)
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
        row = await self._one(f"SELECT {LEARNER_COLUMNS} FROM learners WHERE scope = ? AND user_key = ?",
                              (scope, user_key))
        return learner_from_row(row) if row else None

    async def learner_by_id(self, learner_id: int) -> Learner | None:
        """Find a learner by id (e.g. the owner of a session)."""
        row = await self._one(f"SELECT {LEARNER_COLUMNS} FROM learners WHERE id = ?", (learner_id,))
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

        def insert(_: Dialect) -> Steps[None]:
            yield from rows_of(
                "INSERT INTO quiz_sessions (id, learner_id, kind, topic, card_ids, share, started_at, card_type) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                params,
            )

        await self._db.write(insert)
        return session

    async def get_session(self, session_id: str) -> QuizSession | None:
        """Load a session by id (e.g. from a button's custom_id)."""
        row = await self._one(f"SELECT {SESSION_COLUMNS} FROM quiz_sessions WHERE id = ?", (session_id,))
        return session_from_row(row) if row else None

    async def finish_session(self, session_id: str) -> QuizSession | None:
        """End a run early (or confirm it ended); returns ``None`` for an unknown id."""
        params = (to_db_time(self._clock()), session_id)

        def finish(_: Dialect) -> Steps[QuizSession | None]:
            row = yield from first_row(
                "UPDATE quiz_sessions SET finished_at = COALESCE(finished_at, ?) WHERE id = ? "
                f"RETURNING {SESSION_COLUMNS}",
                params,
            )
            return session_from_row(row) if row else None

        return await self._db.write(finish)

    async def skip_position(self, session_id: str, position: int) -> QuizSession | None:
        """Move a session past ``position`` without recording an attempt (e.g. a retired card).

        Skipping counts neither as answered nor as scored; skipping the last card finishes the
        session. If ``position`` is not the current one (already answered or skipped, or the
        session is over) nothing changes and the current session is returned, so a repeated
        skip is harmless. Returns ``None`` for an unknown id.
        """
        now = self._clock()

        def skip(dialect: Dialect) -> Steps[QuizSession | None]:
            session = yield from session_in(dialect, session_id)
            if session is None or session.finished or session.position != position:
                return session
            return (yield from move_on(session, now, answered=0, score=0))

        return await self._db.write(skip)

    async def open_session(self, learner_id: int, since: datetime) -> QuizSession | None:
        """The learner's latest unfinished round started since ``since``, if any."""
        row = await self._one(
            f"SELECT {SESSION_COLUMNS} FROM quiz_sessions WHERE learner_id = ? AND started_at >= ? "
            "AND finished_at IS NULL ORDER BY started_at DESC LIMIT 1",
            (learner_id, to_db_time(since)),
        )
        return session_from_row(row) if row else None

    async def session_answers(self, session_id: str) -> list[SessionAnswer]:
        """Every answer recorded in a session, in position order (retries included)."""
        rows = await self._db.lookup(
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

        def record(dialect: Dialect) -> Steps[AnswerResult]:
            session = yield from session_answered_by(dialect, answer)  # locks the learner where rows are locked
            if session is not None:
                # The current position has no answer yet (answering is what moves it on), so only
                # an answer for an earlier position can be a repeat; that skips a query per answer.
                earlier = None if answer.position == session.position else (yield from first_row(
                    "SELECT id, card_id, correct FROM attempts WHERE session_id = ? AND position = ?",
                    (session.id, answer.position),
                ))
                if earlier is not None:
                    state = yield from state_in(answer.learner_id, earlier["card_id"])
                    return AnswerResult(earlier["id"], bool(earlier["correct"]), state, session, duplicate=True)
                check_turn(session, answer)
            previous = yield from state_in(answer.learner_id, answer.card_id)
            new_state = scheduler.review(
                previous, answer.rating, now, card_id=answer.card_id, card_hash=answer.card_hash
            )
            attempt_id = yield from insert_attempt(answer, now)
            yield from save_state(answer.learner_id, new_state)
            if session is not None:
                session = yield from advance(session, answer.correct, now)
            return AnswerResult(attempt_id, answer.correct, new_state, session, duplicate=False)

        return await self._db.write(record)

    async def override_answer(self, session_id: str, position: int) -> AnswerResult:
        """Count the wrong answer at a session position as right, at the learner's word.

        The attempt is marked right and overridden (its response kept for the instructor),
        the card's FSRS state is rebuilt from its attempts with this one rated Good, the round's
        score goes up, and the card's retry at the end of the round is dropped if not yet asked.
        Overriding twice changes nothing the second time (``duplicate=True``).
        """
        scheduler = self.scheduler

        def override(dialect: Dialect) -> Steps[AnswerResult]:
            attempt = yield from first_row(
                "SELECT id, learner_id, card_id, card_hash, correct FROM attempts "
                "WHERE session_id = ? AND position = ?",
                (session_id, position),
            )
            if attempt is not None:  # the learner first, as answers lock it: the card's state is rebuilt below
                yield from lock_learner(dialect, attempt["learner_id"])
            session = yield from session_in(dialect, session_id)
            if session is None or attempt is None:
                raise StudyError("There is no answer of yours to change here.", hint="answer the card first")
            learner_id, card_id, card_hash = attempt["learner_id"], attempt["card_id"], attempt["card_hash"]
            if attempt["correct"]:
                state = yield from state_in(learner_id, card_id)
                return AnswerResult(attempt["id"], True, state, session, duplicate=True)
            yield from rows_of("UPDATE attempts SET correct = 1, overridden = 1, rating = 3 WHERE id = ?",
                               (attempt["id"],))
            state = None
            history = yield from rows_of(
                "SELECT rating, answered_at FROM attempts WHERE learner_id = ? AND card_id = ? "
                "AND card_hash = ? ORDER BY id",
                (learner_id, card_id, card_hash),
            )
            for earlier in history:
                state = scheduler.review(state, earlier["rating"], from_db_time(earlier["answered_at"]),
                                         card_id=card_id, card_hash=card_hash)
            if state is not None:
                yield from save_state(learner_id, state)
            card_ids = list(session.card_ids)
            pending_retry = len(card_ids) - 1 - card_ids[::-1].index(card_id)
            if pending_retry > position and pending_retry >= session.position:
                del card_ids[pending_retry]
            finished = session.finished_at is not None or session.position >= len(card_ids)
            row = yield from first_row(
                "UPDATE quiz_sessions SET score = score + 1, card_ids = ?, finished_at = COALESCE(finished_at, ?) "
                f"WHERE id = ? RETURNING {SESSION_COLUMNS}",
                (json.dumps(card_ids), to_db_time(self._clock()) if finished else None, session_id),
            )
            assert row is not None  # read in this same transaction
            return AnswerResult(attempt["id"], True, state, session_from_row(row), duplicate=False)

        return await self._db.write(override)

    # Content changes

    async def sync_card_versions(self, current: Mapping[str, str]) -> CardReset:
        """Reset, for everyone, each card whose content hash changed; say which and for how many.

        Only an explicit reload of the content that is serving calls this (never opening the
        service: a draft tried in the console must not erase anyone's schedule). Cards missing
        from ``current`` were removed from the course: their history and states stay untouched
        (they are just no longer served), so restoring a card restores progress. One statement
        over the current cards as JSON pairs (each engine's ``json_each``).
        """
        params = (json.dumps(dict(current)),)

        def reset_changed(dialect: Dialect) -> Steps[CardReset]:
            rows = yield from rows_of(
                "DELETE FROM card_states WHERE (learner_id, card_id) IN ("
                f" SELECT card_states.learner_id, card_states.card_id FROM {dialect.json_pairs} AS current"
                " JOIN card_states ON card_states.card_id = current.key"
                " AND card_states.card_hash <> current.value"
                ") RETURNING card_id, learner_id",
                params,
            )
            return CardReset(sorted({row["card_id"] for row in rows}), len({row["learner_id"] for row in rows}))

        return await self._db.write(reset_changed, bulk=True)  # every learner's states of the changed cards

    async def stale_cards(self, current: Mapping[str, str]) -> CardReset:
        """What :meth:`sync_card_versions` would reset now, without changing anything."""
        rows = await self._db.fetch(
            f"SELECT DISTINCT card_states.card_id, card_states.learner_id FROM {self._db.dialect.json_pairs} AS current"
            " JOIN card_states ON card_states.card_id = current.key AND card_states.card_hash <> current.value",
            (json.dumps(dict(current)),),
        )
        return CardReset(sorted({row["card_id"] for row in rows}), len({row["learner_id"] for row in rows}))

    # Per-learner queries

    async def card_states(self, learner_id: int) -> dict[str, CardState]:
        """Return every card state the learner has, by card id."""
        return await read_card_states(self._db, learner_id)

    async def card_state(self, learner_id: int, card_id: str) -> CardState | None:
        """The learner's state for one card (``None``: never answered, or reset since)."""
        row = await self._one(f"SELECT {STATE_COLUMNS} FROM card_states WHERE learner_id = ? AND card_id = ?",
                              (learner_id, card_id))
        return state_from_row(row) if row else None

    async def due_cards(self, learner_id: int, now: datetime, limit: int) -> list[CardState]:
        """Return up to ``limit`` cards due at ``now``, the longest overdue first."""
        rows = await self._db.fetch(
            f"SELECT {STATE_COLUMNS} FROM card_states WHERE learner_id = ? AND due <= ? ORDER BY due, card_id LIMIT ?",
            (learner_id, to_db_time(now), limit),
        )
        return [state_from_row(row) for row in rows]

    async def next_due(self, learner_id: int) -> datetime | None:
        """Return when the learner's next card falls due (``None`` if they have no cards)."""
        row = await self._one("SELECT MIN(due) AS due FROM card_states WHERE learner_id = ?", (learner_id,))
        return from_db_time(row["due"]) if row and row["due"] else None

    async def due_count(self, learner_id: int, now: datetime) -> int:
        """Count the learner's cards due at ``now``."""
        row = await self._one(
            "SELECT COUNT(*) AS due FROM card_states WHERE learner_id = ? AND due <= ?", (learner_id, to_db_time(now))
        )
        return int(row["due"]) if row else 0
    async def reset_learner(self, learner_id: int) -> LearnerReset:
        """Erase a learner's attempts, card states and sessions together; say how many of each."""

        def erase(_: Dialect) -> Steps[LearnerReset]:
            counts = []
            for table in ("attempts", "card_states", "quiz_sessions"):  # attempts first: they reference sessions
                deleted = yield from rows_of(f"DELETE FROM {table} WHERE learner_id = ? RETURNING 1", (learner_id,))
                counts.append(len(deleted))
            answers, schedules, rounds = counts
            return LearnerReset(answers, schedules, rounds)

        return await self._db.write(erase)
