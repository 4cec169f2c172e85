from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.content.loader import load_content
from bot.core.content.snapshot import ContentSnapshot
from bot.core.content.source_markdown import parse_source
from bot.core.lookup.excerpt_search import (
    HIGHLIGHT_CLOSE,
    HIGHLIGHT_OPEN,
    MAX_QUERY_CHARS,
    ExcerptIndex,
    SearchPage,
    normalise_query,
)
from bot.core.models import Card, CardType, Citation, Passage, Synonym, Term
from bot.core.service.template_samples import template_samples
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
    from bot.core.content.source_markdown import parse_source

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


# -- questions, not keywords -------------------------------------------------------------------

PAPER = """## Trade

Japan reduced its exports to the USSR by 30 percent after the Toshiba incident.

In 1985 the USSR's share of Japan's exports amounted to only 1.6 percent. The rest went elsewhere.

Why did they do it? Why did it happen? Why, why, did the, did the, it was.

## Islands

The Northern Territories remain the key obstacle. Nothing was settled in 1987.

The Toshiba incident and the exports and the exports and exports, exports, exports again.
"""

STORY = """## Excerpt

Prime Minister Pavlov smiled at Miyazawa and offered the islands back; the islands, the islands, the islands.
"""


def _term(term_id: str, name: str, aliases: tuple[str, ...], key: str) -> Term:
    return Term(term_id, name, aliases, "A definition.", (Citation("paper", name, key),))


@pytest.fixture(scope="module")
def questions() -> ExcerptIndex:
    passages = [*parse_source(PAPER, "paper", "paper.md").passages, *parse_source(STORY, "story", "story.md").passages]
    key_of = {_old_key(p): p.key for p in passages}
    terms = [_term("territories", "Northern Territories", ("Kurils", "Kurile Islands"), key_of["paper:4"]),
             _term("toshiba", "Toshiba affair (1987)", ("Toshiba incident",), key_of["paper:1"])]
    return ExcerptIndex(passages, terms=terms, fiction_titles={"story": "A story (fiction excerpt from a novel)"})


def _old_key(passage: Passage) -> str:
    """``paper:3``: a passage by source and position, as these tests name them (real ids are hashes)."""
    return f"{passage.source_id}:{passage.ordinal}"


def _keys(page: SearchPage) -> list[str]:
    return [_old_key(h.passage) for h in page.hits]


def test_stopwords_and_question_words_decide_nothing(questions: ExcerptIndex) -> None:
    page = questions.search("why did the exports fall")
    assert "paper:3" not in _keys(questions.search("why did the exports fall", limit=10))
    assert _old_key(page.hits[0].passage) in {"paper:1", "paper:2", "paper:5"}


def test_stopwords_and_question_words_are_never_highlighted(questions: ExcerptIndex) -> None:
    for hit in questions.search("why did the USSR reduce its exports", limit=10).hits:
        bold = re.findall(f"{HIGHLIGHT_OPEN}(.*?){HIGHLIGHT_CLOSE}", hit.snippet)
        assert bold and not {b.lower() for b in bold} & {"why", "did", "the", "its", "it"}


def test_a_query_of_stopwords_alone_still_searches(questions: ExcerptIndex) -> None:
    assert questions.search("why did").total >= 1


def test_an_alias_reaches_the_term_in_other_words(questions: ExcerptIndex) -> None:
    page = questions.search("Kurils")  # the text says only "Northern Territories"
    assert _keys(page)[:1] == ["paper:4"]
    assert f"{HIGHLIGHT_OPEN}Northern Territories{HIGHLIGHT_CLOSE}" in page.hits[0].snippet


def test_a_glossary_name_boosts_its_aliases_as_a_phrase(questions: ExcerptIndex) -> None:
    # "affair" is in no passage; the term's alias "Toshiba incident" is, in two.
    page = questions.search("Toshiba affair exports")
    assert _keys(page)[0] == "paper:1"  # the incident and exports, not "exports" said six times


def test_numbers_and_years_are_whole_tokens(questions: ExcerptIndex) -> None:
    assert _keys(questions.search("1.6 percent"))[:1] == ["paper:2"]
    assert _keys(questions.search("what happened in 1985")) == ["paper:2"]


def test_covering_more_question_words_beats_repeating_one(questions: ExcerptIndex) -> None:
    page = questions.search("how much did Toshiba cut exports to the USSR", limit=10)
    assert _old_key(page.hits[0].passage) == "paper:1"
    assert page.total >= 3  # no word is required: passages with some of the words still count


