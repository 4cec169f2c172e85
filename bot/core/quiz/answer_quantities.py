"""Typed answers as words and quantities: every usual way of writing a number gets one value.

``$1.4bn``, ``US$1.4 billion``, ``1.4 billion dollars`` and ``USD 1,400 million`` are all
1 400 000 000 US dollars; ``30%``, ``30 per cent`` and ``thirty percent`` are all 30 percent;
``half``, ``one-half`` and ``1/2`` are all 0.5. Values are exact decimals, so a million stays
a thousand times smaller than a billion and 1956 is never "close to" 1957. A quantity keeps
its unit (currency, percent, decade, ordinal) so that roubles are not dollars and the 1950s
are not 1956.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from bot.core.text import strip_accents

_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+,\d{1,2}(?!\d)|\d+|\.\d+)(?P<suffix>[a-z]+)?"
    r"|(?P<word>[a-z]+)|(?P<sym>[$£€¥%/])"
)
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")
_POSSESSIVE = re.compile(r"['\u2019\u02bc]s\b")
_MONTH_YEAR = re.compile(r"\b(0?[1-9]|1[0-2])/(\d{4})\b")
MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")

MAGNITUDES = {
    "hundred": 2, "thousand": 3, "k": 3, "million": 6, "millions": 6, "m": 6, "mn": 6, "mln": 6, "mil": 6,
    "billion": 9, "billions": 9, "bn": 9, "b": 9, "bln": 9, "trillion": 12, "trillions": 12, "tn": 12, "trn": 12,
}
_CURRENCY_SYMBOLS = {"$": "usd", "£": "gbp", "€": "eur", "¥": "jpy"}
_CURRENCY_WORDS = {
    "dollar": "usd", "dollars": "usd", "usd": "usd", "bucks": "usd",
    "rouble": "rub", "roubles": "rub", "ruble": "rub", "rubles": "rub", "rub": "rub", "rbl": "rub",
    "yen": "jpy", "jpy": "jpy", "yuan": "cny", "renminbi": "cny", "rmb": "cny",
}
_PERCENT_WORDS = {"percent", "pct", "percentage"}
_ORDINAL_SUFFIXES = {"st", "nd", "rd", "th"}
_SMALL = {w: n for n, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"))}
_TENS = {w: 10 * n for n, w in enumerate(
    ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"), start=2)}
_DOLLARS = ("dollar", "dollars")
PERCENT = "percent"
DECADE = "decade"
ORDINAL = "ordinal"


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number as typed, reduced to its value and what it counts (``None``: a bare number)."""

    value: Decimal
    unit: str | None = None

    def answers(self, expected: Quantity) -> bool:
        """Whether this given quantity states ``expected``: same value, and same unit or none said."""
        return self.value == expected.value and self.unit in (expected.unit, None)


Item = str | Quantity
"""A word (folded later by the matcher) or a quantity."""


def fold_typed(text: str) -> str:
    """Case, accents, compatibility forms and apostrophes folded ("Hu's" is "Hu").

    ``&`` is read as "and", and a month number before a year as the month's name.
    """
    text = _POSSESSIVE.sub("", strip_accents(unicodedata.normalize("NFKC", text)).casefold())
    text = _MONTH_YEAR.sub(lambda m: f"{MONTH_NAMES[int(m[1]) - 1]} {m[2]}", text)  # "11/1985": November 1985
    return _APOSTROPHES.sub("", text.replace("&", " and "))


def _decimal(digits: str) -> Decimal:
    """The value of digits as the token pattern lets them through: "1,400", "7.5", or "7,5" (decimal comma)."""
    if re.fullmatch(r"\d+,\d{1,2}", digits):
        return Decimal(digits.replace(",", "."))
    return Decimal(digits.replace(",", ""))


def _raw_tokens(text: str) -> list[Item]:
    """Numbers (with any letters glued to them split off) as quantities, words and symbols as text."""
    out: list[Item] = []
    for match in _TOKEN.finditer(fold_typed(text)):
        if match["num"]:
            out.append(Quantity(_decimal(match["num"])))
            if match["suffix"]:
                out.append("#" + match["suffix"])  # glued letters: "bn", "s", "th", "pct"
        else:
            out.append(match["word"] or match["sym"])
    return _number_words(out)


