"""Reminders on Discord, end to end: /remind, the DM the bot opens and sends, closed DMs, Review now.

The bot runs on a frozen clock; a test moves it on and runs one pass of the reminder task
(:meth:`ReminderSender.send_due`), the same code the task runs every minute.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FrozenClock
from bot.discord_frontend import StudyBot
from bot.discord_frontend.reminders import SENDING_JOB, ReminderSender
from bot.settings import Settings
from tests.discord_frontend.fake_discord import EPHEMERAL, GUILD_ID, OTHER, STUDENT, FakeDiscord, Person, buttons_of

MORNING = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
BERLIN_SIX_PM = datetime(2024, 5, 1, 16, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MORNING)


@pytest.fixture
async def bot(fake: FakeDiscord, settings: Settings, clock: FrozenClock) -> AsyncIterator[StudyBot]:
    """A logged-in bot on the frozen clock, in the test guild (named "Class"), sending without pauses."""
    started = StudyBot(settings, clock=clock)
    await started.login("x")
    await fake.event(started, "GUILD_CREATE", fake.guild_create({}))
    assert started.reminder_sender is not None
    started.reminder_sender.pause = 0
    yield started
    await started.close()


def sender(bot: StudyBot) -> ReminderSender:
    assert bot.reminder_sender is not None
    return bot.reminder_sender


async def study_and_opt_in(fake: FakeDiscord, bot: StudyBot, person: Person) -> None:
    """Answer the one choice card of the fixture course, end the round, and turn reminders on."""
    quiz = await fake.interact(bot, fake.command(person, "quiz", {"type": "choice"}))
    answered = await fake.interact(bot, fake.click(person, quiz.message_id, quiz.buttons[0]["custom_id"]))
    if any(b["label"] == "Next" for b in answered.buttons):  # a miss is asked again: end the round there
        next_id = answered.button("sb:next:")["custom_id"]
        again = await fake.interact(bot, fake.click(person, answered.message_id, next_id))
        await fake.interact(bot, fake.click(person, again.message_id, again.button("sb:end:")["custom_id"]))
    on = await fake.interact(bot, fake.command(person, "remind on", {"time": "18:00", "timezone": "Europe/Berlin"}))
    assert on.embed["title"] == "Reminders on"
    assert on.callback.json["data"]["flags"] & EPHEMERAL


async def test_a_due_reminder_opens_a_dm_and_sends_the_count_server_and_review_now(
        fake: FakeDiscord, bot: StudyBot, clock: FrozenClock) -> None:
    await study_and_opt_in(fake, bot, STUDENT)
    clock.advance(BERLIN_SIX_PM - clock())

    assert await sender(bot).send_due() == 1

    [opened] = fake.requests_to("POST", "/users/@me/channels")
    assert opened.json == {"recipient_id": STUDENT.id}
    [posted] = fake.requests_to("POST", f"/channels/{fake.dm_channels[STUDENT.id]}/messages")
    [embed] = posted.json["embeds"]
    assert embed["title"] == "Time to review: 1 card due"
    assert "In **Class** 1 card due for review." in embed["description"]
    assert embed["footer"]["text"].startswith("Reminder for Ada")
    assert posted.json["allowed_mentions"] == {"parse": []}
    [button] = buttons_of(posted.json)
    assert button["label"] == "Review now" and button["custom_id"] == f"sb:rv:guild:{GUILD_ID}"
    assert len(fake.direct_messages(STUDENT)) == 1

    assert await sender(bot).send_due() == 0  # delivered: not again today
    clock.advance(timedelta(days=1))
    assert await sender(bot).send_due() == 1  # the card is still due the next evening


async def test_no_reminder_is_sent_while_another_pass_holds_the_sending_job(
        fake: FakeDiscord, bot: StudyBot, clock: FrozenClock) -> None:
    await study_and_opt_in(fake, bot, STUDENT)
    clock.advance(BERLIN_SIX_PM - clock())
    async with bot.service.exclusive(SENDING_JOB) as held:  # another pass (or process) is sending
        assert held
        assert await sender(bot).send_due() == 0
    assert fake.direct_messages(STUDENT) == []

    assert await sender(bot).send_due() == 1  # the next pass, with the job free, sends it once
    assert len(fake.direct_messages(STUDENT)) == 1


async def test_review_now_in_the_dm_starts_the_servers_review_and_answers_work_there(
        fake: FakeDiscord, bot: StudyBot, clock: FrozenClock) -> None:
    await study_and_opt_in(fake, bot, STUDENT)
    clock.advance(BERLIN_SIX_PM - clock())
    await sender(bot).send_due()
    [dm] = fake.direct_messages(STUDENT)

    review = await fake.interact(bot, fake.click(STUDENT, int(dm["id"]), f"sb:rv:guild:{GUILD_ID}", in_guild=False))

    assert review.embed["title"] == "Review · card 1 of 1"
    assert review.callback.json["type"] == 4  # a new message beside the reminder, which stays
    answer = review.buttons[0]["custom_id"]
    graded = await fake.interact(bot, fake.click(STUDENT, review.message_id, answer, in_guild=False))
    assert graded.embed["title"] in ("Correct!", "Not quite")


async def test_closed_dms_turn_reminders_off_and_the_next_command_says_so_once(
        fake: FakeDiscord, bot: StudyBot, clock: FrozenClock) -> None:
    fake.close_dms(OTHER)
    await study_and_opt_in(fake, bot, OTHER)
    await study_and_opt_in(fake, bot, STUDENT)
    clock.advance(BERLIN_SIX_PM - clock())

    assert await sender(bot).send_due() == 1  # Ada's went out; Grace's was refused

    refused = fake.requests_to("POST", f"/channels/{fake.dm_channels[OTHER.id]}/messages")
    assert len(refused) == 1 and fake.direct_messages(OTHER) == []
    status = await fake.interact(bot, fake.command(OTHER, "remind status"))
    assert status.embed["title"] == "Reminders are off"
    assert "Discord would not let me send you a direct message" in status.embed["description"]
    again = await fake.interact(bot, fake.command(OTHER, "topics"))
    assert "Discord would not let me" not in again.text
    clock.advance(timedelta(days=1))
    assert await sender(bot).send_due() == 1
    assert len(fake.requests_to("POST", f"/channels/{fake.dm_channels[OTHER.id]}/messages")) == 1  # never retried


async def test_a_dm_discord_rejects_otherwise_is_dropped_for_the_day_not_retried_in_a_loop(
        fake: FakeDiscord, bot: StudyBot, clock: FrozenClock) -> None:
    await study_and_opt_in(fake, bot, STUDENT)
    clock.advance(BERLIN_SIX_PM - clock())
    fake.fail("POST", "/users/@me/channels", status=404)

    assert await sender(bot).send_due() == 0
    fake.recover()
    assert await sender(bot).send_due() == 0
    assert len(fake.requests_to("POST", "/users/@me/channels")) == 1
    assert (await fake.interact(bot, fake.command(STUDENT, "remind status"))).embed["title"] == "Reminders are on"
    clock.advance(timedelta(days=1))
    assert await sender(bot).send_due() == 1


async def test_opting_out_on_discord_means_no_dm_at_all(fake: FakeDiscord, bot: StudyBot, clock: FrozenClock) -> None:
    await study_and_opt_in(fake, bot, STUDENT)
    off = await fake.interact(bot, fake.command(STUDENT, "remind off"))
    assert off.embed["title"] == "Reminders off"
    for _ in range(3):
        clock.advance(timedelta(hours=8))
        assert await sender(bot).send_due() == 0
    assert fake.requests_to("POST", "/users/@me/channels") == []


async def test_remind_works_in_a_dm_with_the_bot(fake: FakeDiscord, bot: StudyBot) -> None:
    exchange = await fake.interact(bot, fake.command(STUDENT, "remind on", {"time": "7pm"}, in_guild=False))

    assert exchange.embed["title"] == "Reminders on" and "**19:00** (UTC time)" in exchange.text


async def test_timezone_autocomplete_offers_iana_zones(fake: FakeDiscord, bot: StudyBot) -> None:
    exchange = await fake.interact(bot, fake.autocomplete(STUDENT, "remind on", "timezone", "berl"))

    assert exchange.callback.json["type"] == 8
    assert exchange.callback.json["data"]["choices"] == [{"name": "Europe/Berlin", "value": "Europe/Berlin"}]


async def test_the_reminder_task_starts_at_login_and_sends_once_the_gateway_is_ready(
        fake: FakeDiscord, bot: StudyBot, clock: FrozenClock) -> None:
    await study_and_opt_in(fake, bot, STUDENT)
    clock.advance(BERLIN_SIX_PM - clock())
    await asyncio.sleep(0.05)
    assert fake.requests_to("POST", "/users/@me/channels") == []  # not before the gateway is ready

    bot._ready.set()  # what discord.py does on READY; the task waits for it (server names come with it)
    for _ in range(100):
        if fake.direct_messages(STUDENT):
            break
        await asyncio.sleep(0.02)
    assert len(fake.direct_messages(STUDENT)) == 1
