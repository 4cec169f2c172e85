"""The one timer of a running bot: it sleeps until the earliest stored class-game deadline.

Nothing about deadlines lives in memory: each round reads the earliest one from the
database, so a bot that restarts re-arms from what is stored, and a deadline that passed
while it was down is handled on the first round, at once. A change of schedule (a game
started, a question revealed early) wakes the timer to read again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.core.clock import Clock
from bot.core.service.class_game import ClassGameUseCases

log = logging.getLogger(__name__)

MAX_NAP_SECONDS = 60.0
"""The longest sleep between rounds, so a clock jump or a missed wake-up costs at most this."""
RETRY_SECONDS = 1.0
"""Sleep after a round that left a deadline in the past (its step failed), instead of spinning."""


class DeadlineTimer:
    """Runs due class-game steps at their deadlines, one round at a time, until stopped."""

    def __init__(self, games: ClassGameUseCases, clock: Clock) -> None:
        self._games = games
        self._clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def running(self) -> bool:
        """Whether the timer task is alive."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the timer task and have the games wake it when their schedule changes."""
        if self.running:
            return
        self._stopping = False
        self._games.on_schedule = self.poke
        self._task = asyncio.create_task(self._run(), name="class-game-timer")

    def poke(self) -> None:
        """Re-read the stored deadlines now (one was added, moved or removed)."""
        self._wake.set()

    async def stop(self) -> None:
        """Cancel the timer task and wait for it (a step in progress is cancelled with it)."""
        task, self._task = self._task, None
        self._stopping = True
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self._games.run_due()
                deadline = await self._games.next_deadline()
            except Exception:  # the database went away under us, say: try again later
                log.exception("class-game timer round failed")
                deadline = None
            if deadline is None:
                nap = MAX_NAP_SECONDS
            else:
                wait = (deadline - self._clock()).total_seconds()
                nap = min(MAX_NAP_SECONDS, wait) if wait > 0 else RETRY_SECONDS
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation
            # that arrives as the wait ends, which would leave stop() waiting for ever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(nap):
                    await self._wake.wait()
