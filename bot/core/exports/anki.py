"""The course's cards as an Anki package (``.apkg``), made with genanki.

Identity is what makes a re-import update instead of duplicate: every note's GUID comes from
its card id, and the note types and decks have ids derived from fixed strings, never random
ones. The output is byte-for-byte the same for the same content and ``modified`` time:
genanki's collection is built in memory and zipped with fixed entry times. ``modified``
becomes the notes' modification time, which Anki's importer compares to decide whether an
already imported note is updated, so callers pass the export time.
"""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import re
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import datetime

import genanki

from bot.core.clock import as_utc
from bot.core.content.snapshot import ContentSnapshot
from bot.core.exports.card_quotes import card_quotes, reference_line
from bot.core.exports.file_names import slug
from bot.core.models import Card, CardType
from bot.core.presentation.replies import Attachment
from bot.core.text import collapse_spaces

_ID_SPACE = 1 << 30
"""genanki's advice: model and deck ids between 2**30 and 2**31."""
_NOTE_TYPE_VERSION = "v1"
"""Bump when a note type's fields change: Anki refuses to merge notes into a changed type."""
_GUID_NAMESPACE = "studybot-card"
_SPACE_RUN = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

_CSS = """
.card { font-family: sans-serif; font-size: 20px; text-align: left; color: #1f2328; background: #fff; }
.prompt { font-weight: bold; margin-bottom: .6em; }
.options li { margin: .2em 0; }
.answer { font-weight: bold; color: #1a7f37; }
.explain { margin-top: .6em; }
.cite { margin-top: .6em; font-size: 16px; color: #59636e; }
.kind { font-size: 14px; color: #59636e; }
"""
_BACK_TAIL = (
    '<div class="explain">{{Explanation}}</div>'
    '<div class="cite">{{Citation}}</div>'
)


@dataclass(frozen=True, slots=True)
class _NoteType:
    """One Anki note type: its fields (the first is the sort field) and its single card template."""

    card_type: CardType
    name: str
    fields: tuple[str, ...]
    front: str
    back: str

    def model(self) -> genanki.Model:
        """The genanki model, with an id fixed by the card type and layout version."""
        return genanki.Model(
            stable_id(f"studybot-note-type:{self.card_type.value}:{_NOTE_TYPE_VERSION}"),
            self.name,
            fields=[{"name": name} for name in self.fields],
            templates=[{"name": "Card 1", "qfmt": self.front, "afmt": self.back}],
            css=_CSS,
        )


_NOTE_TYPES = {
    note_type.card_type: note_type
    for note_type in (
        _NoteType(
            CardType.CHOICE,
            "Study guide: multiple choice",
            ("Question", "Options", "Answer", "Explanation", "Citation"),
            '<div class="kind">Multiple choice</div><div class="prompt">{{Question}}</div>'
            '<ol class="options" type="A">{{Options}}</ol>',
            '{{FrontSide}}<hr id="answer"><div class="answer">{{Answer}}</div>' + _BACK_TAIL,
        ),
        _NoteType(
            CardType.TRUEFALSE,
            "Study guide: true or false",
            ("Statement", "Answer", "Explanation", "Citation"),
            '<div class="kind">True or false?</div><div class="prompt">{{Statement}}</div>',
            '{{FrontSide}}<hr id="answer"><div class="answer">{{Answer}}</div>' + _BACK_TAIL,
        ),
        _NoteType(
            CardType.SHORT,
            "Study guide: short answer",
            ("Question", "Answer", "Also accepted", "Explanation", "Citation"),
            '<div class="kind">Short answer</div><div class="prompt">{{Question}}</div>',
            '{{FrontSide}}<hr id="answer"><div class="answer">{{Answer}}</div>'
            '{{#Also accepted}}<div class="kind">Also accepted: {{Also accepted}}</div>{{/Also accepted}}'
            + _BACK_TAIL,
        ),
        _NoteType(
            CardType.FLASHCARD,
            "Study guide: flashcard",
            ("Front", "Back", "Explanation", "Citation"),
            '<div class="prompt">{{Front}}</div>',
            '{{FrontSide}}<hr id="answer"><div class="answer">{{Back}}</div>' + _BACK_TAIL,
        ),
    )
}


