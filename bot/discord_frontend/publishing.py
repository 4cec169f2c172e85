"""Public class-game messages in Discord: posted and edited through the channel, not an interaction.

A question's message outlives any interaction token (a game can run an hour; a token lasts
15 minutes) and is edited by the deadline timer, where no interaction exists at all, so it
is posted with the channel's message endpoint and edited by its id, which the game stores.

Live refreshes (the count of answers, after each click) are coalesced per message to at most
one edit every ``live_interval`` seconds, so fifty clicks in one second cost one edit and
stay far inside Discord's rate limits. A later real edit (the reveal) seals the message:
pending and later live refreshes are dropped, and edits of one message go out one at a time
in the order they were asked for, so a stale count can never overwrite the reveal.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

import discord

from bot.core.errors import StudyError
from bot.core.presentation.replies import Reply
from bot.discord_frontend.rendering import reply_kwargs

log = logging.getLogger(__name__)

LIVE_REFRESH_SECONDS = 2.0
"""At most one live refresh of a message per this many seconds (Discord allows ~5 edits per 5 s)."""
_SEALED_KEPT = 1000
"""How many sealed message ids are remembered (live refreshes only race a reveal by moments)."""


class DiscordPublisher:
    """Posts and edits public game messages for the class-game use cases (a ``GamePublisher``)."""

    def __init__(self, client: discord.Client, *, live_interval: float = LIVE_REFRESH_SECONDS) -> None:
        self._client = client
        self.live_interval = live_interval
        self._locks: dict[str, asyncio.Lock] = {}
        self._pending: dict[str, tuple[str, Reply]] = {}
        self._flushers: dict[str, asyncio.Task[None]] = {}
        self._sealed: OrderedDict[str, None] = OrderedDict()

    async def post(self, channel: str, reply: Reply) -> str:
        """Send ``reply`` to the channel as a new message and return its id."""
        kwargs = reply_kwargs(reply)
        kwargs.pop("ephemeral")  # a channel message is public by nature
        try:
            message = await self._client.get_partial_messageable(int(channel)).send(**kwargs)
        except discord.Forbidden:
            raise StudyError("I can't post in this channel, so a class game can't run here.",
                             hint="give the bot Send Messages and Embed Links in this channel") from None
        return str(message.id)

    async def edit(self, channel: str, message: str, reply: Reply, *, live: bool = False) -> None:
        """Edit a posted message now, or (``live``) at the next refresh of it, if it is not sealed."""
        if live:
            if message not in self._sealed:
                self._pending[message] = (channel, reply)
                if message not in self._flushers:
                    self._flushers[message] = asyncio.create_task(self._flush(message),
                                                                  name=f"class-game-refresh-{message}")
            return
        self._seal(message)
        async with self._lock(message):
            await self._send_edit(channel, message, reply)

    async def close(self) -> None:
        """Drop pending live refreshes (the bot is shutting down)."""
        for task in list(self._flushers.values()):
            task.cancel()
        await asyncio.gather(*self._flushers.values(), return_exceptions=True)

    async def _flush(self, message: str) -> None:
        try:
            await asyncio.sleep(self.live_interval)
            async with self._lock(message):
                pending = self._pending.pop(message, None)
                if pending is not None and message not in self._sealed:
                    await self._send_edit(pending[0], message, pending[1])
        except discord.HTTPException as error:  # a missed count refresh is harmless; the reveal will follow
            log.warning("Could not refresh class-game message %s: %s", message, error)
        finally:
            self._flushers.pop(message, None)

    async def _send_edit(self, channel: str, message: str, reply: Reply) -> None:
        partial = self._client.get_partial_messageable(int(channel)).get_partial_message(int(message))
        kwargs: dict[str, Any] = reply_kwargs(reply, edit=True)
        await partial.edit(**kwargs)

    def _seal(self, message: str) -> None:
        self._pending.pop(message, None)
        self._sealed[message] = None
        self._sealed.move_to_end(message)
        while len(self._sealed) > _SEALED_KEPT:
            old, _ = self._sealed.popitem(last=False)
            lock = self._locks.get(old)
            if lock is not None and not lock.locked():
                del self._locks[old]

    def _lock(self, message: str) -> asyncio.Lock:
        return self._locks.setdefault(message, asyncio.Lock())
