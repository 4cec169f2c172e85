"""The live class game: ``/class start|stop|scores``, answer clicks, reveals and moving on.

The game's state is stored (:class:`ClassGameStore`) and its rules are pure
(:mod:`bot.core.class_game`); this module joins them and decides what everyone sees. Each
question is one public message, posted and later edited through the front end's
:class:`GamePublisher`; a click gets a private confirmation as the press's own reply. Steps
that fall due by time (the reveal at the deadline, the next question after an automatic
pause) run from :meth:`ClassGameUseCases.run_due`, which the process's one timer
(:mod:`class_timer`) or the console's ``wait`` calls. Every step is claimed in the database
first, so a step raced by the timer and an instructor's button is published once.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, cast

from bot.core.class_game.rules import (
    AUTO_ADVANCE_PAUSE,
    DEFAULT_GAME_TYPE,
    DEFAULT_QUESTIONS,
    DEFAULT_SECONDS,
    GAME_TYPES,
    MAX_QUESTIONS,
    MAX_SECONDS,
    MIN_QUESTIONS,
    MIN_SECONDS,
    card_types,
    due_step,
    pick_questions,
    question_spec,
)
from bot.core.class_game.standings import Standing, hardest, question_shares, standings, tally
from bot.core.errors import StudyError
from bot.core.models import Card
from bot.core.presentation import actions
from bot.core.presentation.actions import Action, Verb
from bot.core.presentation.citations import FICTION_LABEL
from bot.core.presentation.rendering import escape_markdown
from bot.core.presentation.replies import Button, ButtonStyle, Reply, Tone
from bot.core.progress.class_game_records import Game, GameAnswer, GameType, Question
from bot.core.progress.class_games import ClassGameStore
from bot.core.progress.coordination import run_once
from bot.core.quiz.engine import LETTERS, TRUE_FALSE
from bot.core.service.context import Actor, StudyContext, require_instructor, shown
from bot.core.text import truncate

log = logging.getLogger(__name__)

DEADLINES_JOB = "class-game-deadlines"
"""The job name under which one bot process at a time runs the class-game steps that fall due."""

NAME_LIMIT = 32
"""Display names in standings are cut to this many characters (names can be 32 in Discord, nicknames more)."""
OPTION_LIMIT = 200
"""An option quoted back in a confirmation is cut to this many characters."""
TOP_IN_REVEAL = 5
TOP_IN_FINAL = 10
TOP_IN_SCORES = 15
_GAME_ID_BYTES = 9
"""A game id is 12 url-safe characters, like a quiz session's: short enough for button ids."""


class GamePublisher(Protocol):
    """How the front end shows public game messages: post one in a channel, edit it later."""

    async def post(self, channel: str, reply: Reply) -> str:
        """Post ``reply`` publicly in ``channel``; return an id by which it can be edited."""
        ...

    async def edit(self, channel: str, message: str, reply: Reply, *, live: bool = False) -> None:
        """Replace a posted message with ``reply``.

        ``live`` marks a routine refresh (the running count of answers) that the front end
        may coalesce, delay or drop; any later edit of the same message supersedes it.
        """
        ...


