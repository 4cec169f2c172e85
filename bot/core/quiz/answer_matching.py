"""Short-answer marking by rules a teacher can read.

A response is right when some stretch of it *is* one of the accepted answers and every
other word around that stretch leaves the answer standing:

1. **The stretch.** Words and quantities are read as :mod:`bot.core.quiz.answer_quantities` reads
   them (``$1.4bn`` is 1.4 billion dollars, ``30 per cent`` is 30 percent) and folded by
   :func:`bot.core.quiz.answer_words.fold_word` (case, accents, plural, British/American spelling).
   Quantities must be equal, never close (1956 is not 1957, a million is not a billion); a
   response that gives no unit may stand for one that has a unit. Each word may carry a small
   typo by its length (none under five letters: "chair" is not "air"); words run together or
   split apart ("oil field", "Yao-bang") count as the same.
2. **The rest.** Every other word must be filler, a descriptor, a month or part of a year, a
   word the question itself uses, or a word of another accepted answer; a relation word
   ("after", "near") only when the question asks in those terms. Negation and hedging ("not",
   "or") make the response wrong, and so does any other number (a second year, a second
   amount), apart from the question's own numbers and the day of a month. Anything else, such
   as another name, is a competing answer, so the response is wrong; so is "and" right beside
   the key ("Takeshita and Nakasone").
3. **The paper's own wording.** Words around the key may also be the words the cited sentence
   puts around it ("a sawmill near Lake Baikal"), still without negation, hedge or another number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot.core.quiz import answer_words as vocab
from bot.core.quiz.answer_quantities import ORDINAL, Item, Quantity, tokenize
from bot.core.quiz.answer_words import FILLER, HEDGES, LISTS, MONTHS, NEGATIONS, fold_word, stem

# Words shorter than EXACT_BELOW letters must match exactly; longer ones allow one edit
# (a swap of two neighbours counts as one) per CHARS_PER_TYPO letters.
EXACT_BELOW = 5
CHARS_PER_TYPO = 6
MAX_ITEMS = 40
"""Longer responses are essays, not short answers: refused rather than searched."""
FRAME_WORDS = 3
"""How many words before the question word ("More than how many") set the question's terms."""
_CLAUSES = re.compile(r"[,.;:?!()\"]")


