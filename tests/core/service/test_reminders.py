"""Reminders through the study service, on both databases with a frozen clock.

Restarts are a second service opened on the same database; "delivery" is the front end
reporting an outcome, as the Discord task and the console do.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import FrozenClock
from bot.core.errors import StudyError
from bot.core.presentation.actions import Verb, decode
from bot.core.progress.backend import DatabaseTarget
from bot.core.reminders.message import NOTICES, REVIEW_NOW
from bot.core.service.reminders import CONSOLE, DISCORD, OutgoingMessage
from bot.core.service.study_service import Actor, StudyService
from bot.settings import MIGRATIONS_DIR

ANA = Actor("guild:1", "101", "Ana")
ANA_IN_DM = Actor("dm", "101", "ana_global")
BEN = Actor("guild:1", "102", "Ben")
MAY_FIRST = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)  # 11:00 in Berlin; 18:00 there is 16:00 UTC
BERLIN_SIX_PM = datetime(2024, 5, 1, 16, 0, tzinfo=UTC)

Opener = Callable[[FrozenClock], Awaitable[StudyService]]


@pytest.fixture
async def open_service(db_target: DatabaseTarget, content_dir: Path) -> AsyncIterator[Opener]:
    """Open a service on one database file (call again to "restart"); all are closed at the end."""
    opened: list[StudyService] = []

    async def open_one(clock: FrozenClock) -> StudyService:
        service = await StudyService.open(db_path=db_target, content_dir=content_dir,
                                          migrations_dir=MIGRATIONS_DIR, clock=clock, rng=random.Random(3))
        opened.append(service)
        return service

    yield open_one
    for service in opened:
        await service.close()


async def study(service: StudyService, actor: Actor) -> None:
    """Answer one card, so it falls due again later, and end the round (a miss would be asked again)."""
    card = await service.start_quiz(actor, count=1, card_type="choice")
    await service.press(actor, card.buttons[0].action)
    await service.store.finish_session(decode(card.buttons[0].action).args[0])


async def due(service: StudyService, clock: FrozenClock, delivery: str = DISCORD) -> list[OutgoingMessage]:
    return await service.reminders.due_reminders(clock(), delivery)


async def deliver_until(service: StudyService, clock: FrozenClock, until: datetime) -> list[datetime]:
    """Run time forward like the Discord task: at each send time, deliver what is due; return when."""
    sent: list[datetime] = []
    while (upcoming := await service.reminders.next_send_at(DISCORD)) is not None and upcoming <= until:
        clock.advance(max(timedelta(0), upcoming - clock()))
        for message in await due(service, clock):
            await service.reminders.delivered(message)
            sent.append(clock())
    return sent


async def test_opting_in_answers_with_the_next_check_in_the_learners_zone(open_service: Opener) -> None:
    service = await open_service(FrozenClock(MAY_FIRST))
    reply = await service.execute(ANA, "remind on", {"time": "6pm", "timezone": "europe/berlin"})

    assert reply.title == "Reminders on"
    assert "**18:00** (Europe/Berlin time)" in reply.body
    assert "Next check: Wed May 1, 18:00 CEST (in 7 h)." in reply.body
    assert "UTC" not in reply.body.split("(in")[0]
    status = await service.execute(ANA, "remind status", {})
    assert status.title == "Reminders are on" and "Cards due now: 0" in status.body


async def test_defaults_are_18_00_utc_and_a_second_opt_in_keeps_what_it_does_not_change(
        open_service: Opener) -> None:
    service = await open_service(FrozenClock(MAY_FIRST))
    first = await service.execute(ANA, "remind on", {})
    assert "**18:00** (UTC time)" in first.body and "timezone:" in first.body
    assert await service.reminders.next_send_at() is None  # Ana is a Discord learner, not a console one
    assert await service.reminders.next_send_at(DISCORD) == datetime(2024, 5, 1, 18, tzinfo=UTC)

    await service.execute(ANA, "remind on", {"timezone": "America/New_York"})
    second = await service.execute(ANA, "remind on", {"time": "07:30"})
    assert "**07:30** (America/New_York time)" in second.body


async def test_bad_time_or_zone_is_an_error_and_changes_nothing(open_service: Opener) -> None:
    service = await open_service(FrozenClock(MAY_FIRST))
    with pytest.raises(StudyError):
        await service.execute(ANA, "remind on", {"time": "25:00"})
    with pytest.raises(StudyError):
        await service.execute(ANA, "remind on", {"timezone": "Berlin/Europe"})
    assert (await service.execute(ANA, "remind status", {})).title == "Reminders are off"


async def test_a_due_reminder_names_count_place_streak_and_recipient_with_review_now(
        open_service: Opener) -> None:
    clock = FrozenClock(MAY_FIRST - timedelta(days=1))
    service = await open_service(clock)
    await study(service, ANA)  # yesterday: a one-day streak
    clock.advance(timedelta(days=1))
    await service.execute(ANA, "remind on", {"timezone": "Europe/Berlin"})
    clock.advance(BERLIN_SIX_PM - clock())

    [message] = await service.reminders.due_reminders(clock(), DISCORD, {"guild:1": "History 101"}.get)

    reply = message.reply
    assert message.recipient == "101" and message.send_at == BERLIN_SIX_PM
    assert reply.title == "Time to review: 1 card due"
    assert "In **History 101** 1 card due for review." in reply.body
    assert "Your 1-day streak ends unless you review today." in reply.body
    assert reply.footer is not None and reply.footer.startswith("Reminder for Ana")
    [button] = reply.buttons
    assert button.label == REVIEW_NOW
    assert decode(button.action).verb is Verb.REVIEW_NOW and decode(button.action).args == ("guild:1",)


async def test_nobody_is_reminded_without_opting_in(open_service: Opener) -> None:
    clock = FrozenClock(MAY_FIRST)
    service = await open_service(clock)
    await study(service, ANA)
    await study(service, BEN)
    await service.execute(BEN, "remind on", {})

    sent: list[str] = []
    for _ in range(3):
        clock.advance(timedelta(hours=9) if not sent else timedelta(days=1))
        for message in await due(service, clock):
            sent.append(message.recipient)
            await service.reminders.delivered(message)
    assert sent == ["102", "102", "102"]


async def test_no_reminder_when_nothing_is_due_and_the_day_is_skipped(open_service: Opener) -> None:
    clock = FrozenClock(MAY_FIRST)
    service = await open_service(clock)
    await service.execute(ANA, "remind on", {"timezone": "Europe/Berlin"})  # never studied: nothing can be due
    clock.advance(BERLIN_SIX_PM - clock())

    assert await due(service, clock) == []
    assert await service.reminders.next_send_at(DISCORD) == BERLIN_SIX_PM + timedelta(days=1)


async def test_a_restart_neither_loses_nor_doubles_a_reminder(open_service: Opener) -> None:
    clock = FrozenClock(MAY_FIRST)
    service = await open_service(clock)
    await study(service, ANA)
    await service.execute(ANA, "remind on", {"timezone": "Europe/Berlin"})
    clock.advance(BERLIN_SIX_PM - clock() + timedelta(minutes=1))
    assert len(await due(service, clock)) == 1  # computed, then the bot dies before sending
    await service.close()

    clock.advance(timedelta(minutes=10))
    restarted = await open_service(clock)
    [message] = await due(restarted, clock)  # not lost
    await restarted.reminders.delivered(message)
    await restarted.reminders.delivered(message)  # reported twice: moves on once
    await restarted.close()

    again = await open_service(clock)
    assert await due(again, clock) == []  # not doubled
    assert await again.reminders.next_send_at(DISCORD) == BERLIN_SIX_PM + timedelta(days=1)
    clock.advance(timedelta(days=1))
    assert len(await due(again, clock)) == 1  # and tomorrow's comes


async def test_a_reminder_missed_by_hours_is_dropped_for_that_day(open_service: Opener) -> None:
    clock = FrozenClock(MAY_FIRST)
    service = await open_service(clock)
    await study(service, ANA)
    await service.execute(ANA, "remind on", {"timezone": "Europe/Berlin"})
    clock.advance(BERLIN_SIX_PM - clock() + timedelta(hours=7))  # 01:00 at night in Berlin

    assert await due(service, clock) == []
    assert await service.reminders.next_send_at(DISCORD) == BERLIN_SIX_PM + timedelta(days=1)


@pytest.mark.parametrize(("zone", "start", "expected"), [
    ("Europe/Berlin", datetime(2024, 3, 29, 9, tzinfo=UTC),  # spring forward on 31 March: 23 hours
     [datetime(2024, 3, 29, 17, tzinfo=UTC), datetime(2024, 3, 30, 17, tzinfo=UTC),
      datetime(2024, 3, 31, 16, tzinfo=UTC), datetime(2024, 4, 1, 16, tzinfo=UTC)]),
    ("Europe/Berlin", datetime(2024, 10, 25, 9, tzinfo=UTC),  # fall back on 27 October: 25 hours
     [datetime(2024, 10, 25, 16, tzinfo=UTC), datetime(2024, 10, 26, 16, tzinfo=UTC),
      datetime(2024, 10, 27, 17, tzinfo=UTC), datetime(2024, 10, 28, 17, tzinfo=UTC)]),
    ("America/New_York", datetime(2024, 3, 8, 12, tzinfo=UTC),  # spring forward on 10 March
     [datetime(2024, 3, 8, 23, tzinfo=UTC), datetime(2024, 3, 9, 23, tzinfo=UTC),
      datetime(2024, 3, 10, 22, tzinfo=UTC), datetime(2024, 3, 11, 22, tzinfo=UTC)]),
    ("America/New_York", datetime(2024, 11, 1, 12, tzinfo=UTC),  # fall back on 3 November
     [datetime(2024, 11, 1, 22, tzinfo=UTC), datetime(2024, 11, 2, 22, tzinfo=UTC),
      datetime(2024, 11, 3, 23, tzinfo=UTC), datetime(2024, 11, 4, 23, tzinfo=UTC)]),
])
async def test_one_reminder_a_day_at_local_18_00_across_a_dst_change(
        open_service: Opener, zone: str, start: datetime, expected: list[datetime]) -> None:
    clock = FrozenClock(start)
    service = await open_service(clock)
    await study(service, ANA)
    await service.execute(ANA, "remind on", {"time": "18:00", "timezone": zone})

    assert await deliver_until(service, clock, expected[-1] + timedelta(hours=12)) == expected


async def test_dst_schedule_survives_restarts_between_days(open_service: Opener) -> None:
    clock = FrozenClock(datetime(2024, 11, 2, 12, tzinfo=UTC))
    service = await open_service(clock)
    await study(service, ANA)
    await service.execute(ANA, "remind on", {"time": "1:30", "timezone": "America/New_York"})
    sent: list[datetime] = []
    for day in (3, 4, 5):  # a fresh service for each day's reminder
        sent += await deliver_until(service, clock, datetime(2024, 11, day, 12, tzinfo=UTC))
        await service.close()
        service = await open_service(clock)
    # 01:30 on 3 November happens twice (EDT, then EST): one reminder, at the first.
    assert sent == [datetime(2024, 11, 3, 5, 30, tzinfo=UTC), datetime(2024, 11, 4, 6, 30, tzinfo=UTC),
                    datetime(2024, 11, 5, 6, 30, tzinfo=UTC)]


async def test_opting_out_stops_everything(open_service: Opener) -> None:
    clock = FrozenClock(MAY_FIRST)
    service = await open_service(clock)
    await study(service, ANA)
    await service.execute(ANA, "remind on", {"timezone": "Europe/Berlin"})
    clock.advance(BERLIN_SIX_PM - clock())
    [pending] = await due(service, clock)

    off = await service.execute(ANA, "remind off", {})
    assert off.title == "Reminders off" and "No more reminders." in off.body
    assert not await service.reminders.still_due(pending)  # a send already under way is dropped
    await service.reminders.delivered(pending)  # and a late report does not switch anything back on
    for _ in range(5):
        clock.advance(timedelta(days=1))
        assert await due(service, clock) == []
    assert await service.reminders.next_send_at(DISCORD) is None
    assert (await service.execute(ANA, "remind status", {})).title == "Reminders are off"
    assert "already off" in (await service.execute(ANA, "remind off", {})).body


async def test_changing_the_time_after_todays_reminder_waits_for_tomorrow(open_service: Opener) -> None:
    clock = FrozenClock(MAY_FIRST)
    service = await open_service(clock)
    await study(service, ANA)
    await service.execute(ANA, "remind on", {"timezone": "Europe/Berlin"})
    clock.advance(BERLIN_SIX_PM - clock())
    [message] = await due(service, clock)
    await service.reminders.delivered(message)

    clock.advance(timedelta(minutes=30))
    await service.execute(ANA, "remind on", {"time": "20:00"})
    assert await service.reminders.next_send_at(DISCORD) == datetime(2024, 5, 2, 18, tzinfo=UTC)


async def test_refused_dms_turn_reminders_off_and_the_next_reply_says_so_once(open_service: Opener) -> None:
    clock = FrozenClock(MAY_FIRST)
    service = await open_service(clock)
    await study(service, ANA)
    await service.execute(ANA, "remind on", {})
    clock.advance(timedelta(hours=9))
    [message] = await due(service, clock)

    await service.reminders.refused(message)

    assert await service.reminders.next_send_at(DISCORD) is None
    first = await service.execute(ANA, "topics", {})
    assert first.body.startswith(f"*{NOTICES['dms_refused']}*")
    second = await service.execute(ANA, "topics", {})
    assert "Discord would not let me" not in second.body
    clock.advance(timedelta(days=2))
    assert await due(service, clock) == []


async def test_the_notice_survives_a_restart_and_goes_away_on_opting_in_again(open_service: Opener) -> None:
    clock = FrozenClock(MAY_FIRST)
    service = await open_service(clock)
    await study(service, ANA)
    await study(service, BEN)
    for learner in (ANA, BEN):
        await service.execute(learner, "remind on", {})
    clock.advance(timedelta(hours=9))
    for message in await due(service, clock):
        await service.reminders.refused(message)
    await service.close()

    restarted = await open_service(clock)
    assert "Discord would not let me" in (await restarted.press(BEN, "sb:def:linkage-politics")).body
    back_on = await restarted.execute(ANA, "remind on", {})
    assert "Discord would not let me" not in back_on.body
    assert "Discord would not let me" not in (await restarted.execute(ANA, "help", {})).body


async def test_review_now_in_a_dm_reviews_that_servers_cards_and_the_round_goes_on_there(
        open_service: Opener) -> None:
    clock = FrozenClock(MAY_FIRST)
    service = await open_service(clock)
    await study(service, ANA)
    await service.execute(ANA, "remind on", {})
    clock.advance(timedelta(hours=9))
    [message] = await due(service, clock)

    card = await service.press(ANA_IN_DM, message.reply.buttons[0].action)

    assert card.title == "Review · card 1 of 1"
    feedback = await service.press(ANA_IN_DM, card.buttons[0].action)  # answered from the DM
    assert feedback.title.startswith(("Correct!", "Not quite"))
    ana_in_guild = await service.store.get_learner("guild:1", "101")
    assert ana_in_guild is not None and ana_in_guild.display_name == "Ana"  # the server's name kept
    assert await service.store.get_learner("dm", "101") is None  # nothing enrolled in the DM
    with pytest.raises(StudyError, match="no cards to review there"):
        await service.press(Actor("dm", "999", "Eve"), message.reply.buttons[0].action)
    with pytest.raises(StudyError, match="belongs to someone else"):
        await service.press(Actor("dm", "999", "Eve"), card.buttons[0].action)


async def test_every_place_with_cards_due_gets_its_own_button(open_service: Opener) -> None:
    clock = FrozenClock(MAY_FIRST)
    service = await open_service(clock)
    await study(service, ANA)
    await study(service, Actor("guild:2", "101", "Ana B."))
    await service.execute(ANA, "remind on", {})
    clock.advance(timedelta(hours=9))

    [message] = await service.reminders.due_reminders(clock(), DISCORD, {"guild:1": "One", "guild:2": "Two"}.get)

    assert message.reply.title == "Time to review: 2 cards due"
    assert [b.label for b in message.reply.buttons] == [f"{REVIEW_NOW}: One", f"{REVIEW_NOW}: Two"]
    assert "**One**: 1 card due" in message.reply.body and "**Two**: 1 card due" in message.reply.body


async def test_console_reminders_are_the_consoles_alone(open_service: Opener) -> None:
    clock = FrozenClock(MAY_FIRST)
    service = await open_service(clock)
    ann = Actor("console", "ann", "ann")
    await study(service, ann)
    await service.execute(ann, "remind on", {"time": "12:00"})
    clock.advance(timedelta(hours=3))

    assert await due(service, clock, DISCORD) == []
    [message] = await due(service, clock, CONSOLE)
    assert message.reply.footer is not None and message.reply.footer.startswith("Reminder for ann")
    assert "In **the console** 1 card due" in message.reply.body
    review = await service.press(ann, message.reply.buttons[0].action)
    assert review.title == "Review · card 1 of 1"
