"""Short-answer matching: forgiving of case, accents, articles and small typos.

Never forgiving of a different word that merely contains the answer ("chair" is not "air")
or of a wrong number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz.distance import OSA

from bot.core.text import lookup_key

_ARTICLES = re.compile(r"^(the|a|an) ")
_NUMBERS = re.compile(r"\d+|\b(?:hundred|thousand|million|billion|trillion)s?\b")
# Answers shorter than EXACT_BELOW letters must match exactly; longer ones allow one edit
# (a swap of two neighbours counts as one) per CHARS_PER_TYPO letters.
EXACT_BELOW = 5
CHARS_PER_TYPO = 6


def normalise_answer(text: str) -> str:
    """The comparable form of an answer: folded, without a leading article."""
    return _ARTICLES.sub("", lookup_key(text))


def typo_budget(answer: str) -> int:
    """How many single-character edits an answer of this length tolerates."""
    letters = len(answer.replace(" ", ""))
    return 0 if letters < EXACT_BELOW else max(1, letters // CHARS_PER_TYPO)


def matches(response: str, accepted: Iterable[str]) -> bool:
    """Whether ``response`` is one of the accepted answers, allowing small typos."""
    given = normalise_answer(response)
    if not given:
        return False
    for answer in accepted:
        expected = normalise_answer(answer)
        if given == expected:
            return True
        if _NUMBERS.findall(given) != _NUMBERS.findall(expected):
            continue  # a number (and its magnitude word) is right or wrong, never "close"
        budget = typo_budget(expected)
        if budget and OSA.distance(given, expected, score_cutoff=budget) <= budget:
            return True
    return False
