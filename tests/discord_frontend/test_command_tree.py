"""One error handler for commands, buttons and prompts: cooldowns, StudyErrors, checks, bugs."""

from __future__ import annotations

import re

import pytest

from bot.core.errors import StudyError
from bot.discord_frontend import StudyBot
from tests.discord_frontend.conftest import LoggedErrors
from tests.discord_frontend.fake_discord import EPHEMERAL, OTHER, STUDENT, Exchange, FakeDiscord

ERROR_CODE = re.compile(r"error code ([0-9a-f]{6})")


async def broken(*args: object, **kwargs: object) -> None:
    raise RuntimeError("a bug")


def assert_error_code_shown_and_logged(exchange: Exchange, logged_errors: LoggedErrors) -> None:
    match = ERROR_CODE.search(exchange.text)
    assert match, exchange.text
    assert exchange.embed["title"] == "Sorry"
    assert exchange.message["flags"] & EPHEMERAL
    [record] = logged_errors.take()
    assert match.group(1) in record.getMessage()
    assert record.exc_info is not None


async def test_a_bug_in_a_command_shows_an_error_code(fake: FakeDiscord, bot: StudyBot,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      logged_errors: LoggedErrors) -> None:
    monkeypatch.setattr(bot.service, "topics", broken)

    exchange = await fake.interact(bot, fake.command(STUDENT, "topics"))

    assert exchange.callback.json["type"] == 4
    assert_error_code_shown_and_logged(exchange, logged_errors)
    assert "a bug" not in exchange.text


async def test_a_bug_after_deferring_is_reported_in_a_followup(fake: FakeDiscord, bot: StudyBot,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               logged_errors: LoggedErrors) -> None:
    monkeypatch.setattr(bot.service, "excerpt", broken)

    exchange = await fake.interact(bot, fake.command(STUDENT, "excerpt", {"query": "Toshiba"}))

    assert exchange.callback.json["type"] == 5
    assert len(exchange.followups) == 1
    assert_error_code_shown_and_logged(exchange, logged_errors)


async def test_a_bug_in_a_button_press_shows_an_error_code(fake: FakeDiscord, bot: StudyBot,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           logged_errors: LoggedErrors) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "choice"}))
    monkeypatch.setattr(bot.service, "press", broken)

    exchange = await fake.interact(bot, fake.click(STUDENT, start.message_id, start.button("sb:ans:")["custom_id"]))

    assert exchange.callback.json["type"] == 4
    assert_error_code_shown_and_logged(exchange, logged_errors)


async def test_a_bug_in_a_prompt_submission_shows_an_error_code(fake: FakeDiscord, bot: StudyBot,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                logged_errors: LoggedErrors) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "short"}))
    ask = await fake.interact(bot, fake.click(STUDENT, start.message_id, start.button("sb:ask:")["custom_id"]))
    monkeypatch.setattr(bot.service, "submit", broken)

    exchange = await fake.interact(bot, fake.submit(STUDENT, ask.callback.json["data"], "Toshiba",
                                                    message_id=start.message_id))

    assert exchange.callback.json["type"] == 4
    assert_error_code_shown_and_logged(exchange, logged_errors)


async def test_a_study_error_shows_its_message_and_hint(fake: FakeDiscord, bot: StudyBot,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*args: object, **kwargs: object) -> None:
        raise StudyError("The library is closed.", hint="come back tomorrow")

    monkeypatch.setattr(bot.service, "sources", refuse)

    exchange = await fake.interact(bot, fake.command(STUDENT, "sources"))

    assert exchange.callback.json["data"]["flags"] & EPHEMERAL
    assert exchange.embed["description"] == "The library is closed.\n\n*Come back tomorrow.*"


async def test_an_empty_short_answer_is_a_study_error(fake: FakeDiscord, bot: StudyBot) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "short"}))
    ask = await fake.interact(bot, fake.click(STUDENT, start.message_id, start.button("sb:ask:")["custom_id"]))

    exchange = await fake.interact(bot, fake.submit(STUDENT, ask.callback.json["data"], "   ",
                                                    message_id=start.message_id))

    assert exchange.callback.json["type"] == 4
    assert "Your answer was empty." in exchange.text


async def test_a_command_on_cooldown_asks_politely_to_retry(fake: FakeDiscord, bot: StudyBot) -> None:
    exchanges = [await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "choice"})) for _ in range(4)]

    assert [e.embed["title"] for e in exchanges[:3]] == ["Quiz · card 1 of 1"] + ["You have a quiz open"] * 2
    refused = exchanges[3]
    assert refused.callback.json["data"]["flags"] & EPHEMERAL
    assert refused.embed["title"] == "Sorry"
    assert re.search(r"Retry in \d+s\.", refused.text), refused.text


async def test_a_cooldown_is_per_user(fake: FakeDiscord, bot: StudyBot) -> None:
    for _ in range(3):
        await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "choice"}))

    other = await fake.interact(bot, fake.command(OTHER, "quiz", {"type": "choice"}))

    assert other.embed["title"] == "Quiz · card 1 of 1"


async def test_an_error_reply_that_cannot_be_sent_is_logged_not_raised(fake: FakeDiscord, bot: StudyBot,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       logged_errors: LoggedErrors) -> None:
    monkeypatch.setattr(bot.service, "topics", broken)
    fake.fail("POST", "/callback", status=404)

    exchange = await fake.interact(bot, fake.command(STUDENT, "topics"))

    assert len(exchange.callbacks) == 1
    [record] = logged_errors.take()
    assert "Unexpected error" in record.getMessage()


async def test_a_command_the_bot_no_longer_has_is_explained(fake: FakeDiscord, bot: StudyBot) -> None:
    exchange = await fake.interact(bot, fake.command(STUDENT, "flashcards"))

    assert exchange.callback.json["data"]["flags"] & EPHEMERAL
    assert "That command is not available any more." in exchange.text


async def test_autocomplete_for_an_unknown_command_is_ignored_quietly(fake: FakeDiscord, bot: StudyBot) -> None:
    exchange = await fake.interact(bot, fake.autocomplete(STUDENT, "flashcards", "deck", "x"))

    assert exchange.requests == []