def stable_id(name: str) -> int:
    """An id in genanki's recommended range that depends only on ``name``."""
    digest = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return _ID_SPACE + digest % _ID_SPACE


def note_guid(card_id: str) -> str:
    """The Anki GUID of a card's note: the same card id always gives the same GUID."""
    return str(genanki.guid_for(_GUID_NAMESPACE, card_id))


def topic_tag(topic_id: str) -> str:
    """A topic id as an Anki tag (tags cannot contain spaces)."""
    return _SPACE_RUN.sub("_", topic_id.strip()) or "untitled"


def anki_export(snapshot: ContentSnapshot, *, modified: datetime, topic: str | None = None) -> Attachment:
    """An ``.apkg`` of the course's cards (or one topic's), one note per card, tagged by topic.

    Raises ``ValueError`` for a topic id the course does not have (callers resolve names first).
    """
    if topic is not None and topic not in snapshot.topics:
        raise ValueError(f"unknown topic {topic!r}")
    cards = snapshot.cards_for(topic)
    course = snapshot.course
    name = "::".join(_deck_level(title) for title in (course.title, *([snapshot.topics[topic].title] if topic else [])))
    deck = genanki.Deck(stable_id(f"studybot-deck:{course.title}:{topic or ''}"), name, _html(course.description))
    for card in cards:
        deck.add_note(_note(snapshot, card))
    data = _package_bytes(genanki.Package(deck), as_utc(modified))
    stem = slug(course.title) + (f"-{slug(topic, 'topic')}" if topic else "")
    scope = f"the topic “{snapshot.topics[topic].title}”" if topic else f"{len(snapshot.topics)} topics"
    return Attachment(
        f"{stem}.apkg", data, f"Anki deck of {len(cards)} cards from {scope} of “{course.title}”; import it in Anki"
    )


def _note(snapshot: ContentSnapshot, card: Card) -> genanki.Note:
    """One card as a note of its type; every field is escaped text or HTML we built."""
    note_type = _NOTE_TYPES[card.type]
    citation = "<br>".join(_html(reference_line(quote)) for quote in card_quotes(snapshot, card))
    explanation = _html(card.explain)
    answer = _html(card.answer)
    if card.type is CardType.CHOICE:
        options = "".join(f"<li>{_html(choice)}</li>" for choice in card.choices)
        fields = [_html(card.prompt), options, answer, explanation, citation]
    elif card.type is CardType.SHORT:
        fields = [_html(card.prompt), answer, _html(", ".join(card.answers[1:])), explanation, citation]
    else:
        fields = [_html(card.prompt), answer, explanation, citation]
    return genanki.Note(
        model=note_type.model(), fields=fields, tags=[topic_tag(card.topic)], guid=note_guid(card.id)
    )


def _deck_level(title: str) -> str:
    """A title as one level of an Anki deck name, where ``::`` would start a sub-deck."""
    return collapse_spaces(title).replace("::", ":") or "Untitled"


def _html(text: str) -> str:
    """Plain text as Anki field HTML: markup escaped, line breaks kept, control characters dropped.

    Anki stores a note's fields joined by the control character 0x1f, so one inside a field
    would split it.
    """
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return html.escape(text, quote=False).replace("\n", "<br>")


def _package_bytes(package: genanki.Package, modified: datetime) -> bytes:
    """The ``.apkg`` bytes, built in memory: no temp file, and no clock but ``modified``."""
    timestamp = modified.timestamp()
    conn = sqlite3.connect(":memory:")
    try:
        package.write_to_db(conn.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
        conn.commit()
        collection = conn.serialize()
    finally:
        conn.close()
    entry_time = modified.timetuple()[:6] if modified.year >= 1980 else (1980, 1, 1, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (("collection.anki2", collection), ("media", b"{}")):
            archive.writestr(zipfile.ZipInfo(name, date_time=entry_time), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()
