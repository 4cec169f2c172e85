"""Discord's 3-second deadline while another process holds the database's write lock.

A second process really holds SQLite's write lock (``BEGIN IMMEDIATE``) for 4 seconds, as a
long backup or a second bot on the same file would; the bot's write waits for it. Discord
rejects a first response that arrives more than 3 seconds after the interaction, so the bot
must acknowledge in time and deliver the answer once the write is through.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.discord_frontend import StudyBot
from tests.discord_frontend.fake_discord import EPHEMERAL, STUDENT, Exchange, FakeDiscord

HOLD_SECONDS = 4.0
DISCORD_DEADLINE = 3.0
HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.rollback()
"""

LockHeld = Callable[[], Awaitable[None]]


@pytest.fixture
async def hold_write_lock(bot: StudyBot) -> AsyncIterator[LockHeld]:
    """Start a process that holds the bot database's write lock for HOLD_SECONDS (returns once it holds it)."""
    holders: list[asyncio.subprocess.Process] = []

    async def hold() -> None:
        holder = await asyncio.create_subprocess_exec(
            sys.executable, "-c", HOLDER, str(Path(bot.settings.db_path)), str(HOLD_SECONDS),
            stdout=asyncio.subprocess.PIPE)
        holders.append(holder)
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), 10) == b"locked\n"

    yield hold
    for holder in holders:
        await holder.wait()


async def _timed(fake: FakeDiscord, bot: StudyBot, payload: dict) -> tuple[Exchange, float, float]:
    """Deliver ``payload``; return the exchange, the seconds to the first response and to the last request."""
    delivered = time.monotonic()
    exchange = await fake.interact(bot, payload)
    return exchange, exchange.callback.at - delivered, exchange.requests[-1].at - delivered


async def test_a_quiz_started_while_the_database_is_locked_is_acknowledged_in_time(
        fake: FakeDiscord, bot: StudyBot, hold_write_lock: LockHeld) -> None:
    await hold_write_lock()

    exchange, first, last = await _timed(fake, bot, fake.command(STUDENT, "quiz", {"type": "choice"}))

    assert first < DISCORD_DEADLINE, f"first response after {first:.2f}s"
    assert exchange.callback.json == {"type": 5, "data": {"flags": EPHEMERAL}}  # "thinking…"
    assert last > HOLD_SECONDS - 0.5  # the card came once the lock was released
    [followup] = exchange.followups
    assert followup.json["flags"] & EPHEMERAL
    assert followup.json["embeds"][0]["title"] == "Quiz · card 1 of 1"


async def test_a_press_while_the_database_is_locked_is_acknowledged_and_the_card_updated(
        fake: FakeDiscord, bot: StudyBot, hold_write_lock: LockHeld) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "choice"}))
    answer = start.buttons[0]["custom_id"]
    await hold_write_lock()

    exchange, first, _ = await _timed(fake, bot, fake.click(STUDENT, start.message_id, answer))

    assert first < DISCORD_DEADLINE, f"first response after {first:.2f}s"
    assert exchange.callback.json["type"] == 6  # acknowledged; the pressed message is updated next
    [edit] = exchange.requests[1:]
    assert edit.method == "PATCH" and edit.path.endswith("/messages/@original")
    verdict = fake.messages[start.message_id]["embeds"][0]["title"]
    assert verdict in ("Correct!", "Not quite")


async def test_a_short_answer_submitted_while_the_database_is_locked_is_acknowledged_in_time(
        fake: FakeDiscord, bot: StudyBot, hold_write_lock: LockHeld) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "short"}))
    ask = await fake.interact(bot, fake.click(STUDENT, start.message_id, start.button("sb:ask:")["custom_id"]))
    await hold_write_lock()

    exchange, first, _ = await _timed(fake, bot, fake.submit(STUDENT, ask.callback.json["data"], "Toshiba",
                                                              message_id=start.message_id))

    assert first < DISCORD_DEADLINE, f"first response after {first:.2f}s"
    assert exchange.callback.json["type"] == 6
    assert fake.messages[start.message_id]["embeds"][0]["title"] == "Correct!"
