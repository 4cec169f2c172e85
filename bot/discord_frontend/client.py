"""The Discord bot: settings, the study service, the cogs, the buttons and command sync, wired together."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import aiohttp
import discord
from discord.ext import commands

from bot.core.clock import Clock, system_clock
from bot.core.errors import StudyError
from bot.core.heap import settle_after_start
from bot.core.service.study_service import Actor, StudyService
from bot.discord_frontend.action_button import ActionButton
from bot.discord_frontend.actors import actor_for
from bot.discord_frontend.command_tree import StudyTree
from bot.discord_frontend.components import answer_press, on_foreign_component, on_prompt_submit
from bot.discord_frontend.publishing import DiscordPublisher
from bot.discord_frontend.reminders import ReminderSender
from bot.settings import Settings

log = logging.getLogger(__name__)

COMMAND_SYNC_JOB = "studybot:command-sync"
"""The job one process holds while it checks and syncs the slash commands."""

EXTENSIONS = (
    "bot.discord_frontend.cogs.study",
    "bot.discord_frontend.cogs.instructor",
    "bot.discord_frontend.cogs.reminders",
    "bot.discord_frontend.cogs.class_game",
)


class StudyBot(commands.Bot):
    """The study bot: app commands only, no privileged intents, never pings anyone.

    Nothing touches the network or the database until :meth:`login`; :meth:`setup_hook`
    (run by ``login``) opens the service, loads the cogs, registers the buttons and syncs the
    commands if their schema changed since the last sync.
    """

    def __init__(
        self, settings: Settings, *, sync_on_start: bool = True, clock: Clock = system_clock, **options: Any
    ) -> None:
        # The bot never joins voice, so discord.py's "voice will NOT be supported" warnings are noise.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            tree_cls=StudyTree,
            allowed_mentions=discord.AllowedMentions.none(),
            # Installed to servers only (no user installs: a course belongs to a server); usable
            # in servers and in a DM with the bot. Instructor and class commands narrow this.
            allowed_installs=discord.app_commands.AppInstallationType(guild=True, user=False),
            allowed_contexts=discord.app_commands.AppCommandContext(guild=True, dm_channel=True,
                                                                   private_channel=False),
            **options,
        )
        self.settings = settings
        self._service: StudyService | None = None
        self._sync_on_start = sync_on_start
        self._clock = clock
        self.reminder_sender: ReminderSender | None = None
        """Sends the reminder DMs (created with the service, at login)."""
        self.publisher = DiscordPublisher(self)
        """Posts and edits the public class-game messages (see :mod:`publishing`)."""

    @property
    def service(self) -> StudyService:
        """The study service (open from :meth:`setup_hook` until :meth:`close`)."""
        if self._service is None:
            raise RuntimeError("the study service is opened by setup_hook, at login")
        return self._service

    def actor(self, interaction: discord.Interaction[Any]) -> Actor:
        """Who is acting in ``interaction``, instructor and course-editing rights included."""
        return actor_for(interaction, self.settings.instructor_role,
                         self.settings.course_guilds([guild.id for guild in self.guilds]), self.owner_ids_known)

    @property
    def owner_ids_known(self) -> frozenset[int]:
        """The application's owner (or its team's members), as Discord said at login."""
        application = self.application
        if application is None:
            return frozenset()
        if application.team is not None:
            return frozenset(member.id for member in application.team.members)
        return frozenset({application.owner.id})

    async def answer_press(self, interaction: discord.Interaction[Any], action_id: str) -> None:
        """Answer a press of one of the bot's buttons (the :class:`ActionButton` callback)."""
        await answer_press(interaction, action_id)

    async def setup_hook(self) -> None:
        """Open the service, load cogs, register buttons and prompts, start the timer, sync if changed.

        The class-game timer is re-armed from the deadlines stored in the database, so a game
        resumes after a restart and a deadline that passed meanwhile is handled at once.
        """
        settings = self.settings
        self._service = await StudyService.open(
            db_path=settings.database, content_dir=settings.content_dir, migrations_dir=settings.migrations_dir,
            clock=self._clock, meaning=settings.meaning_model(),
        )
        self.reminder_sender = ReminderSender(self, self._service.reminders, self._clock)
        self.reminder_sender.start()
        self._service.class_game.publisher = self.publisher
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_dynamic_items(ActionButton)
        self.add_listener(on_prompt_submit, "on_interaction")
        self.add_listener(on_foreign_component, "on_interaction")
        self._service.class_timer.start()
        if self._sync_on_start:
            await self.sync_if_changed()
        settle_after_start()

    async def close(self) -> None:
        """Disconnect from Discord, then close the database."""
        try:
            if self.reminder_sender is not None:
                await self.reminder_sender.stop()
            await super().close()
        finally:
            await self.publisher.close()
            service, self._service = self._service, None
            if service is not None:
                await service.close()

    # Command sync

    def command_schema_digest(self, guild_id: int | None) -> str:
        """A hash of the command schema as Discord would receive it, and of where it goes."""
        schema = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        text = json.dumps({"guild": guild_id, "commands": schema}, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    async def sync_if_changed(self) -> bool:
        """Sync to the dev guild (if set) or globally, only when the schema changed since the last sync.

        Several processes (shards) on one PostgreSQL start together; only the one holding the
        sync lock checks and syncs, and the others leave it to that one. A failed sync is
        logged and retried at the next start; the bot keeps running.
        """
        async with self.service.exclusive(COMMAND_SYNC_JOB) as mine:
            if not mine:
                log.info("Another bot process is syncing the slash commands")
                return False
            return await self._sync_if_changed()

    async def _sync_if_changed(self) -> bool:
        """Compare the schema with the last one synced and sync if it changed (the caller holds the lock)."""
        guild_id = self.settings.dev_guild_id
        if not await self.service.command_schema_changed(self.command_schema_digest(guild_id)):
            log.info("Slash commands unchanged since the last sync")
            return False
        try:
            names = await self.sync_commands_now(guild_id)
        except discord.HTTPException:
            log.exception("Syncing slash commands failed; will try again at the next start")
            return False
        log.info("Synced %d slash commands %s", len(names), f"to guild {guild_id}" if guild_id else "globally")
        return True

    async def sync_commands_now(self, guild_id: int | None) -> list[str]:
        """Sync globally, or to one guild (global commands copied there); remember the schema."""
        digest = self.command_schema_digest(guild_id)
        guild = discord.Object(id=guild_id) if guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        synced = await self.tree.sync(guild=guild)
        await self.service.remember_command_schema(digest)
        return [command.name for command in synced]


class ShardedStudyBot(StudyBot, commands.AutoShardedBot):
    """The study bot running several Discord shards in one process (``studybot run --shard-count``).

    Every shard shares this process's service; other processes run the other shards on the
    same PostgreSQL. Buttons carry their state in their ids, so any shard answers any click.
    """


def create_bot(settings: Settings | None = None) -> commands.Bot:
    """Build the bot (DESIGN.md §6, a contract); ``None`` reads settings from the environment.

    With ``settings.shard_count`` it is an :class:`AutoShardedBot` running ``shard_ids`` (or
    all shards). No network or database I/O happens here; it all starts at ``login``/``start``.
    """
    settings = settings if settings is not None else Settings.from_env()
    if settings.shard_count is None:
        return StudyBot(settings)
    shard_ids = list(settings.shard_ids) if settings.shard_ids is not None else None
    return ShardedStudyBot(settings, shard_count=settings.shard_count, shard_ids=shard_ids)


def run_bot(settings: Settings) -> None:
    """Log at the configured level and run the bot until it is stopped (``studybot run``).

    Failing to reach Discord or a refused token raise a :class:`StudyError` saying so in one
    line, instead of the network library's chained traceback.
    """
    token = _token(settings)
    discord.utils.setup_logging(level=logging.getLevelNamesMapping()[settings.log_level])
    try:
        create_bot(settings).run(token, log_handler=None)
    except (aiohttp.ClientConnectionError, discord.GatewayNotFound, TimeoutError) as error:
        raise StudyError(f"cannot reach Discord: {error or type(error).__name__}",
                         hint="check the network connection, then run again") from None
    except discord.LoginFailure as error:
        raise StudyError(f"Discord refused the token: {error}",
                         hint="copy the bot token again from the developer portal into .env") from None


async def sync_commands(settings: Settings, guild_id: int | None = None) -> list[str]:
    """Log in, sync the slash commands globally or to ``guild_id`` and return their names (``studybot sync``)."""
    token = _token(settings)
    bot = StudyBot(settings, sync_on_start=False)
    async with bot:
        await bot.login(token)
        return await bot.sync_commands_now(guild_id)


def _token(settings: Settings) -> str:
    if not settings.discord_token:
        raise StudyError("DISCORD_TOKEN is not set.", hint="put the bot's token in the environment or in .env")
    return settings.discord_token
