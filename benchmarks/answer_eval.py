"""How fairly short answers are marked: the phrasing set scored by three matchers.

For ``tests/core/quiz/answer_phrasings.yaml`` (what students type for every short-answer card,
each with a teacher's verdict) it prints the share of right phrasings accepted and of wrong
ones refused by: a plain baseline (case- and punctuation-folded exact match against the
answer list), the matcher as it was before issue 12 (kept here, and only here, as the
recorded baseline), and the bot's grading function as the study service calls it.

``python -m benchmarks.answer_eval`` runs it alone; ``make bench`` runs it too.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import OSA
from ruamel.yaml import YAML

from bot.core.content.loader import load_content
from bot.core.models import Card
from bot.core.quiz.engine import grade_text
from bot.core.service.template_samples import template_samples
from bot.core.text import lookup_key
from bot.settings import DEFAULT_CONTENT_DIR

PHRASINGS = Path(__file__).resolve().parent.parent / "tests" / "core" / "quiz" / "answer_phrasings.yaml"

Grader = Callable[[Card, str], bool]


@dataclass(frozen=True, slots=True)
class Phrasing:
    """One typed response to one card, with the verdict a teacher gives it."""

    card: str
    text: str
    right: bool
    why: str
    miss: str | None = None
    """Why the bot's rules knowingly mark this one against the teacher's verdict, if they do."""


def load_phrasings(path: Path = PHRASINGS) -> list[Phrasing]:
    """The phrasing set as data."""
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return [Phrasing(str(c["card"]), str(c["text"]), bool(c["right"]), str(c["why"]), c.get("miss"))
            for c in data["cases"]]


def plain_baseline(card: Card, response: str) -> bool:
    """Exact match against the answer list, folding only case and punctuation."""
    given = lookup_key(response)
    return bool(given) and any(given == lookup_key(answer) for answer in card.answers)


# --- the matcher as it was before issue 12, verbatim apart from names: the recorded baseline ---
_OLD_ARTICLES = re.compile(r"^(the|a|an) ")
_OLD_NUMBERS = re.compile(r"\d+|\b(?:hundred|thousand|million|billion|trillion)s?\b")


def _old_normalise(text: str) -> str:
    return _OLD_ARTICLES.sub("", lookup_key(text))


def _old_budget(answer: str) -> int:
    letters = len(answer.replace(" ", ""))
    return 0 if letters < 5 else max(1, letters // 6)


def _old_matches(response: str, accepted: Iterable[str]) -> bool:
    given = _old_normalise(response)
    if not given:
        return False
    for answer in accepted:
        expected = _old_normalise(answer)
        if given == expected:
            return True
        if _OLD_NUMBERS.findall(given) != _OLD_NUMBERS.findall(expected):
            continue
        budget = _old_budget(expected)
        if budget and OSA.distance(given, expected, score_cutoff=budget) <= budget:
            return True
    return False


def old_matcher(card: Card, response: str) -> bool:
    """The short-answer matcher at the start of issue 12 (typos only; no filler, units or context)."""
    return _old_matches(response, card.answers)
# --- end of the recorded baseline ---


@dataclass(frozen=True, slots=True)
class Score:
    """Right phrasings accepted and wrong ones refused, out of how many."""

    accepted: int
    right: int
    refused: int
    wrong: int

    @property
    def accepted_share(self) -> float:
        """Share of right phrasings accepted."""
        return self.accepted / self.right if self.right else 1.0

    @property
    def refused_share(self) -> float:
        """Share of wrong phrasings refused."""
        return self.refused / self.wrong if self.wrong else 1.0


def score(grader: Grader, cards: dict[str, Card], phrasings: Sequence[Phrasing]) -> Score:
    """Grade every phrasing with ``grader`` and count the verdicts that agree with the teacher's."""
    right = [p for p in phrasings if p.right]
    wrong = [p for p in phrasings if not p.right]
    return Score(sum(grader(cards[p.card], p.text) for p in right), len(right),
                 sum(not grader(cards[p.card], p.text) for p in wrong), len(wrong))


GRADERS: dict[str, Grader] = {
    "plain baseline (folded exact match)": plain_baseline,
    "matcher before issue 12": old_matcher,
    "bot (quiz_engine.grade_text)": grade_text,
}


def report(content_dir: Path = DEFAULT_CONTENT_DIR) -> str:
    """The table: one line per matcher."""
    cards = load_content(content_dir, template_samples).cards
    phrasings = load_phrasings()
    right = sum(p.right for p in phrasings)
    lines = [f"short answers: {len(phrasings)} phrasings over {len({p.card for p in phrasings})} cards "
             f"({right} right, {len(phrasings) - right} wrong)"]
    for name, grader in GRADERS.items():
        result = score(grader, cards, phrasings)
        lines.append(f"  {name:<38} right accepted {result.accepted_share:6.1%} ({result.accepted}/{result.right})"
                     f"   wrong refused {result.refused_share:6.1%} ({result.refused}/{result.wrong})")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
    sys.exit(0)
