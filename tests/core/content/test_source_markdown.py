"""Passage keys: stable across edits elsewhere, unique even for paragraphs that open alike."""

from __future__ import annotations

from bot.core.content.source_markdown import parse_source

SOURCE = "## One\n\nSame start here and then more.\n\nSame start here and then more.\n\n## Two\n\nOther words.\n"


def test_paragraphs_that_open_alike_get_distinct_keys() -> None:
    keys = [p.key for p in parse_source(SOURCE, "paper", "sources/paper.md").passages]
    assert len(set(keys)) == 3
    assert keys[1] == f"{keys[0]}-2"
    assert all(key.startswith("paper:") and len(key) <= 60 for key in keys)


def test_keys_do_not_depend_on_position() -> None:
    before = {p.text: p.key for p in parse_source(SOURCE, "paper", "sources/paper.md").passages}
    edited = SOURCE.replace("## Two\n\n", "## Two\n\nA paragraph inserted above.\n\n")
    after = {p.text: p.key for p in parse_source(edited, "paper", "sources/paper.md").passages}
    assert after["Other words."] == before["Other words."]
    assert after["A paragraph inserted above."] not in before.values()
