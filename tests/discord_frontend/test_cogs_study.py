"""Every student command end to end: the interaction response Discord would receive."""

from __future__ import annotations

import pytest

from bot.discord_frontend import StudyBot
from tests.discord_frontend.fake_discord import EPHEMERAL, INSTRUCTOR, OTHER, STUDENT, Exchange, FakeDiscord

NO_MENTIONS = {"parse": []}


def assert_private_message(exchange: Exchange) -> dict:
    """One CHANNEL_MESSAGE_WITH_SOURCE response, ephemeral, pinging nobody; returns its data."""
    callback = exchange.callback
    assert callback.json["type"] == 4
    data = callback.json["data"]
    assert data["flags"] & EPHEMERAL
    assert data["allowed_mentions"] == NO_MENTIONS
    return data


def assert_deferred_then_private(exchange: Exchange) -> dict:
    """A private "thinking…" response, then one followup with the reply; returns the followup."""
    assert exchange.callback.json == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert len(exchange.followups) == 1
    body = exchange.followups[0].json
    assert body["flags"] & EPHEMERAL
    assert body["allowed_mentions"] == NO_MENTIONS
    return body


@pytest.mark.parametrize(("command", "options", "expected"), [
    ("topics", {}, "How the dispute began."),
    ("sources", {}, "A Sample Story (fiction)"),
    ("help", {}, "/quiz"),
    ("progress", {}, "Progress of Ada"),
    ("leaderboard", {"period": "all"}, "Leaderboard · all time"),
    ("review", {}, "Nothing to review"),
])
async def test_simple_commands_answer_privately_with_an_embed(fake: FakeDiscord, bot: StudyBot, command: str,
                                                              options: dict, expected: str) -> None:
    exchange = await fake.interact(bot, fake.command(STUDENT, command, options))

    data = assert_private_message(exchange)
    assert expected in exchange.text
    assert data["embeds"][0]["color"]


async def test_help_lists_instructor_tools_only_for_instructors(fake: FakeDiscord, bot: StudyBot) -> None:
    student = await fake.interact(bot, fake.command(STUDENT, "help"))
    instructor = await fake.interact(bot, fake.command(INSTRUCTOR, "help"))

    assert "/instructor reload" not in student.text
    assert "/instructor reload" in instructor.text


async def test_quiz_shows_the_first_card_with_answer_buttons(fake: FakeDiscord, bot: StudyBot) -> None:
    exchange = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "choice"}))

    data = assert_private_message(exchange)
    assert exchange.embed["title"] == "Quiz · card 1 of 1"
    assert "What has the island dispute blocked?" in exchange.text
    labels = [b["label"] for b in exchange.buttons]
    assert len(labels) == 4 and labels[-1] == "End"
    assert all(b["custom_id"].startswith("sb:") for b in exchange.buttons)
    assert data["components"][0]["type"] == 1


async def test_define_shows_the_term_with_quote_and_see_also_buttons(fake: FakeDiscord, bot: StudyBot) -> None:
    exchange = await fake.interact(bot, fake.command(STUDENT, "define", {"term": "linkage"}))

    assert_private_message(exchange)
    assert exchange.embed["title"] == "Linkage politics"
    assert [b["label"] for b in exchange.buttons] == ["Quote", "See also: Northern Territories"]


async def test_excerpt_defers_then_lists_passages_with_paging(fake: FakeDiscord, bot: StudyBot,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.core.service.lookups.EXCERPTS_PER_PAGE", 1)  # the fixture course is small
    exchange = await fake.interact(bot, fake.command(STUDENT, "excerpt", {"query": "Soviet"}))

    body = assert_deferred_then_private(exchange)
    assert body["embeds"][0]["title"].startswith("Excerpts for")
    labels = [b["label"] for b in exchange.buttons]
    assert labels[:2] == ["Prev", "Next"]


async def test_progress_of_another_member_needs_instructor_rights(fake: FakeDiscord, bot: StudyBot) -> None:
    await fake.interact(bot, fake.command(OTHER, "topics"))
    await fake.interact(bot, fake.command(OTHER, "quiz", {"type": "choice"}))

    refused = await fake.interact(bot, fake.command(STUDENT, "progress", {"member": OTHER}))
    allowed = await fake.interact(bot, fake.command(INSTRUCTOR, "progress", {"member": OTHER}))

    assert_private_message(refused)
    assert "Only instructors can see another member's progress" in refused.text
    assert allowed.embed["title"] == "Progress of Grace"


async def test_leaderboard_in_a_dm_is_refused_politely(fake: FakeDiscord, bot: StudyBot) -> None:
    exchange = await fake.interact(bot, fake.command(STUDENT, "leaderboard", in_guild=False))

    assert_private_message(exchange)
    assert exchange.embed["title"] == "Sorry"
    assert "Leaderboards belong to a server." in exchange.text


@pytest.mark.parametrize(("command", "option", "typed", "expected"), [
    ("quiz", "topic", "tra", {"name": "Trade", "value": "trade"}),
    ("define", "term", "north", {"name": "Northern Territories", "value": "northern-territories"}),
    ("excerpt", "source", "story", {"name": "A Sample Story (fiction)", "value": "story"}),
    ("instructor stats", "topic", "hist", {"name": "History", "value": "history"}),
])
async def test_autocomplete_offers_choices_from_the_service(fake: FakeDiscord, bot: StudyBot, command: str,
                                                            option: str, typed: str, expected: dict) -> None:
    exchange = await fake.interact(bot, fake.autocomplete(INSTRUCTOR, command, option, typed))

    assert exchange.callback.json["type"] == 8
    assert expected in exchange.callback.json["data"]["choices"]
