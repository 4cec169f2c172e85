"""Timed work that runs exactly once, however many bot processes share the database.

Class-game deadlines and reminders fall due in every process at once when several share one
PostgreSQL. :func:`run_once` lets exactly one of them do a job: it takes the job's advisory
lock without waiting (``pg_try_advisory_lock``; on SQLite, with its single process, an
in-process lock), runs the work only if it got the lock, and releases it afterwards (or
PostgreSQL does, if the process dies). The lock makes runs *exclusive*; *once* comes from
the work itself, which must, while it holds the lock, re-read whether the job is still due
and record that it is done in the same database before returning, e.g.::

    async def send_reminders() -> None:
        for row in await due_reminders(now):          # re-read under the lock
            await deliver(row)
            await mark_sent(row, now)                 # the next holder sees it as done

    await run_once(ctx.store, f"reminders:{now:%Y-%m-%dT%H:%M}", send_reminders)

Name a job by what it covers (a minute's reminders, one game's deadline), so different
jobs never wait on each other. Buttons carry their state in their ids, so any process can
answer any click; only work nobody clicked for needs this.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol, TypeVar

T = TypeVar("T")


class Exclusive(Protocol):
    """Anything that can hold a named job across processes (the store, or a database)."""

    def exclusive(self, job: str) -> AbstractAsyncContextManager[bool]:
        """Try to hold ``job``; yields whether this process does."""


async def run_once(holder: Exclusive, job: str, work: Callable[[], Awaitable[T]]) -> tuple[bool, T | None]:
    """Run ``work`` if no other process is running ``job`` now; ``(ran, result)``."""
    async with holder.exclusive(job) as mine:
        if not mine:
            return False, None
        return True, await work()
