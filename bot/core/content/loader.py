"""Read a content folder from disk and turn it into a validated ``ContentSnapshot``.

Every problem in every file is collected before giving up, so an instructor fixes them all
in one pass instead of one per reload.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bot.core.confined_files import read_content_file, relative
from bot.core.content.schema import CourseSpec, DeckSpec, GlossarySpec, SynonymsSpec, is_complete, validate_document
from bot.core.content.snapshot import ContentSnapshot
from bot.core.content.source_markdown import parse_source
from bot.core.content.synonyms import build_synonyms
from bot.core.content.validation import build_content
from bot.core.content.warnings import content_warnings
from bot.core.content.yaml_document import YamlDocument, parse_yaml
from bot.core.lookup.excerpt_search import ExcerptIndex
from bot.core.lookup.glossary import Glossary
from bot.core.models import Passage
from bot.core.presentation.rendering import TemplateSet
from bot.core.problems import ContentError, Problem

SampleProvider = Callable[[], Mapping[str, Callable[[], dict[str, Any]]]]


def load_yaml(path: Path, root: Path, model: type[BaseModel],
              problems: list[Problem]) -> tuple[YamlDocument, Any] | None:
    """Read, parse and schema-check one YAML file; problems are appended, never raised."""
    text = read_content_file(path, root, problems)
    if text is None:
        return None
    return parse_yaml_text(text, relative(path, root), model, problems)


def parse_yaml_text(text: str, file: str, model: type[BaseModel],
                    problems: list[Problem]) -> tuple[YamlDocument, Any] | None:
    """Parse and schema-check YAML text (also used for uploaded decks)."""
    document, yaml_problems = parse_yaml(text, file)
    problems.extend(yaml_problems)
    if document is None:
        return None
    if document.data is None:
        problems.append(Problem(file, 1, 1, "", "the file is empty"))
        return None
    spec, schema_problems = validate_document(document, model)
    problems.extend(schema_problems)
    return (document, spec) if spec is not None else None


def load_content(
    content_dir: Path,
    samples: SampleProvider,
    *,
    extra_decks: Mapping[str, str] | None = None,
) -> ContentSnapshot:
    """Load and validate everything under ``content_dir``; raise ContentError listing all problems.

    ``extra_decks`` maps a would-be file name to YAML text: used to validate an uploaded deck
    against the live content before it is written. A name that exists on disk replaces that file.
    """
    started = time.perf_counter()
    root = content_dir.resolve()
    problems: list[Problem] = []
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "the folder does not exist"
        raise ContentError([Problem(str(content_dir), 1, 1, "", what,
                                    "give the content folder: the one that holds course.yaml")])
    course = load_yaml(root / "course.yaml", root, CourseSpec, problems)
    if course is None:
        raise ContentError(problems)
    course_doc, course_spec = course

    passages: list[Passage] = []
    titles: dict[str, str | None] = {}
    for index, source in enumerate(course_spec.sources or ()):
        if not is_complete(source):
            continue
        path = Path(os.path.normpath(root / source.file))
        if not path.is_relative_to(root):
            problems.append(course_doc.problem(("sources", index, "file"), "must be inside the content folder"))
            continue
        text = read_content_file(path, root, problems)
        if text is None:
            continue
        parsed = parse_source(text, source.id, relative(path, root))
        problems.extend(parsed.problems)
        passages.extend(parsed.passages)
        titles[source.id] = parsed.title

    warnings = _unlisted_sources(root, course_spec)
    glossary = load_yaml(root / "glossary.yaml", root, GlossarySpec, problems)
    synonyms_file = root / "synonyms.yaml"  # optional: without it, search uses the text's own words
    synonyms, synonym_problems = build_synonyms(
        load_yaml(synonyms_file, root, SynonymsSpec, problems) if synonyms_file.exists() else None, passages)
    problems.extend(synonym_problems)
    replaced = set(extra_decks or {})
    deck_files = [p for p in sorted((root / "cards").glob("*.yaml")) if p.name not in replaced]
    decks = [d for d in (load_yaml(p, root, DeckSpec, problems) for p in deck_files) if d is not None]
    for name, text in (extra_decks or {}).items():
        deck = parse_yaml_text(text, f"cards/{name}", DeckSpec, problems)
        if deck is not None:
            decks.append(deck)
    built = build_content(course_doc, course_spec, passages, glossary, decks)
    problems.extend(built.problems)
    templates, template_problems = TemplateSet.load(root / "templates", samples(), relative_to=root)
    problems.extend(template_problems)
    if not built.cards and not problems:
        problems.append(Problem("cards", 1, 1, "", "there are no cards", "add a deck under cards/"))
    if problems or built.course is None:
        raise ContentError(problems + warnings)  # when it fails anyway, a forgotten source may be why
    return ContentSnapshot(
        root=root,
        course=built.course,
        passages=tuple(passages),
        glossary=Glossary(built.terms),
        cards={card.id: card for card in built.cards},
        index=ExcerptIndex(passages, terms=built.terms, cards=built.cards,
                           fiction_titles={s.id: s.title for s in built.course.sources if s.is_fiction},
                           synonyms=synonyms),
        templates=templates,
        synonyms=synonyms,
        warnings=(*warnings, *content_warnings(decks)),
        load_seconds=time.perf_counter() - started,
    )


def _unlisted_sources(root: Path, course: CourseSpec) -> list[Problem]:
    """Markdown in sources/ that course.yaml does not list: silently unused until now."""
    listed = {Path(os.path.normpath(root / source.file)) for source in course.sources or () if is_complete(source)}
    return [Problem(relative(path, root), 1, 1, "", "warning: not listed under sources in course.yaml, so the "
                    "bot does not use it", "list it in course.yaml, or keep notes outside sources/")
            for path in sorted((root / "sources").glob("*.md")) if path not in listed]
