"""Strict YAML reading: plain Python data plus the line and column of every value.

ruamel.yaml composes the node tree; we build the values ourselves so that every duplicate
key and every YAML 1.1 trap (``no`` meaning false, ``0123`` meaning 123) becomes a located
problem instead of a silent coercion, and so schema errors can point at the exact field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.problems import Problem

Path = tuple[str | int, ...]

_YAML11_BOOLS = re.compile(r"^(y|n|yes|no|on|off)$", re.IGNORECASE)
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9_]+$")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")
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
        root = YAML(typ="rt", pure=True).compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        return None, [Problem(file, line, column, "", f"YAML syntax error: {message}",
                              "check indentation, and quote text that contains ': ' or starts with a symbol")]
    document = YamlDocument(file, None)
    problems: list[Problem] = []
    if root is None:
        return document, problems
    document.data = _build(root, (), document, problems)
    return document, problems


def _position(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(node: Node, path: Path, doc: YamlDocument, problems: list[Problem]) -> Any:
    doc.positions[path] = _position(node)
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
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
    if isinstance(node, SequenceNode):
        return [_build(item, (*path, index), doc, problems) for index, item in enumerate(node.value)]
    if isinstance(node, ScalarNode):
        return _scalar(node, path, doc, problems)
    raise TypeError(f"unexpected YAML node {node!r}")


def _scalar(node: ScalarNode, path: Path, doc: YamlDocument, problems: list[Problem]) -> Any:
    value: str = node.value
    if node.style == ">":  # the round-trip composer marks each fold with BEL; YAML itself folds to nothing
        return value.replace(_FOLD_MARK, "")
    if node.style is not None:  # quoted or literal scalar: always text
        return value
    tag = str(getattr(node.tag, "value", node.tag))
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
    if tag.endswith(":int"):
        return int(value.replace("_", ""), 0) if value.lower().startswith(("0x", "0o")) else int(value.replace("_", ""))
    if tag.endswith(":float"):
        return float(value.replace("_", ""))
    return value  # str, and timestamps kept as the text the author wrote
