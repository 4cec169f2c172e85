"""Turn the core's neutral Reply into what discord.py sends: an embed, buttons, files, a modal.

Nothing here decides *how* a reply is delivered (new message, edit, followup); see
:mod:`bot.discord_frontend.replying` and :mod:`bot.discord_frontend.components`. The Reply
is already fitted to Discord's limits, so this is a direct translation.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import discord

from bot.core.presentation.replies import BUTTONS_PER_ROW, Attachment, Button, ButtonStyle, Reply, TextPrompt, Tone
from bot.discord_frontend.action_button import ActionButton

TONE_COLOURS: dict[Tone, discord.Colour] = {
    Tone.INFO: discord.Colour.blurple(),
    Tone.SUCCESS: discord.Colour.green(),
    Tone.WARNING: discord.Colour.gold(),
    Tone.ERROR: discord.Colour.red(),
}
BUTTON_STYLES: dict[ButtonStyle, discord.ButtonStyle] = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.SUCCESS: discord.ButtonStyle.success,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}
PROMPT_FIELD_ID = "sb-answer"
"""custom_id of the text field inside every prompt modal (the modal's own id is the action)."""


def reply_kwargs(reply: Reply, *, edit: bool = False) -> dict[str, Any]:
    """Keyword arguments for ``send_message``/``followup.send``, or for ``edit_message`` if ``edit``.

    Every message goes out with ``AllowedMentions.none()``, even though the bot's default
    already says so: a mention in course content or a user's name must never ping anyone.
    """
    kwargs: dict[str, Any] = {"embed": reply_embed(reply), "allowed_mentions": discord.AllowedMentions.none()}
    view = reply_view(reply.buttons)
    files = reply_files(reply.attachments)
    if edit:
        kwargs["view"] = view  # None clears the buttons of the message being replaced
        kwargs["attachments"] = files
        return kwargs
    kwargs["ephemeral"] = reply.ephemeral
    if view is not None:
        kwargs["view"] = view
    if files:
        kwargs["files"] = files
    return kwargs


def reply_embed(reply: Reply) -> discord.Embed:
    """The reply's words: title, Markdown body, fields and footer, coloured by its tone."""
    embed = discord.Embed(title=reply.title, description=reply.body or None, colour=TONE_COLOURS[reply.tone])
    for field in reply.fields:
        embed.add_field(name=field.name, value=field.value, inline=field.inline)
    if reply.footer:
        embed.set_footer(text=reply.footer)
    return embed


def reply_view(buttons: Sequence[Button]) -> discord.ui.View | None:
    """The reply's buttons, five to a row, each an :class:`ActionButton` whose custom_id is its action.

    The view never times out and holds no state: presses are dispatched by custom_id to the
    registered ActionButton class, so they keep working after a restart.
    """
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for index, button in enumerate(buttons):
        view.add_item(ActionButton(button.action, label=button.label, style=BUTTON_STYLES[button.style],
                                   disabled=button.disabled, row=index // BUTTONS_PER_ROW))
    return view


def reply_files(attachments: Sequence[Attachment]) -> list[discord.File]:
    """Fresh ``discord.File`` objects (they can be sent only once) for the reply's attachments."""
    return [discord.File(io.BytesIO(item.data), filename=item.filename, description=item.description or None)
            for item in attachments]


def prompt_modal(prompt: TextPrompt) -> discord.ui.Modal:
    """A modal with one text field for a prompt; its custom_id is the prompt's action id."""
    modal = discord.ui.Modal(title=prompt.title, custom_id=prompt.action, timeout=None)
    field: discord.ui.TextInput[Any] = discord.ui.TextInput(
        custom_id=PROMPT_FIELD_ID, placeholder=prompt.placeholder or None, max_length=prompt.max_length,
        style=discord.TextStyle.short, required=True,
    )
    modal.add_item(discord.ui.Label(text=prompt.label, component=field))
    return modal
