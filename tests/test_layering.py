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
