"""Statements run on the writer connection's thread, inside the caller's transaction.

Recording an answer reads the session and card state and writes the attempt, the new state
and the session's position in one transaction (see :meth:`ProgressStore.record_answer`);
these are its steps, plain functions on a ``sqlite3.Connection`` so the whole answer is one
trip to the writer's thread.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.core.errors import StudyError
from bot.core.progress.database import to_db_time
from bot.core.progress.records import (
    SESSION_COLUMNS,
    STATE_COLUMNS,
    AnswerInput,
    QuizSession,
    session_from_row,
    state_from_row,
)
from bot.core.progress.scheduler import CardState


def rows_of(conn: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
    """Run a statement on the writer's thread and return every row it yields."""
    return list(conn.execute(sql, tuple(params)).fetchall())


def first_row(conn: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
    """Run a statement on the writer's thread to completion and return its first row, if any."""
    rows = rows_of(conn, sql, params)
    return rows[0] if rows else None


def session_in(conn: sqlite3.Connection, session_id: str) -> QuizSession | None:
    """Read one session inside the caller's transaction."""
    row = first_row(conn, f"SELECT {SESSION_COLUMNS} FROM quiz_sessions WHERE id = ?", (session_id,))
    return session_from_row(row) if row else None


def session_answered_by(conn: sqlite3.Connection, answer: AnswerInput) -> QuizSession | None:
    """Load the session an answer belongs to, refusing a vanished one or someone else's."""
    if answer.session_id is None:
        return None
    session = session_in(conn, answer.session_id)
    if session is None:
        raise StudyError("That quiz no longer exists.", hint="start a new one with /quiz")
    if session.learner_id != answer.learner_id:
        raise StudyError("This quiz belongs to someone else.", hint="start your own with /quiz")
    return session


def state_in(conn: sqlite3.Connection, learner_id: int, card_id: str) -> CardState | None:
    """Read one card state inside the caller's transaction."""
    row = first_row(
        conn,
        f"SELECT {STATE_COLUMNS} FROM card_states WHERE learner_id = ? AND card_id = ?",
        (learner_id, card_id),
    )
    return state_from_row(row) if row else None


def insert_attempt(conn: sqlite3.Connection, answer: AnswerInput, now: datetime) -> int:
    """Append to the attempt log and return the new attempt id."""
    cursor = conn.execute(
        "INSERT INTO attempts (learner_id, card_id, card_hash, response, correct, rating, "
        "answered_at, response_ms, session_id, position, class_game_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            answer.class_game_id,
        ),
    )
    assert cursor.lastrowid is not None  # a plain INSERT into a rowid table always sets it
    return cursor.lastrowid


def save_state(conn: sqlite3.Connection, learner_id: int, state: CardState) -> None:
    """Store a card state, replacing the learner's previous one for that card."""
    conn.execute(
        f"INSERT OR REPLACE INTO card_states (learner_id, {STATE_COLUMNS}) "
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


def advance(conn: sqlite3.Connection, session: QuizSession, correct: bool, now: datetime) -> QuizSession:
    """Move the session past the answered card; answering the last card finishes it.

    A card missed for the first time in the round is asked once more at its end.
    """
    card_id = session.card_ids[session.position]
    retry = card_id if not correct and session.card_ids.count(card_id) == 1 else None
    return move_on(conn, session, now, answered=1, score=int(correct), retry=retry)


def move_on(
    conn: sqlite3.Connection, session: QuizSession, now: datetime, *, answered: int, score: int,
    retry: str | None = None,
) -> QuizSession:
    """Step the session to its next card, adding to its counts; the last step finishes it.

    ``retry`` is a card id to append to the round before stepping (a missed card asked again).
    """
    card_ids = (*session.card_ids, retry) if retry else session.card_ids
    position = session.position + 1
    finished_at = to_db_time(now) if position == len(card_ids) else None
    row = first_row(
        conn,
        "UPDATE quiz_sessions SET card_ids = ?, position = ?, answered = answered + ?, score = score + ?, "
        f"finished_at = ? WHERE id = ? RETURNING {SESSION_COLUMNS}",
        (json.dumps(list(card_ids)), position, answered, score, finished_at, session.id),
    )
    assert row is not None  # the row was read in this same transaction
    return session_from_row(row)


def check_turn(session: QuizSession, answer: AnswerInput) -> None:
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

