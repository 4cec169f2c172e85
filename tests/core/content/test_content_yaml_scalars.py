"""Block scalars read as YAML 1.2 specifies them: no fold markers, folds and chomping exact."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from bot.core.content.yaml_document import parse_yaml

BLOCKS = {
    "folded": "text: >\n  one two\n  three\n\n  four\n    more indented\n  five\n\n\n  six\n",
    "folded strip": "text: >-\n  a\n  b\n\n  c\n",
    "folded keep": "text: >+\n  a\n  b\n\n",
    "folded, indentation indicator": "text: >2\n   leading space\n  then\n  folded\n",
    "folded, only more-indented": "text: >\n    code one\n    code two\n",
    "folded in a list": "items:\n  - >\n    first\n    line\n  - >-\n    second\n\n    paragraph\n",
    "literal": "text: |\n  one\n  two\n\n    indented\n  three\n",
    "literal strip": "text: |-\n  one\n   two\n\n  three\n",
    "literal keep": "text: |+\n  one\n\n",
    "folded beside literal": "a: >\n  x\n  y\nb: |\n  x\n  y\nc: plain\n",
}


@pytest.mark.parametrize("text", BLOCKS.values(), ids=BLOCKS.keys())
def test_block_scalars_read_as_a_yaml_1_2_loader_reads_them(text: str) -> None:
    document, problems = parse_yaml(text, "t.yaml")
    assert not problems and document is not None
    assert document.data == YAML(typ="safe", pure=True).load(text)


def test_a_folded_scalar_carries_no_control_character() -> None:
    document, _ = parse_yaml("text: >\n  a\n  b\n\n  c\n", "t.yaml")
    assert document is not None and document.data == {"text": "a b\nc\n"}
