"""The Discord token never reaches a log or the terminal, even at DEBUG level.

Runs start-up (settings from the environment, login, setup hook), a command that fails with
an unexpected error, one that fails with a user error, and shutdown, against the loopback fake
of Discord, capturing every log record and everything printed.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest

from bot.discord_frontend import create_bot
from bot.settings import Settings
from tests.discord_frontend.fake_discord import STUDENT, FakeDiscord

TOKEN = "MTEx.Gsecret.tOkEn-that-must-never-be-logged_0123456789"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Every record from every logger at DEBUG, formatted with its arguments."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


async def test_token_stays_out_of_logs_and_output(
    tmp_path: Path, content_dir: Path, debug_log: io.StringIO, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings.from_env({
        "DISCORD_TOKEN": TOKEN, "STUDYBOT_LOG_LEVEL": "DEBUG", "STUDYBOT_DB": str(tmp_path / "s.sqlite3"),
        "STUDYBOT_CONTENT": str(content_dir),
    })
    logging.getLogger("test").debug("settings: %r / %s", settings, settings)
    fake = FakeDiscord()
    monkeypatch.setattr(discord.http.Route, "BASE", await fake.start())
    try:
        bot = create_bot(settings)
        await bot.login(TOKEN)

        async def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError(f"exploded while holding {settings!r}")

        monkeypatch.setattr(bot.service, "topics", broken)  # type: ignore[attr-defined]
        failed = await fake.interact(bot, fake.command(STUDENT, "topics"))
        assert "error code" in failed.text
        refused = await fake.interact(bot, fake.command(STUDENT, "quiz", {"topic": "nowhere"}))
        assert "There is no topic" in refused.text
        await bot.close()
    finally:
        await fake.close()

    logged = debug_log.getvalue()
    printed = capsys.readouterr()
    assert "DEBUG discord.http" in logged and "ERROR" in logged  # the capture really saw the run
    assert fake.requests_to("GET", "/users/@me")  # it logged in with the token
    for text in (logged, printed.out, printed.err):
        assert TOKEN not in text
        assert TOKEN.split(".")[-1] not in text
