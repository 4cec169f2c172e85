"""Every broken-content case the foundation issue names, with its exact location."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.content.loader import load_content
from bot.core.problems import ContentError
from bot.core.service.template_samples import template_samples


def problems_of(content_dir: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(content_dir, template_samples)
    return [str(p) for p in caught.value.problems]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_fixture_content_is_valid(content_dir: Path) -> None:
    snapshot = load_content(content_dir, template_samples)
    assert snapshot.summary().startswith("OK: 2 sources, 4 passages, 2 terms, 5 cards")


def test_yaml_syntax_error_is_located(content_dir: Path) -> None:
    edit(content_dir / "cards/history.yaml", 'choices: ["A peace treaty",', 'choices: ["A peace treaty",: ')
    [problem] = problems_of(content_dir)
    assert problem.startswith("cards/history.yaml:6:32: ")
    assert "YAML syntax error" in problem


def test_duplicate_key(content_dir: Path) -> None:
    edit(content_dir / "cards/history.yaml", '    answer: "A peace treaty"\n',
         '    answer: "A peace treaty"\n    answer: "A trade agreement"\n')
    assert problems_of(content_dir) == [
        "cards/history.yaml:8:5: cards[0].answer: duplicate key 'answer' (it was already given on line 7; keep one)"
    ]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("    answer: true\n", "    answer: no\n",
     "cards/history.yaml:15:13: cards[1].answer: ambiguous value 'no'"),
    ('prompt: "What has the island dispute blocked?"', "prompt: 0123",
     "cards/history.yaml:5:13: cards[0].prompt: ambiguous number '0123'"),
])
def test_yaml_11_coercions_are_errors(content_dir: Path, old: str, new: str, expected: str) -> None:
    edit(content_dir / "cards/history.yaml", old, new)
    assert any(p.startswith(expected) for p in problems_of(content_dir))


def test_unknown_field_suggests_the_right_one(content_dir: Path) -> None:
    edit(content_dir / "cards/history.yaml", "    explain: \"The paper", "    explian: \"The paper")
    problems = problems_of(content_dir)
    assert "cards/history.yaml:8:5: cards[0].explian: unknown field 'explian' (did you mean 'explain'?)" in problems
    assert "cards/history.yaml:3:5: cards[0].explain: required field 'explain' is missing" in problems


def test_unknown_field_on_a_short_card_suggests_its_own_field(content_dir: Path) -> None:
    edit(content_dir / "cards/trade.yaml", "    answers: [Toshiba", "    answer: [Toshiba")
    assert "cards/trade.yaml:6:5: cards[0].answer: unknown field 'answer' (did you mean 'answers'?)" in \
        problems_of(content_dir)


def test_missing_required_field(content_dir: Path) -> None:
    edit(content_dir / "glossary.yaml", "    term: Northern Territories\n", "")
    assert problems_of(content_dir) == [
        "glossary.yaml:11:5: terms[1].term: required field 'term' is missing"
    ]


def test_wrong_type(content_dir: Path) -> None:
    edit(content_dir / "glossary.yaml", "aliases: [linkage, \"seikei fukabun\"]", "aliases: {a: 1}")
    assert problems_of(content_dir) == ["glossary.yaml:4:14: terms[0].aliases: expected a list"]


def test_duplicate_card_id_across_files(content_dir: Path) -> None:
    edit(content_dir / "cards/trade.yaml", "id: trade-cocom", "id: hist-occupied")
    assert problems_of(content_dir) == [
        "cards/trade.yaml:9:9: cards[1].id: duplicate card id 'hist-occupied' "
        "(first used at cards/history.yaml:3:9)"
    ]


def test_duplicate_alias_across_terms(content_dir: Path) -> None:
    edit(content_dir / "glossary.yaml", "aliases: [Kurile Islands, Kuril Islands]",
         "aliases: [Kurile Islands, Linkage]")
    assert problems_of(content_dir) == [
        "glossary.yaml:13:31: terms[1].aliases[1]: 'Linkage' is already the name or an alias of term "
        "'linkage-politics' (each name may point to one term only)"
    ]


def test_quote_not_found_names_the_closest_passage(content_dir: Path) -> None:
    edit(content_dir / "cards/trade.yaml", "The Toshiba Machine Company sold propeller-milling machinery",
         "The Toshiba Machine Company sold propeller machinery")
    [problem] = problems_of(content_dir)
    assert problem.startswith("cards/trade.yaml:8:35: cards[0].cite[0].quote: quote not found in paper")
    assert "closest passage: The Toshiba affair, paragraph 1 (line 14)" in problem


def test_quote_matching_folds_typography(content_dir: Path) -> None:
    edit(content_dir / "cards/history.yaml", "quote: \"the dispute has blocked a peace treaty ever since\"",
         "quote: \"the   dispute has blocked a peace treaty\u2014ever since\"")
    edit(content_dir / "sources/paper.md", "peace treaty ever since", "peace treaty -- ever since")
    snapshot = load_content(content_dir, template_samples)
    key = snapshot.cards["hist-occupied"].citations[0].passage_key
    assert snapshot.passage_by_key[key].ordinal == 1


def test_unknown_source(content_dir: Path) -> None:
    edit(content_dir / "cards/trade.yaml", "[{source: paper, quote: \"The sale", "[{source: papr, quote: \"The sale")
    assert problems_of(content_dir) == [
        "cards/trade.yaml:14:21: cards[1].cite[0].source: unknown source 'papr' (sources are: paper, story)"
    ]


def test_unknown_topic(content_dir: Path) -> None:
    edit(content_dir / "cards/trade.yaml", "    topic: history\n", "    topic: histroy\n")
    assert problems_of(content_dir) == [
        "cards/trade.yaml:17:12: cards[2].topic: unknown topic 'histroy' (topics are: history, trade)"
    ]


def test_choice_answer_not_among_choices(content_dir: Path) -> None:
    edit(content_dir / "cards/history.yaml", 'answer: "A peace treaty"', 'answer: "A peace accord"')
    assert problems_of(content_dir) == [
        "cards/history.yaml:7:13: cards[0].answer: the answer must be exactly one of the choices"
    ]


@pytest.mark.parametrize(("choices", "message"), [
    ('["A peace treaty"]', "needs at least 2 item(s)"),
    ('["A peace treaty", "b", "c", "d", "e", "f"]', "allows at most 5 items"),
])
def test_choice_count_limits(content_dir: Path, choices: str, message: str) -> None:
    edit(content_dir / "cards/history.yaml", '["A peace treaty", "A trade agreement", "A fishing accord"]', choices)
    assert problems_of(content_dir) == [f"cards/history.yaml:6:14: cards[0].choices: {message}"]


def test_see_also_unknown_term(content_dir: Path) -> None:
    edit(content_dir / "glossary.yaml", "see_also: [northern-territories]", "see_also: [northern-territory]")
    assert problems_of(content_dir) == [
        "glossary.yaml:10:16: terms[0].see_also[0]: unknown term 'northern-territory' "
        "(did you mean 'northern-territories'?)"
    ]


def test_empty_prompt(content_dir: Path) -> None:
    edit(content_dir / "cards/history.yaml", 'prompt: "What has the island dispute blocked?"', 'prompt: "  "')
    assert problems_of(content_dir) == ["cards/history.yaml:5:13: cards[0].prompt: must not be empty"]


def test_source_without_sections(content_dir: Path) -> None:
    (content_dir / "sources/story.md").write_text("Just a paragraph, no headings.\n", encoding="utf-8")
    problems = problems_of(content_dir)
    assert "sources/story.md:1:1: the source has no sections (start each section with a '## Heading' line)" in problems


def test_template_with_undefined_variable(content_dir: Path) -> None:
    (content_dir / "templates").mkdir()
    (content_dir / "templates/term.md.j2").write_text("**{{ term.term }}**\n\n{{ oops }}\n", encoding="utf-8")
    assert problems_of(content_dir) == [
        "templates/term.md.j2:3:1: template: undefined variable 'oops' "
        "(this template can use: " + ", ".join(sorted(template_contexts("term.md.j2"))) + ")"
    ]


def test_template_reaching_for_private_attributes(content_dir: Path) -> None:
    (content_dir / "templates").mkdir()
    (content_dir / "templates/term.md.j2").write_text("{{ term.__class__.__mro__ }}\n", encoding="utf-8")
    problems = problems_of(content_dir)
    assert "templates/term.md.j2:1:1: template: '__class__' is not allowed " \
        "(templates may not reach for private or internal attributes)" in problems


def test_file_that_is_not_utf8(content_dir: Path) -> None:
    path = content_dir / "glossary.yaml"
    path.write_bytes(path.read_bytes().replace(b"Japan's policy", b"Japan\xe9s policy"))
    assert problems_of(content_dir) == [
        "glossary.yaml:6:12: the file is not UTF-8 text (save it as UTF-8 in your editor)"
    ]


def test_all_problems_are_reported_at_once(content_dir: Path) -> None:
    edit(content_dir / "cards/history.yaml", "    answer: true\n", "    answer: no\n")
    edit(content_dir / "glossary.yaml", "see_also: [northern-territories]", "see_also: [nowhere]")
    edit(content_dir / "cards/trade.yaml", "    topic: history\n", "    topic: nowhere\n")
    files = {p.split(":")[0] for p in problems_of(content_dir)}
    assert files == {"cards/history.yaml", "glossary.yaml", "cards/trade.yaml"}


def template_contexts(name: str) -> frozenset[str]:
    from bot.core.presentation.rendering import BUILTIN_DIR, _declared_context

    return _declared_context((BUILTIN_DIR / name).read_text(encoding="utf-8"))


def test_unlisted_source_file_is_warned_about(content_dir: Path) -> None:
    (content_dir / "sources/new-paper.md").write_text("## A\n\nText.\n", encoding="utf-8")
    snapshot = load_content(content_dir, template_samples)
    assert snapshot.summary().startswith("OK: ")
    assert [str(w) for w in snapshot.warnings] == [
        "sources/new-paper.md:1:1: warning: not listed under sources in course.yaml, so the bot "
        "does not use it (list it in course.yaml, or keep notes outside sources/)"]
    edit(content_dir / "cards/trade.yaml", "source: paper", "source: new-paper")
    assert any(p.startswith("sources/new-paper.md:1:1: warning: not listed") for p in problems_of(content_dir))


def test_every_mistake_is_reported_in_one_run(content_dir: Path) -> None:
    deck = content_dir / "cards/trade.yaml"
    edit(deck, "topic: trade\n", "topic: trades\n")
    edit(deck, '    explain: "The Toshiba Machine Company made the sale."\n', "")
    edit(deck, '"The Toshiba Machine Company sold propeller-milling machinery"', '"Toshiba sold machines"')
    edit(deck, "id: trade-cocom", "id: hist-occupied")
    edit(deck, '"The sale violated COCOM export controls."', '"The sale broke COCOM rules."')
    edit(deck, "source: story", "source: stroy")
    found = [p.split(": ", 2)[1:] for p in problems_of(content_dir)]
    assert [where for where, _ in found] == ["topic", "cards[0].explain", "cards[0].cite[0].quote", "cards[1].id",
                                             "cards[1].cite[0].quote", "cards[2].cite[0].source"]


def test_a_broken_course_file_does_not_hide_the_decks_problems(content_dir: Path) -> None:
    edit(content_dir / "course.yaml", "title:", "titel:")
    edit(content_dir / "cards/trade.yaml", "source: story", "source: stroy")
    problems = problems_of(content_dir)
    assert any("unknown field 'titel'" in p for p in problems)
    assert any("unknown source 'stroy'" in p for p in problems)


@pytest.mark.parametrize("deck", [
    "topic: trade\ncards: [1, x, {type: choice}, {id: 5, cite: x}, null]\n",
    "topic: [a]\ncards: {a: 1}\n",
    "topic: trade\ncards:\n  - id: x-1\n    type: short\n    cite: [null, {source: 3}, {quote: q}]\n",
    "- a list\n",
    "just text\n",
])
def test_odd_shapes_are_problems_not_crashes(content_dir: Path, deck: str) -> None:
    (content_dir / "cards/odd.yaml").write_text(deck, encoding="utf-8")
    assert any(p.startswith("cards/odd.yaml:") for p in problems_of(content_dir))


@pytest.mark.parametrize(("old", "new"), [
    ("- id: paper", "- id: 7"), ("kind: analysis", "kind: novel"), ("topics:", "topics: 3\nx:"),
    ("sources:", "sources: [null]\nx:"),
])
def test_odd_course_shapes_are_problems_not_crashes(content_dir: Path, old: str, new: str) -> None:
    edit(content_dir / "course.yaml", old, new)
    assert any(p.startswith("course.yaml:") for p in problems_of(content_dir))


SYNONYMS = """synonyms:
  - paper: peace treaty
    students: [peace deal, pact]
  - paper: economic cooperation
    students: [business ties]
