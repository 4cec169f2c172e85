"""The snippet shown for a hit: the passage's best-matching sentence(s), content words in bold.

A fixed window around the first matching word often shows a sentence that merely mentions a
word of the question; the sentence that answers is the one holding most of the question's
rare words. So sentences are scored by the weight (idf) of the distinct query words and
glossary concepts they contain, the best one is shown, and a neighbour is added while the
snippet is still short.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.lookup.search_terms import (
    CONCEPT_PREFIX,
    TOKEN,
    PhraseFinder,
    concept_token,
    fold,
    stem,
    token_word,
    words,
)
from bot.core.text import truncate

HIGHLIGHT_OPEN, HIGHLIGHT_CLOSE = "\x02", "\x03"
SHORT_SNIPPET = 260
"""Below this many characters a neighbouring sentence is added."""
MAX_SNIPPET = 600
"""Longest snippet; Discord's field limit is 1024 and the template clips at 700."""
ELLIPSIS = "…"

_END = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“(\[]?[A-Z0-9])")
# Words after which a full stop does not end a sentence: initials ("U.S.", "S. L.") and
# the abbreviations of citations and titles.
_ABBREVIATION = re.compile(r"(?:\b[A-Z]|\b(?:Dr|Mr|Mrs|Ms|St|pp|p|no|vs|eds?|al|cf|Jr|Sr|Co|Inc|Ltd))\.$")


def split_sentences(text: str) -> list[str]:
    """Sentences of plain prose; a full stop after an initial or abbreviation does not split."""
    sentences, start = [], 0
    for end in _END.finditer(text):
        if _ABBREVIATION.search(text[max(start, end.start() - 4):end.start() + 1]):
            continue
        sentences.append(text[start:end.end()].strip())
        start = end.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a passage and, computed once at load, the stems and concepts it holds."""

    text: str
    tokens: str
    """Its stems and concept tokens, each between spaces, for a substring test per query word."""

    @classmethod
    def of(cls, text: str, phrases: PhraseFinder) -> Sentence:
        """Analyse one sentence."""
        stems = [stem(w) for w in words(text)]
        concepts = [concept_token(p.term_id) for _, p in phrases.find(stems)]
        return cls(text, f" {' '.join([*stems, *concepts])} ")

    def score(self, padded: Mapping[str, float]) -> float:
        """The summed weight of the query words (given as `` word ``) this sentence holds."""
        return sum(weight for token, weight in padded.items() if token in self.tokens)


def _sentence_matches(
    sentence: str, weights: Mapping[str, float], phrases: PhraseFinder
) -> tuple[float, list[tuple[int, int]]]:
    """The sentence's score and the character spans to highlight (only for the sentences shown)."""
    tokens = list(TOKEN.finditer(sentence))
    stems = [stem(token_word(fold(t.group()))) for t in tokens]
    found: set[str] = set()
    spans = []
    for token, token_stem in zip(tokens, stems, strict=True):
        if token_stem in weights:
            found.add(token_stem)
            spans.append(token.span())
    concepts = any(w.startswith(CONCEPT_PREFIX) for w in weights)
    for start, phrase in phrases.find(stems) if concepts else ():
        concept = concept_token(phrase.term_id)
        if concept in weights:
            found.add(concept)
            spans.append((tokens[start].start(), tokens[start + len(phrase.stems) - 1].end()))
    return sum(weights[w] for w in found), sorted(set(spans))


def _highlight(sentence: str, spans: Sequence[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in spans:
        if start < last:  # a word inside an already highlighted phrase
            continue
        out += [sentence[last:start], HIGHLIGHT_OPEN, sentence[start:end], HIGHLIGHT_CLOSE]
        last = end
    out.append(sentence[last:])
    return "".join(out)


def _window(sentence: str, spans: Sequence[tuple[int, int]]) -> tuple[str, list[tuple[int, int]], bool]:
    """Cut an over-long sentence to MAX_SNIPPET characters around its first highlight."""
    if len(sentence) <= MAX_SNIPPET:
        return sentence, list(spans), False
    first = spans[0][0] if spans else 0
    start = max(0, min(first - MAX_SNIPPET // 4, len(sentence) - MAX_SNIPPET))
    start = sentence.rfind(" ", 0, start) + 1 if start else 0
    cut = truncate(sentence[start:], MAX_SNIPPET, ELLIPSIS)
    kept = [(a - start, b - start) for a, b in spans if a >= start and b - start <= len(cut) - 1]
    return cut, kept, start > 0


def best_snippet(sentences: Sequence[Sentence], weights: Mapping[str, float], phrases: PhraseFinder) -> str:
    """The best-matching sentence, plus its best neighbour while short, highlighted.

    ``weights`` maps each query stem and concept token to its weight (idf); only these words
    are scored and highlighted.
    """
    if not sentences:
        return ""
    padded = {f" {token} ": weight for token, weight in weights.items()}
    scores = [s.score(padded) for s in sentences]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    chosen = [best]
    length = len(sentences[best].text)
    while length < SHORT_SNIPPET:
        neighbours = [i for i in (chosen[0] - 1, chosen[-1] + 1) if 0 <= i < len(sentences)]
        if not neighbours:
            break
        # The later neighbour unless the earlier one matches more: prose runs forward.
        pick = max(neighbours, key=lambda i: (scores[i], i))
        if length + len(sentences[pick].text) > MAX_SNIPPET:
            break
        chosen = sorted([*chosen, pick])
        length += len(sentences[pick].text) + 1
    parts = []
    cut_before = False
    for i in chosen:
        _, spans = _sentence_matches(sentences[i].text, weights, phrases)
        text, spans, cut = _window(sentences[i].text, spans)
        cut_before = cut_before or (cut and i == chosen[0])
        parts.append(_highlight(text, spans))
    snippet = " ".join(parts)
    if chosen[0] > 0 or cut_before:
        snippet = ELLIPSIS + snippet
    if chosen[-1] < len(sentences) - 1 and not snippet.endswith(ELLIPSIS):
        snippet += " " + ELLIPSIS
    return snippet
