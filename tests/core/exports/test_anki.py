"""The .apkg is a zip holding an Anki collection whose notes are the course's cards, stably identified."""

from __future__ import annotations

import dataclasses
import io
import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.content.snapshot import ContentSnapshot
from bot.core.exports.anki import anki_export, note_guid, stable_id
from bot.core.models import CardType
from tests.core.exports.conftest import with_card

MODIFIED = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
FIELD_SEPARATOR = "\x1f"


def open_collection(data: bytes, tmp_path: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["collection.anki2", "media"]
        assert json.loads(archive.read("media")) == {}
        path = tmp_path / "collection.anki2"
        path.write_bytes(archive.read("collection.anki2"))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    return conn


def notes_by_guid(conn: sqlite3.Connection) -> dict[str, tuple[int, list[str], list[str]]]:
    rows = conn.execute("SELECT guid, mid, flds, tags FROM notes").fetchall()
    return {guid: (mid, flds.split(FIELD_SEPARATOR), tags.split()) for guid, mid, flds, tags in rows}


def test_every_card_is_one_note_with_its_guid_type_and_topic_tag(
    shipped_snapshot: ContentSnapshot, tmp_path: Path
) -> None:
    attachment = anki_export(shipped_snapshot, modified=MODIFIED)
    conn = open_collection(attachment.data, tmp_path)
    notes = notes_by_guid(conn)
    cards = shipped_snapshot.cards
    assert len(notes) == len(cards) == conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0]
    assert set(notes) == {note_guid(card_id) for card_id in cards}
    stored_models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
    models = {int(mid): model for mid, model in stored_models.items()}
    assert len({model["name"] for model in models.values()}) == len(CardType)
    for card in cards.values():
        mid, fields, tags = notes[note_guid(card.id)]
        assert models[mid]["name"] == {
            CardType.CHOICE: "Study guide: multiple choice", CardType.TRUEFALSE: "Study guide: true or false",
            CardType.SHORT: "Study guide: short answer", CardType.FLASHCARD: "Study guide: flashcard",
        }[card.type]
        assert len(fields) == len(models[mid]["flds"])
        assert tags == [card.topic]
    decks = json.loads(conn.execute("SELECT decks FROM col").fetchone()[0])
    assert shipped_snapshot.course.title in {deck["name"] for deck in decks.values()}
    assert attachment.filename.endswith(".apkg") and "164 cards" in attachment.description


def test_choice_front_has_every_option_and_back_has_answer_explanation_citation(
    fixture_snapshot: ContentSnapshot, tmp_path: Path
) -> None:
    conn = open_collection(anki_export(fixture_snapshot, modified=MODIFIED).data, tmp_path)
    notes = notes_by_guid(conn)
    question, options, answer, explanation, citation = notes[note_guid("hist-occupied")][1]
    assert question == "What has the island dispute blocked?"
    assert options == "<li>A peace treaty</li><li>A trade agreement</li><li>A fishing accord</li>"
    assert answer == "A peace treaty"
    assert explanation.startswith("The paper says the dispute")
    assert "the dispute has blocked a peace treaty ever since" in citation
    short = notes[note_guid("trade-toshiba")][1]
    assert short[1:3] == ["Toshiba Machine Company", "Toshiba Machine, Toshiba"]
    fiction = notes[note_guid("trade-fiction-chips")]
    assert fiction[1][1] == "True" and "FICTION" in fiction[1][3]
    assert fiction[2] == ["history"]  # a card's own topic wins over its deck file's


def test_text_is_escaped_for_html(fixture_snapshot: ContentSnapshot, tmp_path: Path) -> None:
    hostile = with_card(fixture_snapshot, "hist-occupied", prompt="Is <b>x</b> & y?\r\nSecond\x1f line\x00",
                        choices=("<script>alert(1)</script>", "A peace treaty", "a & b"))
    fields = notes_by_guid(open_collection(anki_export(hostile, modified=MODIFIED).data, tmp_path))[
        note_guid("hist-occupied")][1]
    assert fields[0] == "Is &lt;b&gt;x&lt;/b&gt; &amp; y?<br>Second line"
    assert "<script>" not in fields[1] and "&lt;script&gt;alert(1)&lt;/script&gt;" in fields[1]


def test_same_content_gives_same_bytes_and_a_later_export_keeps_every_id(
    fixture_snapshot: ContentSnapshot, tmp_path: Path
) -> None:
    first = anki_export(fixture_snapshot, modified=MODIFIED).data
    assert anki_export(fixture_snapshot, modified=MODIFIED).data == first
    later = anki_export(fixture_snapshot, modified=MODIFIED + timedelta(days=3)).data
    ids = []
    for name, data in (("first", first), ("later", later)):
        (tmp_path / name).mkdir()
        conn = open_collection(data, tmp_path / name)
        col = conn.execute("SELECT models, decks FROM col").fetchone()
        ids.append((
            sorted(row[0] for row in conn.execute("SELECT guid FROM notes")),
            sorted(json.loads(col[0])),
            sorted(json.loads(col[1])),
            {row[0] for row in conn.execute("SELECT mod FROM notes")},
        ))
    assert ids[0][:3] == ids[1][:3]
    assert ids[0][3] == {int(MODIFIED.timestamp())}
    assert ids[1][3] == {int((MODIFIED + timedelta(days=3)).timestamp())}  # newer, so Anki updates


def test_topic_filter_keeps_that_topics_cards_in_its_own_deck(
    fixture_snapshot: ContentSnapshot, tmp_path: Path
) -> None:
    attachment = anki_export(fixture_snapshot, modified=MODIFIED, topic="trade")
    conn = open_collection(attachment.data, tmp_path)
    assert set(notes_by_guid(conn)) == {note_guid("trade-toshiba"), note_guid("trade-cocom")}
    decks = json.loads(conn.execute("SELECT decks FROM col").fetchone()[0])
    assert str(stable_id(f"studybot-deck:{fixture_snapshot.course.title}:trade")) in decks
    assert any(deck["name"].endswith("::Trade") for deck in decks.values())
    assert attachment.filename.endswith("-trade.apkg")
    renamed = dataclasses.replace(fixture_snapshot, course=dataclasses.replace(fixture_snapshot.course, title="A::B"))
    (tmp_path / "renamed").mkdir()
    decks = json.loads(open_collection(anki_export(renamed, modified=MODIFIED, topic="trade").data,
                                       tmp_path / "renamed").execute("SELECT decks FROM col").fetchone()[0])
    assert "A:B::Trade" in {deck["name"] for deck in decks.values()}  # a title never makes a sub-deck
    with pytest.raises(ValueError, match="unknown topic"):
        anki_export(fixture_snapshot, modified=MODIFIED, topic="nope")


def test_stable_ids_are_in_genankis_range_and_differ_by_name() -> None:
    assert stable_id("a") == stable_id("a") != stable_id("b")
    assert all(1 << 30 <= stable_id(str(n)) < 1 << 31 for n in range(200))
    assert note_guid("x") == note_guid("x") != note_guid("y")
