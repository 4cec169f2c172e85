"""Split a Markdown source into passages with their section, page and footnotes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from bot.core.models import Footnote, Passage
from bot.core.problems import Problem
from bot.core.text import FOOTNOTE_REF, PAGE_MARKER, collapse_spaces, strip_markup

_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_FOOTNOTE_DEF = re.compile(r"^\[\^([A-Za-z0-9_-]+)\]:\s*(.*)$")
_PAGE_ONLY = re.compile(r"^\s*<!--\s*page\s+\d+\s*-->\s*$", re.IGNORECASE)


@dataclass
class ParsedSource:
    """What a source file holds: its title and passages, plus any problems found."""

    title: str | None
    passages: list[Passage]
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Paragraph:
    line: int
    lines: list[str]
    section: str
    subsection: str | None
    page_before: int | None


def parse_source(text: str, source_id: str, file: str) -> ParsedSource:
    """Parse one source; passage keys are ``source_id:<stable id>`` (see :func:`passage_id`)."""
    title: str | None = None
    section: str | None = None
    subsection: str | None = None
    page: int | None = None
    paragraphs: list[_Paragraph] = []
    footnotes: dict[str, tuple[int, list[str]]] = {}
    problems: list[Problem] = []
    current: _Paragraph | None = None
    open_footnote: list[str] | None = None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if open_footnote is not None and raw.startswith("    ") and line.strip():
            open_footnote.append(line.strip())
            continue
        open_footnote = None
        if not line.strip():
            current = None
            continue
        if _PAGE_ONLY.match(line) and current is None:
            page = int(PAGE_MARKER.search(line).group(1))  # type: ignore[union-attr]
            continue
        if heading := _HEADING.match(line):
            current = None
            level, name = len(heading.group(1)), strip_markup(heading.group(2))
            if level == 1:
                title = title or name
            elif level == 2:
                section, subsection = name, None
            else:
                subsection = name
            continue
        if definition := _FOOTNOTE_DEF.match(line):
            current = None
            label = definition.group(1)
            if label in footnotes:
                problems.append(Problem(file, number, 1, f"footnote[^{label}]",
                                        f"footnote {label} is defined twice",
                                        f"first definition on line {footnotes[label][0]}"))
            open_footnote = [definition.group(2)]
            footnotes[label] = (number, open_footnote)
            continue
        if current is None:
            current = _Paragraph(number, [], section or "", subsection, page)
            paragraphs.append(current)
        current.lines.append(line)
        for marker in PAGE_MARKER.finditer(line):
            page = int(marker.group(1))

    has_sections = any(p.section or p.subsection for p in paragraphs)
    if not has_sections:
        problems.append(Problem(file, 1, 1, "", "the source has no sections",
                                "start each section with a '## Heading' line"))
    passages, used = _build_passages(paragraphs, footnotes, source_id, file, problems)
    for label, (number, _) in footnotes.items():
        if label not in used:
            problems.append(Problem(file, number, 1, f"footnote[^{label}]",
                                    f"footnote {label} is never cited",
                                    f"add [^{label}] to the paragraph that cites it"))
    return ParsedSource(title, passages, problems)


def _build_passages(
    paragraphs: list[_Paragraph],
    footnotes: dict[str, tuple[int, list[str]]],
    source_id: str,
    file: str,
    problems: list[Problem],
) -> tuple[list[Passage], set[str]]:
    passages: list[Passage] = []
    used: set[str] = set()
    counter: dict[tuple[str, str | None], int] = {}
    taken: set[str] = set()
    for ordinal, para in enumerate(paragraphs, start=1):
        raw = " ".join(para.lines)
        pages = [int(m.group(1)) for m in PAGE_MARKER.finditer(raw)]
        starts_with_marker = bool(re.match(r"^\s*<!--\s*page", raw, re.IGNORECASE))
        page_start = pages[0] if starts_with_marker else para.page_before
        page_end = pages[-1] if pages else page_start
        notes: list[Footnote] = []
        for ref in FOOTNOTE_REF.finditer(raw):
            label = ref.group(1)
            if label not in footnotes:
                problems.append(Problem(file, para.line, 1, f"footnote[^{label}]",
                                        f"footnote {label} is cited but never defined",
                                        f"add a line '[^{label}]: text of the note'"))
                continue
            if label not in used:
                used.add(label)
                notes.append(Footnote(label, collapse_spaces(" ".join(footnotes[label][1]))))
        text = strip_markup(raw)
        section = (para.section, para.subsection)
        counter[section] = counter.get(section, 0) + 1
        key = _unique(f"{source_id}:{passage_id(para.section, para.subsection, text)}", taken)
        passages.append(Passage(
            key=key,
            source_id=source_id,
            ordinal=ordinal,
            section=para.section,
            subsection=para.subsection,
            paragraph=counter[section],
            page_start=page_start,
            page_end=page_end,
            text=text,
            footnotes=tuple(notes),
            line=para.line,
        ))
    return passages, used


_KEY_WORDS = 12
_WORD = re.compile(r"\w+")


def passage_id(section: str, subsection: str | None, text: str) -> str:
    """An id that survives edits elsewhere: a short hash of the headings and the first words.

    Keys used to be ordinals, so inserting a paragraph made every old "Full passage" button
    further down show the wrong passage. Now a key changes only when its own headings or
    opening words do, and then an old button finds nothing and says so.
    """
    words = " ".join(_WORD.findall(text.casefold())[:_KEY_WORDS])
    digest = hashlib.sha256("\x1f".join((section, subsection or "", words)).encode()).hexdigest()
    return digest[:10]


def _unique(key: str, taken: set[str]) -> str:
    """Paragraphs that open alike under the same heading are told apart by their order."""
    candidate, number = key, 1
    while candidate in taken:
        number += 1
        candidate = f"{key}-{number}"
    taken.add(candidate)
    return candidate