"""


def test_synonyms_file_is_optional_and_feeds_search(content_dir: Path) -> None:
    (content_dir / "synonyms.yaml").write_text(SYNONYMS, encoding="utf-8")
    snapshot = load_content(content_dir, template_samples)
    assert "peace treaty" in snapshot.index.search("pact").hits[0].passage.text


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("paper: peace treaty", "paper: peace accord",
     "synonyms.yaml:2:12: synonyms[0].paper: 'peace accord' is not in any source (an entry starts from a word"),
    ("students: [business ties]", "students: [business ties, pacts]",
     "synonyms.yaml:5:31: synonyms[1].students[1]: 'pacts' is already listed under 'peace treaty' "
     "(a word may stand for one entry only)"),
    ("students: [peace deal, pact]", "students: [peace deal, how]",
     "synonyms.yaml:3:28: synonyms[0].students[1]: 'how' has only words that search ignores"),
    ("students: [business ties]", "students: []",
     "synonyms.yaml:5:15: synonyms[1].students:"),
])
def test_synonym_entry_problems_are_located(content_dir: Path, old: str, new: str, expected: str) -> None:
    (content_dir / "synonyms.yaml").write_text(SYNONYMS.replace(old, new), encoding="utf-8")
    problems = problems_of(content_dir)
    assert any(p.startswith(expected) for p in problems), problems
