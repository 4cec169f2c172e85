"""Immutable content objects: what a course is made of once loaded and validated."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SourceKind(StrEnum):
    """Analysis is the course text; fiction is always labelled as such to students."""

    ANALYSIS = "analysis"
    FICTION = "fiction"


class CardType(StrEnum):
    """How a card is asked and answered."""

    CHOICE = "choice"
    TRUEFALSE = "truefalse"
    SHORT = "short"
    FLASHCARD = "flashcard"


@dataclass(frozen=True, slots=True)
class Source:
    """One text of the course, as declared in ``course.yaml``."""

    id: str
    title: str
    author: str
    date: str
    kind: SourceKind
    file: str
    publisher: str | None = None
    identifier: str | None = None
    note: str | None = None

    @property
    def is_fiction(self) -> bool:
        """Whether replies must carry the fiction label."""
        return self.kind is SourceKind.FICTION


@dataclass(frozen=True, slots=True)
class Topic:
    """A group of cards, usually one section of the paper."""

    id: str
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class Footnote:
    """A note attached to the passage that cites it."""

    label: str
    text: str


@dataclass(frozen=True, slots=True)
class Passage:
    """One paragraph of a source: the unit search returns and citations resolve to."""

    key: str
    source_id: str
    ordinal: int
    section: str
    subsection: str | None
    paragraph: int
    page_start: int | None
    page_end: int | None
    text: str
    footnotes: tuple[Footnote, ...] = ()
    line: int = 0

    @property
    def heading(self) -> str:
        """The most specific heading above this passage."""
        return self.subsection or self.section

    @property
    def pages(self) -> str | None:
        """Page or page range as printed ("p. 5", "pp. 5–6"), if known."""
        if self.page_start is None:
            return None
        if self.page_end is None or self.page_end == self.page_start:
            return f"p. {self.page_start}"
        return f"pp. {self.page_start}–{self.page_end}"


@dataclass(frozen=True, slots=True)
class Citation:
    """A verbatim quote and the passage it was found in."""

    source_id: str
    quote: str
    passage_key: str


@dataclass(frozen=True, slots=True)
class Term:
    """A glossary entry."""

    id: str
    term: str
    aliases: tuple[str, ...]
    definition: str
    citations: tuple[Citation, ...]
    see_also: tuple[str, ...] = ()
    background: str | None = None


@dataclass(frozen=True, slots=True)
class Synonym:
    """A word or phrase of the sources and what students say instead (``content/synonyms.yaml``)."""

    paper: str
    students: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Card:
    """A quiz card. ``answers`` holds every accepted answer; the first is shown."""

    id: str
    type: CardType
    topic: str
    prompt: str
    answers: tuple[str, ...]
    explain: str
    citations: tuple[Citation, ...]
    choices: tuple[str, ...] = ()
    content_hash: str = ""
    deck: str = ""

    @property
    def answer(self) -> str:
        """The canonical answer as shown to learners."""
        return self.answers[0]


@dataclass(frozen=True, slots=True)
class Course:
    """Title, description, sources and topics from ``course.yaml``."""

    title: str
    description: str
    sources: tuple[Source, ...]
    topics: tuple[Topic, ...]