def _number_words(tokens: list[Item]) -> list[Item]:
    """``two hundred sixty`` → 260, ``nineteen fifty-six`` → 1956, ``one half`` / ``a half`` / ``half`` → 0.5."""
    out: list[Item] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token == "half":
            if out and out[-1] in ("a", Quantity(Decimal(1))):
                out.pop()
            out.append(Quantity(Decimal("0.5")))
            index += 1
            continue
        if not isinstance(token, str) or (token not in _SMALL and token not in _TENS):
            out.append(token)
            index += 1
            continue
        centuries, current = 0, 0
        while index < len(tokens) and isinstance(tokens[index], str):
            word = str(tokens[index])
            value = _SMALL.get(word, 0) + _TENS.get(word, 0)
            if (word in _SMALL or word in _TENS) and value >= 10 and 10 <= current <= 99:
                centuries, current = (centuries + current) * 100, value  # "nineteen fifty-six"
            elif word in _SMALL or word in _TENS:
                current += value
            elif word == "hundred" and current:
                current *= 100
            elif word == "and" and index + 1 < len(tokens) and tokens[index + 1] in {*_SMALL, *_TENS}:
                pass
            else:
                break
            index += 1
        out.append(Quantity(Decimal(centuries + current)))
    return out


def tokenize(text: str) -> list[Item]:
    """Words and quantities of ``text``; currency, magnitude and percent words become part of a quantity."""
    tokens = _raw_tokens(text)
    out: list[Item] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        unit, skip = _currency_before(tokens, index)
        if unit and isinstance(tokens[index + skip], Quantity):
            index += skip
            token = tokens[index]
        if not isinstance(token, Quantity):
            if isinstance(token, str) and not token.startswith("#") and token not in "$£€¥%/":
                out.append(token)
            index += 1
            continue
        quantity, index = _read_quantity(tokens, index, unit)
        out.append(quantity)
    return out


def _currency_before(tokens: list[Item], index: int) -> tuple[str | None, int]:
    """A currency written before the number (``$``, ``US$``, ``U.S. $``, ``USD``): its code and length."""
    for skip, words in ((3, ("u", "s")), (2, ("us",)), (1, ())):
        if index + skip >= len(tokens):
            continue
        head, sign = tokens[index:index + skip - 1], tokens[index + skip - 1]
        if tuple(head) == words and isinstance(sign, str) and sign in _CURRENCY_SYMBOLS:
            return _CURRENCY_SYMBOLS[sign], skip
    token = tokens[index]
    if token in ("usd", "jpy", "rub", "rmb") and index + 1 < len(tokens):
        return _CURRENCY_WORDS[str(token)], 1
    return None, 0


def _read_quantity(tokens: list[Item], index: int, unit: str | None) -> tuple[Quantity, int]:
    """The quantity at ``index`` with the fraction, magnitude, percent or currency after it."""
    number = tokens[index]
    assert isinstance(number, Quantity)
    value = number.value
    index += 1
    if (index + 1 < len(tokens) and tokens[index] == "/" and isinstance(tokens[index + 1], Quantity)
            and 0 < value < tokens[index + 1].value <= 12):  # type: ignore[union-attr]
        value /= tokens[index + 1].value  # type: ignore[union-attr]
        index += 2
    while index < len(tokens):
        token = str(tokens[index]) if isinstance(tokens[index], str) else ""
        word = token.removeprefix("#")
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if word in MAGNITUDES and (word != "b" or token.startswith("#")):
            value *= Decimal(10) ** MAGNITUDES[word]
        elif word in _PERCENT_WORDS or word == "%":
            unit = PERCENT
        elif word == "per" and following == "cent":
            unit, index = PERCENT, index + 1
        elif word in _CURRENCY_WORDS or word in _CURRENCY_SYMBOLS:
            unit = _CURRENCY_WORDS.get(word) or _CURRENCY_SYMBOLS[word]
        elif word == "us" and (following in _DOLLARS or following == "$"):
            pass  # "US dollars", "6 billion US$"
        elif word == "u" and following == "s" and index + 2 < len(tokens) and tokens[index + 2] in _DOLLARS:
            index += 1  # "U.S. dollars"
        elif word == "s" and token.startswith("#") and value % 10 == 0:
            unit = DECADE
        elif word in _ORDINAL_SUFFIXES and token.startswith("#"):
            unit = ORDINAL
        else:
            break
        index += 1
    return Quantity(value.normalize(), unit), index
