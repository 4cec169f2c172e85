"""Content warnings: cards that load fine but teach badly, reported without blocking a reload.

Two habits of quiz writers give answers away or mislead, and neither is an error a schema can
catch:

- the right option is much longer than the others: test-wise learners pick the longest, so a
  card can be passed without knowing the answer;
- an explanation names an option by its position or letter ("the second option", "B and C"):
  choices are shuffled for every learner, so the words point at the wrong option.

Warnings use the same located form as problems (``file:line:column: field.path: message``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.content.schema import ChoiceCardSpec, DeckSpec
from bot.core.content.yaml_document import YamlDocument
from bot.core.problems import Problem
from bot.core.text import collapse_spaces

LONG_ANSWER_RATIO = 1.5
"""A right option at least this many times the mean distractor length is flagged."""

_ORDINAL = r"(?i:first|second|third|fourth|fifth|last|final|penultimate|1st|2nd|3rd|4th|5th)"
# Places on a list that name an option only when the option (or "one") is said with them.
_PLACE = rf"(?:{_ORDINAL}|(?i:top|bottom|middle))"
_COUNT = r"(?i:two|three|four)"
_NUMBER = r"(?i:one|two|three|four|five)"
_OPTION_NOUN = r"(?i:options?|choices?|answers?|alternatives?|distractors?)"
_LETTER = r"[A-E]"
# What may follow a letter or number that names an option: the end of a clause, "and"/"or"
# (another label follows), or a verb ("B is Japan's view").
_LABEL_END = (r"(?=\s*(?:[,;:!?)]|\.(?:\s|$)|$)|\s+(?i:and|or|is|are|was|were|gives?|names?"
              r"|confuses?|swaps?|reverses?|describes?|belongs?|refers?)\b)")
# Words before a capital letter that make it a label of something else: "sections C and D".
_LABELLED = frozenset({"section", "sections", "part", "parts", "plan", "plans", "appendix", "appendices",
                       "table", "tables", "figure", "figures", "group", "groups", "type", "types",
                       "vitamin", "vitamins"})

_POSITION_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(pattern) for pattern in (
    # "the second option", "The first two choices", "the second and third answers", "the top
    # option"; a bare ordinal counts only at the start of a sentence ("First option: ..."), so
    # that "Japan's first choice" stays prose
    rf"(?:\b(?i:the)\s+|^|[.;:!?]\s+){_PLACE}(?:\s+{_COUNT})?(?:\s*(?i:,|and|or)\s*{_PLACE})*"
    rf"\s+{_OPTION_NOUN}\b",
    # "the first one", "the bottom ones" (not "the first one to visit", "the last one of them")
    rf"(?i:\bthe\s+{_PLACE}\s+ones?\b(?!\s+(?:to|of|in|on|at|since|who|that|which|ever)\b))",
    # "the second is only what Primakov hinted", "the first two are wrong": an ordinal standing
    # for an option
    rf"(?i:\bthe\s+{_ORDINAL}(?:\s+{_COUNT})?\s+(?:is|are|was|were)\b)",
    # "the right answer is the third."
    rf"\b{_OPTION_NOUN}\s+(?i:is|was)\s+the\s+{_PLACE}(?=\s*(?:[,;:!?)]|\.(?:\s|$)|$)|\s+(?i:ones?)\b)",
    # "option B", "Choices A and C", "answer (c)", "option b", "answer 2", "choice two is wrong"
    rf"\b{_OPTION_NOUN}\s+(?:\(\s*[a-eA-E]\s*\)|{_LETTER}{_LABEL_END}|[b-e]\b(?![.'-]\w)|a{_LABEL_END}"
    rf"|[1-5](?![\w.'-])|{_NUMBER}{_LABEL_END})",
    rf"\b{_OPTION_NOUN}\s+(?i:above|below)\b",
    # "(c)" on its own: a lettered option ("(C)" alone is as often a section of the paper)
    r"\(\s*[a-e]\s*\)",
    # "B is Japan's view." at the start of a sentence
    rf"(?:^|[.;:!?]\s+){_LETTER}\)?\s+(?i:is|are|was|were)\b",
))
# "A and B", "B, C or D": capital letters listed like options, unless a _LABELLED word precedes
_LETTER_LIST = re.compile(
    rf"(?:\b(?P<before>\w+)\s+)?(?P<letters>\b{_LETTER}(?:\s*,\s*{_LETTER})*\s*,?\s*(?:and|or|&)\s+{_LETTER}\b)(?![.'-]\w)")


def content_warnings(decks: Sequence[tuple[YamlDocument, DeckSpec]]) -> list[Problem]:
    """Every warning in the loaded decks, located at the field that causes it, in file order."""
    warnings: list[Problem] = []
    for doc, deck in decks:
        for index, card in enumerate(deck.cards):
            if isinstance(card, ChoiceCardSpec):
                message = long_answer_message(card.answer, card.choices)
                if message:
                    warnings.append(doc.problem(("cards", index, "answer"), message,
                                                "shorten it or give the other options the same detail"))
            position = option_position_reference(card.explain)
            if position:
                warnings.append(doc.problem(
                    ("cards", index, "explain"), f"names an option by its position or letter: \"{position}\"",
                    "choices are shuffled for every learner; name the option by what it says"))
    return sorted(warnings)


def long_answer_message(answer: str, choices: Sequence[str]) -> str | None:
    """Why the right option gives itself away by length, or None when it does not."""
    others = [len(collapse_spaces(c)) for c in choices if c != answer]
    if not others:
        return None
    mean = sum(others) / len(others)
    length = len(collapse_spaces(answer))
    if mean == 0 or length < LONG_ANSWER_RATIO * mean:
        return None
    return (f"the right option is {length / mean:.1f}x the mean length of the others "
            f"({length} against {mean:.0f} characters), so it can be guessed by its length")


def option_position_reference(text: str) -> str | None:
    """The first words in ``text`` that point at an option by position or letter, if any."""
    found = [(match.start(), match.group(0)) for pattern in _POSITION_PATTERNS if (match := pattern.search(text))]
    found += [(match.start("letters"), match.group("letters")) for match in _LETTER_LIST.finditer(text)
              if (match.group("before") or "").casefold() not in _LABELLED][:1]
    return min(found)[1].strip(" .;:!?") if found else None
