"""The quotes a card cites, with their citations, for files that leave the bot (Anki, GIFT)."""

from __future__ import annotations

from bot.core.content.snapshot import ContentSnapshot
from bot.core.models import Card
from bot.core.presentation.citations import FICTION_LABEL, CitedQuote, cited_quote


def card_quotes(snapshot: ContentSnapshot, card: Card) -> list[CitedQuote]:
    """Each citation of ``card`` resolved to its source and passage (validation guarantees both exist)."""
    return [
        cited_quote(citation, snapshot.sources[citation.source_id], snapshot.passage_by_key[citation.passage_key])
        for citation in card.citations
    ]


def reference_line(quote: CitedQuote) -> str:
    """``“words” (Clark 1988, D. Trade, ¶3, p. 12)``; fiction is labelled even outside the bot."""
    label = f"{FICTION_LABEL}: " if quote.fiction else ""
    return f"{label}“{quote.quote}” ({quote.citation})"
