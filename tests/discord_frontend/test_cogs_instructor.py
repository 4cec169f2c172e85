"""The /instructor group end to end: refused without rights and without side effects, working with them."""

from __future__ import annotations

import csv
import io
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bot.core.content.instructor_files import UPLOAD_LIMIT_BYTES
from bot.discord_frontend import StudyBot
from bot.settings import Settings
from tests.discord_frontend.fake_discord import (
    ASSISTANT,
    EPHEMERAL,
    INSTRUCTOR,
    OTHER,
    STUDENT,
    Exchange,
    FakeDiscord,
    Person,
)

DECK = """\
topic: trade
cards:
  - id: trade-uploaded
    type: truefalse
    prompt: "The Toshiba sale violated COCOM export controls."
    answer: true
    explain: "Footnote 2 of the paper says so."
    cite: [{source: paper, quote: "The sale violated COCOM export controls."}]
"""
BROKEN_DECK = DECK.replace('quote: "The sale violated', 'quote: "Nowhere in the paper')


def row_counts(db_path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(db_path)) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


async def answer_one_card(fake: FakeDiscord, bot: StudyBot, person: Person) -> None:
    start = await fake.interact(bot, fake.command(person, "quiz", {"type": "choice"}))
    await fake.interact(bot, fake.click(person, start.message_id, start.button("sb:ans:")["custom_id"]))


def followup_of_deferred(exchange: Exchange) -> dict[str, Any]:
    assert exchange.callback.json == {"type": 5, "data": {"flags": EPHEMERAL}}
    [followup] = exchange.followups
    assert followup.json["flags"] & EPHEMERAL
    assert followup.json["allowed_mentions"] == {"parse": []}
    return followup.json


@pytest.mark.parametrize("command", ["reload", "check", "stats", "export", "upload", "reset"])
async def test_a_student_is_refused_every_instructor_command_without_side_effects(
        fake: FakeDiscord, bot: StudyBot, settings: Settings, command: str) -> None:
    await answer_one_card(fake, bot, OTHER)
    options: dict[str, Any] = {
        "upload": {"file": fake.attachment("new.yaml", DECK.encode())},
        "reset": {"member": OTHER},
        "export": {"format": "csv", "attempts": True},
    }.get(command, {})
    rows, files = row_counts(settings.db_path), files_in(settings.content_dir)

    refused = await fake.interact(bot, fake.command(STUDENT, f"instructor {command}", options))

    callback = refused.callback
    assert callback.json["type"] == 4
    assert callback.json["data"]["flags"] & EPHEMERAL
    assert "Only instructors can use the /instructor commands." in refused.text
    assert "components" not in callback.json["data"] and not callback.files
    assert not refused.followups
    assert not fake.requests_to("GET", "/attachments/")
    assert row_counts(settings.db_path) == rows
    assert files_in(settings.content_dir) == files


async def test_an_instructor_command_in_a_dm_is_refused(fake: FakeDiscord, bot: StudyBot) -> None:
    refused = await fake.interact(bot, fake.command(INSTRUCTOR, "instructor reload", in_guild=False))

    assert "Only instructors" in refused.text


async def test_the_instructor_role_grants_rights_by_id(fake: FakeDiscord, bot: StudyBot) -> None:
    reloaded = await fake.interact(bot, fake.command(ASSISTANT, "instructor reload"))

    assert followup_of_deferred(reloaded)["embeds"][0]["title"] == "Content reloaded"


async def test_reload_keeps_the_old_content_when_the_new_has_problems(fake: FakeDiscord, bot: StudyBot,
                                                                      settings: Settings) -> None:
    (settings.content_dir / "cards" / "broken.yaml").write_text(BROKEN_DECK, encoding="utf-8")

    refused = await fake.interact(bot, fake.command(INSTRUCTOR, "instructor reload"))
    checked = await fake.interact(bot, fake.command(INSTRUCTOR, "instructor check"))

    assert followup_of_deferred(refused)["embeds"][0]["title"].startswith("Reload refused")
    assert "broken.yaml" in refused.text
    assert followup_of_deferred(checked)["embeds"][0]["title"].startswith("Content has problems")
    assert "trade-uploaded" not in bot.service.content.cards


async def test_check_and_stats(fake: FakeDiscord, bot: StudyBot) -> None:
    await answer_one_card(fake, bot, STUDENT)

    checked = await fake.interact(bot, fake.command(INSTRUCTOR, "instructor check"))
    stats = await fake.interact(bot, fake.command(INSTRUCTOR, "instructor stats", {"topic": "history"}))

    assert followup_of_deferred(checked)["embeds"][0]["title"] == "Content is valid"
    assert followup_of_deferred(stats)["embeds"][0]["title"] == "Class statistics · History"
    assert "hist-occupied" in stats.text


