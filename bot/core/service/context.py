"""What every use case shares: who is acting, the content, the progress store, the clock.

Each feature module (quiz, lookups, standings, instructor) holds one :class:`StudyContext`
instead of reaching into a class that owns everything; the helpers here are the few steps
every feature takes (render a template, find the learner, check rights, resolve a topic).
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.core.clock import Clock
from bot.core.content.library import ContentLibrary
from bot.core.content.snapshot import ContentSnapshot
from bot.core.errors import StudyError
from bot.core.models import Citation
from bot.core.presentation.citations import CitedQuote, cited_quote, short_reference
from bot.core.presentation.rendering import escape_markdown
from bot.core.progress.bot_state import BotState
from bot.core.progress.reports import ProgressReports
from bot.core.progress.store import ProgressStore
from bot.core.text import collapse_spaces, truncate


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: one person in one scope ("guild:<id>", "dm" or "console"), and where.

    ``channel`` is the front end's id of the channel the command came from (class games run
    per channel); ``None`` where there is none (a DM).
    """

    scope: str
    user_key: str
    display_name: str
    is_instructor: bool = False
    channel: str | None = None
    course_editor: bool | None = None
    """May change the course content shared by every server (``None``: the same as ``is_instructor``,
    as in the console; the Discord front end decides it from ``STUDYBOT_COURSE_GUILDS``)."""

    @property
    def may_edit_course(self) -> bool:
        """Whether this actor may reload or upload the content every server sees."""
        return self.is_instructor if self.course_editor is None else self.course_editor


@dataclass(frozen=True, slots=True)
class Member:
    """Another person named in a command (``/progress member``, ``/instructor reset``)."""

    user_key: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Upload:
    """A file attached to ``/instructor upload``."""

    filename: str
    data: bytes


async def _nothing_to_announce() -> None:
    """No other process to tell (a context built without a broadcast, e.g. in tests)."""


@dataclass(frozen=True, slots=True)
class StudyContext:
    """The content library, the progress store and its reports, the clock and the shuffler."""

    library: ContentLibrary
    store: ProgressStore
    reports: ProgressReports
    clock: Clock
    rng: random.Random
    state: BotState
    """Small facts kept between runs (pending uploads waiting for a confirmation)."""
    content_changed: Callable[[], Awaitable[None]] = _nothing_to_announce
    """Called after new content went live here, so other bot processes reload theirs."""

    @property
    def content(self) -> ContentSnapshot:
        """The content serving now (read once per use case: a reload may swap it meanwhile)."""
        return self.library.snapshot

    def render(self, template: str, **context: Any) -> str:
        """Render one of the content's templates (built-in or the instructor's override)."""
        return self.content.templates.render(template, **context)

    async def learner_id(self, actor: Actor) -> int:
        """The actor's learner id in their scope, enrolling them on first use."""
        return await self.store.upsert_learner(actor.scope, actor.user_key, actor.display_name)

    def topic_id(self, text: str) -> str:
        """The id of the topic named by id or title, or a StudyError listing the topics."""
        topics = self.content.topics
        wanted = text.strip().casefold()
        for topic in topics.values():
            if wanted in (topic.id.casefold(), topic.title.casefold()):
                return topic.id
        raise StudyError(f"There is no topic “{shown(text)}”.", hint=f"topics are: {', '.join(topics)}")

    def source_id(self, text: str) -> str:
        """The id of the source named by id, title or short reference."""
        sources = self.content.sources
        wanted = text.strip().casefold()
        for source in sources.values():
            if wanted in (source.id, source.title.casefold(), short_reference(source).casefold()):
                return source.id
        raise StudyError(f"There is no source “{shown(text)}”.", hint=f"sources are: {', '.join(sources)}")

    def quotes(self, citations: tuple[Citation, ...]) -> list[CitedQuote]:
        """The cited quotes of a card or term, as templates show them (passages since removed skipped)."""
        snapshot = self.content
        return [cited_quote(c, snapshot.sources[c.source_id], snapshot.passage_by_key[c.passage_key])
                for c in citations if c.passage_key in snapshot.passage_by_key]


def require_instructor(actor: Actor, what: str) -> None:
    """Refuse ``what`` to anyone without instructor rights (checked here, whatever a front end did)."""
    if not actor.is_instructor:
        raise StudyError(f"Only instructors can {what}.",
                         hint="this needs the Manage Server permission or the instructor role")


def require_course_editor(actor: Actor, what: str) -> None:
    """Refuse ``what`` unless the actor may change the course every server sees."""
    if not actor.may_edit_course:
        require_instructor(actor, what)
        raise StudyError(f"Only the course's owners can {what}: the content is shared by every server.",
                         hint="the bot's owner, or instructors of a server named in STUDYBOT_COURSE_GUILDS "
                              "(ask whoever runs the bot to add this server there)")


def shown(text: str) -> str:
    """User text quoted back in a message: shortened, Markdown and mentions defused."""
    return escape_markdown(truncate(collapse_spaces(text), 60))
