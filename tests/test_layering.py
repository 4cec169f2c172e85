"""The core never imports discord; front ends never touch SQL or YAML (DESIGN.md §2)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).parent.parent / "bot"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((BOT / "core").rglob("*.py")), ids=lambda p: p.name)
def test_core_never_imports_discord(path: Path) -> None:
    assert not {m for m in imported_modules(path) if m == "discord" or m.startswith("discord.")}


FRONT_ENDS = sorted([*(BOT / "discord_frontend").rglob("*.py"), *(BOT / "console_frontend").rglob("*.py")])


@pytest.mark.parametrize("path", FRONT_ENDS, ids=lambda p: p.name)
def test_front_ends_never_touch_storage_or_yaml(path: Path) -> None:
    forbidden = {"sqlite3", "aiosqlite", "ruamel.yaml", "bot.core.progress.database", "bot.core.progress.store",
                 "bot.core.content.yaml_document"}
    assert not imported_modules(path) & forbidden


def module_name(path: Path) -> str:
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Every module of ``bot`` and the ``bot`` modules it imports, type-only and lazy imports included."""
    modules = {module_name(p): p for p in BOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    targets.add(submodule if submodule in modules else node.module)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_cycle_finder_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


CORE_LAYERS = ("lookup", "progress", "presentation", "reminders", "content", "quiz", "class_game", "exports",
               "service")
"""The core's packages, lowest first (``bot/core/__init__.py``): each imports only lower ones."""


def test_core_packages_import_only_lower_layers() -> None:
    def layer(module: str) -> int:
        parts = module.split(".")
        return CORE_LAYERS.index(parts[2]) if len(parts) > 3 and parts[2] in CORE_LAYERS else -1

    upward = sorted(f"{source} -> {target}" for source, targets in import_graph().items()
                    if source.startswith("bot.core.") for target in targets
                    if target.startswith("bot.core.") and layer(target) > layer(source))
    assert upward == []
