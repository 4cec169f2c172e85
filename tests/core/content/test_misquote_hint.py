"""A misquote's "closest passage" hint stays right while comparing only a few passages."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from rapidfuzz import fuzz

from bot.core.content.misquote_hint import CANDIDATES
from bot.core.content.source_markdown import parse_source
from bot.core.content.validation import CitationResolver

WORDS = ["treaty", "trade", "islands", "minister", "soviet", "japan", "policy", "summit", "fishing", "credit",
         "reform", "visit", "border", "envoy", "tariff", "pipeline", "timber", "delegation", "agenda", "linkage"]


def long_source(paragraphs: int = 400) -> str:
    rng = random.Random(5)
    body = [" ".join(rng.choice(WORDS) + str(rng.randrange(2000)) for _ in range(150)) for _ in range(paragraphs)]
    return "## Section\n\n" + "\n\n".join(body) + "\n"


@pytest.fixture
def comparisons(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts fuzzy comparisons: each holds the GIL, so their number is what froze the bot."""
    calls: list[int] = []
    real: Callable[..., Any] = fuzz.partial_ratio

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(fuzz, "partial_ratio", counted)
    return calls


def test_a_long_misquote_is_compared_with_a_few_passages_only(comparisons: list[int]) -> None:
    passages = parse_source(long_source(), "paper", "sources/paper.md").passages
    resolver = CitationResolver(passages)
    target = passages[237]
    words = target.text.split()
    reworded = " ".join(word[::-1] if i % 8 == 0 else word for i, word in enumerate(words))
    assert resolver.resolve("paper", reworded) is None
    hint = resolver.closest("paper", reworded)
    assert hint is not None and f"(line {target.line})" in hint
    assert 0 < len(comparisons) <= CANDIDATES


def test_a_quote_sharing_no_word_gets_no_hint() -> None:
    passages = parse_source(long_source(20), "paper", "sources/paper.md").passages
    assert CitationResolver(passages).closest("paper", "zzz qqq") is None