def test_the_snippet_is_the_best_matching_sentence(questions: ExcerptIndex) -> None:
    hit = questions.search("what share of exports went to the USSR in 1985").hits[0]
    assert _old_key(hit.passage) == "paper:2"
    assert "1.6 percent" in hit.snippet.replace(HIGHLIGHT_OPEN, "").replace(HIGHLIGHT_CLOSE, "")
    assert "The rest went elsewhere" in hit.snippet


def test_the_fiction_ranks_after_the_analysis(questions: ExcerptIndex) -> None:
    page = questions.search("why are the islands disputed", limit=10)
    assert page.hits[-1].passage.source_id == "story"
    assert page.hits[0].passage.source_id == "paper"


def test_a_question_about_the_novel_puts_the_fiction_first(questions: ExcerptIndex) -> None:
    assert questions.search("what did Pavlov offer for the islands").hits[0].passage.source_id == "story"
    assert questions.search("islands in the novel").hits[0].passage.source_id == "story"


def test_a_question_naming_the_story_puts_the_fiction_first() -> None:
    # Nothing but the word "story" says this is about the fiction: its title does not use it.
    paper = parse_source("## P\n\nMoscow was friendly towards Tokyo, friendly again.\n", "paper", "p.md")
    story = parse_source("## Excerpt\n\nMoscow was suddenly friendly.\n", "tale", "t.md")
    index = ExcerptIndex([*paper.passages, *story.passages], fiction_titles={"tale": "Alternate-history excerpt"})
    assert index.search("why was moscow friendly").hits[0].passage.source_id == "paper"
    for question in ("why was moscow friendly in the story", "in the novel why was moscow friendly"):
        assert index.search(question).hits[0].passage.source_id == "tale"


def test_a_source_filter_on_the_fiction_keeps_only_it(questions: ExcerptIndex) -> None:
    assert {h.passage.source_id for h in questions.search("islands", source_id="story").hits} == {"story"}


def test_a_miss_still_suggests_a_spelling(questions: ExcerptIndex) -> None:
    page = questions.search("exprots")
    assert page.total == 0
    assert page.suggestion == "exports"


def test_a_long_question_loses_its_stopwords_before_its_content_words() -> None:
    text = "why would the joint development of the islands help japan more than it would in the novel"
    query, shortened = normalise_query(text)
    assert "novel" in query.split() and not shortened
    assert len(query) <= MAX_QUERY_CHARS


def test_names_of_the_same_state_find_each_other(questions: ExcerptIndex) -> None:
    assert "paper:1" in _keys(questions.search("how did Tokyo cut sales to Moscow"))


def test_question_words_together_in_one_sentence_rank_first() -> None:
    text = (
        "## S\n\nToshiba sold machines. The firm was large and old. Many exports followed. Toshiba again. "
        "Exports again.\n\nThe report on the year covered many things in detail, from weather to sports to the "
        "arts and more. Toshiba cut its exports. The report went on about many other things, from weather to "
        "sports to the arts and more, for pages and pages.\n"
    )
    index = ExcerptIndex(parse_source(text, "s", "s.md").passages)
    hits = index.search("Toshiba exports").hits
    assert [_old_key(h.passage) for h in hits] == ["s:2", "s:1"]  # by BM25 alone s:1 (each word twice) is first
    assert "Toshiba cut its exports" in hits[0].snippet.replace(HIGHLIGHT_OPEN, "").replace(HIGHLIGHT_CLOSE, "")



def test_one_rare_word_does_not_outweigh_a_sentence_holding_several() -> None:
    # "zeppelin" is in one passage of 15, "tariff" and "quota" in four each: uncommon enough.
    others = [f"Delegates argued over the tariff in round {i}. A quota followed in round {i}." for i in range(3)]
    filler = [f"The committee met again, for meeting {i}." for i in range(10)]
    text = "\n\n".join([
        "## S", "The old rules stayed. The zeppelin flew over the port.",
        "The old rules stayed in force for years. Japan raised a tariff and cut the quota on wool. Nothing changed.",
        *others, *filler,
    ])
    index = ExcerptIndex(parse_source(text + "\n", "s", "s.md").passages)
    assert [_old_key(h.passage) for h in index.search("zeppelin tariff quota").hits][:2] == ["s:2", "s:1"]



