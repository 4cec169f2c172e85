"""/remind on|off|status: opt-in review reminders by direct message (sent by :mod:`..reminders`)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.command_catalog import GROUPS, TERM_MAX_LENGTH, TIME_MAX_LENGTH
from bot.discord_frontend.catalogue import catalogue_options, completions, description
from bot.discord_frontend.client import StudyBot
from bot.discord_frontend.replying import send_reply


class RemindCog(commands.Cog, name="Reminders"):
    """The /remind commands; usable in a server and in a DM with the bot, always private."""

    remind = app_commands.Group(name="remind", description=GROUPS["remind"])

    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    @remind.command(name="on", description=description("remind on"))
    @catalogue_options("remind on")
    async def on(self, interaction: discord.Interaction[StudyBot],
                 time: app_commands.Range[str, None, TIME_MAX_LENGTH] | None = None,
                 timezone: app_commands.Range[str, None, TERM_MAX_LENGTH] | None = None) -> None:
        """Opt in, or change the time or zone."""
        reply = await self.bot.service.reminders.turn_on(self.bot.actor(interaction), time, timezone)
        await send_reply(interaction, reply)

    @on.autocomplete("timezone")
    async def _zones(self, interaction: discord.Interaction[StudyBot], current: str) -> list[app_commands.Choice[str]]:
        return completions(self.bot.service.reminders.complete_timezone(current))

    @remind.command(name="off", description=description("remind off"))
    async def off(self, interaction: discord.Interaction[StudyBot]) -> None:
        """Opt out."""
        await send_reply(interaction, await self.bot.service.reminders.turn_off(self.bot.actor(interaction)))

    @remind.command(name="status", description=description("remind status"))
    async def status(self, interaction: discord.Interaction[StudyBot]) -> None:
        """Show the reminder settings."""
        await send_reply(interaction, await self.bot.service.reminders.status(self.bot.actor(interaction)))


async def setup(bot: StudyBot) -> None:
    """Extension entry point."""
    await bot.add_cog(RemindCog(bot))
