from __future__ import annotations

import pytest

from bot.core.content.loader import load_content
from bot.core.lookup.glossary import MAX_CHOICES, Glossary
from bot.core.models import Term
from bot.core.service.template_samples import template_samples
from tests.conftest import FIXTURE_CONTENT


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_content(FIXTURE_CONTENT, template_samples).glossary


@pytest.mark.parametrize("text", [
    "Linkage politics", "linkage-politics", "LINKAGE POLITICS!", "linkage", "Seikei Fukabun",
    "Kurilé Islands", "kuril islands", "northern territories",
])
def test_exact_lookup_folds_case_punctuation_and_accents(glossary: Glossary, text: str) -> None:
    found = glossary.lookup(text)
    assert found.exact
    assert found.term is not None


@pytest.mark.parametrize(("text", "term_id"), [
    ("linkage politcs", "linkage-politics"),
    ("northern teritories", "northern-territories"),
    ("politics linkage", "linkage-politics"),
])
def test_fuzzy_lookup_accepts_typos(glossary: Glossary, text: str, term_id: str) -> None:
    found = glossary.lookup(text)
    assert not found.exact
    assert found.term is not None and found.term.id == term_id


@pytest.mark.parametrize("text", ["perestroika", "submarine", "politics", "x", ""])
def test_unrelated_words_are_rejected(glossary: Glossary, text: str) -> None:
    assert glossary.lookup(text).term is None


def test_near_miss_offers_suggestions(glossary: Glossary) -> None:
    found = glossary.lookup("northern islands")
    assert found.term is None
    assert [t.id for t in found.suggestions] == ["northern-territories"]


def test_autocomplete_prefix_first_and_capped() -> None:
    terms = [Term(f"term-{i}", f"Term number {i:02d}", (), "d", ()) for i in range(40)]
    terms.append(Term("apple", "Apple", ("Term apple",), "d", ()))
    glossary = Glossary(terms)
    choices = glossary.autocomplete("term")
    assert len(choices) == MAX_CHOICES
    assert choices[0] == ("Apple (Term apple)", "apple") or choices[0][0].startswith("Term")
    assert all(len(label) <= 100 for label, _ in choices)


def test_autocomplete_matches_aliases_and_word_starts(glossary: Glossary) -> None:
    assert glossary.autocomplete("kur")[0] == ("Northern Territories (Kuril Islands)", "northern-territories")
    assert glossary.autocomplete("terr")[0][1] == "northern-territories"
    assert glossary.autocomplete("")[:2] == [("Linkage politics", "linkage-politics"),
                                             ("Northern Territories", "northern-territories")]


def test_a_word_without_an_entry_falls_back_to_passages() -> None:
    snapshot = load_content(FIXTURE_CONTENT, template_samples)
    definition = snapshot.define("submarines")
    assert definition.lookup.term is None
    assert [hit.passage.ordinal for hit in definition.passages] == [3]
    assert snapshot.define("linkage").passages == ()


@pytest.mark.parametrize(("text", "term_id"), [("northern", "northern-territories"),
                                               ("Kurile", "northern-territories")])
def test_leading_words_of_exactly_one_name_resolve(glossary: Glossary, text: str, term_id: str) -> None:
    found = glossary.lookup(text)
    assert found.term is not None and found.term.id == term_id and not found.exact


def test_leading_words_shared_by_several_names_only_suggest() -> None:
    shared = Glossary([
        Term("soviet-threat", "Soviet military threat", (), "d", ()),
        Term("soviet-garrison", "Soviet garrison on the islands", (), "d", ()),
    ])
    assert shared.lookup("soviet").term is None
    assert shared.lookup("soviet garrison").term is not None
