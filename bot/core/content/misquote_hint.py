"""The passage most like a quote that was not found: cheap enough to run on every misquote.

Fuzzy-matching a long quote against every passage holds the GIL for about half a second per
quote, which froze the whole bot while content was checked. Instead the quote's rarest words
pick a few candidate passages, and only those are compared, on a bounded stretch of the quote.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process

RARE_WORDS = 12  # the quote's rarest words that vote for candidate passages
CANDIDATES = 8  # passages compared in full
COMPARED_CHARS = 300  # of the quote: enough to recognise a passage, cheap to compare
_WORD = re.compile(r"\w{3,}")


class ClosestPassage:
    """Word postings of one source's (folded) passage texts, built on first use."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = texts
        self._postings: dict[str, list[int]] | None = None

    def find(self, folded_quote: str) -> int | None:
        """Index of the text most like the quote, or None when they share no word."""
        candidates = self._candidates(folded_quote)
        if not candidates:
            return None
        best = process.extractOne(folded_quote[:COMPARED_CHARS], [self._texts[i] for i in candidates],
                                  scorer=fuzz.partial_ratio)
        return candidates[best[2]] if best is not None else None

    def _candidates(self, folded_quote: str) -> list[int]:
        postings = self._index()
        words = {word for word in _WORD.findall(folded_quote) if word in postings}
        rare = sorted(words, key=lambda word: (len(postings[word]), word))[:RARE_WORDS]
        votes: dict[int, float] = {}
        for word in rare:
            weight = 1.0 / len(postings[word])  # a word found in few passages says more
            for index in postings[word]:
                votes[index] = votes.get(index, 0.0) + weight
        return heapq.nlargest(CANDIDATES, votes, key=votes.__getitem__)

    def _index(self) -> dict[str, list[int]]:
        if self._postings is None:
            postings: dict[str, list[int]] = {}
            for index, text in enumerate(self._texts):
                for word in set(_WORD.findall(text)):
                    postings.setdefault(word, []).append(index)
            self._postings = postings
        return self._postings
