from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.content_loader import load_content
from bot.core.content_snapshot import ContentSnapshot
from bot.core.excerpt_search import HIGHLIGHT_CLOSE, HIGHLIGHT_OPEN, MAX_QUERY_CHARS, ExcerptIndex, normalise_query
from bot.core.template_samples import template_samples
from tests.conftest import FIXTURE_CONTENT


@pytest.fixture(scope="module")
def snapshot() -> ContentSnapshot:
    return load_content(FIXTURE_CONTENT, template_samples)


@pytest.fixture(scope="module")
def index(snapshot: ContentSnapshot) -> ExcerptIndex:
    return snapshot.index


def test_hits_are_ranked_highlighted_and_cited(index: ExcerptIndex) -> None:
    page = index.search("Toshiba submarines")
    assert page.total == 1
    hit = page.hits[0]
    assert hit.passage.ordinal == 3
    assert hit.passage.subsection == "The Toshiba affair"
    assert f"{HIGHLIGHT_OPEN}Toshiba{HIGHLIGHT_CLOSE}" in hit.snippet
    assert f"{HIGHLIGHT_OPEN}submarines{HIGHLIGHT_CLOSE}" in hit.snippet


def test_section_headings_outweigh_body_text(tmp_path: Path) -> None:
    from bot.core.source_markdown import parse_source

    text = "## Trade\n\nNothing about it here.\n\n## Other\n\nTrade is mentioned once in this body.\n"
    index = ExcerptIndex(parse_source(text, "s", "s.md").passages)
    assert index.search("trade").hits[0].passage.section == "Trade"


def test_stemming_and_footnotes_are_searched(index: ExcerptIndex) -> None:
    assert index.search("violating COCOM").hits[0].passage.ordinal == 3


def test_all_words_first_then_any_word(index: ExcerptIndex) -> None:
    assert index.search("Toshiba Pavlov").total == 2


def test_source_filter(index: ExcerptIndex) -> None:
    assert {h.passage.source_id for h in index.search("Tokyo Soviet", source_id="story").hits} == {"story"}


def test_paging(index: ExcerptIndex) -> None:
    first = index.search("the", limit=2)
    second = index.search("the", offset=2, limit=2)
    assert first.total == second.total >= 3
    assert not {h.passage.key for h in first.hits} & {h.passage.key for h in second.hits}


def test_did_you_mean_uses_the_index_vocabulary(index: ExcerptIndex) -> None:
    page = index.search("Toshbia submarnes")
    assert page.total == 0
    assert page.suggestion == "toshiba submarines"


def test_unrelated_words_get_no_suggestion(index: ExcerptIndex) -> None:
    assert index.search("xylophone").suggestion is None


@pytest.mark.parametrize("query", ['"', "NEAR(a b)", "body: Toshiba", "heading:trade", "a* OR b*", "^x", "-", "((("])
def test_fts_syntax_cannot_be_injected(index: ExcerptIndex, query: str) -> None:
    page = index.search(query)
    assert page.total >= 0


def test_column_filter_is_treated_as_words(index: ExcerptIndex) -> None:
    # "notes:" would restrict FTS5 to the footnote column; quoted, it is just a word.
    assert index.search("notes: Toshiba").query == "notes toshiba"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_safe_query(index: ExcerptIndex, text: str) -> None:
    page = index.search(text)
    assert len(page.query) <= MAX_QUERY_CHARS
    assert all(h.passage.key for h in page.hits)


def test_long_queries_are_shortened_and_say_so() -> None:
    query, shortened = normalise_query("word " * 5000)
    assert shortened
    assert len(query) <= MAX_QUERY_CHARS


def test_snippets_fit_an_embed_field(index: ExcerptIndex) -> None:
    assert all(len(hit.snippet) <= 1024 for hit in index.search("the", limit=10).hits)
