"""create_bot, run_bot and sync_commands: no I/O before login, service lifecycle, sync only on change."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.core.errors import StudyError
from bot.core.problems import ContentError
from bot.core.progress.postgres import PostgresDatabase
from bot.discord_frontend import StudyBot, create_bot, run_bot, sync_commands
from bot.discord_frontend.client import COMMAND_SYNC_JOB
from bot.discord_frontend.command_tree import StudyTree
from bot.settings import Settings
from tests.discord_frontend.conftest import LoggedErrors, StartBot
from tests.discord_frontend.fake_discord import APP_ID, GUILD_ID, STUDENT, FakeDiscord

GLOBAL_COMMANDS = f"/applications/{APP_ID}/commands"
GUILD_COMMANDS = f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"


async def test_create_bot_does_no_io_until_login(fake: FakeDiscord, settings: Settings) -> None:
    bot = create_bot(settings)
    try:
        assert fake.requests == []
        assert not settings.db_path.exists()

        await bot.login("x")

        assert [(r.method, r.path) for r in fake.requests[:2]] == [
            ("GET", "/api/v10/users/@me"), ("GET", "/api/v10/oauth2/applications/@me")]
        assert settings.db_path.exists()
    finally:
        await bot.close()


def test_create_bot_without_settings_reads_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STUDYBOT_DB", str(tmp_path / "env.sqlite3"))
    monkeypatch.setenv("STUDYBOT_INSTRUCTOR_ROLE", "Teachers")

    bot = create_bot()

    assert isinstance(bot, StudyBot)
    assert bot.settings.db_path == tmp_path / "env.sqlite3"
    assert bot.settings.instructor_role == "Teachers"


def test_the_bot_asks_for_no_privileged_intents_and_never_pings(settings: Settings) -> None:
    bot = create_bot(settings)

    assert bot.intents == discord.Intents(guilds=True)
    assert bot.allowed_mentions is not None and bot.allowed_mentions.to_dict() == {"parse": []}
    assert isinstance(bot.tree, StudyTree)


async def test_the_first_start_syncs_and_an_unchanged_schema_is_not_synced_again(
        fake: FakeDiscord, start_bot: StartBot) -> None:
    first = await start_bot()
    [put] = fake.requests_to("PUT", "/commands")
    assert put.path.endswith(GLOBAL_COMMANDS)
    assert put.json == [command.to_dict(first.tree) for command in first.tree.get_commands()]
    await first.close()

    await start_bot()

    assert len(fake.requests_to("PUT", "/commands")) == 1


async def test_a_dev_guild_gets_the_commands_instantly(fake: FakeDiscord, start_bot: StartBot,
                                                      settings: Settings) -> None:
    bot = await start_bot(dataclasses.replace(settings, dev_guild_id=GUILD_ID))

    [put] = fake.requests_to("PUT", "/commands")
    assert put.path.endswith(GUILD_COMMANDS)
    assert {c["name"] for c in put.json} == {c.name for c in bot.tree.get_commands()}


async def test_a_failed_sync_is_logged_the_bot_runs_and_the_next_start_retries(
        fake: FakeDiscord, start_bot: StartBot, logged_errors: LoggedErrors) -> None:
    fake.fail("PUT", "/commands")
    bot = await start_bot()

    [record] = logged_errors.take()
    assert "Syncing slash commands failed" in record.getMessage()
    topics = await fake.interact(bot, fake.command(STUDENT, "topics"))
    assert topics.callback.json["type"] == 4
    await bot.close()

    fake.recover()
    await start_bot()
    assert len(fake.requests_to("PUT", "/commands")) == 2


async def test_sync_commands_syncs_on_demand_and_remembers_the_schema(
        fake: FakeDiscord, start_bot: StartBot, settings: Settings) -> None:
    names = await sync_commands(settings, GUILD_ID)

    assert set(names) == {"quiz", "review", "define", "excerpt", "progress", "leaderboard", "export", "topics",
                          "sources", "help", "instructor", "remind", "class"}
    [put] = fake.requests_to("PUT", "/commands")
    assert put.path.endswith(GUILD_COMMANDS)

    await start_bot(dataclasses.replace(settings, dev_guild_id=GUILD_ID))
    assert len(fake.requests_to("PUT", "/commands")) == 1


async def test_sync_commands_needs_a_token(settings: Settings) -> None:
    with pytest.raises(StudyError, match="DISCORD_TOKEN"):
        await sync_commands(dataclasses.replace(settings, discord_token=None), None)


def test_run_bot_needs_a_token(settings: Settings) -> None:
    with pytest.raises(StudyError, match="DISCORD_TOKEN"):
        run_bot(dataclasses.replace(settings, discord_token=None))


def test_run_bot_sets_up_logging_and_runs_with_the_token(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    calls: list[tuple[str, Any]] = []
    monkeypatch.setattr(discord.utils, "setup_logging", lambda **kwargs: calls.append(("logging", kwargs)))
    monkeypatch.setattr(StudyBot, "run", lambda self, token, **kwargs: calls.append(("run", (token, kwargs))))

    run_bot(dataclasses.replace(settings, discord_token="secret", log_level="DEBUG"))

    assert calls == [("logging", {"level": 10}), ("run", ("secret", {"log_handler": None}))]


async def test_broken_content_refuses_to_start(fake: FakeDiscord, start_bot: StartBot, settings: Settings) -> None:
    (settings.content_dir / "cards" / "broken.yaml").write_text("topic: nowhere\ncards: [1]\n", encoding="utf-8")

    with pytest.raises(ContentError):
        await start_bot()


async def test_close_closes_the_service(start_bot: StartBot) -> None:
    bot = await start_bot()

    await bot.close()

    with pytest.raises(RuntimeError, match="setup_hook"):
        _ = bot.service


def test_creating_the_bot_logs_no_voice_warnings(monkeypatch: pytest.MonkeyPatch, settings: Settings,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)  # as in a fresh process
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)

    create_bot(settings)

    assert not [r.getMessage() for r in caplog.records if "voice" in r.getMessage()]


async def test_a_damaged_database_refuses_to_start_with_a_restore_hint(start_bot: StartBot, settings: Settings) -> None:
    bot = await start_bot()
    await bot.close()
    with settings.db_path.open("r+b") as file:  # overwrite pages past the header, as a bad disk would
        file.seek(4096)
        file.write(b"\xa5" * 4096 * 3)

    with pytest.raises(StudyError, match="is damaged") as caught:
        await start_bot()
    assert "restore the latest backup" in str(caught.value)
async def test_shard_options_make_an_auto_sharded_bot_that_answers(
        fake: FakeDiscord, start_bot: StartBot, settings: Settings) -> None:
    bot = await start_bot(dataclasses.replace(settings, shard_count=4, shard_ids=(0, 1)))

    assert isinstance(bot, discord.AutoShardedClient)
    assert (bot.shard_count, bot.shard_ids) == (4, [0, 1])
    topics = await fake.interact(bot, fake.command(STUDENT, "topics"))
    assert topics.callback.json["type"] == 4


async def test_only_the_process_holding_the_sync_lock_syncs(
        postgres_url: str, fake: FakeDiscord, start_bot: StartBot, settings: Settings,
        caplog: pytest.LogCaptureFixture) -> None:  # the schema first, so it outlives the bots
    caplog.set_level(logging.INFO, logger="bot.discord_frontend.client")
    shared = dataclasses.replace(settings, db_url=postgres_url)
    holder = await PostgresDatabase.open(postgres_url)
    try:
        async with holder.exclusive(COMMAND_SYNC_JOB) as held:  # another process is syncing right now
            assert held
            await start_bot(shared)
        assert fake.requests_to("PUT", "/commands") == []
        assert "Another bot process is syncing" in caplog.text
    finally:
        await holder.close()

    await asyncio.gather(start_bot(shared), start_bot(shared))  # two shards' processes starting together

    assert len(fake.requests_to("PUT", "/commands")) == 1
