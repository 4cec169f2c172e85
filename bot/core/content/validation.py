"""Cross-file checks and model building: ids, topics, sources, see-also and citations.

Each file has already passed its schema; here the files are checked against each other and
every quote is found in its source, so each answer the bot gives is grounded in the text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar, cast

from rapidfuzz import fuzz, process

from bot.core.content.misquote_hint import ClosestPassage
from bot.core.content.schema import (
    CardSpec,
    ChoiceCardSpec,
    CiteSpec,
    CourseSpec,
    DeckSpec,
    GlossarySpec,
    ShortCardSpec,
    TrueFalseCardSpec,
    is_complete,
)
from bot.core.content.yaml_document import Path, YamlDocument
from bot.core.models import Card, CardType, Citation, Course, Passage, Source, SourceKind, Term, Topic
from bot.core.problems import Problem
from bot.core.text import fold_quote, lookup_key, truncate

T = TypeVar("T")


@dataclass
class BuiltContent:
    """Everything built from the files, and what was wrong with them."""

    course: Course | None = None
    terms: list[Term] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def card_content_hash(card: CardSpec) -> str:
    """Fingerprint of what a learner is asked and must answer; explanations don't count."""
    payload = card.model_dump(include={"type", "prompt", "choices", "answer", "answers"})
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return digest[:16]


