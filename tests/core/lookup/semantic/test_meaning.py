"""Search ranks by meaning too once vectors are attached; the vectors are cached on disk and in memory."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.content.source_markdown import parse_source
from bot.core.lookup.excerpt_search import ExcerptIndex
from bot.core.lookup.semantic.meaning import MeaningModel, MeaningTexts, PassageMeaning
from bot.core.lookup.semantic.minilm import SentenceEncoder, Vectors, bundled_model_dir
from bot.core.lookup.semantic.vector_cache import VectorCache

TEXT = """## Border market

Money changed hands at the border market every week, and the money was counted twice by Soviet clerks.

## Aims

Moscow's interest in Tokyo is primarily economic: it wants credits, investment and advanced technology.

## Fishing

Soviet patrols seized Japanese fishing boats near the islands, and Japan protested each seizure.

## Culture

Exchanges of students and orchestras between Japan and the Soviet Union grew slowly in the 1980s.
"""
STORY = "## Excerpt\n\nPavlov counted the money he had brought to Tokyo and complained about Japan.\n"


def _headings(index: ExcerptIndex, question: str, **options: int) -> list[str]:
    return [hit.passage.heading for hit in index.search(question, limit=4, **options).hits]


@pytest.fixture
def index(meaning_model: MeaningModel) -> ExcerptIndex:
    built = ExcerptIndex(parse_source(TEXT, "s", "s.md").passages)
    built.attach_meaning(meaning_model.build(built.meaning_texts()))
    return built


def test_a_question_worded_unlike_the_text_finds_what_it_means(index: ExcerptIndex) -> None:
    words_only = ExcerptIndex(parse_source(TEXT, "s", "s.md").passages)
    question = "did japan complain about soviet money"  # the text says "protested"
    assert _headings(words_only, question)[0] == "Border market"
    assert index.ranks_by_meaning and not words_only.ranks_by_meaning
    assert _headings(index, question)[0] == "Fishing"


def test_meaning_never_puts_the_fiction_before_the_paper(meaning_model: MeaningModel) -> None:
    passages = [*parse_source(TEXT, "s", "s.md").passages, *parse_source(STORY, "tale", "t.md").passages]
    index = ExcerptIndex(passages, fiction_titles={"tale": "Alternate-history excerpt"})
    index.attach_meaning(meaning_model.build(index.meaning_texts()))
    sources = [hit.passage.source_id for hit in index.search("did japan complain about soviet money", limit=5).hits]
    assert sources == ["s", "s", "s", "s", "tale"]


def test_pages_of_a_fused_ranking_agree(index: ExcerptIndex) -> None:
    question = "did japan complain about soviet money"
    whole = _headings(index, question)
    assert [*_headings(index, question, offset=0)[:2], *_headings(index, question, offset=2)] == whole


def test_keyword_queries_still_rank_their_passage_first(index: ExcerptIndex) -> None:
    assert _headings(index, "orchestras")[0] == "Culture"
    assert _headings(index, "border market money")[0] == "Border market"


def test_vectors_come_from_the_disk_cache_on_the_next_start(tmp_path: Path) -> None:
    folder = bundled_model_dir()
    if folder is None:
        pytest.skip("the sentence model is not installed")
    encoder = SentenceEncoder(folder)
    encoded: list[str] = []

    def counting(texts: list[str]) -> np.ndarray:
        encoded.extend(texts)
        return encoder.encode(texts)

    first, fresh = VectorCache(tmp_path, "m", 384).vectors(["a cat", "a dog", "a cat"], counting)
    again, fresh_again = VectorCache(tmp_path, "m", 384).vectors(["a dog", "a cat", "a bird"], counting)
    assert (fresh, fresh_again) == (2, 1)
    assert sorted(encoded) == ["a bird", "a cat", "a dog"]
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[1], first[0])
    assert VectorCache(tmp_path, "m", 384).vectors(["a cat"], counting)[1] == 0  # earlier loads' texts are kept


def test_a_damaged_cache_is_ignored_and_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = VectorCache(tmp_path, "m", 3)
    (tmp_path / "search-vectors-m.npz").write_bytes(b"not a numpy file")
    with caplog.at_level(logging.WARNING):
        vectors, fresh = cache.vectors(["x"], lambda texts: np.ones((len(texts), 3), dtype=np.float32))
    assert fresh == 1 and vectors.shape == (1, 3)
    assert "unreadable vector cache" in caplog.text
    assert VectorCache(tmp_path, "m", 3).vectors(["x"], lambda texts: pytest.fail("encoded again"))[1] == 0


def test_an_unwritable_cache_costs_time_not_search(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    with caplog.at_level(logging.WARNING):
        vectors, fresh = VectorCache(blocked, "m", 3).vectors(["x"], lambda t: np.zeros((len(t), 3), np.float32))
    assert fresh == 1 and vectors.shape == (1, 3)
    assert "could not save the vector cache" in caplog.text
    assert list(tmp_path.iterdir()) == [blocked]


def test_sentences_out_of_passage_order_are_refused(meaning_model: MeaningModel) -> None:
    with pytest.raises(ValueError, match="passage order"):
        meaning_model.build(MeaningTexts(passages=["p one", "p two"], sentences=["s", "t"], sentence_rows=[1, 0]))


def test_a_forgetful_copy_encodes_a_repeated_question_each_time() -> None:
    """Benchmarks time questions with ``forgetful()``; the bot's own meaning encodes a repeat once."""
    folder = bundled_model_dir()
    if folder is None:
        pytest.skip("the sentence model is not installed")
    encoded: list[str] = []

    class Counting(SentenceEncoder):
        def encode(self, texts: Sequence[str]) -> Vectors:
            encoded.extend(texts)
            return super().encode(texts)

    encoder = Counting(folder)
    vectors = encoder.encode(["passage one", "passage two", "sentence"])
    meaning = PassageMeaning(encoder, vectors[:2], vectors[2:], [0])
    forgetful = meaning.forgetful()
    encoded.clear()
    for _ in range(2):
        meaning.question("a question")
        forgetful.question("a question")
    assert encoded == ["a question"] * 3


def test_a_key_ending_in_a_zero_byte_is_found_again(tmp_path: Path) -> None:
    """Digests are bytes; one ending in 0x00 must not lose it on the way through the file."""
    text = next(t for t in (f"text {i}" for i in range(100_000))
                if hashlib.blake2b(b"m\0" + t.encode(), digest_size=16).digest().endswith(b"\0"))
    assert VectorCache(tmp_path, "m", 3).vectors([text], lambda t: np.ones((len(t), 3), np.float32))[1] == 1
    assert VectorCache(tmp_path, "m", 3).vectors([text], lambda t: pytest.fail("encoded again"))[1] == 0


@given(st.text(max_size=400))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_is_a_safe_question_by_meaning(index: ExcerptIndex, text: str) -> None:
    """Control characters, any script, 400 characters: the encoder takes them all and only reorders.

    The four passages fit on one page, so by meaning the page holds what the words matched.
    """
    by_words = ExcerptIndex(parse_source(TEXT, "s", "s.md").passages).search(text, limit=4)
    page = index.search(text, limit=4)
    assert page.total == by_words.total
    assert sorted(h.passage.key for h in page.hits) == sorted(h.passage.key for h in by_words.hits)
