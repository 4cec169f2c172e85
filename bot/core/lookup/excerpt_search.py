"""Ranked full-text search over passages: an in-memory SQLite FTS5 index built at load.

User text never reaches FTS5's query language: it is cut into word tokens and each token is
quoted, so no input can raise a syntax error or filter on a column.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.models import Passage
from bot.core.text import strip_accents

MAX_QUERY_TOKENS = 12
MAX_QUERY_CHARS = 80
HIGHLIGHT_OPEN, HIGHLIGHT_CLOSE = "\x02", "\x03"
# bm25 weights per column: the section heading counts most, footnotes least.
_WEIGHTS = (6.0, 1.0, 0.4)
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One ranked passage; ``snippet`` marks hits with HIGHLIGHT_OPEN/CLOSE."""

    passage: Passage
    snippet: str
    score: float


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results for a normalised query."""

    query: str
    hits: tuple[SearchHit, ...]
    total: int
    offset: int
    suggestion: str | None = None
    shortened: bool = False


def normalise_query(text: str) -> tuple[str, bool]:
    """The words we actually search for, lower-cased, capped; and whether text was cut."""
    tokens = [t.lower() for t in _TOKEN.findall(text.replace("_", " "))]
    kept: list[str] = []
    length = 0
    for token in tokens[:MAX_QUERY_TOKENS]:
        token = token[:MAX_QUERY_CHARS]
        if length + len(token) + bool(kept) > MAX_QUERY_CHARS:
            break
        kept.append(token)
        length += len(token) + 1
    return " ".join(kept), len(kept) < len(tokens)


def _match_expression(query: str, *, any_word: bool) -> str:
    """Quote every token: FTS5 operators, column filters and quotes lose their meaning."""
    tokens = [f'"{token}"' for token in query.split()]
    return (" OR " if any_word else " ").join(tokens)


class ExcerptIndex:
    """FTS5 index of every passage, with an unstemmed vocabulary for "did you mean"."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._passages = {p.key: p for p in passages}
        self._rowids: list[str] = []
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE passages USING fts5("
            "heading, body, notes, passage_key UNINDEXED, source_id UNINDEXED, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self._db.executemany(
            "INSERT INTO passages (heading, body, notes, passage_key, source_id) VALUES (?, ?, ?, ?, ?)",
            (
                (p.heading, p.text, " ".join(n.text for n in p.footnotes), p.key, p.source_id)
                for p in passages
            ),
        )
        self._db.execute("INSERT INTO passages(passages) VALUES ('optimize')")
        words: Counter[str] = Counter()
        for passage in passages:
            words.update(strip_accents(w.lower()) for w in _TOKEN.findall(passage.text))
        self._vocabulary = {w: n for w, n in words.items() if len(w) > 2}

    def __len__(self) -> int:
        return len(self._passages)

    def search(
        self, text: str, *, source_id: str | None = None, offset: int = 0, limit: int = 3
    ) -> SearchPage:
        """Rank passages for ``text``; all words must match, else any word does."""
        query, shortened = normalise_query(text)
        if not query:
            return SearchPage(query, (), 0, 0, shortened=shortened)
        for any_word in (False, True):
            total = self._count(query, source_id, any_word=any_word)
            if total:
                hits = self._rank(query, source_id, any_word=any_word, offset=offset, limit=limit)
                return SearchPage(query, hits, total, offset, shortened=shortened)
        return SearchPage(query, (), 0, offset, self.suggest(query), shortened)

    def suggest(self, query: str) -> str | None:
        """A corrected query built from the index's own words, if one differs and matches."""
        corrected = []
        for word in query.split():
            if word in self._vocabulary or len(word) <= 2:
                corrected.append(word)
                continue
            best = process.extractOne(word, self._vocabulary.keys(), scorer=fuzz.ratio, score_cutoff=75)
            corrected.append(best[0] if best else word)
        suggestion = " ".join(corrected)
        if suggestion == query or not self._count(suggestion, None, any_word=True):
            return None
        return suggestion

    def passages_for(self, keys: Iterable[str]) -> list[Passage]:
        """Passages by key, skipping unknown ones (e.g. after a reload)."""
        return [self._passages[k] for k in keys if k in self._passages]

    def _count(self, query: str, source_id: str | None, *, any_word: bool) -> int:
        sql = "SELECT count(*) FROM passages WHERE passages MATCH ?"
        params: list[object] = [_match_expression(query, any_word=any_word)]
        if source_id:
            sql += " AND source_id = ?"
            params.append(source_id)
        return int(self._db.execute(sql, params).fetchone()[0])

    def _rank(
        self, query: str, source_id: str | None, *, any_word: bool, offset: int, limit: int
    ) -> tuple[SearchHit, ...]:
        weights = ", ".join(str(w) for w in _WEIGHTS)
        sql = (
            f"SELECT passage_key, snippet(passages, 1, ?, ?, '…', 40), bm25(passages, {weights}) AS score "
            "FROM passages WHERE passages MATCH ?"
        )
        params: list[object] = [HIGHLIGHT_OPEN, HIGHLIGHT_CLOSE, _match_expression(query, any_word=any_word)]
        if source_id:
            sql += " AND source_id = ?"
            params.append(source_id)
        sql += " ORDER BY score LIMIT ? OFFSET ?"
        params += [limit, offset]
        return tuple(
            SearchHit(self._passages[key], snippet, score)
            for key, snippet, score in self._db.execute(sql, params)
        )
