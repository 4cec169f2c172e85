"""Instructor tools: the /instructor group (reload, check, stats, export, upload, reset).

Rights are checked in code for every command of the group (:meth:`InstructorCog.interaction_check`),
before cooldowns, deferring or downloading; ``default_permissions`` only hides the group
from members without Manage Server in Discord's menu, and server admins can change that.
The service checks again, so buttons such as "Erase" are protected the same way.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.command_catalog import GROUPS, TERM_MAX_LENGTH, Completion
from bot.core.content.instructor_files import check_upload_size
from bot.core.errors import StudyError
from bot.core.service.study_service import Upload
from bot.discord_frontend.actors import member_for
from bot.discord_frontend.catalogue import catalogue_options, completions, description
from bot.discord_frontend.client import StudyBot
from bot.discord_frontend.command_tree import NotInstructor
from bot.discord_frontend.replying import send_reply

RELOAD_COOLDOWN = (2, 30.0)
EXPORT_COOLDOWN = (2, 60.0)
UPLOAD_COOLDOWN = (3, 60.0)


class InstructorCog(commands.Cog, name="Instructor"):
    """The /instructor commands; all replies are private."""

    instructor = app_commands.Group(
        name="instructor",
        description=GROUPS["instructor"],
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False),
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction[StudyBot], /) -> bool:  # type: ignore[override]
        """Refuse anyone without instructor rights, before anything else happens."""
        if not self.bot.actor(interaction).is_instructor:
            raise NotInstructor()
        return True

    @instructor.command(name="reload", description=description("instructor reload"))
    @app_commands.checks.cooldown(*RELOAD_COOLDOWN)
    async def reload(self, interaction: discord.Interaction[StudyBot]) -> None:
        """Reload the content."""
        await _thinking(interaction)
        await send_reply(interaction, await self.bot.service.reload(self.bot.actor(interaction)))

    @instructor.command(name="check", description=description("instructor check"))
    async def check(self, interaction: discord.Interaction[StudyBot]) -> None:
        """Validate the content."""
        await _thinking(interaction)
        await send_reply(interaction, await self.bot.service.check(self.bot.actor(interaction)))

    @instructor.command(name="stats", description=description("instructor stats"))
    @catalogue_options("instructor stats")
    async def stats(self, interaction: discord.Interaction[StudyBot],
                    topic: app_commands.Range[str, None, TERM_MAX_LENGTH] | None = None) -> None:
        """Show item analysis."""
        await _thinking(interaction)
        await send_reply(interaction, await self.bot.service.stats(self.bot.actor(interaction), topic))

    @stats.autocomplete("topic")
    async def _stats_topics(self, interaction: discord.Interaction[StudyBot],
                            current: str) -> list[app_commands.Choice[str]]:
        return completions(self.bot.service.complete(Completion.TOPIC, current))

    @instructor.command(name="export", description=description("instructor export"))
    @catalogue_options("instructor export")
    @app_commands.checks.cooldown(*EXPORT_COOLDOWN)
    async def export(self, interaction: discord.Interaction[StudyBot], format: str,
                     topic: app_commands.Range[str, None, TERM_MAX_LENGTH] | None = None,
                     attempts: bool = False) -> None:
        """Export progress as CSV, or the cards as Moodle GIFT."""
        await _thinking(interaction)
        reply = await self.bot.service.export(self.bot.actor(interaction), format, topic, attempts)
        await send_reply(interaction, reply)

    @export.autocomplete("topic")
    async def _export_topics(self, interaction: discord.Interaction[StudyBot],
                             current: str) -> list[app_commands.Choice[str]]:
        return completions(self.bot.service.complete(Completion.TOPIC, current))

    @instructor.command(name="upload", description=description("instructor upload"))
    @catalogue_options("instructor upload")
    @app_commands.checks.cooldown(*UPLOAD_COOLDOWN)
    async def upload(self, interaction: discord.Interaction[StudyBot], file: discord.Attachment) -> None:
        """Upload a deck."""
        check_upload_size(file.size)  # refuse before downloading anything
        await _thinking(interaction)
        try:
            data = await file.read()
        except discord.HTTPException as error:  # expired link, a Discord outage: say so, not "went wrong"
            raise StudyError(f"Discord did not hand over the file (HTTP {error.status}).",
                             hint="attach it again; if it keeps failing, try again in a few minutes") from error
        reply = await self.bot.service.upload(self.bot.actor(interaction), Upload(file.filename, data))
        await send_reply(interaction, reply)

    @instructor.command(name="reset", description=description("instructor reset"))
    @catalogue_options("instructor reset")
    async def reset(self, interaction: discord.Interaction[StudyBot], member: discord.Member | discord.User) -> None:
        """Ask to erase a learner's progress."""
        await send_reply(interaction, await self.bot.service.reset(self.bot.actor(interaction), member_for(member)))


async def _thinking(interaction: discord.Interaction[StudyBot]) -> None:
    """Acknowledge within Discord's 3 seconds; the reply follows as a private followup."""
    await interaction.response.defer(ephemeral=True, thinking=True)


async def setup(bot: StudyBot) -> None:
    """Extension entry point."""
    await bot.add_cog(InstructorCog(bot))
