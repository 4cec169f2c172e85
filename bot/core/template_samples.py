"""Sample contexts for test-rendering templates at load, one per built-in template.

An instructor's override is rendered with these before it may replace a built-in, so the
samples use the same objects the service passes (content models and view dataclasses).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.core.citations import FICTION_LABEL, CitedQuote
from bot.core.models import Citation, Term

_QUOTE = CitedQuote(
    quote="the Soviets prefer to separate economics from politics",
    citation="Clark 1988, B. Soviet-Japanese Relations: Historical Perspective, ¶4, p. 6",
    fiction=False,
    passage_key="clark-1988:12",
)
_TERM = Term(
    id="linkage-politics",
    term="Linkage politics",
    aliases=("linkage", "seikei fukabun"),
    definition="Japan's insistence that economic cooperation follow progress on the islands.",
    citations=(Citation("clark-1988", _QUOTE.quote, _QUOTE.passage_key),),
    see_also=("northern-territories",),
    background="Japanese officials call it seikei fukabun.",
)


def _term() -> dict[str, Any]:
    return {"term": _TERM, "quotes": [_QUOTE], "see_also": [_TERM], "fiction_label": FICTION_LABEL}


def template_samples() -> Mapping[str, Callable[[], dict[str, Any]]]:
    """Template name → a function building its sample context."""
    return {"term.md.j2": _term}
