"""How a passage is cited to students: author, year, section, paragraph, page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.models import Citation, Passage, Source
from bot.core.text import truncate

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
FICTION_LABEL = "FICTION - not a historical record"


def short_reference(source: Source) -> str:
    """``Clark 1988`` for the paper; the fiction is named as fiction."""
    if source.is_fiction:
        return "Fiction excerpt"
    surname = source.author.split()[-1] if source.author else source.title
    year = _YEAR.search(source.date)
    return f"{surname} {year.group(0)}" if year else surname


def format_citation(source: Source, passage: Passage) -> str:
    """``Clark 1988, A. Introduction, ¶2, p. 3``."""
    parts = [short_reference(source)]
    if passage.heading:
        parts.append(truncate(passage.heading, 60))
    parts.append(f"¶{passage.paragraph}")
    if passage.pages:
        parts.append(passage.pages)
    return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class CitedQuote:
    """A quote ready for a template: the words, where they are from, and the fiction flag."""

    quote: str
    citation: str
    fiction: bool
    passage_key: str


def cited_quote(citation: Citation, source: Source, passage: Passage) -> CitedQuote:
    """Pair a card's or term's quote with its formatted citation."""
    return CitedQuote(citation.quote, format_citation(source, passage), source.is_fiction, passage.key)
