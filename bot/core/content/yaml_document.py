"""Strict YAML reading: plain Python data plus the line and column of every value.

A YAML library composes the node tree; we build the values ourselves so that every duplicate
key and every YAML 1.1 trap (``no`` meaning false, ``0123`` meaning 123) becomes a located
problem instead of a silent coercion, and so schema errors can point at the exact field.

Two composers, one result: libyaml's, in C through PyYAML, reads the course's 270 KB in
~45 ms; ruamel.yaml's pure-Python one takes ~600 ms, half of a cold start. So libyaml reads
first, and ruamel.yaml reads only what libyaml refuses or what needs a refusal of our own
(anchors, aliases, deep nesting): its errors are the ones explained in plain words below.
Plain scalars are typed by ruamel's YAML 1.2 resolver either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml as libyaml
from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, StreamMark
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scanner import RoundTripScanner
from ruamel.yaml.tokens import ScalarToken

from bot.core.problems import Problem

Path = tuple[str | int, ...]
YamlNode = Any
"""A node of either composer: ruamel's or PyYAML's, alike in what is read here (id, value, style, start_mark)."""

_YAML11_BOOLS = re.compile(r"^(y|n|yes|no|on|off)$", re.IGNORECASE)
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9_]+$")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")
MAX_DEPTH = 20  # content nests five levels at most; deeper is a mistake or an attack
_SYNTAX_HINT = "check indentation, and quote text that contains ': ' or starts with a symbol"
_FOLD_MARK = "\a"  # ruamel's round-trip composer keeps where a folded scalar folded, as BEL


@dataclass
class YamlDocument:
    """Parsed data with positions: ``positions[path]`` is where that value starts."""

    file: str
    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Best known position for ``path``: the key itself, the value, or its nearest parent."""
        table = self.key_positions if key else self.positions
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefix in table:
                return table[prefix]
            if prefix in self.positions:
                return self.positions[prefix]
        return (1, 1)

    def problem(self, path: Path, message: str, hint: str | None = None, *, key: bool = False) -> Problem:
        """A problem located at ``path`` in this document."""
        line, column = self.locate(path, key=key)
        return Problem(self.file, line, column, format_path(path), message, hint)


def format_path(path: Path) -> str:
    """``('cards', 3, 'answer')`` → ``cards[3].answer``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def parse_yaml(text: str, file: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one YAML file strictly; return the document (unless unreadable) and its problems."""
    try:
        root = _fast_compose(text)
        if root is _UNSURE:
            root = _reader().compose(text)
    except _Refused as exc:
        line, column = _mark(exc.problem_mark)
        return None, [Problem(file, line, column, "", exc.problem or "", exc.hint)]
    except MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, text, file)]
    except ReaderError as exc:  # a control character (BEL, NUL, ...) YAML does not allow in a file
        line, column = _line_column(text, exc.position)
        return None, [Problem(file, line, column, "", f"the character U+{exc.character:04X} is not allowed in YAML",
                              "delete it: most editors show nothing there; it often comes from copy and paste")]
    document = YamlDocument(file, None)
    problems: list[Problem] = []
    if root is None:
        return document, problems
    document.data = _build(root, (), document, problems)
    return document, problems


_UNSURE: Any = object()
"""What the fast composer returns for a text the strict one must read."""
_FAST_LOADER = getattr(libyaml, "CSafeLoader", None)
_PLAIN_RESOLVER = VersionedResolver()