def typo_budget(word: str) -> int:
    """How many single-character edits a word of this length tolerates."""
    return 0 if len(word) < EXACT_BELOW else max(1, len(word) // CHARS_PER_TYPO)


def _read(text: str) -> tuple[Item, ...]:
    """Words folded to one spelling (months to their full name), quantities as they are."""
    return tuple(item if isinstance(item, Quantity) else MONTHS.get(item) or fold_word(item)
                 for item in tokenize(text))


@dataclass(frozen=True)
class _Question:
    """What the accepted answers and the question allow around a key, read once per card."""

    keys: tuple[tuple[Item, ...], ...]
    answer_words: frozenset[str]
    initials: frozenset[str]
    months: frozenset[str]
    asked_words: frozenset[str]
    asked_numbers: frozenset[Quantity]
    frame: frozenset[str]
    contexts: tuple[tuple[tuple[Item, ...], tuple[Item, ...]], ...]
    """For each place a quote states a key: what it says before and after, filler left out."""


@lru_cache(maxsize=4096)
def _question(accepted: tuple[str, ...], prompt: str, quotes: tuple[str, ...]) -> _Question:
    keys = tuple(key for key in (_read(answer) for answer in accepted) if key)
    words = {item for key in keys for item in key if isinstance(item, str)}
    asked = _read(prompt)
    frame: set[str] = set()
    for clause in _CLAUSES.split(prompt):
        items = [item for item in _read(clause) if isinstance(item, str)]
        for index, word in enumerate(items):
            if word in vocab.QUESTION_WORDS:
                frame.update(items[max(0, index - FRAME_WORDS):index])
    contexts = []
    for quote in map(_read, quotes):
        for key in keys:
            contexts += [(_core(quote[:start]), _core(quote[end:])) for start, end in _find(quote, key)]
    return _Question(
        keys=keys,
        answer_words=frozenset(stem(w) for w in words),
        initials=frozenset(w[0] for w in words),
        months=frozenset(w for w in words if w in MONTHS.values()),
        asked_words=frozenset(stem(item) for item in asked if isinstance(item, str)),
        asked_numbers=frozenset(Quantity(item.value) for item in asked if isinstance(item, Quantity)),
        frame=frozenset(frame),
        contexts=tuple(contexts),
    )


def _same_word(given: str, expected: str) -> bool:
    budget = typo_budget(expected)
    return given == expected or (bool(budget) and OSA.distance(given, expected, score_cutoff=budget) <= budget)


def _is_key(window: tuple[Item, ...], key: tuple[Item, ...]) -> bool:
    """Whether a stretch of the response states ``key``: same quantities, same words give or take typos."""
    given_numbers = [item for item in window if isinstance(item, Quantity)]
    key_numbers = [item for item in key if isinstance(item, Quantity)]
    if len(given_numbers) != len(key_numbers) or not all(
            g.answers(k) for g, k in zip(given_numbers, key_numbers, strict=True)):
        return False
    if len(window) == len(key) and all(
            isinstance(g, Quantity) == isinstance(k, Quantity) and (isinstance(g, Quantity) or _same_word(g, str(k)))
            for g, k in zip(window, key, strict=True)):
        return True

    def joined(items: tuple[Item, ...]) -> str:
        return "".join("#" if isinstance(item, Quantity) else item for item in items)

    return joined(window) == joined(key)


def _word_stands(word: str, after: Item | None, question: _Question) -> bool:
    """Whether a word beside the key leaves the answer standing (see the module's rule 2)."""
    if word in NEGATIONS:
        return word == "not" and after in vocab.UNSURE
    if word in HEDGES:
        return False
    if word in vocab.RELATIONS:
        return word in question.frame
    if word in MONTHS.values():
        return not question.months or word in question.months
    if any(word in kind for kind in (FILLER, LISTS, vocab.DESCRIPTORS, vocab.PARTS_OF_YEAR, vocab.UNSURE)):
        return True
    if vocab.PATRONYMIC.search(word):
        return True
    if len(word) == 1:
        return word in question.initials
    return stem(word) in question.asked_words or stem(word) in question.answer_words


def _number_stands(number: Quantity, before: Item | None, after: Item | None, key: tuple[Item, ...],
                   question: _Question) -> bool:
    """A number beside the key may only repeat it, echo the question or be the day of a month."""
    if any(isinstance(k, Quantity) and number.answers(k) for k in key):
        return True
    if Quantity(number.value) in question.asked_numbers:
        return True
    is_day = number.unit in (None, ORDINAL) and number.value == int(number.value) and 1 <= number.value <= 31
    return is_day and (before in MONTHS.values() or after in MONTHS.values())


def _unhedged(word: str) -> bool:
    return word not in HEDGES and word not in NEGATIONS


def _stands(items: tuple[Item, ...], span: range, key: tuple[Item, ...], question: _Question, *,
            quoted: bool) -> bool:
    """Whether the items at ``span`` stand beside the key.

    Every word by the word rules, or, for the paper's own wording (``quoted``), no negation or
    hedge; every number by the number rule.
    """
    for index in span:
        item = items[index]
        before = items[index - 1] if index else None
        after = items[index + 1] if index + 1 < len(items) else None
        if isinstance(item, Quantity):
            if not _number_stands(item, before, after, key, question):
                return False
        elif not (_unhedged(item) if quoted else _word_stands(item, after, question)):
            return False
    return True


def _listed(items: tuple[Item, ...], outward: Iterable[int], question: _Question) -> bool:
    """Whether a listing word ("and") adds a second answer beside the key.

    Going outward from the key, filler, descriptors and words of the answers ("the Sea of") are
    passed; what follows the listing word is a second answer unless it restates an accepted one
    ("Kurile Islands and Northern Territories").
    """
    def answer_word(item: Item | None) -> bool:
        return isinstance(item, str) and (item in vocab.DESCRIPTORS or stem(item) in question.answer_words)

    rest = (items[index] for index in outward if not (isinstance(items[index], str) and items[index] in FILLER))
    for item in rest:
        if not answer_word(item):
            return item in LISTS and not answer_word(next(rest, None))
    return False


def _core(items: Iterable[Item]) -> tuple[Item, ...]:
    """What a stretch of text says once its filler words are gone."""
    return tuple(item for item in items if isinstance(item, Quantity) or item not in FILLER)


def _same_items(given: tuple[Item, ...], expected: tuple[Item, ...]) -> bool:
    return len(given) == len(expected) and all(
        g.answers(e) if isinstance(g, Quantity) and isinstance(e, Quantity)
        else isinstance(g, str) and isinstance(e, str) and _same_word(g, e)
        for g, e in zip(given, expected, strict=True))


def _rest_stands(items: tuple[Item, ...], start: int, end: int, key: tuple[Item, ...], question: _Question) -> bool:
    """Whether everything outside ``items[start:end]`` (the key) leaves the answer standing."""
    left, right = range(start), range(end, len(items))
    by_rules = (_stands(items, left, key, question, quoted=False) and not _listed(items, reversed(left), question),
                _stands(items, right, key, question, quoted=False) and not _listed(items, right, question))
    if all(by_rules):
        return True
    given_left, given_right = _core(items[:start]), _core(items[end:])
    for quote_left, quote_right in question.contexts:
        left_ok = by_rules[0] or (_same_items(given_left, quote_left[len(quote_left) - len(given_left):])
                                  and _stands(items, left, key, question, quoted=True))
        right_ok = by_rules[1] or (_same_items(given_right, quote_right[:len(given_right)])
                                   and _stands(items, right, key, question, quoted=True))
        if left_ok and right_ok:
            return True
    return False


def _find(items: tuple[Item, ...], key: tuple[Item, ...]) -> Iterable[tuple[int, int]]:
    """Every stretch ``(start, end)`` of ``items`` that states ``key``."""
    for size in range(max(1, len(key) - 2), min(len(items), len(key) + 2) + 1):
        for start in range(len(items) - size + 1):
            if _is_key(items[start:start + size], key):
                yield start, start + size


def matches(response: str, accepted: Iterable[str], prompt: str = "", quotes: Iterable[str] = ()) -> bool:
    """Whether ``response`` gives one of the ``accepted`` answers to the question ``prompt``.

    ``quotes`` are the paper's sentences that state the answer: their words around it may be typed too.
    """
    items = _read(response)
    if not items or len(items) > MAX_ITEMS:
        return False
    question = _question(tuple(accepted), prompt, tuple(quotes))
    return any(_rest_stands(items, start, end, key, question)
               for key in question.keys for start, end in _find(items, key))
