"""Hostile and mistaken YAML: refused fast, located where the mistake is, said in plain words."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.core.content import yaml_document
from bot.core.content.yaml_document import MAX_DEPTH, parse_yaml
from tests.conftest import FIXTURE_CONTENT, SHIPPED_CONTENT


def alias_bomb(levels: int = 9) -> str:
    """Each level repeats the one before nine times: 401 bytes that expand to 9**9 strings."""
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_at_once() -> None:
    started = time.perf_counter()
    document, [problem] = parse_yaml(alias_bomb(), "cards/bomb.yaml")
    assert time.perf_counter() - started < 1.0  # a generous bound; the expansion took minutes
    assert document is None
    assert (problem.line, problem.column) == (1, 5)
    assert "aliases" in problem.message


def test_self_referencing_alias_is_a_problem_not_a_recursion_error() -> None:
    document, [problem] = parse_yaml("topic: trade\ncards: &x [*x]\n", "cards/loop.yaml")
    assert document is None
    assert (problem.line, problem.column) == (2, 8)


def test_an_anchor_alone_is_refused_too() -> None:
    _, [problem] = parse_yaml("topic: &t trade\n", "cards/a.yaml")
    assert (problem.line, problem.column) == (1, 8)
    assert "anchors" in problem.message


def test_deep_flow_nesting_is_refused_where_it_passes_the_limit() -> None:
    levels = 3000
    document, [problem] = parse_yaml("cards: " + "[" * levels + "]" * levels + "\n", "cards/deep.yaml")
    assert document is None
    assert (problem.line, problem.column) == (1, 8 + MAX_DEPTH)
    assert f"more than {MAX_DEPTH} levels" in problem.message


def test_deep_block_nesting_is_refused() -> None:
    text = "cards:\n" + "".join("  " * depth + "-\n" for depth in range(1, 200))
    document, [problem] = parse_yaml(text, "cards/deep.yaml")
    assert document is None
    assert "levels deep" in problem.message


def test_ordinary_nesting_still_parses() -> None:
    document, problems = parse_yaml("a:\n  - b: [[1, {c: [x]}]]\n", "f.yaml")
    assert not problems and document is not None
    assert document.data == {"a": [{"b": [[1, {"c": ["x"]}]]}]}


def test_a_tab_says_tabs_are_not_allowed_where_it_is() -> None:
    _, [problem] = parse_yaml("topic: trade\ncards:\n  - id: x\n  \ttype: short\n", "cards/t.yaml")
    assert (problem.line, problem.column) == (4, 3)
    assert "tabs are not allowed" in problem.message


def test_unclosed_quote_is_reported_where_it_opens() -> None:
    text = ('topic: trade\ncards:\n  - id: x\n    prompt: "What is it?\n    explain: "Because"\n'
            "    answer: y\n")
    _, [problem] = parse_yaml(text, "cards/q.yaml")
    assert (problem.line, problem.column) == (4, 13)
    assert "quote" in problem.message


def test_quote_left_open_at_the_end_is_located_at_its_start() -> None:
    _, [problem] = parse_yaml('topic: trade\ncards:\n  - prompt: "What is\n    answer: y\n', "cards/q.yaml")
    assert (problem.line, problem.column) == (3, 13)
    assert "never closed" in problem.message


def test_a_quote_spanning_lines_is_fine_when_nothing_is_wrong() -> None:
    document, problems = parse_yaml('prompt: "one\n  two"\n', "f.yaml")
    assert not problems and document is not None and document.data == {"prompt": "one two"}


@settings(max_examples=300, deadline=None)
@example("0b0").via("found by hypothesis")
@example("a: .inf\nb: -0b11\n")
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#\t\n ,?%@`0y")), max_size=80))
def test_any_text_gives_data_or_located_problems_never_an_exception(text: str) -> None:
    document, problems = parse_yaml(text, "cards/x.yaml")
    assert document is not None or problems
    assert all(problem.line >= 1 and problem.column >= 1 for problem in problems)


@pytest.mark.parametrize("character", ["\x07", "\x00", "\x1b"])
def test_a_control_character_is_a_located_problem_not_a_traceback(character: str) -> None:
    document, problems = parse_yaml(f"terms:\n  - id: x{character}y\n", "glossary.yaml")
    assert document is None
    [problem] = problems
    assert (problem.file, problem.line, problem.column) == ("glossary.yaml", 2, 10)
    assert f"U+{ord(character):04X} is not allowed" in str(problem)


_BUNDLED_YAML = sorted([*SHIPPED_CONTENT.rglob("*.yaml"), *FIXTURE_CONTENT.rglob("*.yaml")])


@pytest.mark.parametrize("path", _BUNDLED_YAML, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_libyaml_and_the_strict_reader_read_every_bundled_file_alike(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """libyaml reads first for speed; whatever it reads must come out as the strict reader has it."""
    text = path.read_text(encoding="utf-8")
    assert yaml_document._fast_compose(text) is not yaml_document._UNSURE  # libyaml did read it
    fast, fast_problems = parse_yaml(text, path.name)
    monkeypatch.setattr(yaml_document, "_FAST_LOADER", None)
    strict, strict_problems = parse_yaml(text, path.name)
    assert fast is not None and strict is not None
    assert (fast.data, fast.positions, fast.key_positions) == (strict.data, strict.positions, strict.key_positions)
    assert fast_problems == strict_problems


@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n",                      # duplicate key
    "answer: no\nyear: 0123\nt: 1:30\n",  # YAML 1.1 traps
    "n: ~\nf: 1e3\nb: True\nx: 0x1F\ns: '1'\nd: 2024-03-04\nfold: >\n  one\n  two\n",
])
def test_both_readers_agree_on_traps_and_types(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = parse_yaml(text, "f.yaml")
    monkeypatch.setattr(yaml_document, "_FAST_LOADER", None)
    strict = parse_yaml(text, "f.yaml")
    assert fast[1] == strict[1]
    assert fast[0] is not None and strict[0] is not None and fast[0].data == strict[0].data
