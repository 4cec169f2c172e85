"""Answering presses and text prompts: every ``sb:`` button and every ``sb:`` modal lands here.

All state is in the custom_id (the core's action id), so a press or a submitted answer works
after a restart: nothing is looked up in memory, the service loads what it needs.

How the reply to a press (or a submitted prompt) is delivered:

* an error goes out as a new private message; the pressed message stays as it was;
* a reply that asks for a modal opens it;
* on the presser's own message (an ephemeral one, which only its owner can see, or one
  their command started), a step of the same flow (quiz and review cards, paging,
  confirmations) replaces that message in place; if the new reply is public (a shared quiz
  summary) it is also posted to the channel as a new message;
* anything else, a new message: presses on someone else's message, and buttons that open
  something beside what is shown (a term's passage, a see-also term) so it stays readable.
"""

from __future__ import annotations

from typing import Any, cast

import discord

from bot.core.errors import StudyError
from bot.core.presentation import actions
from bot.core.presentation.actions import Verb
from bot.core.presentation.replies import Reply
from bot.discord_frontend.actors import study_host
from bot.discord_frontend.command_tree import report_error
from bot.discord_frontend.deadline import within_deadline
from bot.discord_frontend.rendering import PROMPT_FIELD_ID
from bot.discord_frontend.replying import edit_reply, open_prompt, send_reply

OPENS_BESIDE = frozenset({Verb.DEFINE, Verb.PASSAGE})
"""Verbs whose reply is shown as a new message next to the one pressed."""


async def answer_press(interaction: discord.Interaction[Any], action_id: str) -> None:
    """Handle a press of the button with ``action_id``; errors go to :func:`report_error`."""
    bot = study_host(interaction)
    try:
        reply = await within_deadline(interaction, bot.service.press(bot.actor(interaction), action_id))
        if reply.modal and reply.prompt is not None and not interaction.response.is_done():
            await open_prompt(interaction, reply.prompt)
        else:  # deferred, a modal cannot follow: the card comes back with its button to open the prompt
            await _deliver(interaction, action_id, reply)
    except Exception as error:
        await report_error(interaction, error)


async def on_prompt_submit(interaction: discord.Interaction[Any]) -> None:
    """Listener for ``on_interaction``: answer submitted ``sb:`` modals (short answers).

    discord.py holds no modal objects for these (see :func:`replying.open_prompt`), so this
    listener is their only handler, before and after a restart alike.
    """
    if interaction.type is not discord.InteractionType.modal_submit:
        return
    data = cast(dict[str, Any], interaction.data or {})
    action_id = str(data.get("custom_id", ""))
    if not action_id.startswith(f"{actions.PREFIX}:"):
        return
    bot = study_host(interaction)
    try:
        reply = await within_deadline(interaction, bot.service.submit(bot.actor(interaction), action_id,
                                                                      submitted_text(data)))
        await _deliver(interaction, action_id, reply)
    except Exception as error:
        await report_error(interaction, error)


async def on_foreign_component(interaction: discord.Interaction[Any]) -> None:
    """Listener for ``on_interaction``: answer buttons and forms this bot's ids don't describe.

    A message from an older version of the bot (or anything else without an ``sb:`` id) would
    otherwise get no response at all, and Discord would show "This interaction failed".
    """
    if interaction.type not in (discord.InteractionType.component, discord.InteractionType.modal_submit):
        return
    data = cast(dict[str, Any], interaction.data or {})
    if str(data.get("custom_id", "")).startswith(f"{actions.PREFIX}:"):
        return
    await report_error(interaction, StudyError("This message is out of date, so its buttons no longer work.",
                                               hint="run the command again"))


def submitted_text(data: dict[str, Any]) -> str:
    """The value of the prompt's text field in a modal submission (inside a label or an action row)."""
    pending: list[Any] = list(data.get("components", []))
    while pending:
        component = pending.pop(0)
        if not isinstance(component, dict):
            continue
        if component.get("custom_id") == PROMPT_FIELD_ID:
            return str(component.get("value") or "")
        pending.extend(component.get("components", []))
        if "component" in component:
            pending.append(component["component"])
    return ""


async def _deliver(interaction: discord.Interaction[Any], action_id: str, reply: Reply) -> None:
    if not _replaces_message(interaction, action_id, reply):
        await send_reply(interaction, reply)
        return
    await edit_reply(interaction, reply)
    if not reply.ephemeral:
        await send_reply(interaction, reply)  # a followup now, so a public copy


def _replaces_message(interaction: discord.Interaction[Any], action_id: str, reply: Reply) -> bool:
    message = interaction.message
    if message is None or reply.attachments:
        return False
    started = message.interaction_metadata
    own = message.flags.ephemeral or (started is not None and started.user.id == interaction.user.id)
    return own and actions.decode(action_id).verb not in OPENS_BESIDE
