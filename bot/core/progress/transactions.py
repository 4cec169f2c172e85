"""The steps of recording an answer, run inside the caller's transaction on either engine.

Recording an answer reads the session and card state and writes the attempt, the new state
and the session's position in one transaction (see :meth:`ProgressStore.record_answer`);
these are its steps, written as :mod:`steps` generators so SQLite and PostgreSQL share them.
"""

from __future__ import annotations

import json
from datetime import datetime

from bot.core.errors import StudyError
from bot.core.progress.dialect import Dialect
from bot.core.progress.records import (
    QUALIFIED_SESSION_COLUMNS,
    SESSION_COLUMNS,
    STATE_COLUMNS,
    AnswerInput,
    QuizSession,
    session_from_row,
    state_from_row,
)
from bot.core.progress.scheduler import CardState
from bot.core.progress.steps import Steps, first_row, rows_of
from bot.core.progress.times import to_db_time


def lock_learner(dialect: Dialect, learner_id: int) -> Steps[None]:
    """Serialise one learner's answers where writers run side by side (PostgreSQL).

    Two answers to the same card by one learner (from two sessions, or two processes) each
    read the card's state and write the next one; without this lock both would build on the
    same old state and one review would vanish. SQLite's single writer already serialises them.
    """
    if dialect.for_update:
        yield from rows_of(f"SELECT 1 FROM learners WHERE id = ?{dialect.for_update}", (learner_id,))


def session_in(dialect: Dialect, session_id: str) -> Steps[QuizSession | None]:
    """Read one session inside the transaction, locking its row where the engine has row locks."""
    row = yield from first_row(
        f"SELECT {SESSION_COLUMNS} FROM quiz_sessions WHERE id = ?{dialect.for_update}", (session_id,)
    )
    return session_from_row(row) if row else None


def session_answered_by(dialect: Dialect, answer: AnswerInput) -> Steps[QuizSession | None]:
    """Load the session an answer belongs to, refusing a vanished one or someone else's.

    Where rows are locked, this also locks the answering learner (see :func:`lock_learner`),
    in the same statement as the session when there is one: one round trip, not two.
    """
    if answer.session_id is None:
        yield from lock_learner(dialect, answer.learner_id)
        return None
    if dialect.for_update:
        row = yield from first_row(
            f"SELECT {QUALIFIED_SESSION_COLUMNS} FROM quiz_sessions JOIN learners ON learners.id = ? "
            f"WHERE quiz_sessions.id = ?{dialect.for_update}",
            (answer.learner_id, answer.session_id),
        )
        session = session_from_row(row) if row else None
    else:
        session = yield from session_in(dialect, answer.session_id)
    if session is None:
        raise StudyError("That quiz no longer exists.", hint="start a new one with /quiz")
    if session.learner_id != answer.learner_id:
        raise StudyError("This quiz belongs to someone else.", hint="start your own with /quiz")
    return session


def state_in(learner_id: int, card_id: str) -> Steps[CardState | None]:
    """Read one card state inside the transaction."""
    row = yield from first_row(
        f"SELECT {STATE_COLUMNS} FROM card_states WHERE learner_id = ? AND card_id = ?",
        (learner_id, card_id),
    )
    return state_from_row(row) if row else None


def insert_attempt(answer: AnswerInput, now: datetime) -> Steps[int]:
    """Append to the attempt log and return the new attempt id."""
    row = yield from first_row(
        "INSERT INTO attempts (learner_id, card_id, card_hash, response, correct, rating, "
        "answered_at, response_ms, session_id, position, class_game_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
    assert row is not None  # an INSERT … RETURNING yields its row
    return int(row["id"])


def save_state(learner_id: int, state: CardState) -> Steps[None]:
    """Store a card state, replacing the learner's previous one for that card."""
    columns = [name.strip() for name in STATE_COLUMNS.split(",")]
    updates = ", ".join(f"{name} = excluded.{name}" for name in columns if name != "card_id")
    yield from rows_of(
        f"INSERT INTO card_states (learner_id, {STATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        f"ON CONFLICT (learner_id, card_id) DO UPDATE SET {updates}",
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


def advance(session: QuizSession, correct: bool, now: datetime) -> Steps[QuizSession]:
    """Move the session past the answered card; answering the last card finishes it.

    A card missed for the first time in the round is asked once more at its end.
    """
    card_id = session.card_ids[session.position]
    retry = card_id if not correct and session.card_ids.count(card_id) == 1 else None
    return (yield from move_on(session, now, answered=1, score=int(correct), retry=retry))


def move_on(
    session: QuizSession, now: datetime, *, answered: int, score: int, retry: str | None = None
) -> Steps[QuizSession]:
    """Step the session to its next card, adding to its counts; the last step finishes it.

    ``retry`` is a card id to append to the round before stepping (a missed card asked again).
    """
    card_ids = (*session.card_ids, retry) if retry else session.card_ids
    position = session.position + 1
    finished_at = to_db_time(now) if position == len(card_ids) else None
    row = yield from first_row(
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
