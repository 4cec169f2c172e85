"""One immutable, fully validated version of the course content."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bot.core.lookup.excerpt_search import ExcerptIndex, SearchHit
from bot.core.lookup.glossary import Glossary, Lookup
from bot.core.models import Card, CardType, Course, Passage, Source, Synonym, Topic
from bot.core.presentation.rendering import TemplateSet
from bot.core.problems import Problem

COMMON_WORD_SHARE = 0.1
"""A word found in more than this share of passages is a subject of the text, not a term's name."""
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Definition:
    """A glossary lookup; when no term matched, the passages that discuss the words instead."""

    lookup: Lookup
    passages: tuple[SearchHit, ...] = ()


@dataclass(frozen=True)
class ContentSnapshot:
    """Everything the service reads; replaced whole on reload, never mutated."""

    root: Path
    course: Course
    passages: tuple[Passage, ...]
    glossary: Glossary
    cards: dict[str, Card]
    index: ExcerptIndex
    templates: TemplateSet
    synonyms: tuple[Synonym, ...] = ()
    """What students say for the sources' words (``synonyms.yaml``), as the index uses them."""
    warnings: tuple[Problem, ...] = field(default=(), compare=False)
    """Located advice that does not block loading: cards that teach badly, unlisted sources."""
    load_seconds: float = field(default=0.0, compare=False)

    @cached_property
    def sources(self) -> dict[str, Source]:
        """Sources by id."""
        return {s.id: s for s in self.course.sources}

    @cached_property
    def topics(self) -> dict[str, Topic]:
        """Topics by id, in course order."""
        return {t.id: t for t in self.course.topics}

    @cached_property
    def passage_by_key(self) -> dict[str, Passage]:
        """Passages by key."""
        return {p.key: p for p in self.passages}

    @cached_property
    def card_topics(self) -> dict[str, str]:
        """Card id → topic id, as the progress store's per-topic queries want it."""
        return {card.id: card.topic for card in self.cards.values()}

    @cached_property
    def card_hashes(self) -> dict[str, str]:
        """Card id → content hash, to reset learners' state for changed cards."""
        return {card.id: card.content_hash for card in self.cards.values()}

    def cards_for(self, topic: str | None = None, card_type: CardType | None = None) -> list[Card]:
        """Cards in file order, optionally of one topic and/or type."""
        return [
            card for card in self.cards.values()
            if (topic is None or card.topic == topic) and (card_type is None or card.type is card_type)
        ]

    @cached_property
    def passage_counts(self) -> Counter[str]:
        """Folded word → how many passages use it (for telling names of subjects from terms)."""
        counts: Counter[str] = Counter()
        for passage in self.passages:
            counts.update({w.casefold() for w in _WORD.findall(passage.text)})
        return counts

    def define(self, text: str, *, fallback_passages: int = 3) -> Definition:
        """Look a term up; a miss falls back to search, so a lookup is never a dead end.

        A single word that merely starts one term's name ("gorbachev" and "Gorbachev visit to
        Japan") is that term only when the texts use the word in few passages; a word they use
        everywhere names a subject (a person, a country), so its passages come first and the
        term is offered as a suggestion. A misspelled name ("Gorbachov") is searched as the
        index's closest spelling.
        """
        lookup = self.glossary.lookup(text)
        if lookup.term is not None and lookup.by_first_word and self._is_subject(text):
            lookup = Lookup(None, exact=False, suggestions=(lookup.term, *lookup.suggestions))
        if lookup.term is not None:
            return Definition(lookup)
        page = self.index.search(text, limit=fallback_passages)
        if not page.hits and page.suggestion:
            page = self.index.search(page.suggestion, limit=fallback_passages)
        return Definition(lookup, page.hits)

    def _is_subject(self, word: str) -> bool:
        return self.passage_counts[word.strip().casefold()] > COMMON_WORD_SHARE * len(self.passages)

    def summary(self) -> str:
        """The one-line summary ``studybot check`` prints on success (the warnings follow it there)."""
        types = Counter(card.type.value for card in self.cards.values())
        topics = Counter(card.topic for card in self.cards.values())
        by_type = ", ".join(f"{types[t.value]} {t.value}" for t in CardType)
        by_topic = ", ".join(f"{topic} {topics[topic]}" for topic in self.topics)
        return (
            f"OK: {len(self.sources)} sources, {len(self.passages)} passages, "
            f"{len(self.glossary)} terms, {len(self.cards)} cards ({by_type}; by topic: {by_topic})"
        )
