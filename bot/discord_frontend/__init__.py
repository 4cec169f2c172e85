"""The Discord front end: slash commands and buttons over the study service.

``create_bot`` is a contract (DESIGN.md §6); the CLI calls ``run_bot`` and ``sync_commands``.
"""

from bot.discord_frontend.client import StudyBot, create_bot, run_bot, sync_commands

__all__ = ["StudyBot", "create_bot", "run_bot", "sync_commands"]