class CitationResolver:
    """Finds a quote in its source: whitespace, quote marks and dashes are folded."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._folded: dict[str, list[tuple[Passage, str]]] = {}
        for passage in passages:
            haystack = fold_quote(" ".join([passage.text, *(n.text for n in passage.footnotes)]))
            self._folded.setdefault(passage.source_id, []).append((passage, haystack))
        self._finders: dict[str, ClosestPassage] = {}

    def has_source(self, source_id: str) -> bool:
        """Whether any passage belongs to ``source_id``."""
        return source_id in self._folded

    def resolve(self, source_id: str, quote: str) -> Passage | None:
        """The first passage containing the quote, or None."""
        needle = fold_quote(quote)
        return next((p for p, text in self._folded.get(source_id, ()) if needle in text), None)

    def closest(self, source_id: str, quote: str) -> str | None:
        """A hint naming the passage most like the quote, to help fix a misquote."""
        candidates = self._folded.get(source_id, [])
        if not candidates:
            return None
        finder = self._finders.get(source_id)
        if finder is None:
            finder = self._finders[source_id] = ClosestPassage([text for _, text in candidates])
        found = finder.find(fold_quote(quote))
        if found is None:
            return None
        passage = candidates[found][0]
        where = f"{passage.heading or 'untitled section'}, paragraph {passage.paragraph}"
        return f"closest passage: {where} (line {passage.line}): \"{truncate(passage.text, 120)}\""


def build_content(
    course_doc: YamlDocument,
    course_spec: CourseSpec,
    passages: Sequence[Passage],
    glossary: tuple[YamlDocument, GlossarySpec] | None,
    decks: Sequence[tuple[YamlDocument, DeckSpec]],
) -> BuiltContent:
    """Check the files against each other and build the immutable content objects."""
    built = BuiltContent()
    resolver = CitationResolver(passages)
    # Files with errors arrive salvaged (see validate_document): parts may be None or incomplete,
    # and are checked as far as they go so that every mistake is reported in one run.
    course_sources = _present(course_spec.sources)
    course_topics = _present(course_spec.topics)
    sources = {s.id: s for _, s in course_sources if s.id is not None}
    topic_ids = {t.id for _, t in course_topics if t.id is not None}
    _check_unique(course_doc, [("sources", i, s.id) for i, s in course_sources], "source id", built.problems)
    _check_unique(course_doc, [("topics", i, t.id) for i, t in course_topics], "topic id", built.problems)
    built.course = Course(
        title=course_spec.title,
        description=course_spec.description,
        sources=tuple(Source(kind=SourceKind(s.kind), **s.model_dump(exclude={"kind"}))
                      for _, s in course_sources if is_complete(s)),
        topics=tuple(Topic(**t.model_dump()) for _, t in course_topics if is_complete(t)),
    )

    def citations(doc: YamlDocument, path: Path, cites: Sequence[CiteSpec] | None) -> tuple[Citation, ...]:
        found = []
        for index, cite in _present(cites):
            where = (*path, "cite", index)
            if cite.source is None:
                continue
            if cite.source not in sources:
                built.problems.append(doc.problem((*where, "source"), f"unknown source '{cite.source}'",
                                                  f"sources are: {', '.join(sources)}"))
                continue
            if cite.quote is None or not resolver.has_source(cite.source):
                continue  # a source that did not load has its own problem; its quotes cannot be checked
            passage = resolver.resolve(cite.source, cite.quote)
            if passage is None:
                built.problems.append(doc.problem((*where, "quote"), f"quote not found in {cite.source}",
                                                  resolver.closest(cite.source, cite.quote)))
                continue
            found.append(Citation(cite.source, cite.quote, passage.key))
        return tuple(found)

    if glossary is not None:
        built.terms = _build_terms(*glossary, citations, built.problems)
    seen_cards: dict[str, str] = {}
    for doc, deck in decks:
        if deck.topic is not None and deck.topic not in topic_ids:
            built.problems.append(doc.problem(("topic",), f"unknown topic '{deck.topic}'",
                                              f"topics are: {', '.join(sorted(topic_ids))}"))
        for index, spec in _present(deck.cards):
            path: Path = ("cards", index)
            duplicate = spec.id is not None and spec.id in seen_cards
            if duplicate:
                built.problems.append(doc.problem((*path, "id"), f"duplicate card id '{spec.id}'",
                                                  f"first used at {seen_cards[spec.id]}"))
            elif spec.id is not None:
                line, column = doc.locate((*path, "id"))
                seen_cards[spec.id] = f"{doc.file}:{line}:{column}"
            if spec.topic is not None and spec.topic not in topic_ids:
                built.problems.append(doc.problem((*path, "topic"), f"unknown topic '{spec.topic}'",
                                                  f"topics are: {', '.join(sorted(topic_ids))}"))
            cites = citations(doc, path, spec.cite)
            if not duplicate and is_complete(spec) and is_complete(deck):
                built.cards.append(_card(cast(CardSpec, spec), deck, doc, cites))
    return built


def _card(spec: CardSpec, deck: DeckSpec, doc: YamlDocument, cites: tuple[Citation, ...]) -> Card:
    if isinstance(spec, ShortCardSpec):
        answers = tuple(spec.answers)
    elif isinstance(spec, TrueFalseCardSpec):
        answers = ("True" if spec.answer else "False",)
    else:
        answers = (spec.answer,)
    return Card(
        id=spec.id,
        type=CardType(spec.type),
        topic=spec.topic or deck.topic,
        prompt=spec.prompt,
        answers=answers,
        explain=spec.explain,
        citations=cites,
        choices=tuple(spec.choices) if isinstance(spec, ChoiceCardSpec) else (),
        content_hash=card_content_hash(spec),
        deck=doc.file,
    )


CiteBuilder = Callable[[YamlDocument, Path, Sequence[CiteSpec] | None], tuple[Citation, ...]]


def _build_terms(
    doc: YamlDocument, spec: GlossarySpec, citations: CiteBuilder, problems: list[Problem]
) -> list[Term]:
    present = _present(spec.terms)
    term_ids = {t.id for _, t in present if t.id is not None}
    _check_unique(doc, [("terms", i, t.id) for i, t in present], "term id", problems)
    names: dict[str, str] = {}
    terms = []
    for index, term in present:
        path: Path = ("terms", index)
        cites = citations(doc, path, term.cite)
        if not is_complete(term):
            continue
        labelled = [((*path, "term"), term.term)] + [((*path, "aliases", i), a) for i, a in enumerate(term.aliases)]
        for where, name in labelled:
            key = lookup_key(name)
            owner = names.setdefault(key, term.id)
            if owner != term.id:
                problems.append(doc.problem(where, f"'{name}' is already the name or an alias of term '{owner}'",
                                            "each name may point to one term only"))
        for i, other in enumerate(term.see_also):
            if other not in term_ids:
                close = process.extractOne(other, list(term_ids), scorer=fuzz.ratio, score_cutoff=60)
                problems.append(doc.problem((*path, "see_also", i), f"unknown term '{other}'",
                                            f"did you mean '{close[0]}'?" if close else None))
        terms.append(Term(
            id=term.id, term=term.term, aliases=tuple(term.aliases), definition=term.definition,
            citations=cites, see_also=tuple(term.see_also),
            background=term.background,
        ))
    return terms


def _present(items: Sequence[T | None] | None) -> list[tuple[int, T]]:
    """The usable items of a (possibly salvaged) list, with their positions in the file."""
    return [(index, item) for index, item in enumerate(items or ()) if item is not None]


def _check_unique(doc: YamlDocument, items: list[tuple[str, int, str | None]], what: str,
                  problems: list[Problem]) -> None:
    first: dict[str, int] = {}
    for container, index, value in items:
        if value is None:
            continue
        if value in first:
            line, _ = doc.locate((container, first[value], "id"))
            problems.append(doc.problem((container, index, "id"), f"duplicate {what} '{value}'",
                                        f"first used on line {line}"))
        else:
            first[value] = index
