"""Text folding shared by citation matching, glossary lookup, answers and search."""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u00a0": " ",
})
FOOTNOTE_REF = re.compile(r"\[\^([A-Za-z0-9_-]+)\]")
PAGE_MARKER = re.compile(r"<!--\s*page\s+(\d+)\s*-->", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"\s*-{2,}\s*|\s+-\s+")
_NON_WORD = re.compile(r"[^\w\s]")


def collapse_spaces(text: str) -> str:
    """Turn every run of whitespace into one space and trim the ends."""
    return _SPACES.sub(" ", text).strip()


def strip_markup(text: str) -> str:
    """Remove footnote references and page markers, which are not part of the prose."""
    return collapse_spaces(PAGE_MARKER.sub(" ", FOOTNOTE_REF.sub("", text)))


def fold_quote(text: str) -> str:
    """Normalise a quotation for matching: typography, dashes and whitespace don't count."""
    text = unicodedata.normalize("NFKC", strip_markup(text)).translate(_QUOTES)
    return collapse_spaces(_DASHES.sub(" - ", text)).replace(" - ", "-").casefold()


def strip_accents(text: str) -> str:
    """Drop diacritics so that "Kurilé" and "Kurile" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def lookup_key(text: str) -> str:
    """Fold case, accents and punctuation: the identity of a term, alias or short answer."""
    text = strip_accents(unicodedata.normalize("NFKC", text).translate(_QUOTES)).casefold()
    return collapse_spaces(_NON_WORD.sub(" ", text.replace("'", "")))


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    """Shorten to at most ``limit`` characters, cutting at a word boundary when possible."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ellipsis))]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + ellipsis
