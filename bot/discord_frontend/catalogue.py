"""Names, descriptions and choices of the slash commands, taken from the core's catalogue.

Cogs declare options as typed parameters (limits via ``app_commands.Range``) and take every
word Discord shows from :data:`bot.core.command_catalog.COMMANDS` through these helpers; a
test compares the synced schema with the catalogue so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from discord import app_commands

from bot.core.command_catalog import COMMANDS

F = TypeVar("F", bound=Callable[..., Any])


def description(command: str) -> str:
    """The catalogue's description of a command (``"instructor reload"`` for one in a group)."""
    return COMMANDS[command].description


def catalogue_options(command: str, **renamed: str) -> Callable[[F], F]:
    """Apply the catalogue's option descriptions and choices to a command callback.

    ``renamed`` maps a parameter name to the option name Discord shows, for options whose
    name is not a good Python name (``card_type="type"``). Put it below ``app_commands.command``.
    """
    spec = COMMANDS[command]
    parameter = {option: param for param, option in renamed.items()}

    def decorate(func: F) -> F:
        descriptions = {parameter.get(o.name, o.name): o.description for o in spec.options}
        choices = {parameter.get(o.name, o.name): [app_commands.Choice(name=c, value=c) for c in o.choices]
                   for o in spec.options if o.choices}
        func = app_commands.describe(**descriptions)(func)
        if choices:
            func = app_commands.choices(**choices)(func)
        if renamed:
            func = app_commands.rename(**renamed)(func)
        return func

    return decorate


def completions(pairs: list[tuple[str, str]]) -> list[app_commands.Choice[str]]:
    """Autocomplete choices from the service's ``(label, value)`` pairs."""
    return [app_commands.Choice(name=label, value=value) for label, value in pairs]
