"""The one button class: every ``sb:`` button of every reply is an :class:`ActionButton`.

A DynamicItem whose custom_id is the core's action id, so a press after a restart (or on
another shard) is rebuilt from the id alone; the press itself is answered by the bot
(:meth:`StudyHost.answer_press`), which keeps this module free of the delivery code.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.core.presentation import actions
from bot.discord_frontend.actors import study_host

ACTION_TEMPLATE = rf"{actions.PREFIX}:(?P<action>.+)"


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=ACTION_TEMPLATE):
    """Any button of a reply; its custom_id is the action id the service understands."""

    def __init__(self, action: str, *, label: str | None = None,
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary, disabled: bool = False,
                 row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=action, style=style, disabled=disabled), row=row)
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> ActionButton:
        """Rebuild the button from a press (discord.py calls this for every matching custom_id)."""
        if isinstance(item, discord.ui.Button):
            return cls(match.string, label=item.label, style=item.style, disabled=item.disabled)
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Run the press through the service and deliver the reply (see the module's rule)."""
        await study_host(interaction).answer_press(interaction, self.action)
