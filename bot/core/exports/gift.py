r"""The course's choice, true/false and short-answer cards as a Moodle GIFT file.

GIFT reserves ``~ = # { } :`` and the backslash; each is written with a backslash before it,
and a line break as ``\n``, which is exactly what Moodle's importer undoes. Questions are
``[plain]`` text, so Moodle shows them as written rather than as HTML. Short answers also
escape ``*``, which Moodle's short-answer question would otherwise treat as a wildcard.
Flashcards are self-rated and have no GIFT equivalent, so they are left out.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.content.snapshot import ContentSnapshot
from bot.core.exports.card_quotes import card_quotes, reference_line
from bot.core.exports.file_names import slug
from bot.core.models import Card, CardType
from bot.core.presentation.replies import Attachment
from bot.core.text import collapse_spaces

GIFT_TYPES = (CardType.CHOICE, CardType.TRUEFALSE, CardType.SHORT)
_SPECIAL = "~=#{}:"


def gift_escape(text: str) -> str:
    r"""Text safe anywhere in a GIFT question: specials and backslashes escaped, line breaks as ``\n``."""
    escaped = text.replace("\\", "\\\\")
    for char in _SPECIAL:
        escaped = escaped.replace(char, "\\" + char)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def category_name(text: str) -> str:
    """A name inside a ``$CATEGORY:`` path, where ``/`` separates levels and ``//`` is a literal slash."""
    return collapse_spaces(text).replace("/", "//")


def gift_export(snapshot: ContentSnapshot, *, topic: str | None = None) -> Attachment:
    """A ``.gift`` file of the course's (or one topic's) gradable cards, one category per topic.

    Raises ``ValueError`` for a topic id the course does not have (callers resolve names first).
    """
    if topic is not None and topic not in snapshot.topics:
        raise ValueError(f"unknown topic {topic!r}")
    course = snapshot.course
    topics = [snapshot.topics[topic]] if topic else list(snapshot.topics.values())
    blocks = [f"// {collapse_spaces(course.title)}: choice, true/false and short-answer cards"]
    count = 0
    for each in topics:
        cards = [card for card in snapshot.cards_for(each.id) if card.type in GIFT_TYPES]
        if not cards:
            continue
        blocks.append(f"$CATEGORY: $course$/top/{category_name(course.title)}/{category_name(each.title)}")
        blocks.extend(gift_question(card, _feedback(snapshot, card)) for card in cards)
        count += len(cards)
    stem = slug(course.title) + (f"-{slug(topic, 'topic')}" if topic else "")
    return Attachment(
        f"{stem}.gift",
        ("\n\n".join(blocks) + "\n").encode("utf-8"),
        f"Moodle GIFT file of {count} questions (choice, true/false, short answer) in {len(topics)} "
        "categories; import it in a Moodle question bank",
    )


def gift_question(card: Card, feedback: str) -> str:
    """One card as a GIFT question titled by its id, with ``feedback`` as the general feedback."""
    head = f"::{gift_escape(card.id)}::[plain]{gift_escape(card.prompt)}"
    general = f"####{gift_escape(feedback)}" if feedback else ""
    if card.type is CardType.TRUEFALSE:
        return f"{head}{{{'TRUE' if card.answer == 'True' else 'FALSE'}{general}}}"
    if card.type is CardType.CHOICE:
        lines: Iterable[str] = (
            ("=" if choice == card.answer else "~") + gift_escape(choice) for choice in card.choices
        )
    elif card.type is CardType.SHORT:
        lines = ("=" + gift_escape(answer.replace("*", "\\*")) for answer in card.answers)
    else:
        raise ValueError(f"{card.type.value} cards have no GIFT form")
    return "\n".join([head + "{", *lines, *([general] if general else []), "}"])


def _feedback(snapshot: ContentSnapshot, card: Card) -> str:
    """The explanation, then the quotes it rests on."""
    return "\n".join([card.explain, *(reference_line(quote) for quote in card_quotes(snapshot, card))])