def test_the_us_in_a_question_finds_the_u_s_in_the_text() -> None:
    text = ("## S\n\nThe state of U.S.-Soviet relations sets the pace.\n\n"
            "Let us say the Soviet relations with Japan stalled.\n")
    index = ExcerptIndex(parse_source(text, "s", "s.md").passages)
    hit = index.search("how do the us soviet relations matter").hits[0]
    assert _old_key(hit.passage) == "s:1"
    assert f"{HIGHLIGHT_OPEN}U.S.{HIGHLIGHT_CLOSE}" in hit.snippet

# -- students' words ---------------------------------------------------------------------------

CURRENCY = """## Trade

Moscow lacks hard currency to pay for Japanese machinery.

Japanese firms were paid in timber and coal instead of money, a barter the ministry disliked.

Tokyo's bankers discussed foreign policy over lunch.
"""


def test_a_students_word_reaches_the_passage_using_the_sources_phrase() -> None:
    passages = parse_source(CURRENCY, "paper", "paper.md").passages
    plain = ExcerptIndex(passages)
    index = ExcerptIndex(passages, synonyms=[Synonym("hard currency", ("foreign money",))])
    assert "hard currency" not in plain.search("why is moscow short of foreign money").hits[0].passage.text
    hit = index.search("why is moscow short of foreign money").hits[0]
    assert "hard currency" in hit.passage.text
    assert f"{HIGHLIGHT_OPEN}hard currency{HIGHLIGHT_CLOSE}" in hit.snippet


def test_a_students_word_means_its_entry_before_itself() -> None:
    # "money" is what a student says for "hard currency"; the text says "money" elsewhere, more often.
    text = "## Trade\n\nMoney, money and more money, said the minister.\n\nMoscow lacks hard currency.\n"
    passages = parse_source(text, "paper", "paper.md").passages
    index = ExcerptIndex(passages, synonyms=[Synonym("hard currency", ("money",))])
    assert [h.passage.ordinal for h in index.search("why is there no money").hits] == [2, 1]


def test_a_students_word_in_a_passage_does_not_stand_for_the_sources_phrase() -> None:
    passages = parse_source(CURRENCY, "paper", "paper.md").passages
    index = ExcerptIndex(passages, synonyms=[Synonym("hard currency", ("money",))])
    assert [h.passage.ordinal for h in index.search("hard currency").hits] == [1]


SANCTIONS = """## Trade

Japan cancelled credits after the invasion of Afghanistan and limited its contacts with Moscow.

Moscow imposed sanctions of its own on the fishing fleets for a season.

Tokyo's bankers discussed foreign policy over lunch.
"""


def _card_citing(passage: Passage, prompt: str, *, answer: str = "", explain: str = "",
                 card_type: CardType = CardType.FLASHCARD, choices: tuple[str, ...] = ()) -> Card:
    quote = passage.text.split(" and ")[0]
    return Card("c", card_type, "t", prompt, (answer,), explain, (Citation(passage.source_id, quote, passage.key),),
                choices)


def test_a_citing_cards_teaching_words_reach_its_passage_and_the_snippet_stays_the_sources() -> None:
    passages = parse_source(SANCTIONS, "paper", "paper.md").passages
    card = _card_citing(passages[0], "Which economic penalties did Japan impose?",
                        answer="Cutting credit", explain="Punishment for the invasion.")
    assert not ExcerptIndex(passages).search("economic penalties").hits
    hits = ExcerptIndex(passages, cards=[card]).search("economic penalties").hits
    assert [h.passage.ordinal for h in hits] == [1]
    assert hits[0].snippet == passages[0].text  # the passage's own sentence, nothing of the card's
    assert ExcerptIndex(passages, cards=[card]).search("punishment").hits[0].passage.ordinal == 1


def test_a_passage_saying_the_word_ranks_before_one_whose_card_says_it() -> None:
    passages = parse_source(SANCTIONS, "paper", "paper.md").passages
    card = _card_citing(passages[0], "Which sanctions did Japan impose?")
    hits = ExcerptIndex(passages, cards=[card]).search("sanctions").hits
    assert [h.passage.ordinal for h in hits] == [2, 1]


def test_a_choice_cards_wrong_options_do_not_reach_its_passage() -> None:
    passages = parse_source(SANCTIONS, "paper", "paper.md").passages
    card = _card_citing(passages[0], "What did Japan cancel?", answer="Credits", card_type=CardType.CHOICE,
                        choices=("Credits", "Embargoed whaling"))
    index = ExcerptIndex(passages, cards=[card])
    assert index.search("cancel").hits[0].passage.ordinal == 1
    assert not index.search("whaling embargo").hits
