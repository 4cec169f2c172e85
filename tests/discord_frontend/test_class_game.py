"""The class game end to end: the real discord.py against the fake Discord, on one SQLite file.

The bot runs on a frozen clock so deadlines fall due when a test moves it; the deadline
timer itself is the bot's own (started at login), so reveals here come the way they do in
production: from the stored deadline, with no interaction to answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.clock import FrozenClock
from bot.core.service import class_timer
from bot.discord_frontend import StudyBot
from tests.discord_frontend.conftest import StartBot
from tests.discord_frontend.fake_discord import (
    CHANNEL_ID,
    EPHEMERAL,
    GUILD_ID,
    INSTRUCTOR,
    STUDENT,
    Exchange,
    FakeDiscord,
    Person,
    Request,
    buttons_of,
    flags_of,
)

START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
LONG_NAME = "*Ｗ_" * 27  # 81 characters of Markdown bait, longer than any Discord name
STUDENTS = [Person(333_000_000_000_000_000 + i, f"{LONG_NAME}{i:02d}") for i in range(30)]

StartGameBot = Callable[[], Awaitable[StudyBot]]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def start_game_bot(start_bot: StartBot, clock: FrozenClock) -> StartGameBot:
    """Start bots on the game's fixed clock (each closed afterwards by ``start_bot``)."""
    return lambda: start_bot(clock=clock)


@pytest.fixture
async def game_bot(start_game_bot: StartGameBot) -> StudyBot:
    return await start_game_bot()


async def burst(fake: FakeDiscord, bot: StudyBot, payloads: list[dict[str, Any]]) -> Exchange:
    """Deliver many interactions at once (a class clicking in the same second), then wait for all."""
    first = len(fake.requests)
    for payload in payloads:
        bot._connection.parsers["INTERACTION_CREATE"](payload)
    await fake.settle()
    return Exchange(fake.requests[first:])


