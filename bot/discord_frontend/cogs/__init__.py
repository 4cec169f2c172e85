"""The slash commands, one cog per audience; loaded as extensions by the bot's setup_hook."""
