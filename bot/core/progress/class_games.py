"""Storage of live class games: start, clicks, reveals, moving on, and what falls due when.

Every step is one write transaction on the writer's thread (see :meth:`Database.run_in_writer`)
that first checks the game is where the caller thinks it is, so two callers racing for the
same step (the deadline timer and the instructor's ``Reveal now``, or a restarted bot and a
click) leave exactly one of them doing it; the other gets ``None`` and publishes nothing.
A click is keyed per game, question and learner and replaces that learner's earlier choice,
so the last choice before the deadline counts and none counts twice. The reveal turns each
player's final choice into an attempt of theirs (marked with the game) and reviews the card
with FSRS, exactly like a quiz answer, so their progress and schedule include the game.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.core.errors import StudyError
from bot.core.progress.class_game_records import (
    GAME_COLUMNS,
    QUESTION_COLUMNS,
    Click,
    Game,
    GameAnswer,
    GameType,
    Question,
    QuestionSpec,
    game_from_row,
    question_from_row,
)
from bot.core.progress.database import Database, from_db_time, to_db_time
from bot.core.progress.records import AnswerInput, fetch_all, fetch_one
from bot.core.progress.scheduler import Scheduler
from bot.core.progress.transactions import first_row, insert_attempt, save_state, state_in

_LATE = "Time is up for this question, so that answer was not counted."


class ClassGameStore:
    """Reads and writes class games; every time comes from the injected clock."""

    def __init__(self, db: Database, clock: Clock, scheduler: Scheduler) -> None:
        self._db = db
        self._clock = clock
        self._scheduler = scheduler

    async def create_game(
        self, *, game_id: str, scope: str, channel: str, host_key: str, topic: str | None, card_type: GameType,
        seconds: int, auto_advance: bool, questions: Sequence[QuestionSpec],
    ) -> Game:
        """Start a game with its first question open; a second live game in the channel is refused."""
        if not questions:
            raise ValueError("a game needs at least one question")
        now = self._clock()
        deadline = to_db_time(now + timedelta(seconds=seconds))
        started = to_db_time(now)

        def create(conn: sqlite3.Connection) -> Game:
            try:
                row = first_row(
                    conn,
                    "INSERT INTO class_games (id, scope, channel, host_key, topic, card_type, seconds, auto_advance, "
                    "question_count, phase, deadline, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'asking', ?, ?) "
                    f"RETURNING {GAME_COLUMNS}",
                    (game_id, scope, channel, host_key, topic, card_type, seconds, int(auto_advance),
                     len(questions), deadline, started),
                )
            except sqlite3.IntegrityError:
                raise StudyError("A class game is already running in this channel.",
                                 hint="finish it with /class stop, or start one in another channel") from None
            conn.executemany(
                "INSERT INTO class_game_questions (game_id, position, card_id, card_hash, options, correct_index, "
                "asked_at, deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(game_id, position, q.card_id, q.card_hash, json.dumps(list(q.options)), q.correct_index,
                  started if position == 0 else None, deadline if position == 0 else None)
                 for position, q in enumerate(questions)],
            )
            assert row is not None  # INSERT … RETURNING yields its row
            return game_from_row(row)

        return await self._db.run_in_writer(create)

    async def set_message(self, game_id: str, position: int, message: str) -> None:
        """Remember which public message shows a question, so it can be edited later."""

        def store(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE class_game_questions SET message = ? WHERE game_id = ? AND position = ?",
                         (message, game_id, position))

        await self._db.run_in_writer(store)

    # Reads

    async def game(self, game_id: str) -> Game | None:
        """A game by id (from a button)."""
        return await self._one_game("id = ?", (game_id,))

    async def latest_game(self, scope: str, channel: str) -> Game | None:
        """The channel's running game, else the one that finished last."""
        return await self._one_game("scope = ? AND channel = ? ORDER BY finished_at IS NOT NULL, started_at DESC",
                                    (scope, channel))

    async def _one_game(self, where: str, params: tuple[object, ...]) -> Game | None:
        async with self._db.read() as conn:
            row = await fetch_one(conn, f"SELECT {GAME_COLUMNS} FROM class_games WHERE {where} LIMIT 1", params)
        return game_from_row(row) if row else None

    async def question(self, game_id: str, position: int) -> Question | None:
        """One question of a game."""
        async with self._db.read() as conn:
            row = await fetch_one(conn, f"SELECT {QUESTION_COLUMNS} FROM class_game_questions "
                                        "WHERE game_id = ? AND position = ?", (game_id, position))
        return question_from_row(row) if row else None

    async def questions(self, game_id: str) -> list[Question]:
        """Every question of a game, in order."""
        async with self._db.read() as conn:
            rows = await fetch_all(conn, f"SELECT {QUESTION_COLUMNS} FROM class_game_questions WHERE game_id = ? "
                                         "ORDER BY position", (game_id,))
        return [question_from_row(row) for row in rows]

    async def answers(self, game_id: str) -> list[GameAnswer]:
        """Every player's latest choice for every question of a game, with their display names."""
        async with self._db.read() as conn:
            rows = await fetch_all(
                conn,
                "SELECT a.position, a.learner_id, l.display_name, a.choice, a.correct, a.answer_ms "
                "FROM class_game_answers AS a JOIN learners AS l ON l.id = a.learner_id "
                "WHERE a.game_id = ? ORDER BY a.position, a.learner_id",
                (game_id,),
            )
        return [GameAnswer(r["position"], r["learner_id"], r["display_name"], r["choice"], bool(r["correct"]),
                           r["answer_ms"]) for r in rows]

    async def answer_count(self, game_id: str, position: int) -> int:
        """How many players have answered a question so far."""
        async with self._db.read() as conn:
            row = await fetch_one(conn, "SELECT COUNT(*) AS n FROM class_game_answers WHERE game_id = ? "
                                        "AND position = ?", (game_id, position))
        return int(row["n"]) if row else 0

    async def due_games(self, now: datetime) -> list[Game]:
        """Running games whose next step (reveal or next question) is due at ``now``, earliest first."""
        async with self._db.read() as conn:
            rows = await fetch_all(conn, f"SELECT {GAME_COLUMNS} FROM class_games WHERE finished_at IS NULL "
                                         "AND deadline <= ? ORDER BY deadline", (to_db_time(now),))
        return [game_from_row(row) for row in rows]

    async def next_deadline(self) -> datetime | None:
        """When the earliest step of any running game falls due (what the timer sleeps until)."""
        async with self._db.read() as conn:
            row = await fetch_one(conn, "SELECT MIN(deadline) AS due FROM class_games WHERE finished_at IS NULL")
        return from_db_time(row["due"]) if row and row["due"] else None

    # Steps of a game

    async def record_click(self, game_id: str, position: int, learner_id: int, choice: int,
                           at: datetime) -> Click:
        """Record (or change) a player's choice made at ``at``; refused once the question is closed."""
        clicked = to_db_time(at)

        def record(conn: sqlite3.Connection) -> Click:
            game = _game_in(conn, game_id)
            if game is None:
                raise StudyError("That class game no longer exists.", hint="ask your instructor to start a new one")
            question = _question_in(conn, game_id, position)
            if (game.phase != "asking" or game.position != position or question is None
                    or question.asked_at is None or question.deadline is None or at >= question.deadline):
                raise StudyError(_LATE, hint="wait for the next question")
            if not 0 <= choice < len(question.options):
                raise StudyError("That button is no longer valid.", hint="answer on the latest question")
            changed = first_row(conn, "SELECT 1 FROM class_game_answers WHERE game_id = ? AND position = ? "
                                      "AND learner_id = ?", (game_id, position, learner_id)) is not None
            answer_ms = max(0, int((at - question.asked_at).total_seconds() * 1000))
            conn.execute(
                "INSERT INTO class_game_answers (game_id, position, learner_id, choice, correct, answer_ms, "
                "answered_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (game_id, position, learner_id) DO UPDATE "
                "SET choice = excluded.choice, correct = excluded.correct, answer_ms = excluded.answer_ms, "
                "answered_at = excluded.answered_at",
                (game_id, position, learner_id, choice, int(choice == question.correct_index), answer_ms, clicked),
            )
            count = first_row(conn, "SELECT COUNT(*) AS n FROM class_game_answers WHERE game_id = ? "
                                    "AND position = ?", (game_id, position))
            return Click(changed, int(count["n"]) if count else 0)

        return await self._db.run_in_writer(record)

    async def reveal(self, game_id: str, position: int, *, next_after: timedelta | None,
                     count_attempts: bool = True) -> Game | None:
        """Close question ``position`` and turn its answers into attempts; ``None`` if it is not open.

        ``next_after`` schedules the next question (auto-advance); ``count_attempts`` is false
        when the card changed since the game started, so no stale card is reviewed.
        """
        now = self._clock()
        scheduler = self._scheduler

        def reveal(conn: sqlite3.Connection) -> Game | None:
            game = _game_in(conn, game_id)
            question = _question_in(conn, game_id, position)
            if game is None or question is None or game.phase != "asking" or game.position != position:
                return None
            if count_attempts:
                _record_attempts(conn, scheduler, question)
            conn.execute("UPDATE class_game_questions SET revealed_at = ? WHERE game_id = ? AND position = ?",
                         (to_db_time(now), game_id, position))
            deadline = to_db_time(now + next_after) if next_after is not None else None
            return _update_game(conn, game_id, "phase = 'revealed', deadline = ?", (deadline,))

        return await self._db.run_in_writer(reveal)

    async def advance(self, game_id: str, position: int) -> Game | None:
        """Open the question after revealed ``position``, or finish after the last; ``None`` if not revealed."""
        now = self._clock()

        def advance(conn: sqlite3.Connection) -> Game | None:
            game = _game_in(conn, game_id)
            if game is None or game.phase != "revealed" or game.position != position:
                return None
            if position + 1 >= game.question_count:
                return _finish(conn, game_id, now)
            deadline = to_db_time(now + timedelta(seconds=game.seconds))
            conn.execute("UPDATE class_game_questions SET asked_at = ?, deadline = ? WHERE game_id = ? "
                         "AND position = ?", (to_db_time(now), deadline, game_id, position + 1))
            return _update_game(conn, game_id, "position = ?, phase = 'asking', deadline = ?",
                                (position + 1, deadline))

        return await self._db.run_in_writer(advance)

    async def finish(self, game_id: str) -> Game | None:
        """End a running game now (``/class stop``); ``None`` if it had already ended."""
        now = self._clock()

        def finish(conn: sqlite3.Connection) -> Game | None:
            game = _game_in(conn, game_id)
            if game is None or game.finished:
                return None
            return _finish(conn, game_id, now)

        return await self._db.run_in_writer(finish)


