"""No reply over the shipped content carries a control character other than a newline.

A BEL (``\\x07``) makes a terminal beep and is invisible junk in Discord and search; a stray
escape or NUL is worse. This drives every command of the catalogue with real options, then
presses the buttons of the replies a few levels deep (every answer of every quiz card, page
buttons, passage buttons, confirmations) and answers every short-answer prompt, against a
real SQLite file and a copy of the shipped content, and checks every text a Reply shows.
"""

from __future__ import annotations

import asyncio
import shutil
import unicodedata
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.core.command_catalog import CARD_TYPES, COMMANDS, PERIODS
from bot.core.errors import StudyError
from bot.core.presentation.replies import Reply
from bot.core.service.study_service import Actor, Member, StudyService, Upload
from bot.settings import MIGRATIONS_DIR
from tests.conftest import SHIPPED_CONTENT

TEACHER = Actor("guild:1", "900", "Prof", is_instructor=True)
LEARNER = Actor("guild:1", "901", "Ann")
QUERIES = ("Toshiba", "Northern Territories", "linkage politics", "perestroika", "Vladivostok speech")
MAX_PRESSES = 4000


def control_characters(text: str) -> set[str]:
    """Every control character in ``text`` except the newline that separates lines."""
    return {ch for ch in text if ch != "\n" and unicodedata.category(ch) == "Cc"}


def shown_texts(reply: Reply) -> list[str]:
    """Every piece of text a front end shows for a reply."""
    texts = [reply.title, reply.body, reply.footer or "", reply.error or ""]
    texts += [part for f in reply.fields for part in (f.name, f.value)]
    texts += [b.label for b in reply.buttons]
    if reply.prompt:
        texts += [reply.prompt.title, reply.prompt.label, reply.prompt.placeholder]
    texts += [part for a in reply.attachments for part in (a.filename, a.description)]
    return texts


@dataclass
class Walk:
    """How many replies were seen, and each one whose text carried a control character."""

    service: StudyService
    replies: int = 0
    dirty: list[tuple[str, str]] = field(default_factory=list)
    seen_actions: set[str] = field(default_factory=set)
    commands: set[str] = field(default_factory=set)

    async def see(self, origin: str, call: Awaitable[Reply]) -> Reply | None:
        """Await a reply (or a user-facing error) and check all its text."""
        try:
            reply = await call
        except StudyError as error:
            texts = [error.message, error.hint or ""]
            reply = None
        else:
            texts = shown_texts(reply)
        self.replies += 1
        dirty = [text for text in texts if control_characters(text)]
        if dirty:
            self.dirty.append((origin, dirty[0]))
        return reply

    async def press_all(self, actor: Actor, reply: Reply | None, depth: int) -> None:
        """Press every button not pressed yet, and answer an open prompt, ``depth`` levels down."""
        if reply is None or depth == 0 or len(self.seen_actions) > MAX_PRESSES:
            return
        if reply.prompt and reply.prompt.action not in self.seen_actions:
            self.seen_actions.add(reply.prompt.action)
            await self.see(f"submit {reply.prompt.action}",
                           self.service.submit(actor, reply.prompt.action, "Northern Territories 1956"))
        for button in reply.buttons:
            if button.disabled or button.action in self.seen_actions:
                continue
            self.seen_actions.add(button.action)
            pressed = await self.see(f"press {button.label}", self.service.press(actor, button.action))
            await self.press_all(actor, pressed, depth - 1)

    async def command(self, actor: Actor, name: str, depth: int = 3, **options: object) -> None:
        """Run a catalogue command and walk its buttons."""
        self.commands.add(name)
        reply = await self.see(f"/{name} {options}", self.service.execute(actor, name, options))
        await self.press_all(actor, reply, depth)


async def walk_everything(service: StudyService, content: Path) -> Walk:
    """Every command of the catalogue over the whole content, buttons pressed a few levels deep."""
    walk = Walk(service)
    snapshot = service.content
    for card_type in CARD_TYPES:
        for topic in snapshot.topics:
            # a quiz is a chain of answer -> Next -> answer: deep enough to reach every card
            await walk.command(TEACHER, "quiz", depth=60, topic=topic, type=card_type, count=25)
    await walk.command(LEARNER, "review", depth=60, count=25)
    for term in snapshot.glossary.terms.values():
        await walk.command(LEARNER, "define", term=term.term)
    await walk.command(LEARNER, "define", term="Gorbachov")
    for query in QUERIES:
        await walk.command(LEARNER, "excerpt", query=query)
        for source in snapshot.sources:
            await walk.command(LEARNER, "excerpt", query=query, source=source)
    for period in PERIODS:
        await walk.command(LEARNER, "leaderboard", period=period)
    await walk.command(LEARNER, "progress")
    await walk.command(TEACHER, "progress", member=Member("901", "Ann"))
    for name in ("topics", "sources", "help", "instructor reload", "instructor check"):
        await walk.command(TEACHER, name)
    await walk.command(TEACHER, "instructor stats")
    for topic in snapshot.topics:
        await walk.command(TEACHER, "instructor stats", topic=topic)
    await walk.command(TEACHER, "instructor export", format="csv", attempts=True)
    await walk.command(TEACHER, "instructor export", format="gift")
    await walk.command(LEARNER, "export", format="anki")
    await walk.command(LEARNER, "remind on", time="7pm", timezone="Europe/Berlin")
    await walk.command(LEARNER, "remind status")
    await walk.command(LEARNER, "remind off")
    in_channel = Actor("guild:1", "900", "Prof", is_instructor=True, channel="77")
    await walk.command(in_channel, "class start", count=2, seconds=10)
    await walk.command(Actor("guild:1", "901", "Ann", channel="77"), "class scores")
    await walk.command(in_channel, "class stop")
    deck = sorted((content / "cards").glob("*.yaml"))[0]
    await walk.command(TEACHER, "instructor upload", file=Upload(deck.name, deck.read_bytes()))
    await walk.command(TEACHER, "instructor reset", member=Member("901", "Ann"))
    return walk


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    folder = tmp_path_factory.mktemp("clean-replies")
    content = folder / "content"
    shutil.copytree(SHIPPED_CONTENT, content)

    async def run() -> Walk:
        service = await StudyService.open(db_path=folder / "clean.sqlite3", content_dir=content,
                                          migrations_dir=MIGRATIONS_DIR)
        try:
            return await walk_everything(service, content)
        finally:
            await service.close()

    yield asyncio.run(run())


def test_the_walk_reaches_every_command_and_many_replies(walked: Walk) -> None:
    assert walked.commands == set(COMMANDS), "a new command needs a place in walk_everything"
    assert walked.replies > 500 and len(walked.seen_actions) > 300


def test_no_reply_carries_a_control_character(walked: Walk) -> None:
    assert not walked.dirty, f"{len(walked.dirty)} replies, first: {walked.dirty[0]!r}"


def test_control_characters_are_found() -> None:
    assert control_characters("a\x07b\tc\r\n") == {"\x07", "\t", "\r"}
    assert not control_characters("line one\nline two — “quoted” 1956")
