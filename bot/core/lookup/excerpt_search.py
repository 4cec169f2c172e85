"""Ranked search over passages for the questions students type, built in memory at load.

Ranking, in order of what it rests on:

* **BM25 over content words.** Every passage's heading, text and footnotes are cut into
  stemmed words; each word's BM25 impact is computed once at load and kept as a posting list
  (passage numbers, impacts), so a query sums a few NumPy arrays (the eager scoring of
  bm25s, measured against FTS5 and tantivy in ``benchmarks/search_engines.py``). Stopwords and
  question words are left out of the sum unless the query has nothing else.
* **Glossary concepts.** A glossary name or alias in a passage is indexed as a concept token
  too; the same phrase in a question adds that concept, boosted. So "Kurils" reaches passages
  that say "Northern Territories", and "Toshiba affair" those that say "Toshiba incident".
* **Students' words.** An entry of the instructor's synonym file is a concept too: passages
  using the source's phrase carry it, and a question using any word students say for it
  asks for it, below the weight of the question's own words ("foreign money" reaches "hard
  currency", "sour" reaches "deterioration"). A student's word of an entry means what the
  entry says, so where the sources use that word itself it counts only half ("money" asks
  for hard currency before the passages that say "money").
* **Coverage.** No word is required: BM25 saturates with repetition, so the sum over the
  question's distinct content words ranks a passage covering more of them first (measured
  against scaling by the share of words covered, which ranked worse on the question set).
* **Best sentence.** The leading passages are reordered by the weight of the question's
  words in their best sentence, and that sentence is the snippet (``excerpt_snippets``).
  There a word's weight stops growing at the idf of a word in RARE_SHARE of the passages, so
  one rare word of the question does not outweigh a sentence holding several of its words.
* **Meaning.** Once the sentence model has encoded the passages (``semantic``, off the event
  loop after each load), the CANDIDATES leading passages are reordered by fusing this ranking
  with how alike in meaning each is to the question. Until then, or without the model, the
  words alone rank.
* **Fiction last.** Passages of fiction sources rank after the analysis unless the question
  is about the fiction (it names a work of fiction, "in the story", or uses names or title
  words only the fiction uses, or a glossary concept cited only from it); then the fiction
  ranks first.

User text never reaches a query language: it is only cut into words, so no input can change
what the search does beyond the words it contains.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from bot.core.lookup.excerpt_snippets import HIGHLIGHT_CLOSE, HIGHLIGHT_OPEN, Sentence, best_snippet, split_sentences
from bot.core.lookup.search_terms import (
    CONCEPT_PREFIX,
    FICTION_WORDS,
    MIN_VARIANT_PREFIX,
    SYNONYM_PREFIX,
    TOKEN,
    PhraseFinder,
    concept_token,
    content_words,
    fold,
    glossary_phrases,
    is_content,
    same_state,
    stem,
    synonym_phrases,
    token_word,
    words,
)
from bot.core.lookup.semantic.meaning import CANDIDATES, MeaningTexts, PassageMeaning
from bot.core.models import Card, Passage, Synonym, Term
from bot.core.text import strip_markup

__all__ = ["HIGHLIGHT_CLOSE", "HIGHLIGHT_OPEN", "ExcerptIndex", "SearchHit", "SearchPage", "normalise_query"]

MAX_QUERY_TOKENS = 12
MAX_QUERY_CHARS = 80
K1, B = 1.2, 0.75
HEADING_WEIGHT = 2.0
"""A heading word counts this many times in each passage under it."""
NOTES_WEIGHT = 0.4
"""A footnote word (mostly citations) counts this fraction of a text word."""
DESCRIBED_WEIGHT = 0.5
"""A word of a glossary definition or quiz card citing a passage counts this fraction of a text word."""
CONCEPT_BOOST = 1.5
"""A glossary concept named in the question weighs this many times one of its words."""
SYNONYM_WEIGHT = 1.0
"""A synonym entry named in the question weighs as much as one of its words (0.5, 1.5 ranked worse on dev)."""
ALTERNATIVE_WEIGHT = 0.5
"""Another name of the same state, or a variant of a word ("guilty"/"guilt"), weighs this much."""
STUDENTS_WORD_WEIGHT = 0.5
"""A question's word that is a student's word of a synonym entry weighs this much as itself (1, 0.25 worse on dev)."""
SENTENCE_WEIGHT = 2.0
"""How much the best sentence's matched weight (idf) adds to a passage's BM25 score."""
RERANK_DEPTH = 10
"""How many leading passages are reordered by their best sentence."""
RARE_SHARE = 1 / 10
"""In a sentence, a word in at most this share of passages tells as much as any rarer one.

