"""The one entry point both front ends call: commands by name, button presses, typed answers.

Front ends say who is acting (an :class:`Actor`, with instructor rights already worked out
from Discord permissions or the console's ``instructor on``) and what they asked for; the
service routes it to the feature that owns it (:mod:`quiz`, :mod:`lookups`, :mod:`standings`,
:mod:`instructor`), which checks rights, reads content, records progress and renders a
:class:`Reply`. Button presses and text prompts come back through :meth:`StudyService.press`
and :meth:`StudyService.submit` with the action id the reply carried, so nothing lives in
memory between a reply and the press that answers it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from bot.core.clock import Clock, system_clock
from bot.core.content.library import ContentLibrary
from bot.core.content.snapshot import ContentSnapshot
from bot.core.errors import StudyError
from bot.core.lookup.semantic.meaning import MeaningModel
from bot.core.presentation import actions
from bot.core.presentation.actions import Action, Verb
from bot.core.presentation.replies import Reply
from bot.core.progress.backend import DatabaseTarget, StudyDatabase
from bot.core.progress.bot_state import BotState
from bot.core.progress.class_games import ClassGameStore
from bot.core.progress.migrations import migrate
from bot.core.progress.opening import open_database
from bot.core.progress.reminders import ReminderStore
from bot.core.progress.reports import ProgressReports
from bot.core.progress.scheduler import Scheduler
from bot.core.progress.store import ProgressStore
from bot.core.service.class_game import ClassGameUseCases, GamePublisher
from bot.core.service.class_timer import DeadlineTimer
from bot.core.service.context import Actor, Member, StudyContext, Upload, shown
from bot.core.service.exports import ExportUseCases
from bot.core.service.fleet import ContentBroadcast
from bot.core.service.instructor import InstructorUseCases
from bot.core.service.lookups import LookupUseCases
from bot.core.service.quiz import CardChanged, QuizUseCases
from bot.core.service.reminders import ReminderUseCases
from bot.core.service.standings import StandingUseCases
from bot.core.service.template_samples import template_samples

__all__ = ["Actor", "GamePublisher", "Member", "StudyService", "Upload"]

log = logging.getLogger(__name__)

COMMAND_SCHEMA_KEY = "command_schema_hash"

PressHandler = Callable[[Actor, Action], Awaitable[Reply]]


class StudyService:
    """Every use case of the bot, routed to its feature, over one content library and one store."""

    def __init__(
        self,
        library: ContentLibrary,
        store: ProgressStore,
        db: StudyDatabase,
        clock: Clock = system_clock,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.library = library
        self.store = store
        self._db = db
        self._state = BotState(db, clock)
        self.broadcast = ContentBroadcast(db, library)
        ctx = StudyContext(library, store, ProgressReports(db, clock, store.scheduler), clock,
                           rng or random.Random(), self._state, content_changed=self.broadcast.announce)
        self.quiz = QuizUseCases(ctx)
        self.lookups = LookupUseCases(ctx)
        self.standings = StandingUseCases(ctx)
        self.instructor = InstructorUseCases(ctx)
        self.exports = ExportUseCases(ctx)
        self.reminders = ReminderUseCases(ctx, ReminderStore(db, clock), self.quiz)
        self.class_game = ClassGameUseCases(ctx, ClassGameStore(db, clock, store.scheduler))
        self.class_timer = DeadlineTimer(self.class_game, clock)
        """Started by a front end that runs in real time (Discord); the console runs due steps on ``wait``."""
        # The use cases front ends call by name (the Discord cogs call these attributes directly).
        self.start_quiz = self.quiz.start_quiz
        self.review = self.quiz.review
        self.define = self.lookups.define
        self.excerpt = self.lookups.excerpt
        self.topics = self.lookups.topics
        self.sources = self.lookups.sources
        self.help = self.lookups.help
        self.complete = self.lookups.complete
        self.export_cards = self.exports.export
        self.progress = self.standings.progress
        self.leaderboard = self.standings.leaderboard
        self.reload = self.instructor.reload
        self.check = self.instructor.check
        self.stats = self.instructor.stats
        self.export = self.instructor.export
        self.upload = self.instructor.upload
        self.reset = self.instructor.reset
        self.commands: dict[str, Callable[..., Awaitable[Reply]]] = {
            "quiz": self.start_quiz, "review": self.review, "define": self.define, "excerpt": self.excerpt,
            "progress": self.progress, "leaderboard": self.leaderboard, "topics": self.topics,
            "sources": self.sources, "help": self.help, "export": self.export_cards, "instructor reload": self.reload,
            "instructor check": self.check, "instructor stats": self.stats, "instructor export": self.export,
            "instructor upload": self.upload, "instructor reset": self.reset,
            "remind on": self.reminders.turn_on, "remind off": self.reminders.turn_off,
            "remind status": self.reminders.status,
            "class start": self.class_game.start, "class stop": self.class_game.stop,
            "class scores": self.class_game.scores,
        }
        """Catalogue command name -> the use case that runs it (see :meth:`execute`)."""
        self.press_handlers: dict[Verb, PressHandler] = {
            Verb.ANSWER: self.quiz.press_answer,
            Verb.ASK: self.quiz.press_ask,
            Verb.SHOW: self.quiz.press_show,
            Verb.RATE: self.quiz.press_rate,
            Verb.NEXT: self.quiz.press_next,
            Verb.END: self.quiz.press_end,
            Verb.RIGHT: self.quiz.press_right,
            Verb.OVER: self.quiz.press_over,
            Verb.RETRY: self.quiz.press_retry,
            Verb.AGAIN: self.quiz.press_again,
            Verb.DEFINE: self.lookups.press_define,
            Verb.PASSAGE: self.lookups.press_passage,
            Verb.EXCERPT: self.lookups.press_excerpt,
            Verb.CHECK: self.instructor.press_check,
            Verb.STATS: self.instructor.press_stats,
            Verb.RESET: self.instructor.press_reset,
            Verb.KEEP: self.instructor.press_keep,
            Verb.REPLACE: self.instructor.press_replace,
            Verb.PROGRESS: self.standings.press_progress,
            Verb.REVIEW_NOW: self.reminders.press_review,
            Verb.CLASS_ANSWER: self.class_game.press_answer,
            Verb.CLASS_REVEAL: self.class_game.press_reveal,
            Verb.CLASS_NEXT: self.class_game.press_next,
        }
        """Action verb -> the feature that answers a press of that button."""

    # Lifecycle

    @classmethod
    async def open(
        cls,
        *,
        db_path: DatabaseTarget,
        content_dir: Path,
        migrations_dir: Path,
        clock: Clock = system_clock,
        rng: random.Random | None = None,
        meaning: MeaningModel | None = None,
    ) -> StudyService:
        """Migrate the database, load and validate the content, follow other processes' reloads.

        ``db_path`` is an SQLite file or a ``postgresql://`` URL. Cards changed since learners
        last saw them are only reported (logged), never reset here: opening may be a draft
        tried in the console or a second process with other content, and only ``/instructor
        reload`` of the content that serves may reset them. Raises ContentError (every problem
        listed) or MigrationError, so a broken course or database refuses to start instead of
        serving half of itself. With ``meaning``, search also ranks by meaning once the
        passages are encoded in the background (see ContentLibrary).
        """
        db = await open_database(db_path)
        try:
            await migrate(db, migrations_dir)
            library = ContentLibrary(content_dir, template_samples)
            await asyncio.to_thread(library.load)
            store = ProgressStore(db, clock, Scheduler())
            stale = await store.stale_cards(library.snapshot.card_hashes)
            if stale.card_ids:
                log.warning("%d card(s) changed since %d learner(s) studied them; /instructor reload resets "
                            "their schedules (opening never does)", len(stale.card_ids), stale.learners)
            service = cls(library, store, db, clock, rng=rng)
            await service.broadcast.start()
            if meaning is not None:  # last: encoding on its thread must not slow the opening down
                library.rank_by_meaning(meaning)
        except BaseException:
            await db.close()
            raise
        return service

    async def close(self) -> None:
        """Stop the class-game timer, then close the database (waits for a write in progress)."""
        await self.class_timer.stop()
        await self._db.close()

    @property
    def content(self) -> ContentSnapshot:
        """The content serving now."""
        return self.library.snapshot

    # Entry points

    async def execute(self, actor: Actor, command: str, options: Mapping[str, Any]) -> Reply:
        """Run a catalogue command with already-validated options (the console's entry point)."""
        if command not in self.commands:
            raise StudyError(f"There is no /{shown(command)} command.", hint="type /help to see them all")
        renamed = {"type": "card_type", "format": "file_format"}
        reply = await self.commands[command](actor, **{renamed.get(k, k): v for k, v in options.items()})
        return await self.reminders.with_notice(actor, reply)

    async def press(self, actor: Actor, action_id: str) -> Reply:
        """Handle a button press."""
        action = actions.decode(action_id)
        if action.verb is Verb.TEXT:
            raise StudyError("That button is no longer valid.", hint="run the command again")
        try:
            reply = await self.press_handlers[action.verb](actor, action)
        except CardChanged as changed:
            reply = await self.quiz.card_changed(changed)
        return await self.reminders.with_notice(actor, reply)

    async def submit(self, actor: Actor, action_id: str, text: str) -> Reply:
        """Handle text typed into an open prompt (a short answer)."""
        action = actions.decode(action_id)
        if action.verb is not Verb.TEXT:
            raise StudyError("There is no open question to answer.", hint="press a button instead")
        try:
            reply = await self.quiz.submit(actor, action, text)
        except CardChanged as changed:
            reply = await self.quiz.card_changed(changed)
        return await self.reminders.with_notice(actor, reply)

    # Work one bot process does for all of them (see bot.core.progress.coordination)

    def exclusive(self, job: str) -> AbstractAsyncContextManager[bool]:
        """Hold ``job`` across every bot process on this database, if no other process does."""
        return self.store.exclusive(job)

    # Command sync bookkeeping (the Discord front end syncs only when its schema changed)

    async def command_schema_changed(self, digest: str) -> bool:
        """Whether ``digest`` differs from the schema last synced."""
        return await self._state.get(COMMAND_SCHEMA_KEY) != digest

    async def remember_command_schema(self, digest: str) -> None:
        """Record that the schema with ``digest`` was synced."""
        await self._state.set(COMMAND_SCHEMA_KEY, digest)
