"""The marking rules one at a time, on made-up cards (the phrasing set covers the shipped ones)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.core.quiz.answer_matching import matches
from bot.core.quiz.answer_quantities import DECADE, PERCENT, Quantity, tokenize
from bot.core.quiz.answer_words import fold_word


@pytest.mark.parametrize(("response", "accepted"), [
    ("Toshiba", ["Toshiba Machine Company", "Toshiba"]),
    ("the toshiba machine company", ["Toshiba Machine Company"]),
    ("Toshbia", ["Toshiba"]),
    ("Vladivostock", ["Vladivostok"]),
    ("Shevardnaze", ["Shevardnadze"]),
    ("  AIR ", ["air"]),
    ("Kurilé", ["Kurile"]),
    ("1.4 billion", ["$1.4 billion"]),
    ("in 1956", ["1956"]),
    ("I think it was around 1956", ["1956"]),
    ("the answer is 1956.", ["1956"]),
    ("May 1956", ["1956"]),
    ("3rd May 1956", ["1956"]),
    ("$2bn", ["$2 billion"]),
    ("US$2 billion", ["$2 billion"]),
    ("2 billion dollars", ["$2 billion"]),
    ("USD 2,000 million", ["$2 billion"]),
    ("about 10 percent", ["10%"]),
    ("30 per cent", ["30 percent"]),
    ("thirty pct", ["30%"]),
    ("one-half", ["1/2"]),
    ("Kuril Island", ["Kuril Islands"]),
    ("the labour theory", ["labor theory"]),
    ("Lake Baikal", ["Baikal"]),
    ("Nikolai Ivanovich Ryzhkov", ["Nikolai Ryzhkov", "Ryzhkov"]),
    ("Tyumen oil field", ["Tyumen oilfield"]),
    ("7,5 billion roubles", ["7.5 billion rubles"]),
    ("not sure, 1956", ["1956"]),
    ("nineteen fifty-six", ["1956"]),
    ("I'm fairly sure it's Hu's", ["Hu"]),
])
def test_accepted(response: str, accepted: list[str]) -> None:
    assert matches(response, accepted)


@pytest.mark.parametrize(("response", "accepted"), [
    ("chair", ["air"]),
    ("airs", ["air"]),
    ("Toshiba Machine", ["Toshiba"]),
    ("not Toshiba", ["Toshiba"]),
    ("1965", ["1956"]),
    ("1957", ["1956"]),
    ("1956 and 1960", ["1956"]),
    ("1956 or 1957", ["1956"]),
    ("the 1950s", ["1956"]),
    ("before 1956", ["1956"]),
    ("1.4 million", ["$1.4 billion"]),
    ("1.4 billion roubles", ["$1.4 billion"]),
    ("6 billion", ["6 million"]),
    ("16", ["1.6"]),
    ("3%", ["30%"]),
    ("", ["air"]),
    ("Southern Territories", ["Northern Territories"]),
    ("Makiko Tanaka", ["Tanaka"]),
    ("Tanaka and Ohira", ["Tanaka"]),
    ("Tanaka's successor", ["Tanaka"]),
    ("1956 " + "and more " * 30, ["1956"]),
])
def test_rejected(response: str, accepted: list[str]) -> None:
    assert not matches(response, accepted)


def test_the_question_sets_which_relations_and_echoes_stand() -> None:
    prompt = "Near which lake was the sawmill, signed with Nakasone, located?"
    assert matches("near Lake Baikal", ["Lake Baikal"], prompt)
    assert not matches("near Lake Baikal", ["Lake Baikal"], "Which lake was it?")
    assert matches("the sawmill was near Lake Baikal", ["Lake Baikal"], prompt)
    assert not matches("Baikal and Nakasone", ["Lake Baikal"], prompt)
    assert matches("signed in 1987", ["1987"], "In what year was it signed, after the 1986 talks?")
    assert not matches("after 1987", ["1987"], "In what year was it signed, after the 1986 talks?")


def test_and_beside_the_key_adds_a_second_answer_unless_it_restates_one() -> None:
    accepted = ["Northern Territories", "Kurile Islands"]
    assert matches("the Kurile Islands and the Northern Territories", accepted)
    assert not matches("the Kurile Islands and Afghanistan", accepted)
    assert not matches("Afghanistan and the Northern Territories", accepted)


def test_a_month_in_the_answer_list_must_agree() -> None:
    assert matches("Nov 1985", ["1985", "November 1985"])
    assert not matches("December 1985", ["1985", "November 1985"])


def test_the_papers_own_wording_around_the_answer_stands() -> None:
    quote = "The two countries signed their first joint venture in July 1987 for a sawmill close to Lake Baikal."
    assert matches("a sawmill close to Lake Baikal", ["Baikal"], "Which lake?", [quote])
    assert not matches("a sawmill close to Lake Baikal", ["Baikal"], "Which lake?")
    assert not matches("not a sawmill close to Lake Baikal", ["Baikal"], "Which lake?", [quote])


def test_quantities_read_every_usual_form() -> None:
    billion = Quantity(Decimal("1.4E9"), "usd")
    for text in ("$1.4bn", "US$1.4 billion", "1.4 billion dollars", "1.4 billion U.S. dollars", "$1,400 million"):
        assert tokenize(text) == [billion], text
    assert tokenize("30 per cent") == tokenize("30%") == [Quantity(Decimal(30), PERCENT)]
    assert tokenize("two hundred and sixty firms") == [Quantity(Decimal(260)), "firms"]
    assert tokenize("the 1950s") == ["the", Quantity(Decimal(1950), DECADE)]
    assert not Quantity(Decimal(1956)).answers(Quantity(Decimal(1957)))
    assert Quantity(Decimal("1.4E9")).answers(billion) and not billion.answers(Quantity(Decimal("1.4E9")))


@pytest.mark.parametrize(("one", "other"), [
    ("territories", "territory"), ("islands", "island"), ("defence", "defense"), ("colour", "color"),
    ("organisation", "organization"), ("centre", "center"), ("travelled", "traveled"), ("railroad", "railway"),
])
def test_spelling_and_plural_fold_together(one: str, other: str) -> None:
    assert fold_word(one) == fold_word(other)


def test_short_words_keep_their_plural_and_their_meaning() -> None:
    assert fold_word("airs") != fold_word("air") and fold_word("four") == "four"
