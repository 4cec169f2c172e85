"""Buttons and prompts end to end: a whole quiz by clicks, restarts, other people's clicks."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.presentation.replies import Button
from bot.discord_frontend import StudyBot
from bot.discord_frontend.action_button import ActionButton
from bot.discord_frontend.rendering import reply_view
from tests.discord_frontend.conftest import StartBot
from tests.discord_frontend.fake_discord import EPHEMERAL, OTHER, STUDENT, Exchange, FakeDiscord, flags_of

NO_MENTIONS = {"parse": []}


def assert_edited_in_place(exchange: Exchange, message_id: int) -> dict[str, Any]:
    """The press was answered by UPDATE_MESSAGE on the pressed message; returns the new message data."""
    callback = exchange.callback
    assert callback.json["type"] == 7, callback.json
    assert callback.message_id == message_id
    assert callback.json["data"]["allowed_mentions"] == NO_MENTIONS
    return callback.json["data"]


async def test_a_whole_quiz_round_by_clicks(fake: FakeDiscord, bot: StudyBot) -> None:
    """Every kind of card: choice and true/false buttons, a short answer typed into a modal,
    a flashcard revealed and rated; every step replaces the quiz message, the end shows a summary."""
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"count": 5}))
    message_id = start.message_id
    assert flags_of(fake.messages[message_id]) & EPHEMERAL
    seen: set[str] = set()
    step = start
    for _ in range(20):
        title = step.embed["title"]
        if title.startswith("Quiz finished"):
            break
        verb = next(b["custom_id"].split(":")[1] for b in step.buttons)
        seen.add(verb)
        button = step.button(f"sb:{verb}:")
        pressed = await fake.interact(bot, fake.click(STUDENT, message_id, button["custom_id"]))
        if verb == "ask":  # a short answer: the press opens a modal, submitting it answers
            modal = pressed.callback.json
            assert modal["type"] == 9
            assert modal["data"]["custom_id"].startswith("sb:txt:")
            assert modal["data"]["title"]
            pressed = await fake.interact(
                bot, fake.submit(STUDENT, modal["data"], "Toshiba Machine", message_id=message_id))
            assert pressed.embed["title"] == "Correct!"
        elif verb == "show":  # a flashcard: reveal, then rate Good
            assert_edited_in_place(pressed, message_id)
            assert [b["label"] for b in pressed.buttons] == ["Again", "Hard", "Good", "Easy"]
            good = next(b["custom_id"] for b in pressed.buttons if b["label"] == "Good")
            pressed = await fake.interact(bot, fake.click(STUDENT, message_id, good))
            assert "Rated Good" in pressed.text
        assert_edited_in_place(pressed, message_id)
        step = pressed
    else:
        raise AssertionError("the quiz did not finish")

    assert seen == {"ans", "ask", "show", "next"}
    assert step.embed["title"].startswith("Quiz finished: ")
    assert step.embed["title"].endswith("/5")
    assert [b["label"] for b in step.buttons][-1] == "New round"
    assert not step.followups  # a private quiz posts nothing in the channel


async def test_a_wrong_short_answer_is_marked_wrong(fake: FakeDiscord, bot: StudyBot) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "short"}))
    ask = await fake.interact(bot, fake.click(STUDENT, start.message_id, start.button("sb:ask:")["custom_id"]))

    answered = await fake.interact(bot, fake.submit(STUDENT, ask.callback.json["data"], "Sony",
                                                    message_id=start.message_id))

    assert answered.embed["title"] == "Not quite"
    assert "Toshiba" in answered.text


async def test_a_click_after_a_restart_continues_the_session(fake: FakeDiscord, start_bot: StartBot) -> None:
    first = await start_bot()
    start = await fake.interact(first, fake.command(STUDENT, "quiz", {"type": "truefalse", "count": 2}))
    await first.close()

    second = await start_bot()
    answer = start.button("sb:ans:")["custom_id"]
    answered = await fake.interact(second, fake.click(STUDENT, start.message_id, answer))

    data = assert_edited_in_place(answered, start.message_id)
    assert data["embeds"][0]["title"] in ("Correct!", "Not quite")
    following = await fake.interact(second, fake.click(STUDENT, start.message_id,
                                                       answered.button("sb:next:")["custom_id"]))
    assert following.embed["title"].endswith("card 2 of 2")


async def test_a_short_answer_submitted_after_a_restart_is_graded(fake: FakeDiscord, start_bot: StartBot) -> None:
    first = await start_bot()
    start = await fake.interact(first, fake.command(STUDENT, "quiz", {"type": "short"}))
    ask = await fake.interact(first, fake.click(STUDENT, start.message_id, start.button("sb:ask:")["custom_id"]))
    await first.close()

    second = await start_bot()
    answered = await fake.interact(second, fake.submit(STUDENT, ask.callback.json["data"], "toshiba",
                                                       message_id=start.message_id))

    assert_edited_in_place(answered, start.message_id)
    assert answered.embed["title"] == "Correct!"


async def test_a_prompt_submitted_without_its_message_answers_in_a_new_message(fake: FakeDiscord,
                                                                                bot: StudyBot) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "short"}))
    ask = await fake.interact(bot, fake.click(STUDENT, start.message_id, start.button("sb:ask:")["custom_id"]))

    answered = await fake.interact(bot, fake.submit(STUDENT, ask.callback.json["data"], "Toshiba"))

    assert answered.callback.json["type"] == 4
    assert answered.embed["title"] == "Correct!"


async def test_a_click_by_someone_else_is_refused_politely(fake: FakeDiscord, bot: StudyBot) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "choice"}))
    before = dict(fake.messages[start.message_id])

    refused = await fake.interact(bot, fake.click(OTHER, start.message_id, start.button("sb:ans:")["custom_id"]))

    assert refused.callback.json["type"] == 4
    assert refused.callback.json["data"]["flags"] & EPHEMERAL
    assert "This quiz belongs to someone else." in refused.text
    assert fake.messages[start.message_id] == before


async def test_a_shared_quiz_posts_its_summary_in_the_channel(fake: FakeDiscord, bot: StudyBot) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "choice", "share": True}))
    answered = await fake.interact(bot, fake.click(STUDENT, start.message_id, start.button("sb:ans:")["custom_id"]))
    results = answered.button("sb:next:")
    if results["label"] == "Next":  # answered wrong: the card comes back once
        again = await fake.interact(bot, fake.click(STUDENT, start.message_id, results["custom_id"]))
        answered = await fake.interact(bot, fake.click(STUDENT, start.message_id, again.button("sb:ans:")["custom_id"]))
        results = answered.button("sb:next:")
    assert results["label"] == "See results"

    finished = await fake.interact(bot, fake.click(STUDENT, start.message_id, results["custom_id"]))

    assert_edited_in_place(finished, start.message_id)
    [public] = finished.followups
    assert not flags_of(public.json) & EPHEMERAL
    assert public.json["allowed_mentions"] == NO_MENTIONS
    assert public.json["embeds"][0]["title"].startswith("Quiz finished")
    assert "Ada" in public.json["embeds"][0]["footer"]["text"]


async def test_end_stops_the_round_and_shows_the_summary(fake: FakeDiscord, bot: StudyBot) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"count": 3}))

    ended = await fake.interact(bot, fake.click(STUDENT, start.message_id, start.button("sb:end:")["custom_id"]))

    assert_edited_in_place(ended, start.message_id)
    assert ended.embed["title"] == "Quiz finished: 0/0"


async def test_a_quote_opens_beside_the_definition(fake: FakeDiscord, bot: StudyBot) -> None:
    term = await fake.interact(bot, fake.command(STUDENT, "define", {"term": "linkage"}))

    quote = await fake.interact(bot, fake.click(STUDENT, term.message_id, term.button("sb:psg:")["custom_id"]))

    assert quote.callback.json["type"] == 4
    assert quote.callback.json["data"]["flags"] & EPHEMERAL
    assert "A Sample Paper" in quote.embed["title"]
    assert fake.messages[term.message_id]["embeds"][0]["title"] == "Linkage politics"


async def test_a_see_also_button_defines_the_other_term(fake: FakeDiscord, bot: StudyBot) -> None:
    term = await fake.interact(bot, fake.command(STUDENT, "define", {"term": "linkage"}))

    other = await fake.interact(bot, fake.click(STUDENT, term.message_id, term.button("sb:def:")["custom_id"]))

    assert other.embed["title"] == "Northern Territories"


async def test_a_mangled_button_is_answered_as_stale(fake: FakeDiscord, bot: StudyBot) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "choice"}))
    payload = fake.click(STUDENT, start.message_id, start.button("sb:ans:")["custom_id"])
    payload["data"]["custom_id"] = "sb:nope:1"
    payload["message"]["components"][0]["components"][0]["custom_id"] = "sb:nope:1"

    stale = await fake.interact(bot, payload)

    assert stale.callback.json["type"] == 4
    assert "That button is no longer valid." in stale.text


async def test_paging_replaces_the_results_but_not_for_someone_else(fake: FakeDiscord, bot: StudyBot,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.core.service.lookups.EXCERPTS_PER_PAGE", 1)  # the fixture course is small
    results = await fake.interact(bot, fake.command(STUDENT, "excerpt", {"query": "Soviet"}))
    page = results.button("sb:xp:")["custom_id"]
    fake.messages[results.message_id]["flags"] = 0  # as if public: only then can someone else press it
    before = dict(fake.messages[results.message_id])

    theirs = await fake.interact(bot, fake.click(OTHER, results.message_id, page))
    mine = await fake.interact(bot, fake.click(STUDENT, results.message_id, page))

    assert theirs.callback.json["type"] == 4
    assert theirs.callback.json["data"]["flags"] & EPHEMERAL
    assert theirs.embed["title"] == before["embeds"][0]["title"]
    assert_edited_in_place(mine, results.message_id)


async def test_an_ephemeral_message_is_its_viewers_own_even_without_metadata(fake: FakeDiscord,
                                                                            bot: StudyBot) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "choice"}))
    del fake.messages[start.message_id]["interaction_metadata"]

    answered = await fake.interact(bot, fake.click(STUDENT, start.message_id, start.button("sb:ans:")["custom_id"]))

    assert_edited_in_place(answered, start.message_id)


async def test_no_modal_is_held_in_memory_while_a_prompt_is_open(fake: FakeDiscord, bot: StudyBot) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "short"}))

    await fake.interact(bot, fake.click(STUDENT, start.message_id, start.button("sb:ask:")["custom_id"]))

    assert not bot._connection._view_store._modals


async def test_a_view_that_times_out_leaves_the_buttons_registered(fake: FakeDiscord, bot: StudyBot) -> None:
    """discord.py gives ephemeral views a 15-minute timeout; when it fires, presses must still work."""
    store = bot._connection._view_store
    view = reply_view((Button("Next", "sb:next:abc"),))
    assert view is not None
    store.add_view(view, 123)

    store.remove_view(view)

    assert ActionButton in store._dynamic_items.values()


@pytest.mark.parametrize("custom_id", ["quiz:answer:3", "persistent_view:old", "sb"])
async def test_a_button_of_an_older_bot_gets_a_polite_answer(fake: FakeDiscord, bot: StudyBot, custom_id: str) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "choice"}))
    payload = fake.click(STUDENT, start.message_id, start.button("sb:ans:")["custom_id"])
    payload["data"]["custom_id"] = custom_id  # a message sent by an older version of the bot

    old = await fake.interact(bot, payload)

    assert old.callback.json["type"] == 4 and old.callback.json["data"]["flags"] & EPHEMERAL
    assert "This message is out of date" in old.text
