from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


def test_check_prints_summary_and_exits_0(content_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--content", str(content_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: 2 sources, 4 passages, 2 terms, 5 cards (1 choice, 2 truefalse, 1 short, 1 flashcard;")


def test_check_lists_every_problem_and_exits_1(content_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deck = content_dir / "cards/history.yaml"
    deck.write_text(deck.read_text(encoding="utf-8").replace("answer: true", "answer: no"), encoding="utf-8")
    (content_dir / "glossary.yaml").write_text("terms: []\n", encoding="utf-8")
    assert main(["check", "--content", str(content_dir)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines == [
        "cards/history.yaml:15:13: cards[1].answer: ambiguous value 'no' (write true or false for a yes/no "
        "answer, or quote it (\"no\") if you mean the word)",
        "glossary.yaml:1:8: terms: needs at least 1 item(s)",
    ]
    assert "2 problem(s)" in captured.err
