"""Answer every interaction within Discord's 3 seconds, however long the work behind it waits.

Discord shows "This interaction failed" unless the bot responds within 3 seconds of the
interaction being created. Most commands and presses write to the database before they can
answer, and a write waits (up to the busy timeout) while another process holds SQLite's write
lock: a 4-second backup or a second bot on the same file would make every answer late.

So the work runs as a task and, if it has not finished after :data:`DEFER_AFTER`, the
interaction is deferred while it goes on: a command shows "thinking…", a button press or a
submitted answer is acknowledged silently. The reply then arrives as a followup or an edit,
which Discord accepts for 15 minutes. Fast work (the usual case) is answered directly, with
no extra round trip and no "thinking…" flash.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

import discord

from bot.core.presentation.replies import Reply
from bot.discord_frontend.replying import send_reply

DEFER_AFTER = 1.5
"""Seconds of work before deferring: leaves 1.5 s of Discord's 3 for gateway delivery and the defer itself."""

T = TypeVar("T")
log = logging.getLogger(__name__)


async def within_deadline(interaction: discord.Interaction[Any], work: Awaitable[T]) -> T:
    """Return what ``work`` returns, deferring ``interaction`` if that takes over :data:`DEFER_AFTER`.

    After a deferral, deliver the reply with :func:`replying.send_reply` or
    :func:`replying.edit_reply`, which answer a deferred interaction with a followup or an edit.
    """
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done and not interaction.response.is_done():
            await _defer(interaction)
        return await task
    except asyncio.CancelledError:
        task.cancel()
        raise


async def _defer(interaction: discord.Interaction[Any]) -> None:
    """Acknowledge now: "thinking…" (private) for a command, a silent acknowledgement for a press."""
    thinking = interaction.type is discord.InteractionType.application_command
    try:
        await interaction.response.defer(ephemeral=True, thinking=thinking)
    except discord.HTTPException:  # too late already, or Discord is unreachable: the reply will say so
        log.warning("Could not defer a slow interaction", exc_info=True)


async def reply_in_time(interaction: discord.Interaction[Any], work: Awaitable[Reply]) -> None:
    """Send the reply ``work`` produces as a new message, deferring first if it is slow."""
    await send_reply(interaction, await within_deadline(interaction, work))
