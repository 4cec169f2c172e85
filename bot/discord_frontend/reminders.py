"""The one reminder task of the Discord client: direct messages for the reminders that fall due.

Each pass asks the service what is due, sends the DMs one by one with a short pause between
them (discord.py waits out any 429 itself; the pause keeps a large class from bursting into
it), and reports each outcome back, so a reminder counts as sent only once Discord took it:

* delivered: the next one is tomorrow at the learner's time;
* refused with 403 / code 50007 (the learner's DMs are closed): their reminders go off, and
  their next reply tells them;
* any other refusal (4xx): that day's reminder is dropped, so a broken one cannot loop;
* Discord or the network failing (5xx, timeouts): nothing is recorded, the next pass retries.

The task waits for the gateway (server names come from its cache), then sleeps until the
earliest stored send time, at most :data:`POLL_SECONDS`, so a new ``/remind on`` is seen soon.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
import discord

from bot.core.clock import Clock
from bot.core.progress.coordination import run_once
from bot.core.service.reminders import DISCORD, OutgoingMessage, ReminderUseCases
from bot.discord_frontend.rendering import reply_kwargs

log = logging.getLogger(__name__)

SEND_PAUSE_SECONDS = 1.0
"""Pause between two DMs of one pass."""
POLL_SECONDS = 60.0
"""Longest sleep between passes."""
SENDING_JOB = f"reminders:{DISCORD}"
"""The job name under which one bot process at a time sends reminder DMs."""
DMS_CLOSED = 50007
"""Discord's error code for "Cannot send messages to this user"."""


class ReminderSender:
    """Sends due reminders as DMs through ``client``; :meth:`send_due` is one pass."""

    def __init__(self, client: discord.Client, reminders: ReminderUseCases, clock: Clock, *,
                 pause: float = SEND_PAUSE_SECONDS) -> None:
        self._client = client
        self._reminders = reminders
        self._clock = clock
        self.pause = pause
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the reminder task (it waits for the gateway before the first pass)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="studybot-reminders")

    async def stop(self) -> None:
        """Cancel the reminder task and wait for it."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def send_due(self) -> int:
        """Send every reminder due now; returns how many Discord accepted.

        Exactly one bot process on a shared database sends at a time (see :func:`run_once`): the
        pass re-reads what is due under the lock, and each reminder is checked again just
        before it goes out and moved on once delivered, so none goes out twice.
        """
        _, sent = await run_once(self._reminders, SENDING_JOB, self._send_due)
        return sent or 0

    async def _send_due(self) -> int:
        sent = 0
        for index, message in enumerate(await self._reminders.due_reminders(self._clock(), DISCORD, self.place_name)):
            if index and self.pause:
                await asyncio.sleep(self.pause)
            sent += await self._send(message)
        return sent

    def place_name(self, scope: str) -> str | None:
        """A server's name from the gateway's cache (None before it arrived)."""
        _, _, guild_id = scope.partition("guild:")
        guild = self._client.get_guild(int(guild_id)) if guild_id.isdigit() else None
        return guild.name if guild is not None else None

    async def _send(self, message: OutgoingMessage) -> bool:
        reminders = self._reminders
        if not message.recipient.isdigit() or not await reminders.still_due(message):
            return False
        kwargs = reply_kwargs(message.reply)
        kwargs.pop("ephemeral")  # a DM is a plain message
        try:
            channel = await self._client.create_dm(discord.Object(int(message.recipient)))
            await channel.send(**kwargs)
        except discord.Forbidden as error:
            if error.code == DMS_CLOSED:
                log.info("DMs of user %s are closed; their reminders are now off", message.recipient)
                await reminders.refused(message)
            else:
                log.warning("Reminder to user %s refused (%s); skipped for today", message.recipient, error)
                await reminders.skipped(message)
            return False
        except discord.HTTPException as error:
            if error.status < 500:
                log.warning("Reminder to user %s rejected (%s); skipped for today", message.recipient, error)
                await reminders.skipped(message)
            else:
                log.warning("Reminder to user %s failed (%s); will retry", message.recipient, error)
            return False
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("Reminder to user %s failed (%s); will retry", message.recipient, error)
            return False
        await reminders.delivered(message)
        return True

    async def _run(self) -> None:
        await self._client.wait_until_ready()
        while True:
            try:
                await self.send_due()
                upcoming = await self._reminders.next_send_at(DISCORD)
            except Exception:  # the database went away under us, say: try again at the next pass
                log.exception("Reminder pass failed")
                upcoming = None
            wait = (upcoming - self._clock()).total_seconds() if upcoming is not None else POLL_SECONDS
            await asyncio.sleep(min(POLL_SECONDS, wait) if wait > 0 else POLL_SECONDS)  # past: a retry waits