async def eventually(condition: Callable[[], bool], what: str) -> None:
    """Wait for something the bot's own timer does (it is not an interaction the fake can settle)."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def posts(fake: FakeDiscord) -> list[Request]:
    return [r for r in fake.requests if r.kind == "channel" and r.method == "POST"]


def edits(fake: FakeDiscord, message_id: int) -> list[Request]:
    return [r for r in fake.requests if r.kind == "channel" and r.method == "PATCH" and r.message_id == message_id]


def text_of(body: dict[str, Any]) -> str:
    [embed] = body["embeds"]
    return "\n".join([embed.get("title", ""), embed.get("description", ""),
                      (embed.get("footer") or {}).get("text", "")])


def ids(body: dict[str, Any]) -> list[str]:
    return [b["custom_id"] for b in buttons_of(body)]


def assert_fits_discord(body: dict[str, Any]) -> None:
    for embed in body.get("embeds") or []:
        assert len(embed.get("title", "")) <= 256 and len(embed.get("description", "")) <= 4096
        total = len(embed.get("title", "")) + len(embed.get("description", "")) + len(
            (embed.get("footer") or {}).get("text", "")) + sum(len(f["name"]) + len(f["value"])
                                                               for f in embed.get("fields", []))
        assert total <= 6000
    rows = body.get("components") or []
    assert len(rows) <= 5 and all(len(row["components"]) <= 5 for row in rows)
    for button in buttons_of(body):
        assert len(button.get("label", "")) <= 80 and len(button["custom_id"]) <= 100


async def start_game(fake: FakeDiscord, bot: StudyBot, **options: Any) -> tuple[Exchange, int]:
    exchange = await fake.interact(bot, fake.command(INSTRUCTOR, "class start", options))
    assert "Class game started" in exchange.text, exchange.text
    [post] = [r for r in exchange.requests if r.kind == "channel"]
    assert post.path.endswith(f"/channels/{CHANNEL_ID}/messages")
    return exchange, post.message_id or 0


def answer_buttons(fake: FakeDiscord, message_id: int) -> list[str]:
    return [i for i in ids(fake.messages[message_id]) if i.startswith("sb:ca:")]


async def test_a_full_game_with_a_class_clicking_at_once(
        fake: FakeDiscord, game_bot: StudyBot, clock: FrozenClock) -> None:
    start, first = await start_game(fake, game_bot, count=2, seconds=20)
    assert flags_of(start.message) & EPHEMERAL  # the instructor's acknowledgement is private
    question = fake.messages[first]
    assert not flags_of(question) & EPHEMERAL
    assert "0** answered so far" in text_of(question) and "<t:1714554020:R>" in text_of(question)
    options = answer_buttons(fake, first)
    assert len(options) >= 2 and any(i.startswith("sb:cr:") for i in ids(question))

    clock.advance(timedelta(seconds=4))
    exchange = await burst(fake, game_bot, [fake.click(s, first, options[i % 2]) for i, s in enumerate(STUDENTS)])
    changes = await burst(fake, game_bot, [fake.click(s, first, options[1]) for s in STUDENTS[:10]])
    confirmations = exchange.callbacks + changes.callbacks
    assert len(confirmations) == 40  # one private confirmation for every click, none lost
    assert all(c.json["type"] == 4 and flags_of(c.json["data"]) & EPHEMERAL for c in confirmations)
    assert all("you can change it until time is up" in text_of(c.json["data"]).lower() for c in confirmations)
    assert sum(" recorded\n" in text_of(c.json["data"]) for c in exchange.callbacks) == 30
    assert all(" changed\n" in text_of(c.json["data"]) for c in changes.callbacks)
    assert "30 answered so far" in text_of(changes.callbacks[-1].json["data"])

    late = fake.click(STUDENTS[0], first, options[0])  # pressed on a client that still shows the question
    clock.advance(timedelta(seconds=17))
    game_bot.service.class_timer.poke()
    await eventually(lambda: bool(edits(fake, first)), "the reveal at the deadline")
    reveal = edits(fake, first)[-1].json
    text = text_of(reveal)
    assert "Question 1 of 2: the answer" in text and "30 answered" in text
    assert "Top 5 so far" in text and text.count(" pts (") == 5
    assert "Ｗ\\_" in text and "\\*Ｗ" in text  # names shown literally, never as Markdown
    assert ids(reveal) and all(i.startswith("sb:cn:") for i in ids(reveal))
    counts = [int(line.split("` ")[1].split(" ")[0]) for line in reveal["embeds"][0]["description"].splitlines()
              if line.startswith("`")]
    assert sorted(counts)[-2:] == [10, 20] and sum(counts) == 30  # 10 on A, 20 on B, nothing lost or doubled
    assert_fits_discord(reveal)

    refused = await fake.interact(game_bot, late)
    assert "Time is up" in refused.text and flags_of(refused.message) & EPHEMERAL
    assert len(edits(fake, first)) == 1

    nobody = await fake.interact(game_bot, fake.click(STUDENTS[3], first, ids(reveal)[0]))
    assert "Only instructors" in nobody.text
    moved = await fake.interact(game_bot, fake.click(INSTRUCTOR, first, ids(reveal)[0]))
    assert "Question 2 is up" in moved.text
    second = posts(fake)[-1].message_id
    assert second is not None and second != first and "question 2 of 2" in text_of(fake.messages[second])
    await burst(fake, game_bot, [fake.click(s, second, answer_buttons(fake, second)[0]) for s in STUDENTS[:5]])

    clock.advance(timedelta(seconds=25))
    game_bot.service.class_timer.poke()
    await eventually(lambda: bool(edits(fake, second)), "the second reveal")
    results = await fake.interact(game_bot, fake.click(INSTRUCTOR, second, ids(edits(fake, second)[-1].json)[0]))
    assert "Class game over" in results.text
    final = posts(fake)[-1].json
    text = text_of(final)
    assert "Final standings" in text and "… and 20 more" in text
    assert "Q1" in text and "Q2" in text and "Hardest question" in text
    assert_fits_discord(final)
    for request in fake.requests:
        if request.message is not None:
            assert_fits_discord(request.message)

    learner = await game_bot.service.store.learner_id(f"guild:{GUILD_ID}", str(STUDENTS[0].id))
    assert learner is not None
    assert len(await game_bot.service.store.card_states(learner)) >= 1  # the game fed their FSRS schedule
    scores = await fake.interact(game_bot, fake.command(STUDENTS[0], "class scores"))
    assert "After 2 of 2 questions (the game is over)" in scores.text and flags_of(scores.message) & EPHEMERAL


async def test_reveal_now_and_stop_belong_to_instructors(fake: FakeDiscord, game_bot: StudyBot) -> None:
    _, first = await start_game(fake, game_bot, count=3, seconds=60)
    reveal_now = next(i for i in ids(fake.messages[first]) if i.startswith("sb:cr:"))
    refused = await fake.interact(game_bot, fake.click(STUDENT, first, reveal_now))
    assert "Only instructors can reveal" in refused.text and not edits(fake, first)
    await fake.interact(game_bot, fake.click(STUDENT, first, answer_buttons(fake, first)[0]))

    double = fake.click(INSTRUCTOR, first, reveal_now)  # a second press from a client not yet updated
    early = await fake.interact(game_bot, fake.click(INSTRUCTOR, first, reveal_now))
    assert "Question 1 revealed" in early.text and flags_of(early.message) & EPHEMERAL
    assert "1 answered" in text_of(edits(fake, first)[-1].json)
    again = await fake.interact(game_bot, double)
    assert "already been revealed" in again.text and len(edits(fake, first)) == 1

    student_stop = await fake.interact(game_bot, fake.command(STUDENT, "class stop"))
    assert "Only instructors can stop" in student_stop.text
    stop = await fake.interact(game_bot, fake.command(INSTRUCTOR, "class stop"))
    assert "Class game stopped" in stop.text
    final = posts(fake)[-1].json
    assert "stopped the game after 1 of 3 questions" in text_of(final)
    again = await fake.interact(game_bot, fake.command(INSTRUCTOR, "class stop"))
    assert "No class game is running" in again.text


async def test_stop_mid_question_reveals_it_without_buttons(fake: FakeDiscord, game_bot: StudyBot) -> None:
    _, first = await start_game(fake, game_bot, count=2, seconds=30)
    await fake.interact(game_bot, fake.click(STUDENT, first, answer_buttons(fake, first)[0]))
    await fake.interact(game_bot, fake.command(INSTRUCTOR, "class stop"))
    [reveal] = edits(fake, first)
    assert "the answer" in text_of(reveal.json) and not ids(reveal.json)
    assert "after 1 of 2 questions" in text_of(posts(fake)[-1].json)


async def test_one_game_per_channel_and_only_instructors_start(fake: FakeDiscord, game_bot: StudyBot) -> None:
    student = await fake.interact(game_bot, fake.command(STUDENT, "class start"))
    assert "Only instructors can start a class game" in student.text and flags_of(student.message) & EPHEMERAL
    assert not posts(fake)
    await start_game(fake, game_bot, count=1, seconds=10)
    second = await fake.interact(game_bot, fake.command(INSTRUCTOR, "class start"))
    assert "already running in this channel" in second.text and flags_of(second.message) & EPHEMERAL
    assert len(posts(fake)) == 1


async def test_a_restart_mid_question_resumes_from_the_stored_deadline(
        fake: FakeDiscord, start_game_bot: StartGameBot, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(class_timer, "MAX_NAP_SECONDS", 0.02)  # the frozen clock never wakes a long sleep
    first_bot = await start_game_bot()
    _, first = await start_game(fake, first_bot, count=2, seconds=20, auto=True)
    option = answer_buttons(fake, first)[0]
    await fake.interact(first_bot, fake.click(STUDENT, first, option))
    await first_bot.close()

    second_bot = await start_game_bot()  # a new process: nothing in memory, the same database
    again = await fake.interact(second_bot, fake.click(STUDENTS[0], first, option))
    assert "recorded" in again.text
    await asyncio.sleep(0.1)
    assert not edits(fake, first)  # the deadline has not come yet
    clock.advance(timedelta(seconds=20))
    await eventually(lambda: bool(edits(fake, first)), "the reveal re-armed from the stored deadline")
    assert "2 answered" in text_of(edits(fake, first)[-1].json)
    clock.advance(timedelta(seconds=8))  # the automatic pause
    await eventually(lambda: len(posts(fake)) == 2, "the next question posted by itself")
    second = posts(fake)[-1].message_id
    assert second is not None and "question 2 of 2" in text_of(fake.messages[second])
    await second_bot.close()

    clock.advance(timedelta(minutes=5))  # down past the second deadline
    await start_game_bot()
    await eventually(lambda: bool(edits(fake, second)), "the passed deadline revealed at once on start")
    clock.advance(timedelta(seconds=8))
    await eventually(lambda: "Class game over" in text_of(posts(fake)[-1].json) if len(posts(fake)) == 3
                     else False, "the pause after the last reveal")


async def test_the_answer_count_is_refreshed_in_few_edits_and_never_after_the_reveal(
        fake: FakeDiscord, game_bot: StudyBot, clock: FrozenClock) -> None:
    game_bot.publisher.live_interval = 0.05
    _, first = await start_game(fake, game_bot, count=1, seconds=30)
    option = answer_buttons(fake, first)[0]
    await burst(fake, game_bot, [fake.click(s, first, option) for s in STUDENTS])
    await eventually(lambda: bool(edits(fake, first)), "the refreshed count")
    [refresh] = edits(fake, first)  # thirty clicks, one edit
    assert "30** answered so far" in text_of(refresh.json) and ids(refresh.json) == ids(fake.messages[first])

    await burst(fake, game_bot, [fake.click(STUDENT, first, option)])  # a refresh is now pending…
    clock.advance(timedelta(seconds=30))
    await game_bot.service.class_game.run_due()  # …and the reveal seals the message first
    await asyncio.sleep(0.2)
    assert len(edits(fake, first)) == 2 and "the answer" in text_of(edits(fake, first)[-1].json)


async def test_a_channel_the_bot_cannot_post_in_is_explained_and_blocks_nothing(
        fake: FakeDiscord, game_bot: StudyBot) -> None:
    fake.fail("POST", f"/channels/{CHANNEL_ID}/messages", 403)
    refused = await fake.interact(game_bot, fake.command(INSTRUCTOR, "class start"))
    assert "can't post in this channel" in refused.text and flags_of(refused.message) & EPHEMERAL
    fake.recover()
    await start_game(fake, game_bot, count=1, seconds=10)  # the failed game did not keep the channel busy