def _game_in(conn: sqlite3.Connection, game_id: str) -> Game | None:
    row = first_row(conn, f"SELECT {GAME_COLUMNS} FROM class_games WHERE id = ?", (game_id,))
    return game_from_row(row) if row else None


def _question_in(conn: sqlite3.Connection, game_id: str, position: int) -> Question | None:
    row = first_row(conn, f"SELECT {QUESTION_COLUMNS} FROM class_game_questions WHERE game_id = ? AND position = ?",
                    (game_id, position))
    return question_from_row(row) if row else None


def _update_game(conn: sqlite3.Connection, game_id: str, assignments: str, params: tuple[object, ...]) -> Game:
    row = first_row(conn, f"UPDATE class_games SET {assignments} WHERE id = ? RETURNING {GAME_COLUMNS}",
                    (*params, game_id))
    assert row is not None  # the game was read in this same transaction
    return game_from_row(row)


def _finish(conn: sqlite3.Connection, game_id: str, now: datetime) -> Game:
    return _update_game(conn, game_id, "phase = 'finished', deadline = NULL, finished_at = ?", (to_db_time(now),))


def _record_attempts(conn: sqlite3.Connection, scheduler: Scheduler, question: Question) -> None:
    """Each player's final choice becomes an attempt and an FSRS review at the time they chose it."""
    rows = conn.execute(
        "SELECT learner_id, choice, correct, answer_ms, answered_at FROM class_game_answers "
        "WHERE game_id = ? AND position = ?", (question.game_id, question.position),
    ).fetchall()
    for row in rows:
        correct = bool(row["correct"])
        at = from_db_time(row["answered_at"])
        rating = Scheduler.rating_for(correct, None, "choice")
        answer = AnswerInput(
            learner_id=row["learner_id"], card_id=question.card_id, card_hash=question.card_hash,
            response=question.options[row["choice"]], correct=correct, rating=rating,
            response_ms=row["answer_ms"], class_game_id=question.game_id,
        )
        previous = state_in(conn, answer.learner_id, question.card_id)
        if previous is not None and previous.last_review is not None and previous.last_review > at:
            at = previous.last_review  # they studied the card on their own since clicking: keep time forward
        state = scheduler.review(previous, rating, at, card_id=question.card_id, card_hash=question.card_hash)
        insert_attempt(conn, answer, at)
        save_state(conn, answer.learner_id, state)