1/8 lost a snippet on dev, 1/20 ranked worse.
"""
_SOURCE_KIND_FIRST = 1e9


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
    """The words we actually search for, lower-cased, capped; and whether text was cut.

    A question too long for the cap loses its stopwords and question words first, which
    never decide a rank anyway; only then are content words cut.
    """
    tokens = words(text)
    kept = _capped(tokens)
    if len(kept) < len(tokens):
        content = content_words(tokens)
        kept = _capped(content)
        return " ".join(kept), len(kept) < len(content)
    return " ".join(kept), False


def _capped(tokens: Sequence[str]) -> list[str]:
    """The leading tokens that fit in MAX_QUERY_TOKENS words and MAX_QUERY_CHARS characters."""
    kept: list[str] = []
    length = 0
    for token in tokens[:MAX_QUERY_TOKENS]:
        token = token[:MAX_QUERY_CHARS]
        if length + len(token) + bool(kept) > MAX_QUERY_CHARS:
            break
        kept.append(token)
        length += len(token) + 1
    return kept


def _descriptions(terms: Iterable[Term], cards: Iterable[Card]) -> dict[str, str]:
    """Passage key -> what the course says about it elsewhere: glossary entries and quiz cards citing it.

    They say what a passage is about in plain words, often the words a student asks in.
    """
    about: dict[str, list[str]] = {}
    for term in terms:
        for citation in term.citations:
            about.setdefault(citation.passage_key, []).append(f"{term.term}. {term.definition}")
    for card in cards:
        for citation in card.citations:
            about.setdefault(citation.passage_key, []).append(f"{card.prompt} {card.answer}. {card.explain}")
    return {key: " ".join(texts) for key, texts in about.items()}


def _idf(passages: int, df: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """BM25's inverse document frequency of a word found in ``df`` of ``passages``."""
    return np.log(1 + (passages - np.asarray(df, dtype=np.float64) + 0.5) / (np.asarray(df, dtype=np.float64) + 0.5))


@dataclass(frozen=True, slots=True)
class _Posting:
    rows: npt.NDArray[np.int32]
    impacts: npt.NDArray[np.float32]
    idf: float


@dataclass(frozen=True, slots=True)
class _Query:
    """A normalised query as the index scores it."""

    weights: dict[str, float]
    """Index token -> weight in the sum: content stems 1, concepts CONCEPT_BOOST, alternatives less."""
    about_fiction: bool


