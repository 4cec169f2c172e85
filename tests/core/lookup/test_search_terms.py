from __future__ import annotations

import pytest

from bot.core.lookup.excerpt_snippets import split_sentences
from bot.core.lookup.search_terms import PhraseFinder, glossary_phrases, is_content, stem, words
from bot.core.models import Term


@pytest.mark.parametrize("word", ["why", "did", "didn't", "the", "mostly", "happened", "doesn't", "what's"])
def test_question_words_stopwords_and_their_forms_carry_no_content(word: str) -> None:
    assert not is_content(word)


@pytest.mark.parametrize("word", ["japan's", "exports", "1987", "1.6", "toshiba", "kurils"])
def test_content_words_and_numbers_do(word: str) -> None:
    assert is_content(word)


def test_numbers_keep_their_decimal_point_and_words_their_apostrophe() -> None:
    assert words("Only 1.6 percent of Japan's exports, in 1971-75.") == [
        "only", "1.6", "percent", "of", "japan's", "exports", "in", "1971", "75"]


def test_glossary_phrases_drop_parenthesised_dates_and_match_longest_first() -> None:
    term = Term("nt", "Northern Territories (since 1945)", ("Kurils", "Southern Kuril Islands"), "d", ())
    finder = PhraseFinder(glossary_phrases([term]))
    stems = [stem(w) for w in words("the southern Kuril Islands and the Northern Territories")]
    found = [(start, len(phrase.stems)) for start, phrase in finder.find(stems)]
    assert found == [(1, 3), (6, 2)]


def test_sentences_do_not_end_at_initials_or_citation_abbreviations() -> None:
    text = "The U.S. and Dr. Segal agreed. See pp. 38-39 in S. L. Clark. Then it ended."
    assert split_sentences(text) == [
        "The U.S. and Dr. Segal agreed.", "See pp. 38-39 in S. L. Clark.", "Then it ended."]
