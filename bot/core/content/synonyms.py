"""``synonyms.yaml``, checked against the sources: each entry starts from a phrase the sources use.

An entry whose source phrase is nowhere in the sources would silently do nothing (a typo, or
a word edited out of the text), and a student's word listed under two entries would quietly
serve only the first, so both are located errors.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.content.schema import SynonymsSpec, is_complete
from bot.core.content.yaml_document import Path, YamlDocument
from bot.core.lookup.search_terms import is_content, stem, words
from bot.core.models import Passage, Synonym
from bot.core.problems import Problem


def build_synonyms(
    loaded: tuple[YamlDocument, SynonymsSpec] | None, passages: Sequence[Passage]
) -> tuple[tuple[Synonym, ...], list[Problem]]:
    """The file's valid entries and the problems of the others (no file: no entries)."""
    if loaded is None:
        return (), []
    doc, spec = loaded
    texts = [_stemmed(f"{p.heading}. {p.text}") for p in passages]
    owners: dict[str, str] = {}
    synonyms, problems = [], []
    for index, entry in enumerate(spec.synonyms or ()):
        if not is_complete(entry):
            continue
        path: Path = ("synonyms", index)
        if not any(_stemmed(entry.paper) in text for text in texts):
            problems.append(doc.problem((*path, "paper"), f"'{entry.paper}' is not in any source",
                                        "an entry starts from a word or phrase the sources use: check its spelling"))
        phrases = [((*path, "paper"), entry.paper),
                   *(((*path, "students", i), said) for i, said in enumerate(entry.students))]
        for where, phrase in phrases:
            if not any(is_content(w) for w in words(phrase)):
                problems.append(doc.problem(where, f"'{phrase}' has only words that search ignores",
                                            "words like 'the', 'how' or 'get' never decide a search: "
                                            "add what it is about"))
                continue
            owner = owners.setdefault(_stemmed(phrase), entry.paper)
            if owner != entry.paper:
                problems.append(doc.problem(where, f"'{phrase}' is already listed under '{owner}'",
                                            "a word may stand for one entry only"))
        synonyms.append(Synonym(entry.paper, tuple(entry.students)))
    return tuple(synonyms), problems


def _stemmed(text: str) -> str:
    """``text`` as its stems between spaces, so a phrase is found as a substring of a passage."""
    return f" {' '.join(stem(w) for w in words(text))} "
