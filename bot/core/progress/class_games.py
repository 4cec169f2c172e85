"""Storage of live class games: start, clicks, reveals, moving on, and what falls due when.

Every step is one write transaction (see :mod:`steps`) that first reads the game, locking its
row where the engine has row locks, and checks the game is where the caller thinks it is, so
two callers racing for the same step (the deadline timer and the instructor's ``Reveal now``,
a restarted bot and a click, or two bot processes on one PostgreSQL) leave exactly one of them
doing it; the other gets ``None`` and publishes nothing.
A click is keyed per game, question and learner and replaces that learner's earlier choice,
so the last choice before the deadline counts and none counts twice. The reveal turns each
player's final choice into an attempt of theirs (marked with the game) and reviews the card
with FSRS, exactly like a quiz answer, so their progress and schedule include the game.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.core.errors import StudyError
from bot.core.progress.backend import StudyDatabase
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
from bot.core.progress.dialect import Dialect
from bot.core.progress.records import AnswerInput
from bot.core.progress.scheduler import Scheduler
from bot.core.progress.steps import Row, Steps, first_row, rows_of, statement
from bot.core.progress.times import from_db_time, to_db_time
from bot.core.progress.transactions import insert_attempt, lock_learner, save_state, state_in

_LATE = "Time is up for this question, so that answer was not counted."


class ClassGameStore:
    """Reads and writes class games; every time comes from the injected clock."""

    def __init__(self, db: StudyDatabase, clock: Clock, scheduler: Scheduler) -> None:
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

        def create(_: Dialect) -> Steps[Game]:
            row = yield from first_row(
                "INSERT INTO class_games (id, scope, channel, host_key, topic, card_type, seconds, auto_advance, "
                "question_count, phase, deadline, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'asking', ?, ?) "
                f"ON CONFLICT DO NOTHING RETURNING {GAME_COLUMNS}",
                (game_id, scope, channel, host_key, topic, card_type, seconds, int(auto_advance),
                 len(questions), deadline, started),
            )
            if row is None:  # the one live game per channel (a unique index) is taken
                raise StudyError("A class game is already running in this channel.",
                                 hint="finish it with /class stop, or start one in another channel")
            for position, q in enumerate(questions):
                yield from rows_of(
                    "INSERT INTO class_game_questions (game_id, position, card_id, card_hash, options, "
                    "correct_index, asked_at, deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (game_id, position, q.card_id, q.card_hash, json.dumps(list(q.options)), q.correct_index,
                     started if position == 0 else None, deadline if position == 0 else None),
                )
            return game_from_row(row)

        return await self._db.write(create)

    async def set_message(self, game_id: str, position: int, message: str) -> None:
        """Remember which public message shows a question, so it can be edited later."""
        await self._db.write(statement(
            "UPDATE class_game_questions SET message = ? WHERE game_id = ? AND position = ?",
            (message, game_id, position),
        ))

    # Reads

    async def game(self, game_id: str) -> Game | None:
        """A game by id (from a button)."""
        return await self._one_game("id = ?", (game_id,))

    async def latest_game(self, scope: str, channel: str) -> Game | None:
        """The channel's running game, else the one that finished last."""
        return await self._one_game("scope = ? AND channel = ? ORDER BY finished_at IS NOT NULL, started_at DESC",
                                    (scope, channel))

    async def _one(self, sql: str, params: tuple[object, ...]) -> Row | None:
        rows = await self._db.fetch(sql, params)
        return rows[0] if rows else None

    async def _one_game(self, where: str, params: tuple[object, ...]) -> Game | None:
        row = await self._one(f"SELECT {GAME_COLUMNS} FROM class_games WHERE {where} LIMIT 1", params)
        return game_from_row(row) if row else None

    async def question(self, game_id: str, position: int) -> Question | None:
        """One question of a game."""
        row = await self._one(f"SELECT {QUESTION_COLUMNS} FROM class_game_questions "
                              "WHERE game_id = ? AND position = ?", (game_id, position))
        return question_from_row(row) if row else None

    async def questions(self, game_id: str) -> list[Question]:
        """Every question of a game, in order."""
        rows = await self._db.fetch(f"SELECT {QUESTION_COLUMNS} FROM class_game_questions WHERE game_id = ? "
                                    "ORDER BY position", (game_id,))
        return [question_from_row(row) for row in rows]

    async def answers(self, game_id: str) -> list[GameAnswer]:
        """Every player's latest choice for every question of a game, with their display names."""
        rows = await self._db.fetch(
            "SELECT a.position, a.learner_id, l.display_name, a.choice, a.correct, a.answer_ms "
            "FROM class_game_answers AS a JOIN learners AS l ON l.id = a.learner_id "
            "WHERE a.game_id = ? ORDER BY a.position, a.learner_id",
            (game_id,),
        )
        return [GameAnswer(r["position"], r["learner_id"], r["display_name"], r["choice"], bool(r["correct"]),
                           r["answer_ms"]) for r in rows]

    async def answer_count(self, game_id: str, position: int) -> int:
        """How many players have answered a question so far."""
        row = await self._one("SELECT COUNT(*) AS n FROM class_game_answers WHERE game_id = ? AND position = ?",
                              (game_id, position))
        return int(row["n"]) if row else 0

    async def due_games(self, now: datetime) -> list[Game]:
        """Running games whose next step (reveal or next question) is due at ``now``, earliest first."""
        rows = await self._db.fetch(f"SELECT {GAME_COLUMNS} FROM class_games WHERE finished_at IS NULL "
                                    "AND deadline <= ? ORDER BY deadline", (to_db_time(now),))
        return [game_from_row(row) for row in rows]

    async def next_deadline(self) -> datetime | None:
        """When the earliest step of any running game falls due (what the timer sleeps until)."""
        row = await self._one("SELECT MIN(deadline) AS due FROM class_games WHERE finished_at IS NULL", ())
        return from_db_time(row["due"]) if row and row["due"] else None

    # Steps of a game

    async def record_click(self, game_id: str, position: int, learner_id: int, choice: int,
                           at: datetime) -> Click:
        """Record (or change) a player's choice made at ``at``; refused once the question is closed."""
        clicked = to_db_time(at)

        def record(dialect: Dialect) -> Steps[Click]:
            game = yield from _game_in(dialect, game_id)
            if game is None:
                raise StudyError("That class game no longer exists.", hint="ask your instructor to start a new one")
            question = yield from _question_in(game_id, position)
            if (game.phase != "asking" or game.position != position or question is None
                    or question.asked_at is None or question.deadline is None or at >= question.deadline):
                raise StudyError(_LATE, hint="wait for the next question")
            if not 0 <= choice < len(question.options):
                raise StudyError("That button is no longer valid.", hint="answer on the latest question")
            earlier = yield from first_row("SELECT 1 FROM class_game_answers WHERE game_id = ? AND position = ? "
                                           "AND learner_id = ?", (game_id, position, learner_id))
            answer_ms = max(0, int((at - question.asked_at).total_seconds() * 1000))
            yield from rows_of(
                "INSERT INTO class_game_answers (game_id, position, learner_id, choice, correct, answer_ms, "
                "answered_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (game_id, position, learner_id) DO UPDATE "
                "SET choice = excluded.choice, correct = excluded.correct, answer_ms = excluded.answer_ms, "
                "answered_at = excluded.answered_at",
                (game_id, position, learner_id, choice, int(choice == question.correct_index), answer_ms, clicked),
            )
            count = yield from first_row("SELECT COUNT(*) AS n FROM class_game_answers WHERE game_id = ? "
                                         "AND position = ?", (game_id, position))
            return Click(earlier is not None, int(count["n"]) if count else 0)

        return await self._db.write(record)

    async def reveal(self, game_id: str, position: int, *, next_after: timedelta | None,
                     count_attempts: bool = True) -> Game | None:
        """Close question ``position`` and turn its answers into attempts; ``None`` if it is not open.

        ``next_after`` schedules the next question (auto-advance); ``count_attempts`` is false
        when the card changed since the game started, so no stale card is reviewed.
        """
        now = self._clock()
        scheduler = self._scheduler

        def reveal(dialect: Dialect) -> Steps[Game | None]:
            game = yield from _game_in(dialect, game_id)
            question = yield from _question_in(game_id, position)
            if game is None or question is None or game.phase != "asking" or game.position != position:
                return None
            if count_attempts:
                yield from _record_attempts(dialect, scheduler, question)
            yield from rows_of("UPDATE class_game_questions SET revealed_at = ? WHERE game_id = ? AND position = ?",
                               (to_db_time(now), game_id, position))
            deadline = to_db_time(now + next_after) if next_after is not None else None
            return (yield from _update_game(game_id, "phase = 'revealed', deadline = ?", (deadline,)))

        return await self._db.write(reveal, bulk=True)  # a class's answers become attempts and reviews

    async def advance(self, game_id: str, position: int) -> Game | None:
        """Open the question after revealed ``position``, or finish after the last; ``None`` if not revealed."""
        now = self._clock()

        def advance(dialect: Dialect) -> Steps[Game | None]:
            game = yield from _game_in(dialect, game_id)
            if game is None or game.phase != "revealed" or game.position != position:
                return None
            if position + 1 >= game.question_count:
                return (yield from _finish(game_id, now))
            deadline = to_db_time(now + timedelta(seconds=game.seconds))
            yield from rows_of("UPDATE class_game_questions SET asked_at = ?, deadline = ? WHERE game_id = ? "
                               "AND position = ?", (to_db_time(now), deadline, game_id, position + 1))
            return (yield from _update_game(game_id, "position = ?, phase = 'asking', deadline = ?",
                                            (position + 1, deadline)))

        return await self._db.write(advance)

    async def finish(self, game_id: str) -> Game | None:
        """End a running game now (``/class stop``); ``None`` if it had already ended."""
        now = self._clock()

        def finish(dialect: Dialect) -> Steps[Game | None]:
            game = yield from _game_in(dialect, game_id)
            if game is None or game.finished:
                return None
            return (yield from _finish(game_id, now))

        return await self._db.write(finish)


