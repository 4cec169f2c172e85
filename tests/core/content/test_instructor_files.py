"""Uploaded deck names can't escape cards/, writes are all-or-nothing, exports can't run formulas."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.atomic_files import write_atomically
from bot.core.content.instructor_files import check_upload_size, deck_filename, export_csv
from bot.core.errors import StudyError


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("trade.yaml", "trade.yaml"),
        ("My Deck (v2).YML", "my-deck-v2.yaml"),
        ("../../etc/passwd.yaml", "passwd.yaml"),
        ("..\\..\\windows\\evil.yaml", "evil.yaml"),
        ("/abs/path/deck.yaml", "deck.yaml"),
        (".hidden.yaml", "hidden.yaml"),
        ("Ünïcödé.yaml", "n-c-d.yaml"),
    ],
)
def test_deck_names_are_sanitised(given: str, safe: str) -> None:
    assert deck_filename(given) == safe


@pytest.mark.parametrize("given", ["deck.txt", "deck.yaml.exe", "....yaml", "***.yaml", "yaml"])
def test_unusable_names_are_refused(given: str) -> None:
    with pytest.raises(StudyError):
        deck_filename(given)


def test_size_cap() -> None:
    check_upload_size(64 * 1024)
    with pytest.raises(StudyError, match=r"65,572 bytes; decks are limited to 64 KiB \(65,536 bytes\)"):
        check_upload_size(65_572)


def test_atomic_write_replaces_whole_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "cards" / "deck.yaml"
    write_atomically(target, "first\n")
    write_atomically(target, "second\n")
    assert target.read_text(encoding="utf-8") == "second\n"
    assert [p.name for p in target.parent.iterdir()] == ["deck.yaml"]


def test_csv_defuses_formulas_but_keeps_values() -> None:
    text = export_csv([{"name": "=1+1", "score": 3, "note": "-5", "ok": "plain"}]).decode()
    assert text.splitlines() == ["name,score,note,ok", "'=1+1,3,'-5,plain"]
    assert export_csv([]) == b""
