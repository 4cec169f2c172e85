"""Content warnings: a right option that gives itself away by length, explanations that point
at option positions; located like problems, never blocking a load."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.content.loader import load_content, parse_yaml_text
from bot.core.content.schema import DeckSpec
from bot.core.content.warnings import content_warnings, long_answer_message, option_position_reference
from bot.core.problems import Problem
from bot.core.service.template_samples import template_samples

DECK = """\
topic: history
cards:
  - id: fair-card
    type: choice
    prompt: "Which island group did Primakov mention?"
    choices: ["Habomai and Shikotan", "Kunashiri and Etorofu", "Sakhalin and Hokkaido"]
    answer: "Habomai and Shikotan"
    explain: "Primakov hinted at Habomai and Shikotan; Kunashiri and Etorofu were never offered."
    cite: [{source: paper, quote: "q"}]
  - id: long-card
    type: choice
    prompt: "What did the declaration promise?"
    choices:
      - "Return of Shikotan and the Habomais after a peace treaty is signed"
      - "Nothing"
      - "All four islands"
    answer: "Return of Shikotan and the Habomais after a peace treaty is signed"
    explain: "The first option is the promise; option B ignores it."
    cite: [{source: paper, quote: "q"}]
  - id: tf-card
    type: truefalse
    prompt: "The treaty was signed."
    answer: false
    explain: "Answers (a) and (b) do not apply to a statement; the first Soviet leader never signed it."
    cite: [{source: paper, quote: "q"}]
"""


def warnings_for(text: str) -> list[Problem]:
    problems: list[Problem] = []
    parsed = parse_yaml_text(text, "cards/test.yaml", DeckSpec, problems)
    assert parsed is not None and not problems, problems
    return content_warnings([parsed])


def test_warnings_are_located_like_problems() -> None:
    assert [str(w) for w in warnings_for(DECK)] == [
        "cards/test.yaml:17:13: cards[1].answer: the right option is 5.7x the mean length of the others "
        "(66 against 12 characters), so it can be guessed by its length "
        "(shorten it or give the other options the same detail)",
        "cards/test.yaml:18:14: cards[1].explain: names an option by its position or letter: "
        "\"The first option\" (choices are shuffled for every learner; name the option by what it says)",
        "cards/test.yaml:24:14: cards[2].explain: names an option by its position or letter: \"Answers (a)\" "
        "(choices are shuffled for every learner; name the option by what it says)",
    ]


@pytest.mark.parametrize(("answer", "others", "flagged"), [
    ("x" * 30, ["y" * 20, "y" * 20], True),  # exactly 1.5 times: flagged
    ("x" * 29, ["y" * 20, "y" * 20], False),
    ("x" * 45, ["y" * 10, "y" * 50], True),  # against the mean, not the longest distractor
    ("short", ["a much longer distractor", "another long one"], False),
    ("an" + " " * 20 + "\nanswer", ["an answer", "the other"], False),  # runs of whitespace count once
])
def test_long_answer_threshold(answer: str, others: list[str], flagged: bool) -> None:
    assert (long_answer_message(answer, [answer, *others]) is not None) is flagged


@pytest.mark.parametrize("text", [
    "The first option is Japan's position, and the second is only what Primakov hinted.",
    "the second is only what Primakov hinted in 1985",
    "Option B is Japan's position.",
    "Japan rejected military cooperation, so the second option reverses its position.",
    "Choice (c) confuses the dates.",
    "(c) confuses the two leaders.",
    "A and B are Soviet proposals, not Japanese ones.",
    "B, C or D would all be wrong.",
    "The first one swaps the figures.",
    "The last one is Japan's view.",
    "The first two answers are the Soviet view.",
    "Option b is wrong, and choice two is the Soviet view.",
    "The right answer is the third.",
    "The correct option is the last one.",
    "B is Japan's position.",
    "The top option is a later event.",
    "Options 1 and 3 are Gorbachev's proposals.",
    "None of the options above fits.",
    "The second and third choices are wrong.",
    "First option: Japan's view.",
    "The last choice is the Soviet view.",
    "Answers A and D confuse the dates.",
    "The 2nd option belongs to 1987.",
])
def test_position_references_are_found(text: str) -> None:
    assert option_position_reference(text) is not None


@pytest.mark.parametrize("text", [
    "Gorbachev was the first Soviet leader to stress that the USSR is an Asian country.",
    "It was the first time since World War II that a Japanese plane fired at a foreign aircraft.",
    "Exports fell in the first half of 1987 and the second phase was cancelled in 1981.",
    "First and foremost, there is the territorial dispute.",
    "First, and most importantly, the Toshiba revelation.",
    "Both governments wait for the other to take the first step.",
    "If it must choose, China is Japan's first choice over the USSR.",
    "Shevardnadze was the first one to visit Japan in a decade.",
    "The paper discusses this in sections C and D (and again in section E).",
    "The U.S. and Japan differed; A. Gromyko and E. Shevardnadze both met Abe.",
    "The answer is 1956, and 1.6 percent is the USSR's share of Japan's exports.",
    "Plan B was never tried, and vitamin C and D are not in the paper.",
    "The paper lists three aims. The third explains China's early criticism.",
    "Japan's answer to China's demand was a complaint about quality.",
    "The first two years of normalization were a success.",
    "Japan was the first to fire; the last of the four islands is Etorofu.",
    "The options open to Japan were limited.",
    "The option a student picks first is often the longest; the answer one would expect is wrong.",
    "Japan was the first. The top three capitalist countries; the middle of the 1980s.",
    "The triangle is examined in the last section (E) of the paper.",
])
def test_ordinary_prose_is_not_flagged(text: str) -> None:
    assert option_position_reference(text) is None


def test_a_warning_does_not_block_loading_and_check_prints_it(content_dir: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    deck = content_dir / "cards/history.yaml"
    text = deck.read_text(encoding="utf-8")
    deck.write_text(text.replace("The paper says the dispute", "The second option says the dispute"),
                    encoding="utf-8")
    snapshot = load_content(content_dir, template_samples)
    assert [w.field for w in snapshot.warnings] == ["cards[0].explain"]
    assert main(["check", "--content", str(content_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("OK: ")
    assert lines[1:] == ["warning: cards/history.yaml:8:14: cards[0].explain: names an option by its position "
                         "or letter: \"The second option\" (choices are shuffled for every learner; name the "
                         "option by what it says)"]