def _game_in(dialect: Dialect, game_id: str) -> Steps[Game | None]:
    """Read a game inside a step, locking its row where the engine has row locks (one step at a time)."""
    row = yield from first_row(f"SELECT {GAME_COLUMNS} FROM class_games WHERE id = ?{dialect.for_update}", (game_id,))
    return game_from_row(row) if row else None


def _question_in(game_id: str, position: int) -> Steps[Question | None]:
    row = yield from first_row(
        f"SELECT {QUESTION_COLUMNS} FROM class_game_questions WHERE game_id = ? AND position = ?", (game_id, position)
    )
    return question_from_row(row) if row else None


def _update_game(game_id: str, assignments: str, params: tuple[object, ...]) -> Steps[Game]:
    row = yield from first_row(f"UPDATE class_games SET {assignments} WHERE id = ? RETURNING {GAME_COLUMNS}",
                               (*params, game_id))
    assert row is not None  # the game was read in this same transaction
    return game_from_row(row)


def _finish(game_id: str, now: datetime) -> Steps[Game]:
    return (yield from _update_game(game_id, "phase = 'finished', deadline = NULL, finished_at = ?",
                                    (to_db_time(now),)))


def _record_attempts(dialect: Dialect, scheduler: Scheduler, question: Question) -> Steps[None]:
    """Each player's final choice becomes an attempt and an FSRS review at the time they chose it.

    Players are locked in id order (see :func:`lock_learner`), as a quiz answer of theirs would be.
    """
    rows = yield from rows_of(
        "SELECT learner_id, choice, correct, answer_ms, answered_at FROM class_game_answers "
        "WHERE game_id = ? AND position = ? ORDER BY learner_id", (question.game_id, question.position),
    )
    for row in rows:
        correct = bool(row["correct"])
        at = from_db_time(row["answered_at"])
        rating = Scheduler.rating_for(correct, None, "choice")
        answer = AnswerInput(
            learner_id=row["learner_id"], card_id=question.card_id, card_hash=question.card_hash,
            response=question.options[row["choice"]], correct=correct, rating=rating,
            response_ms=row["answer_ms"], class_game_id=question.game_id,
        )
        yield from lock_learner(dialect, answer.learner_id)
        previous = yield from state_in(answer.learner_id, question.card_id)
        if previous is not None and previous.last_review is not None and previous.last_review > at:
            at = previous.last_review  # they studied the card on their own since clicking: keep time forward
        state = scheduler.review(previous, rating, at, card_id=question.card_id, card_hash=question.card_hash)
        yield from insert_attempt(answer, at)
        yield from save_state(answer.learner_id, state)
