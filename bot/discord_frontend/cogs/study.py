"""What students use: /quiz, /review, /define, /excerpt, /progress, /leaderboard, /topics, /sources, /help."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.command_catalog import DEFAULT_QUIZ_LENGTH, MAX_QUIZ_LENGTH, QUERY_MAX_LENGTH, TERM_MAX_LENGTH, Completion
from bot.discord_frontend.actors import member_for
from bot.discord_frontend.catalogue import catalogue_options, completions, description
from bot.discord_frontend.client import StudyBot
from bot.discord_frontend.deadline import reply_in_time
from bot.discord_frontend.replying import send_reply

QUIZ_COOLDOWN = (3, 30.0)
"""At most this many quiz starts per user in this many seconds."""
EXCERPT_COOLDOWN = (5, 30.0)
EXPORT_COOLDOWN = (2, 60.0)
"""At most this many searches per user in this many seconds."""


class StudyCog(commands.Cog, name="Study"):
    """Commands for learners; every reply is private unless the learner chose to share it."""

    def __init__(self, bot: StudyBot) -> None:
        self.bot = bot

    @app_commands.command(name="quiz", description=description("quiz"))
    @catalogue_options("quiz", card_type="type")
    @app_commands.checks.cooldown(*QUIZ_COOLDOWN)
    async def quiz(
        self,
        interaction: discord.Interaction[StudyBot],
        topic: app_commands.Range[str, None, TERM_MAX_LENGTH] | None = None,
        count: app_commands.Range[int, 1, MAX_QUIZ_LENGTH] = DEFAULT_QUIZ_LENGTH,
        card_type: str | None = None,
        share: bool = False,
    ) -> None:
        """Start a quiz round."""
        await reply_in_time(interaction, self.bot.service.start_quiz(
            self.bot.actor(interaction), topic=topic, count=count, card_type=card_type, share=share))

    @quiz.autocomplete("topic")
    async def _quiz_topics(self, interaction: discord.Interaction[StudyBot],
                           current: str) -> list[app_commands.Choice[str]]:
        return completions(self.bot.service.complete(Completion.TOPIC, current))

    @app_commands.command(name="review", description=description("review"))
    @catalogue_options("review")
    async def review(self, interaction: discord.Interaction[StudyBot],
                     count: app_commands.Range[int, 1, MAX_QUIZ_LENGTH] = DEFAULT_QUIZ_LENGTH) -> None:
        """Review due cards."""
        await reply_in_time(interaction, self.bot.service.review(self.bot.actor(interaction), count))

    @app_commands.command(name="define", description=description("define"))
    @catalogue_options("define")
    async def define(self, interaction: discord.Interaction[StudyBot],
                     term: app_commands.Range[str, None, TERM_MAX_LENGTH]) -> None:
        """Look up a glossary term."""
        await reply_in_time(interaction, self.bot.service.define(self.bot.actor(interaction), term))

    @define.autocomplete("term")
    async def _define_terms(self, interaction: discord.Interaction[StudyBot],
                            current: str) -> list[app_commands.Choice[str]]:
        return completions(self.bot.service.complete(Completion.TERM, current))

    @app_commands.command(name="excerpt", description=description("excerpt"))
    @catalogue_options("excerpt")
    @app_commands.checks.cooldown(*EXCERPT_COOLDOWN)
    async def excerpt(self, interaction: discord.Interaction[StudyBot],
                      query: app_commands.Range[str, None, QUERY_MAX_LENGTH],
                      source: app_commands.Range[str, None, TERM_MAX_LENGTH] | None = None) -> None:
        """Search the course texts."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        await send_reply(interaction, await self.bot.service.excerpt(self.bot.actor(interaction), query, source))

    @excerpt.autocomplete("source")
    async def _excerpt_sources(self, interaction: discord.Interaction[StudyBot],
                               current: str) -> list[app_commands.Choice[str]]:
        return completions(self.bot.service.complete(Completion.SOURCE, current))

    @app_commands.command(name="progress", description=description("progress"))
    @catalogue_options("progress")
    async def progress(self, interaction: discord.Interaction[StudyBot],
                       member: discord.Member | discord.User | None = None) -> None:
        """Show progress by topic."""
        named = member_for(member) if member is not None else None
        await reply_in_time(interaction, self.bot.service.progress(self.bot.actor(interaction), named))

    @app_commands.command(name="leaderboard", description=description("leaderboard"))
    @catalogue_options("leaderboard")
    async def leaderboard(self, interaction: discord.Interaction[StudyBot], period: str = "week") -> None:
        """Rank this server's learners."""
        await reply_in_time(interaction, self.bot.service.leaderboard(self.bot.actor(interaction), period))

    @app_commands.command(name="export", description=description("export"))
    @catalogue_options("export")
    @app_commands.checks.cooldown(*EXPORT_COOLDOWN)
    async def export(self, interaction: discord.Interaction[StudyBot], format: str,
                     topic: app_commands.Range[str, None, TERM_MAX_LENGTH] | None = None) -> None:
        """Download the cards for Anki."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        reply = await self.bot.service.export_cards(self.bot.actor(interaction), format, topic)
        await send_reply(interaction, reply)

    @export.autocomplete("topic")
    async def _export_topics(self, interaction: discord.Interaction[StudyBot],
                             current: str) -> list[app_commands.Choice[str]]:
        return completions(self.bot.service.complete(Completion.TOPIC, current))

    @app_commands.command(name="topics", description=description("topics"))
    async def topics(self, interaction: discord.Interaction[StudyBot]) -> None:
        """List the topics."""
        await reply_in_time(interaction, self.bot.service.topics(self.bot.actor(interaction)))

    @app_commands.command(name="sources", description=description("sources"))
    async def sources(self, interaction: discord.Interaction[StudyBot]) -> None:
        """List the source texts."""
        await reply_in_time(interaction, self.bot.service.sources(self.bot.actor(interaction)))

    @app_commands.command(name="help", description=description("help"))
    async def help(self, interaction: discord.Interaction[StudyBot]) -> None:
        """Explain the commands."""
        await reply_in_time(interaction, self.bot.service.help(self.bot.actor(interaction)))


async def setup(bot: StudyBot) -> None:
    """Extension entry point."""
    await bot.add_cog(StudyCog(bot))
