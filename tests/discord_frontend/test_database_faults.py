"""What a learner sees when the database cannot save: plain words, never "Something went wrong"."""

from __future__ import annotations

import json
import sqlite3

from bot.core.errors import DatabaseUnusableError
from bot.discord_frontend import StudyBot
from tests.discord_frontend.conftest import LoggedErrors
from tests.discord_frontend.fake_discord import EPHEMERAL, STUDENT, FakeDiscord


async def _fill_to_the_cap(bot: StudyBot, card_id: str) -> None:
    """Make the disk "full" for the learner's next answer, with SQLite's own size cap.

    Both writing connections' ``max_page_count`` is set to the file's size, so any write needing a new
    page fails with SQLITE_FULL, exactly as on a full disk. Then the one page where the
    answer's card state will go (the table is still a single page) is filled with states of
    made-up cards whose ids sort right after it, until it has no room left.
    """
    async with bot.service._db.transaction() as conn:  # the writer's thread: the cap is per connection
        pages = (await conn.execute_fetchall("PRAGMA page_count"))[0][0]
        assert (await conn.execute_fetchall("PRAGMA freelist_count"))[0][0] == 0
        await conn.execute(f"PRAGMA max_page_count = {pages}")
        learner = (await conn.execute_fetchall("SELECT id FROM learners"))[0][0]
    # and the loop's writing connection, which records answers while the lock is free
    await bot.service._db.run_in_writer(lambda loop_writer: loop_writer.execute(f"PRAGMA max_page_count = {pages}"))
    for n in range(1000):
        try:
            async with bot.service._db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO card_states VALUES (?, ?, ?, 2, 1, 9.5, 5.5, ?, ?, 99, 99)",
                    (learner, f"{card_id}~{n:04d}", "f" * 16, "2024-05-01T09:00:00.000000Z",
                     "2024-05-01T09:00:00.000000Z"))
        except (DatabaseUnusableError, sqlite3.OperationalError) as error:
            assert "full" in str(error)
            return
    raise AssertionError("the page never filled up")


async def test_a_full_disk_tells_the_learner_to_tell_an_instructor(fake: FakeDiscord, bot: StudyBot,
                                                                   logged_errors: LoggedErrors) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "choice"}))
    async with bot.service._db.read() as conn:
        [card_id] = json.loads((await conn.execute_fetchall("SELECT card_ids FROM quiz_sessions"))[0][0])
    await _fill_to_the_cap(bot, card_id)
    logged_errors.take()

    pressed = await fake.interact(bot, fake.click(STUDENT, start.message_id, start.buttons[0]["custom_id"]))

    [message] = pressed.messages
    assert message["flags"] & EPHEMERAL
    assert "disk is full" in pressed.text and "tell an instructor" in pressed.text
    assert "Something went wrong" not in pressed.text
    assert [r.getMessage() for r in logged_errors.take()] == ["database fault: database or disk is full"]
    async with bot.service._db.read() as conn:
        assert (await conn.execute_fetchall("SELECT count(*) FROM attempts"))[0][0] == 0
