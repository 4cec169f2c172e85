"""The command tree and the one error handler every interaction (command, button, modal) shares."""

from __future__ import annotations

import logging
import math
import secrets
from typing import Any

import discord
from discord import app_commands

from bot.core.errors import StudyError
from bot.core.presentation.replies import error_reply
from bot.discord_frontend.replying import send_reply

log = logging.getLogger(__name__)


class NotInstructor(app_commands.CheckFailure):
    """An instructor command used by someone without Manage Server or the instructor role."""

    def __init__(self) -> None:
        self.study_error = StudyError("Only instructors can use the /instructor commands.",
                                      hint="this needs the Manage Server permission or the instructor role")
        super().__init__(self.study_error.message)


class StudyTree(app_commands.CommandTree[Any]):
    """The bot's command tree; its only change is routing errors to :func:`report_error`."""

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError,
                       /) -> None:
        """Tell the user what went wrong (see :func:`report_error` for the order of cases)."""
        await report_error(interaction, error)


async def report_error(interaction: discord.Interaction[Any], error: Exception) -> None:
    """Answer a failed interaction with a private message; log what the user cannot act on.

    In this order:

    1. on cooldown: a polite "retry in N s";
    2. a :class:`StudyError` (also when wrapped in ``CommandInvokeError``): its message and hint;
    3. a failed check (not an instructor, not in a server, ...): what the check says;
    4. a command Discord still shows but this bot no longer has (a sync pending): say so;
    5. anything else: logged with a short random error code, which the user is shown so the
       log entry can be found.

    Uses a followup when the interaction was already answered or deferred.
    """
    problem = _user_facing(error)
    if problem is None:
        code = secrets.token_hex(3)
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        log.error("Unexpected error %s while handling %s", code, _describe(interaction), exc_info=cause)
        problem = StudyError(f"Something went wrong (error code {code}).",
                             hint="try again, and tell an instructor the code if it keeps happening")
    if interaction.type is discord.InteractionType.autocomplete:
        return
    try:
        await send_reply(interaction, error_reply(problem))
    except discord.HTTPException:
        log.warning("Could not tell the user about an error in %s", _describe(interaction), exc_info=True)


def _user_facing(error: Exception) -> StudyError | None:
    if isinstance(error, app_commands.CommandOnCooldown):  # a CheckFailure, so before those
        return StudyError("You are going a little fast.", hint=f"retry in {math.ceil(error.retry_after)}s")
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(original, StudyError):
        return original
    if isinstance(error, NotInstructor):
        return error.study_error
    if isinstance(error, app_commands.CheckFailure):
        return StudyError(str(error))
    if isinstance(error, app_commands.CommandNotFound):
        return StudyError("That command is not available any more.",
                          hint="Discord may take a minute to show the current commands; type /help")
    return None


def _describe(interaction: discord.Interaction[Any]) -> str:
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    data: dict[str, Any] = dict(interaction.data or {})
    return f"{interaction.type.name} {data.get('custom_id', '?')}"
