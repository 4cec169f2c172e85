"""The /class group: an instructor runs a live quiz in a channel; anyone there can play.

``start`` and ``stop`` need instructor rights, checked in code before anything else (the
service checks again); ``scores`` is for everyone, privately. The game's public messages are
posted and edited by :class:`~bot.discord_frontend.publishing.DiscordPublisher`, so each
command answers its caller privately.
"""

from __future__ import annotations

import dataclasses

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.command_catalog import (
    DEFAULT_CLASS_QUESTIONS,
    DEFAULT_CLASS_SECONDS,
    GROUPS,
    MAX_CLASS_QUESTIONS,
    MAX_CLASS_SECONDS,
    MIN_CLASS_SECONDS,
    TERM_MAX_LENGTH,
    Completion,
)
from bot.core.service.context import Actor, require_instructor
from bot.discord_frontend.catalogue import catalogue_options, completions, description
from bot.discord_frontend.client import StudyBot
from bot.discord_frontend.replying import send_reply


class ClassGameCog(commands.Cog, name="Class game"):
    """``/class start``, ``/class stop`` and ``/class scores``."""

    class_game = app_commands.Group(
        name="class",
        description=GROUPS["class"],
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False),
    )

    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    @class_game.command(name="start", description=description("class start"))
    @catalogue_options("class start", card_type="type")
    async def start(
        self,
        interaction: discord.Interaction[StudyBot],
        topic: app_commands.Range[str, None, TERM_MAX_LENGTH] | None = None,
        count: app_commands.Range[int, 1, MAX_CLASS_QUESTIONS] = DEFAULT_CLASS_QUESTIONS,
        seconds: app_commands.Range[int, MIN_CLASS_SECONDS, MAX_CLASS_SECONDS] = DEFAULT_CLASS_SECONDS,
        card_type: str | None = None,
        auto: bool = False,
    ) -> None:
        """Start a game in this channel."""
        actor = self._actor(interaction)
        require_instructor(actor, "start a class game")
        await interaction.response.defer(ephemeral=True, thinking=True)
        reply = await self.bot.service.class_game.start(actor, topic=topic, count=count, seconds=seconds,
                                                        card_type=card_type, auto=auto)
        await send_reply(interaction, reply)

    @start.autocomplete("topic")
    async def _start_topics(self, interaction: discord.Interaction[StudyBot],
                            current: str) -> list[app_commands.Choice[str]]:
        return completions(self.bot.service.complete(Completion.TOPIC, current))

    @class_game.command(name="stop", description=description("class stop"))
    async def stop(self, interaction: discord.Interaction[StudyBot]) -> None:
        """End this channel's game."""
        actor = self._actor(interaction)
        require_instructor(actor, "stop a class game")
        await interaction.response.defer(ephemeral=True, thinking=True)
        await send_reply(interaction, await self.bot.service.class_game.stop(actor))

    @class_game.command(name="scores", description=description("class scores"))
    async def scores(self, interaction: discord.Interaction[StudyBot]) -> None:
        """Show this channel's standings privately."""
        await send_reply(interaction, await self.bot.service.class_game.scores(self._actor(interaction)))

    def _actor(self, interaction: discord.Interaction[StudyBot]) -> Actor:
        """Who is acting, and in which channel (a game belongs to the channel it was started in)."""
        return dataclasses.replace(self.bot.actor(interaction), channel=str(interaction.channel_id))


async def setup(bot: StudyBot) -> None:
    """Extension entry point."""
    await bot.add_cog(ClassGameCog(bot))
