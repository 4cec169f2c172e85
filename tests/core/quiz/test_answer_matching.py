from __future__ import annotations

import pytest

from bot.core.quiz.answer_matching import matches


@pytest.mark.parametrize(("response", "accepted"), [
    ("Toshiba", ["Toshiba Machine Company", "Toshiba"]),
    ("the toshiba machine company", ["Toshiba Machine Company"]),
    ("Toshbia", ["Toshiba"]),
    ("Vladivostock", ["Vladivostok"]),
    ("Shevardnaze", ["Shevardnadze"]),
    ("  AIR ", ["air"]),
    ("Kurilé", ["Kurile"]),
    ("1.4 billion", ["$1.4 billion"]),
])
def test_accepted(response: str, accepted: list[str]) -> None:
    assert matches(response, accepted)


@pytest.mark.parametrize(("response", "accepted"), [
    ("chair", ["air"]),
    ("airs", ["air"]),
    ("Toshiba Machine", ["Toshiba"]),
    ("not Toshiba", ["Toshiba"]),
    ("1965", ["1956"]),
    ("1956 and 1960", ["1956"]),
    ("1.4 million", ["$1.4 billion"]),
    ("6 billion", ["6 million"]),
    ("16", ["1.6"]),
    ("", ["air"]),
])
def test_rejected(response: str, accepted: list[str]) -> None:
    assert not matches(response, accepted)