class ExcerptIndex:
    """Posting lists of every passage's stems and glossary concepts, with BM25 impacts."""

    def __init__(
        self,
        passages: Sequence[Passage],
        *,
        terms: Sequence[Term] = (),
        cards: Iterable[Card] = (),
        fiction_titles: Mapping[str, str] = {},
        synonyms: Sequence[Synonym] = (),
    ) -> None:
        self._passages = {p.key: p for p in passages}
        self._rows = list(passages)
        named = glossary_phrases(terms)
        self._phrases = PhraseFinder(named, synonym_phrases(synonyms, students=False))
        self._query_phrases = PhraseFinder(named, synonym_phrases(synonyms, students=True))
        self._sources_phrases = frozenset(p.stems for p in synonym_phrases(synonyms, students=False))
        self._sentences = [[Sentence.of(s, self._phrases) for s in split_sentences(strip_markup(p.text))]
                           for p in passages]
        self._headings = [Sentence.of(p.heading, self._phrases).tokens for p in passages]
        described = _descriptions(terms, cards)
        counts = [self._token_counts(p, sentences, described.get(p.key, ""))
                  for p, sentences in zip(passages, self._sentences, strict=True)]
        self._postings = self._build_postings(counts)
        self._rare_idf = float(_idf(len(passages), RARE_SHARE * len(passages)))
        self._stems = sorted(t for t in self._postings if not t.startswith(CONCEPT_PREFIX))
        self._sources = np.array([p.source_id for p in passages], dtype=object)
        self._fiction = np.array([p.source_id in fiction_titles for p in passages], dtype=bool)
        self._fiction_words = self._fiction_markers(terms, fiction_titles)
        vocabulary: Counter[str] = Counter()
        for passage in passages:
            vocabulary.update(words(passage.text))
        self._vocabulary = {w: n for w, n in vocabulary.items() if len(w) > 2}
        self._meaning: PassageMeaning | None = None

    def __len__(self) -> int:
        return len(self._passages)

    def search(
        self, text: str, *, source_id: str | None = None, offset: int = 0, limit: int = 3
    ) -> SearchPage:
        """Rank passages for ``text``: BM25 over its content words and concepts, best sentence, analysis first."""
        query, shortened = normalise_query(text)
        if not query:
            return SearchPage(query, (), 0, 0, shortened=shortened)
        analysed = self._analyse(query)
        scores, matched = self._score(analysed)
        if source_id:
            matched &= self._sources == source_id
        total = int(matched.sum())
        if not total:
            return SearchPage(query, (), 0, offset, self.suggest(query), shortened)
        # The analysis first, unless the question is about the fiction: then the fiction first.
        first = self._fiction if analysed.about_fiction else ~self._fiction
        order_key = np.where(matched, scores + _SOURCE_KIND_FIRST * first, -np.inf)
        weights = {token: min(self._postings[token].idf, self._rare_idf) * weight
                   for token, weight in analysed.weights.items()}
        rows = [row for row in self._ranked_rows(order_key, weights, max(offset + limit, CANDIDATES))
                if matched[row]]
        if (meaning := self._meaning) is not None:
            rows[:CANDIDATES] = meaning.rerank(text, rows[:CANDIDATES], [bool(first[row]) for row in rows[:CANDIDATES]])
        hits = tuple(
            SearchHit(self._rows[row], best_snippet(self._sentences[row], weights, self._phrases), float(scores[row]))
            for row in rows[offset:offset + limit]
        )
        return SearchPage(query, hits, total, offset, shortened=shortened)

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
        if suggestion == query or not any(stem(w) in self._postings for w in corrected):
            return None
        return suggestion

    def meaning_texts(self) -> MeaningTexts:
        """What the sentence model encodes for this index: each passage under its heading, and its sentences."""
        return MeaningTexts(
            passages=[f"{p.heading}. {strip_markup(p.text)}" for p in self._rows],
            sentences=[s.text for sentences in self._sentences for s in sentences],
            sentence_rows=[row for row, sentences in enumerate(self._sentences) for _ in sentences],
        )

    def attach_meaning(self, meaning: PassageMeaning) -> None:
        """Rank by meaning too from now on (built from :meth:`meaning_texts`, usually in the background)."""
        self._meaning = meaning

    @property
    def ranks_by_meaning(self) -> bool:
        """Whether meaning vectors are attached."""
        return self._meaning is not None

    def passages_for(self, keys: Iterable[str]) -> list[Passage]:
        """Passages by key, skipping unknown ones (e.g. after a reload)."""
        return [self._passages[k] for k in keys if k in self._passages]

    # -- building ---------------------------------------------------------------------------

    def _token_counts(
        self, passage: Passage, sentences: Sequence[Sentence], described: str
    ) -> tuple[dict[str, float], int]:
        """Weighted counts of a passage's stems and concepts, and the length of its text."""
        counts: dict[str, float] = defaultdict(float)
        length = 0
        for sentence in sentences:  # the text, already analysed
            for token in sentence.tokens.split():
                counts[token] += 1.0
                length += not token.startswith(CONCEPT_PREFIX)
        fields = ((passage.heading, HEADING_WEIGHT), (" ".join(n.text for n in passage.footnotes), NOTES_WEIGHT),
                  (described, DESCRIBED_WEIGHT))
        for text, weight in fields:
            stems = [stem(w) for w in words(text)]
            for token in stems:
                counts[token] += weight
            for _, phrase in self._phrases.find(stems):
                counts[concept_token(phrase.term_id)] += weight
        return counts, length

    def _build_postings(self, counts: Sequence[tuple[dict[str, float], int]]) -> dict[str, _Posting]:
        """BM25 impact of every token in every passage, computed once, in a few array operations."""
        n = len(counts)
        ids: dict[str, int] = {}
        token_ids: list[int] = []
        rows: list[int] = []
        tfs: list[float] = []
        for row, (tokens, _) in enumerate(counts):
            for token, count in tokens.items():
                token_ids.append(ids.setdefault(token, len(ids)))
                rows.append(row)
                tfs.append(count)
        if not ids:
            return {}
        token_array = np.array(token_ids, dtype=np.int64)
        row_array = np.array(rows, dtype=np.int32)
        tf = np.array(tfs, dtype=np.float64)
        lengths = np.array([length for _, length in counts], dtype=np.float64)
        norms = K1 * (1 - B + B * lengths / (lengths.mean() or 1.0))
        df = np.bincount(token_array, minlength=len(ids))
        idf = _idf(n, df)
        impacts = (idf[token_array] * tf * (K1 + 1) / (tf + norms[row_array])).astype(np.float32)
        order = np.argsort(token_array, kind="stable")
        bounds = np.cumsum(df)[:-1]
        row_lists = np.split(row_array[order], bounds)
        impact_lists = np.split(impacts[order], bounds)
        return {token: _Posting(row_lists[i], impact_lists[i], float(idf[i])) for token, i in ids.items()}

    def _fiction_markers(self, terms: Sequence[Term], fiction_titles: Mapping[str, str]) -> frozenset[str]:
        """What makes a question about the fiction, from the fiction's own words.

        The names it uses (words capitalised inside a sentence) that the analysis never uses,
        the content words of its title ("excerpt"), and the glossary concepts cited only from
        it; and, whatever the analysis says, the words that name a work of fiction ("story").
        """
        if not fiction_titles:
            return frozenset()
        fiction: set[str] = {stem(w) for title in fiction_titles.values() for w in words(title) if is_content(w)}
        analysis: set[str] = set()
        for passage, sentences in zip(self._rows, self._sentences, strict=True):
            if passage.source_id not in fiction_titles:
                notes = " ".join(n.text for n in passage.footnotes)
                analysis.update(stem(w) for w in words(f"{passage.heading} {notes}"))
                for sentence in sentences:
                    analysis.update(sentence.tokens.split())
                continue
            for sentence in sentences:
                names = [token_word(fold(t)) for t in TOKEN.findall(sentence.text)[1:] if t[0].isupper()]
                fiction.update(stem(name) for name in names if is_content(name))
        fiction_keys = {p.key for p in self._rows if p.source_id in fiction_titles}
        fiction.update(concept_token(t.id) for t in terms
                       if t.citations and all(c.passage_key in fiction_keys for c in t.citations))
        return frozenset((fiction - analysis) | {stem(w) for w in FICTION_WORDS})

    # -- querying ---------------------------------------------------------------------------

    def _analyse(self, query: str) -> _Query:
        """Content stems, their alternatives, the glossary concepts named, and whether it is about fiction."""
        all_words = query.split()
        content = content_words(all_words) or all_words  # "the" alone still searches
        weights = dict.fromkeys((stem(w) for w in content), 1.0)
        found = [phrase for _, phrase in self._query_phrases.find([stem(w) for w in all_words])]
        concepts = [concept_token(p.term_id) for p in found]
        weights.update({c: SYNONYM_WEIGHT if c.startswith(SYNONYM_PREFIX) else CONCEPT_BOOST for c in concepts})
        for phrase in found:  # a student's word means what its entry says; the sources may use it otherwise
            if concept_token(phrase.term_id).startswith(SYNONYM_PREFIX) and phrase.stems not in self._sources_phrases:
                weights.update((s, STUDENTS_WORD_WEIGHT) for s in phrase.stems if s in weights)
        for word in content:
            for other in self._alternatives(word):
                weights.setdefault(other, ALTERNATIVE_WEIGHT)
        about_fiction = any(t in self._fiction_words for t in [*map(stem, content), *concepts])
        return _Query({t: w for t, w in weights.items() if t in self._postings}, about_fiction)

    def _alternatives(self, word: str) -> list[str]:
        """Indexed stems that say the same: other names of a state, longer or shorter forms of the stem."""
        own = stem(word)
        found = [stem(name) for name in sorted(same_state(word))]
        if len(own) >= MIN_VARIANT_PREFIX:
            start = bisect.bisect_left(self._stems, own)
            longer = itertools.takewhile(lambda s: s.startswith(own), self._stems[start:])
            shorter = (own[:n] for n in range(MIN_VARIANT_PREFIX, len(own)))
            found += [*longer, *shorter]
        return [s for s in dict.fromkeys(found) if s != own and s in self._postings]

    def _score(self, query: _Query) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """Each passage's weighted BM25 sum, and which passages match at all.

        BM25 saturates with repetition, so the sum over the question's distinct content words
        rewards a passage for covering more of them rather than repeating one.
        """
        total = np.zeros(len(self._rows))
        for token, weight in query.weights.items():
            posting = self._postings[token]
            total[posting.rows] += weight * posting.impacts
        return total, total > 0

    def _ranked_rows(self, key: npt.NDArray[np.float64], weights: Mapping[str, float], count: int) -> list[int]:
        """The first ``count`` rows by ``key``, the leading RERANK_DEPTH reordered by their best sentence.

        A passage whose question words sit together in one sentence (under its heading) more
        likely answers than one that scatters them over a long paragraph. The depth is fixed,
        so pages agree.
        """
        rows = self._top(key, max(count, RERANK_DEPTH))
        head, tail = rows[:RERANK_DEPTH], rows[RERANK_DEPTH:]
        padded = {f" {token} ": weight for token, weight in weights.items()}
        best = {row: self._best_sentence(row, padded) for row in head}
        head.sort(key=lambda row: -(key[row] + SENTENCE_WEIGHT * best[row]))
        return (head + tail)[:count]

    def _best_sentence(self, row: int, padded: Mapping[str, float]) -> float:
        """The weight of the query words in the passage's best sentence, its heading's words counted in each."""
        heading = self._headings[row]
        in_heading = sum(w for token, w in padded.items() if token in heading)
        rest = {token: w for token, w in padded.items() if token not in heading}
        return in_heading + max((s.score(rest) for s in self._sentences[row]), default=0.0)

    @staticmethod
    def _top(key: npt.NDArray[np.float64], count: int) -> list[int]:
        """Rows of the ``count`` largest keys, best first; ties keep text order."""
        if count >= len(key):
            return list(np.argsort(-key, kind="stable"))
        part = np.argpartition(-key, count)[:count]
        return [int(r) for r in part[np.lexsort((part, -key[part]))]]
