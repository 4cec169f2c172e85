"""Deliver a Reply to an interaction: first response, followup, in-place edit or modal."""

from __future__ import annotations

from typing import Any

import discord

from bot.core.presentation.replies import Reply, TextPrompt
from bot.discord_frontend.actors import study_host
from bot.discord_frontend.rendering import prompt_modal, reply_kwargs


async def send_reply(interaction: discord.Interaction[Any], reply: Reply) -> None:
    """Send ``reply`` as a new message: the response if there is none yet, else a followup.

    A deferred interaction (``defer(thinking=True)``) is finished by its first followup. A
    notice waiting for the user (their reminder DMs were refused) goes on top, once.
    """
    host = study_host(interaction)
    kwargs = reply_kwargs(await host.service.reminders.with_notice(host.actor(interaction), reply))
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def edit_reply(interaction: discord.Interaction[Any], reply: Reply) -> None:
    """Replace the message whose button (or prompt) was used with ``reply``.

    A press that was deferred (see :mod:`deadline`) edits that message through the followup webhook.
    """
    kwargs = reply_kwargs(reply, edit=True)
    if interaction.response.is_done():
        await interaction.edit_original_response(**kwargs)
    else:
        await interaction.response.edit_message(**kwargs)


async def open_prompt(interaction: discord.Interaction[Any], prompt: TextPrompt) -> None:
    """Open ``prompt`` as a modal.

    The modal is stopped before it is sent so discord.py does not keep it: its submission
    is answered from the custom_id alone by :func:`components.on_prompt_submit`, the same way
    whether this process, a restarted one, or another shard receives it.
    """
    modal = prompt_modal(prompt)
    modal.stop()
    await interaction.response.send_modal(modal)