def _fast_compose(text: str) -> Any:
    """The node tree by libyaml, or _UNSURE when the strict reader must decide (errors, anchors, nesting).

    The event stream is checked first (libyaml does not recurse there): the C composer would
    recurse as deep as a hostile file nests.
    """
    if _FAST_LOADER is None:
        return _UNSURE
    try:
        depth = 0
        for event in libyaml.parse(text, Loader=_FAST_LOADER):
            if isinstance(event, libyaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                return _UNSURE
            if isinstance(event, libyaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return _UNSURE
            elif isinstance(event, libyaml.CollectionEndEvent):
                depth -= 1
        loader = _FAST_LOADER(text)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    except (libyaml.YAMLError, ValueError):
        return _UNSURE


def _line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in ``text``."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


class _Refused(MarkedYAMLError):
    """YAML that is valid but refused before any work is done on it (aliases, deep nesting)."""

    def __init__(self, message: str, hint: str, mark: StreamMark) -> None:
        super().__init__(problem=message, problem_mark=mark)
        self.hint = hint


def _too_deep(mark: StreamMark) -> _Refused:
    return _Refused(f"nested more than {MAX_DEPTH} levels deep", "content files need only a few levels; "
                    "check the brackets and indentation", mark)


class _GuardedScanner(RoundTripScanner):
    """Stops at the first ``[``/``{`` past MAX_DEPTH: the scanner's cost grows with the square of nesting."""

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: str) -> None:
        if self.flow_level >= MAX_DEPTH:
            raise _too_deep(self.reader.get_mark())
        super().fetch_flow_collection_start(TokenClass, to_push)


class _PlainComposer(Composer):
    """Refuses anchors and aliases (``&x``/``*x``) and deep nesting before building anything.

    Content has no use for aliases, and they let a few hundred bytes expand into billions of values.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent) or event.anchor is not None:
            raise _Refused("YAML anchors and aliases (&name, *name) are not allowed",
                           "write each value out in full", event.start_mark)
        if self.depth >= MAX_DEPTH:
            raise _too_deep(event.start_mark)
        return super().compose_node(parent, index)


def _reader() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.Scanner = _GuardedScanner
    yaml.Composer = _PlainComposer
    return yaml


def _mark(mark: StreamMark | None) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark else (1, 1)


def _syntax_problem(exc: MarkedYAMLError, text: str, file: str) -> Problem:
    """The syntax error in plain words, located where the mistake is rather than where the parser gave up."""
    message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
    line, column = _mark(exc.problem_mark or exc.context_mark)
    lines = text.splitlines()
    where = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in where[: column] or where[column - 1: column] == "\t":
        tab = where.index("\t") + 1
        return Problem(file, line, tab, "", "YAML syntax error: tabs are not allowed in YAML",
                       "indent and separate with spaces; set your editor to insert spaces for Tab")
    if exc.context == "while scanning a quoted scalar":
        opened, opened_column = _mark(exc.context_mark)
        return Problem(file, opened, opened_column, "", "YAML syntax error: this quote is never closed",
                       "add the closing quote")
    quote = _multiline_quote_before(text, line)
    if quote is not None:
        opened, opened_column = _mark(quote.start_mark)
        closed, _ = _mark(quote.end_mark)
        return Problem(file, opened, opened_column, "",
                       f"YAML syntax error: the quote opened here only closes on line {closed}",
                       f"is the closing quote missing? (the parser stopped at line {line}: {message})")
    return Problem(file, line, column, "", f"YAML syntax error: {message}", _SYNTAX_HINT)


def _multiline_quote_before(text: str, error_line: int) -> ScalarToken | None:
    """The last quoted text spanning lines that ends at or before the error: the likely unclosed quote."""
    found = None
    try:
        for token in YAML(typ="rt", pure=True).scan(text):
            if token.start_mark.line + 1 > error_line:
                break
            if (isinstance(token, ScalarToken) and token.style in ("'", '"')
                    and token.end_mark.line > token.start_mark.line):
                found = token
    except MarkedYAMLError:
        pass
    return found


def _position(node: YamlNode) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(node: YamlNode, path: Path, doc: YamlDocument, problems: list[Problem]) -> Any:
    doc.positions[path] = _position(node)
    if node.id == "mapping":
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.id != "scalar":
                problems.append(doc.problem(path, "a mapping key must be plain text"))
                continue
            key = str(key_node.value)
            if key in result:
                first_line, _ = doc.key_positions[(*path, key)]
                line, column = _position(key_node)
                problems.append(Problem(doc.file, line, column, format_path((*path, key)),
                                        f"duplicate key '{key}'",
                                        f"it was already given on line {first_line}; keep one"))
                continue
            doc.key_positions[(*path, key)] = _position(key_node)
            result[key] = _build(value_node, (*path, key), doc, problems)
        return result
    if node.id == "sequence":
        return [_build(item, (*path, index), doc, problems) for index, item in enumerate(node.value)]
    if node.id == "scalar":
        return _scalar(node, path, doc, problems)
    raise TypeError(f"unexpected YAML node {node!r}")


def _scalar(node: YamlNode, path: Path, doc: YamlDocument, problems: list[Problem]) -> Any:
    value: str = node.value
    style = node.style or None  # libyaml says "" for a plain scalar, ruamel None
    if style == ">":  # the round-trip composer marks each fold with BEL; YAML itself folds to nothing
        return value.replace(_FOLD_MARK, "")
    if style is not None:  # quoted or literal scalar: always text
        return value
    resolved = _PLAIN_RESOLVER.resolve(ScalarNode, value, (True, False))  # YAML 1.2, whichever composer read it
    tag = str(getattr(resolved, "value", resolved))
    if _YAML11_BOOLS.match(value):
        hint = f"write true or false for a yes/no answer, or quote it (\"{value}\") if you mean the word"
        problems.append(doc.problem(path, f"ambiguous value '{value}'", hint))
        return value
    if _LEADING_ZERO.match(value) or _SEXAGESIMAL.match(value):
        problems.append(doc.problem(path, f"ambiguous number '{value}'",
                                    f"quote it (\"{value}\") if it is text; YAML 1.1 tools read it as an "
                                    "octal or base-60 number"))
        return value
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return value.lower() == "true"
    try:
        if tag.endswith(":int"):
            return int(value.replace("_", ""), 0)  # base 0 reads 0x, 0o and 0b, with or without a sign
        if tag.endswith(":float"):
            return float(value.replace("_", ""))
    except ValueError:
        return value  # a number to YAML but not to Python (.inf, 0b2): the text the author wrote
    return value  # str, and timestamps kept as the text the author wrote