async def test_export_sends_csv_attachments(fake: FakeDiscord, bot: StudyBot) -> None:
    await answer_one_card(fake, bot, STUDENT)

    exported = await fake.interact(bot, fake.command(INSTRUCTOR, "instructor export",
                                                     {"format": "csv", "attempts": True}))

    followup_of_deferred(exported)
    [request] = exported.followups
    names = sorted(name for name, _ in request.files.values())
    assert [n.rsplit("-", 3)[0] for n in names] == ["attempts", "progress-learners", "progress-topics"]
    learners = next(data for name, data in request.files.values() if name.startswith("progress-learners"))
    rows = list(csv.DictReader(io.StringIO(learners.decode("utf-8"))))
    assert [(row["answers"], row["right %"]) for row in rows] == [("1", rows[0]["right %"])] and len(rows) == 1
    assert [a["filename"] for a in request.json["attachments"]] == [n for n, _ in request.files.values()]


async def test_upload_writes_a_valid_deck_and_reloads(fake: FakeDiscord, bot: StudyBot, settings: Settings) -> None:
    deck = fake.attachment("My Deck!.yaml", DECK.encode())

    uploaded = await fake.interact(bot, fake.command(INSTRUCTOR, "instructor upload", {"file": deck}))

    assert followup_of_deferred(uploaded)["embeds"][0]["title"] == "Deck my-deck.yaml saved"
    assert (settings.content_dir / "cards" / "my-deck.yaml").read_text(encoding="utf-8") == DECK
    assert "trade-uploaded" in bot.service.content.cards


async def test_upload_of_an_invalid_deck_writes_nothing(fake: FakeDiscord, bot: StudyBot, settings: Settings) -> None:
    files = files_in(settings.content_dir)
    deck = fake.attachment("broken.yaml", BROKEN_DECK.encode())

    refused = await fake.interact(bot, fake.command(INSTRUCTOR, "instructor upload", {"file": deck}))

    assert followup_of_deferred(refused)["embeds"][0]["title"].startswith("Deck broken.yaml was not saved")
    assert files_in(settings.content_dir) == files


async def test_upload_of_a_large_file_is_refused_before_downloading(fake: FakeDiscord, bot: StudyBot) -> None:
    deck = fake.attachment("huge.yaml", b"#" * (UPLOAD_LIMIT_BYTES + 1))

    refused = await fake.interact(bot, fake.command(INSTRUCTOR, "instructor upload", {"file": deck}))

    assert refused.callback.json["type"] == 4
    assert "decks are limited to 64 KiB" in refused.text
    assert not fake.requests_to("GET", "/attachments/")


async def test_reset_asks_then_erases(fake: FakeDiscord, bot: StudyBot, settings: Settings) -> None:
    await answer_one_card(fake, bot, OTHER)
    attempts = row_counts(settings.db_path)["attempts"]

    asked = await fake.interact(bot, fake.command(INSTRUCTOR, "instructor reset", {"member": OTHER}))
    assert asked.callback.json["type"] == 4
    assert asked.embed["title"] == "Erase all progress of Grace?"
    assert [b["label"] for b in asked.buttons] == ["Erase", "Keep"]
    assert row_counts(settings.db_path)["attempts"] == attempts

    erased = await fake.interact(bot, fake.click(INSTRUCTOR, asked.message_id, asked.button("sb:rst:")["custom_id"]))

    assert erased.callback.json["type"] == 7
    assert erased.embed["title"] == "Progress of Grace erased"
    assert row_counts(settings.db_path)["attempts"] == attempts - 1


async def test_reset_can_be_cancelled(fake: FakeDiscord, bot: StudyBot, settings: Settings) -> None:
    await answer_one_card(fake, bot, OTHER)
    asked = await fake.interact(bot, fake.command(INSTRUCTOR, "instructor reset", {"member": OTHER}))
    rows = row_counts(settings.db_path)

    kept = await fake.interact(bot, fake.click(INSTRUCTOR, asked.message_id, asked.button("sb:keep")["custom_id"]))

    assert kept.embed["title"] == "Nothing was erased"
    assert row_counts(settings.db_path) == rows


async def test_a_card_retired_by_a_reload_is_skipped_politely(fake: FakeDiscord, bot: StudyBot,
                                                              settings: Settings) -> None:
    start = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "choice"}))
    history = settings.content_dir / "cards" / "history.yaml"
    text = history.read_text(encoding="utf-8")
    history.write_text(text.replace("id: hist-occupied", "id: hist-occupied-v2"), encoding="utf-8")
    await fake.interact(bot, fake.command(INSTRUCTOR, "instructor reload"))

    pressed = await fake.interact(bot, fake.click(STUDENT, start.message_id, start.button("sb:ans:")["custom_id"]))

    assert pressed.callback.json["type"] == 7
    assert pressed.embed["title"] == "This card was retired"


async def test_an_upload_discord_cannot_hand_over_gets_a_clear_message(fake: FakeDiscord, bot: StudyBot) -> None:
    deck = fake.attachment("gone.yaml", DECK.encode())
    del fake.files["gone.yaml"]  # the link expired: Discord answers 404

    uploaded = await fake.interact(bot, fake.command(INSTRUCTOR, "instructor upload", {"file": deck}))

    [followup] = uploaded.followups
    assert "Discord did not hand over the file (HTTP 404)." in str(followup.json)