class ClassGameUseCases:
    """The class game of every channel; ``publisher`` is set by the front end that runs the bot."""

    def __init__(self, ctx: StudyContext, store: ClassGameStore) -> None:
        self._ctx = ctx
        self._store = store
        self.publisher: GamePublisher | None = None
        self.on_schedule: Callable[[], None] = _nothing
        """Called whenever a deadline was added or moved (the timer re-reads the stored ones)."""

    # Commands

    async def start(self, actor: Actor, topic: str | None = None, count: int = DEFAULT_QUESTIONS,
                    seconds: int = DEFAULT_SECONDS, card_type: str | None = None, auto: bool = False) -> Reply:
        """Start a game in the actor's channel and post its first question."""
        require_instructor(actor, "start a class game")
        channel = _channel(actor)
        publisher = self._publisher()
        game_type = card_type or DEFAULT_GAME_TYPE
        if game_type not in GAME_TYPES:
            raise StudyError(f"Unknown game type “{shown(game_type)}”.", hint=f"choose {', '.join(GAME_TYPES)}")
        if not MIN_QUESTIONS <= count <= MAX_QUESTIONS:
            raise StudyError(f"A game has {MIN_QUESTIONS} to {MAX_QUESTIONS} questions.")
        if not MIN_SECONDS <= seconds <= MAX_SECONDS:
            raise StudyError(f"Each question lasts {MIN_SECONDS} to {MAX_SECONDS} seconds.")
        ctx = self._ctx
        topic_id = ctx.topic_id(topic) if topic else None
        kinds = card_types(cast(GameType, game_type))  # checked against GAME_TYPES above
        candidates = [c for c in ctx.content.cards_for(topic_id) if c.type in kinds]
        if not candidates:
            raise StudyError("There are no multiple-choice or true/false cards of that kind in that topic.",
                             hint="try another type or topic")
        game_id = secrets.token_urlsafe(_GAME_ID_BYTES)
        cards = pick_questions(candidates, count, ctx.rng)
        game = await self._store.create_game(
            game_id=game_id, scope=actor.scope, channel=channel, host_key=actor.user_key, topic=topic_id,
            card_type=cast(GameType, game_type), seconds=seconds, auto_advance=auto,
            questions=[question_spec(card, game_id, position) for position, card in enumerate(cards)],
        )
        self.on_schedule()
        try:
            await self._post_question(game, publisher)
        except BaseException:
            await self._store.finish(game.id)  # a game nobody can see must not block the channel
            raise
        moving_on = ("the next question follows each reveal by itself" if auto
                     else "press Next question after each reveal")
        return Reply(
            title="Class game started",
            body=f"{len(cards)} question{'s' if len(cards) != 1 else ''}, {seconds} s each; {moving_on}. "
                 "Press Reveal now to close a question early, or /class stop to end the game.",
            tone=Tone.SUCCESS,
        )

    async def stop(self, actor: Actor) -> Reply:
        """End the channel's game: reveal the open question, then post the standings so far."""
        require_instructor(actor, "stop a class game")
        game = await self._store.latest_game(actor.scope, _channel(actor))
        if game is None or game.finished:
            raise StudyError("No class game is running in this channel.", hint="start one with /class start")
        if game.phase == "asking":
            await self._reveal(game, game.position, closing=True)
        finished = await self._store.finish(game.id)
        if finished is None:
            raise StudyError("That game has just ended.", hint="see /class scores")
        self.on_schedule()
        await self._post_final(finished, stopped=True)
        return Reply(title="Class game stopped", body="The standings so far are posted in the channel.",
                     tone=Tone.SUCCESS)

    async def scores(self, actor: Actor) -> Reply:
        """The standings of the channel's game (running, or the last one), privately."""
        game = await self._store.latest_game(actor.scope, _channel(actor))
        if game is None:
            raise StudyError("No class game has been played in this channel yet.",
                             hint="an instructor can start one with /class start")
        answers = await self._store.answers(game.id)
        played = _revealed_count(game)
        ranked = standings(answers, game.seconds, through=played - 1)
        me = await self._ctx.store.learner_id(actor.scope, actor.user_key)
        mine = next((s for s in ranked if s.learner_id == me), None)
        body = self._ctx.render("class_scores.md.j2", played=played, total=game.question_count,
                                finished=game.finished, standings=_rows(ranked[:TOP_IN_SCORES]),
                                more=max(0, len(ranked) - TOP_IN_SCORES), mine=_row(mine) if mine else None)
        return Reply(title="Class game standings", body=body)

    # Presses

    async def press_answer(self, actor: Actor, action: Action) -> Reply:
        """Record a player's choice (enrolling them silently) and confirm it privately."""
        game, position = await self._pressed(actor, action)
        choice = action.number(2)
        question = await self._store.question(game.id, position)
        if question is None:
            raise StudyError("That button is no longer valid.", hint="answer on the latest question")
        learner_id = await self._ctx.learner_id(actor)
        click = await self._store.record_click(game.id, position, learner_id, choice, self._ctx.clock())
        if question.message is not None and self.publisher is not None:
            card = self._ctx.content.cards.get(question.card_id)
            live = self._question_reply(game, question, card, click.answered)
            await self.publisher.edit(game.channel, question.message, live, live=True)
        label = _option_label(question, choice)
        deadline = int(question.deadline.timestamp()) if question.deadline else 0
        return Reply(
            title=f"Answer {label} {'changed' if click.changed else 'recorded'}",
            body=f"You chose **{_option_text(question, choice)}**. You can change it until time is up "
                 f"<t:{deadline}:R>; the last choice counts.",
            footer=f"{click.answered} answered so far",
            tone=Tone.SUCCESS,
        )

    async def press_reveal(self, actor: Actor, action: Action) -> Reply:
        """``Reveal now``: close the question before its deadline (instructors only)."""
        require_instructor(actor, "reveal a question early")
        game, position = await self._pressed(actor, action)
        if not await self._reveal(game, position):
            raise StudyError("That question has already been revealed.", hint="the answer is on the question")
        after = ("The next question follows by itself." if game.auto_advance
                 else "Press Next question when the class is ready.")
        return Reply(title=f"Question {position + 1} revealed", body=f"The answer is up for everyone. {after}")

    async def press_next(self, actor: Actor, action: Action) -> Reply:
        """``Next question`` (or ``Show results`` after the last): move the game on (instructors only)."""
        require_instructor(actor, "move a class game on")
        game, position = await self._pressed(actor, action)
        moved = await self._advance(game, position)
        if moved is None:
            raise StudyError("The game has already moved on.", hint="use the buttons of the latest question")
        if moved.finished:
            return Reply(title="Class game over", body="The final standings are posted in the channel.")
        return Reply(title=f"Question {moved.position + 1} is up", body="It is posted in the channel.")

    # Time

    async def run_due(self) -> int:
        """Run every step whose time has come (reveals, automatic next questions); how many ran.

        Exactly one bot process on a shared database runs a round at a time (see
        :func:`run_once`); the others run nothing and look again at their next round. Each
        step also re-reads its game in its own transaction, so a step another round already
        took is not taken twice.
        """
        _, done = await run_once(self._ctx.store, DEADLINES_JOB, self._run_due)
        return done or 0

    async def _run_due(self) -> int:
        """One round, under the deadlines job: a failure in one game is logged and does not stop the others.

        Its step was claimed in the database before publishing, so it is never retried in a loop.
        """
        now = self._ctx.clock()
        done = 0
        for game in await self._store.due_games(now):
            step = due_step(game, now)
            try:
                if step == "reveal":
                    done += await self._reveal(game, game.position)
                elif step == "advance":
                    done += await self._advance(game, game.position) is not None
            except Exception:
                log.exception("class game %s: the %s due at %s failed", game.id, step, game.deadline)
        return done

    async def next_deadline(self) -> datetime | None:
        """When the next step of any running game falls due."""
        return await self._store.next_deadline()

    # Steps

    async def _reveal(self, game: Game, position: int, *, closing: bool = False) -> bool:
        """Close a question, count its answers and edit its message into the reveal; False if it was closed."""
        question = await self._store.question(game.id, position)
        if question is None:
            return False
        card = self._ctx.content.cards.get(question.card_id)
        fresh = card is not None and card.content_hash == question.card_hash
        revealed = await self._store.reveal(game.id, position, count_attempts=fresh,
                                            next_after=AUTO_ADVANCE_PAUSE if game.auto_advance else None)
        if revealed is None:
            return False
        self.on_schedule()
        if question.message is not None:
            answers = await self._store.answers(game.id)
            reply = self._reveal_reply(revealed, question, card, answers, closing=closing)
            await self._publisher().edit(game.channel, question.message, reply)
        return True

    async def _advance(self, game: Game, position: int) -> Game | None:
        """Post the next question, or the final standings after the last; None if already moved on."""
        moved = await self._store.advance(game.id, position)
        if moved is None:
            return None
        self.on_schedule()
        if moved.finished:
            await self._post_final(moved, stopped=False)
        else:
            await self._post_question(moved, self._publisher())
        return moved

    async def _post_question(self, game: Game, publisher: GamePublisher) -> None:
        question = await self._store.question(game.id, game.position)
        assert question is not None  # every position below question_count was stored at start
        reply = self._question_reply(game, question, self._ctx.content.cards.get(question.card_id), 0)
        message = await publisher.post(game.channel, reply)
        await self._store.set_message(game.id, game.position, message)

    async def _post_final(self, game: Game, *, stopped: bool) -> None:
        questions = await self._store.questions(game.id)
        answers = await self._store.answers(game.id)
        played = sum(q.revealed_at is not None for q in questions)
        ranked = standings(answers, game.seconds, through=played - 1)
        shares = question_shares(answers, played)
        worst = hardest(shares)
        cards = self._ctx.content.cards
        body = self._ctx.render(
            "class_final.md.j2", stopped=stopped, played=played, total=game.question_count,
            standings=_rows(ranked[:TOP_IN_FINAL]), more=max(0, len(ranked) - TOP_IN_FINAL),
            shares=[{"number": s.position + 1, "share": s.share, "answered": s.answered} for s in shares],
            hardest={"number": worst.position + 1, "share": worst.share,
                     "prompt": _prompt(cards.get(questions[worst.position].card_id))} if worst else None,
        )
        winner = f"{truncate(ranked[0].name, NAME_LIMIT)} wins with {ranked[0].points} pts" if ranked else None
        await self._publisher().post(game.channel, Reply(
            title="Class game stopped" if stopped else "Class game over", body=body,
            footer=" · ".join(filter(None, [winner, "every answer counts in /progress and /review"])),
            ephemeral=False, tone=Tone.SUCCESS,
        ))

    # Replies

    def _question_reply(self, game: Game, question: Question, card: Card | None, answered: int) -> Reply:
        truefalse = _truefalse(question)
        buttons = [Button(_option_label(question, i) if truefalse else f"{LETTERS[i]}. {text}",
                          actions.encode(Verb.CLASS_ANSWER, game.id, question.position, i),
                          ButtonStyle.PRIMARY if truefalse else ButtonStyle.SECONDARY)
                   for i, text in enumerate(question.options)]
        buttons.append(Button("Reveal now", actions.encode(Verb.CLASS_REVEAL, game.id, question.position),
                              ButtonStyle.DANGER))
        deadline = question.deadline or game.started_at
        body = self._ctx.render(
            "class_question.md.j2", prompt=_prompt(card), kind="truefalse" if truefalse else "choice",
            options=[] if truefalse else [(LETTERS[i], text) for i, text in enumerate(question.options)],
            answered=answered, deadline=int(deadline.timestamp()), seconds=game.seconds,
        )
        return Reply(
            title=f"Class game · question {question.position + 1} of {game.question_count}",
            body=body, footer=f"{self._topic_title(game)} · anyone here can answer · Reveal now is for instructors",
            buttons=tuple(buttons), ephemeral=False,
        )

    def _reveal_reply(self, game: Game, question: Question, card: Card | None, answers: Sequence[GameAnswer],
                      *, closing: bool) -> Reply:
        counts = tally(answers, question.position, len(question.options))
        truefalse = _truefalse(question)
        options = [{"label": _option_label(question, i) if truefalse else f"{LETTERS[i]}. {text}",
                    "count": counts[i], "right": i == question.correct_index}
                   for i, text in enumerate(question.options)]
        last = question.position + 1 >= game.question_count
        auto = game.auto_advance and not closing and game.deadline is not None
        body = self._ctx.render(
            "class_reveal.md.j2", prompt=_prompt(card), options=options, answered=sum(counts),
            answer=question.options[question.correct_index], explain=card.explain if card else "",
            quotes=self._ctx.quotes(card.citations) if card else [], fiction_label=FICTION_LABEL,
            top=_rows(standings(answers, game.seconds, through=question.position)[:TOP_IN_REVEAL]),
            next_at=int(game.deadline.timestamp()) if auto and game.deadline else None,
        )
        buttons: tuple[Button, ...] = ()
        if not game.auto_advance and not closing:
            buttons = (Button("Show results" if last else "Next question",
                              actions.encode(Verb.CLASS_NEXT, game.id, question.position), ButtonStyle.PRIMARY),)
        return Reply(
            title=f"Question {question.position + 1} of {game.question_count}: the answer",
            body=body, footer=f"{self._topic_title(game)} · Next question is for instructors" if buttons else
            self._topic_title(game), buttons=buttons, ephemeral=False, tone=Tone.SUCCESS,
        )

    # Helpers

    async def _pressed(self, actor: Actor, action: Action) -> tuple[Game, int]:
        game = await self._store.game(action.args[0])
        position = action.number(1)
        if game is None or game.scope != actor.scope or position >= game.question_count:
            raise StudyError("That class game no longer exists.", hint="ask your instructor to start a new one")
        return game, position

    def _publisher(self) -> GamePublisher:
        if self.publisher is None:
            raise StudyError("Class games need a channel to post in.", hint="use /class in a server channel")
        return self.publisher

    def _topic_title(self, game: Game) -> str:
        topic = self._ctx.content.topics.get(game.topic) if game.topic else None
        return topic.title if topic else "All topics"


