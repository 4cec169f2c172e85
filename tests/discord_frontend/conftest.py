"""Fixtures: the fake Discord on loopback, settings on a temp DB and content copy, started bots."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import discord
import pytest

from bot.core.clock import Clock
from bot.discord_frontend import StudyBot, create_bot
from bot.settings import MIGRATIONS_DIR, Settings
from tests.discord_frontend.fake_discord import GUILD_ID, TA_ROLE, FakeDiscord

StartBot = Callable[..., Awaitable[StudyBot]]


class LoggedErrors(logging.Handler):
    """ERROR records from discord.py and the bot; a test fails on any it did not expect."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        """Return and forget the records so far (for tests that provoke an error on purpose)."""
        taken, self.records = self.records, []
        return taken


@pytest.fixture(autouse=True)
def logged_errors() -> Iterator[LoggedErrors]:
    handler = LoggedErrors()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
    messages = [f"{r.name}: {r.getMessage()}" for r in handler.records]
    assert not messages, f"unexpected errors were logged: {messages}"


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    monkeypatch.setattr(discord.http.Route, "BASE", await server.start())
    yield server
    await server.close()


@pytest.fixture
def settings(tmp_path: Path, content_dir: Path) -> Settings:
    return Settings(discord_token="x", db_path=tmp_path / "studybot.sqlite3", content_dir=content_dir,
                    migrations_dir=MIGRATIONS_DIR, instructor_role=str(TA_ROLE), course_guild_ids=(GUILD_ID,))


@pytest.fixture
async def start_bot(fake: FakeDiscord, settings: Settings) -> AsyncIterator[StartBot]:
    """Create and log in a bot (settings may be overridden); every bot is closed afterwards."""
    started: list[StudyBot] = []

    async def start(custom: Settings | None = None, *, clock: Clock | None = None) -> StudyBot:
        bot = create_bot(custom or settings) if clock is None else StudyBot(custom or settings, clock=clock)
        assert isinstance(bot, StudyBot)
        started.append(bot)
        await bot.login("x")
        return bot

    yield start
    for bot in started:
        if not bot.is_closed():
            await bot.close()


@pytest.fixture
async def bot(start_bot: StartBot) -> StudyBot:
    return await start_bot()
