from __future__ import annotations

import pytest

from bot.core.lookup.excerpt_snippets import split_sentences
from bot.core.lookup.search_terms import (
    SYNONYM_PREFIX,
    PhraseFinder,
    concept_token,
    content_words,
    glossary_phrases,
    is_content,
    stem,
    synonym_phrases,
    words,
)
from bot.core.models import Synonym, Term


@pytest.mark.parametrize("word", ["why", "did", "didn't", "the", "mostly", "happened", "doesn't", "what's"])
def test_question_words_stopwords_and_their_forms_carry_no_content(word: str) -> None:
    assert not is_content(word)


@pytest.mark.parametrize("word", ["japan's", "exports", "1987", "1.6", "toshiba", "kurils"])
def test_content_words_and_numbers_do(word: str) -> None:
    assert is_content(word)


def test_numbers_keep_their_decimal_point_and_words_their_apostrophe() -> None:
    assert words("Only 1.6 percent of Japan's exports, in 1971-75.") == [
        "only", "1.6", "percent", "of", "japan's", "exports", "in", "1971", "75"]



def test_an_initialism_is_one_word_without_its_full_stops() -> None:
    assert words("U.S.-Soviet talks, the U.S.S.R. and the US.") == [
        "us", "soviet", "talks", "the", "ussr", "and", "the", "us"]


@pytest.mark.parametrize(("question", "content"), [
    ("how does the us soviet relationship affect japan", ["us", "soviet", "relationship", "affect", "japan"]),
    ("how did us and japanese goals differ", ["us", "japanese", "goals", "differ"]),
    ("us policy on china", ["us", "policy", "china"]),
    ("what does the paper tell us about trade", ["paper", "trade"]),
])
def test_us_counts_only_where_it_cannot_be_the_pronoun(question: str, content: list[str]) -> None:
    assert content_words(question.split()) == content

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


def test_a_synonym_entry_names_one_concept_and_only_its_source_phrase_marks_a_passage() -> None:
    entry = Synonym("hard currency", ("foreign money", "dollars"))
    in_passages = synonym_phrases([entry], students=False)
    in_questions = synonym_phrases([entry], students=True)
    assert [p.stems for p in in_passages] == [("hard", "currenc")]
    assert {p.stems for p in in_questions} == {("hard", "currenc"), ("foreign", "money"), ("dollar",)}
    assert len({p.term_id for p in in_questions}) == 1
    assert concept_token(in_questions[0].term_id).startswith(SYNONYM_PREFIX)


def test_a_glossary_name_does_not_hide_a_synonym_phrase_sharing_its_words() -> None:
    term = Term("tv", "Toshiba affair", ("Toshiba incident",), "d", ())
    entry = Synonym("incident", ("scandal",))
    finder = PhraseFinder(glossary_phrases([term]), synonym_phrases([entry], students=False))
    stems = [stem(w) for w in words("the Toshiba incident")]
    assert [(start, phrase.term_id) for start, phrase in finder.find(stems)] == [(1, "tv"), (2, "=incid")]