def _nothing() -> None:
    """The default schedule hook: no timer to wake (the console runs due steps on ``wait``)."""


def _channel(actor: Actor) -> str:
    if actor.channel is None:
        raise StudyError("Class games run in a server channel.", hint="use /class in your class's channel")
    return actor.channel


def _revealed_count(game: Game) -> int:
    """Questions revealed so far (the open one does not count until its reveal; a stop reveals it)."""
    return game.position + (game.phase != "asking")


def _prompt(card: Card | None) -> str:
    return card.prompt if card else "(This card was removed from the course after the game started.)"


def _truefalse(question: Question) -> bool:
    return question.options == TRUE_FALSE


def _option_label(question: Question, index: int) -> str:
    """The letter of a choice (``B``), or the word itself for true/false options."""
    return question.options[index] if _truefalse(question) else LETTERS[index]


def _option_text(question: Question, index: int) -> str:
    label = _option_label(question, index)
    text = escape_markdown(truncate(question.options[index], OPTION_LIMIT))
    return text if label == question.options[index] else f"{label}. {text}"


def _row(standing: Standing) -> dict[str, Any]:
    return {"rank": standing.rank, "name": truncate(standing.name, NAME_LIMIT), "points": standing.points,
            "right": standing.right}


def _rows(ranked: Sequence[Standing]) -> list[dict[str, Any]]:
    return [_row(s) for s in ranked]
