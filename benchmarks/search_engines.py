"""The excerpt index against the engines it could have been built on, in one run.

Each engine indexes the same passages and answers the same queries with a first page of
three passages; nothing is cached between queries. Recall@3 is measured on the student
question set over the shipped content (answers are named by quote, which the 100x copies
repeat under other keys); latency on the 100x corpus, over the student questions and the
keyword mix of ``benchmarks.search``.

* ``plain FTS5``: the baseline of ``search_quality``, every word OR-ed, bm25, top 3.
* ``tuned FTS5``: content words only, and words found in more than a tenth of the passages
  left out of the MATCH (a cut-off on what must be scored) unless nothing else remains.
* ``tantivy``: an in-RAM tantivy index, English stemming, the content words as a query.
* ``bm25s``: bm25s with PyStemmer's English stemmer and its English stopwords.
* ``bot index``: ``ExcerptIndex.search`` by words alone, snippets included.
* ``bot index + meaning``: the same with meaning attached, as ``/excerpt`` serves it when the
  sentence model is installed. Its vectors come from the vector cache (the 100x corpus repeats
  the shipped texts, so nothing new is encoded; its build time is the cache's), and each query
  encodes its question afresh (``PassageMeaning.forgetful``), never from the question cache.
  The question's encoding alone is timed too, over the same queries (:func:`time_questions`).
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import bm25s
import Stemmer
import tantivy

from benchmarks.search_quality import Bm25Baseline, Question, Score, fresh_index, score
from benchmarks.stats import Latency
from bot.core.content.snapshot import ContentSnapshot
from bot.core.lookup.excerpt_search import ExcerptIndex
from bot.core.lookup.search_terms import is_content, words
from bot.core.lookup.semantic.meaning import MeaningModel
from bot.core.models import Passage
from bot.core.text import strip_markup

PAGE = 3
COMMON_SHARE = 0.1
_WORD = re.compile(r"\w+")

Engine = Callable[[str], list[str]]
"""Question -> the passage keys of its first page."""


def _content_words(text: str) -> list[str]:
    return [w for w in words(text) if is_content(w)] or words(text)


class TunedFts5:
    """FTS5 with content words only and the commonest words cut from the MATCH."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._keys = [p.key for p in passages]
        self._db = sqlite3.connect(":memory:")
        self._db.execute("CREATE VIRTUAL TABLE p USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2')")
        self._db.executemany("INSERT INTO p (rowid, body) VALUES (?, ?)",
                             ((i, strip_markup(p.text)) for i, p in enumerate(passages)))
        self._db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(p, 'row')")
        self._df = dict(self._db.execute("SELECT term, doc FROM v"))
        self._limit = COMMON_SHARE * len(passages)
        self._porter = Stemmer.Stemmer("porter")  # the algorithm of FTS5's porter tokenizer

    def __call__(self, text: str) -> list[str]:
        """First page for ``text``."""
        chosen = _content_words(text)
        if not chosen:
            return []
        rare = [w for w in chosen if self._df.get(self._porter.stemWord(w), 0) <= self._limit] or chosen
        match = " OR ".join(f'"{w}"' for w in rare)
        rows = self._db.execute("SELECT rowid FROM p WHERE p MATCH ? ORDER BY rank LIMIT ?", (match, PAGE))
        return [self._keys[r] for (r,) in rows]


class Tantivy:
    """An in-RAM tantivy index with its English stemmer."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._keys = [p.key for p in passages]
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
        builder.add_integer_field("row", stored=True, indexed=False)
        self._index = tantivy.Index(builder.build())
        writer = self._index.writer(50_000_000, 1)
        for row, passage in enumerate(passages):
            writer.add_document(tantivy.Document(body=strip_markup(passage.text), row=row))
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()
        self._searcher = self._index.searcher()

    def __call__(self, text: str) -> list[str]:
        """First page for ``text``."""
        chosen = [w for w in _content_words(text) if _WORD.fullmatch(w)]
        if not chosen:
            return []
        query = self._index.parse_query(" ".join(chosen), ["body"])
        hits = self._searcher.search(query, PAGE).hits
        return [self._keys[self._searcher.doc(address)["row"][0]] for _, address in hits]


class Bm25s:
    """bm25s with PyStemmer, its English stopwords removed."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._keys = [p.key for p in passages]
        self._stemmer = Stemmer.Stemmer("english")
        corpus = bm25s.tokenize([strip_markup(p.text) for p in passages], stopwords="en", stemmer=self._stemmer,
                                show_progress=False)
        self._retriever = bm25s.BM25()
        self._retriever.index(corpus, show_progress=False)

    def __call__(self, text: str) -> list[str]:
        """First page for ``text``."""
        tokens = bm25s.tokenize([text], stopwords="en", stemmer=self._stemmer, show_progress=False,
                                return_ids=False)
        if not tokens or not tokens[0]:
            return []
        results, scores = self._retriever.retrieve(tokens, k=min(PAGE, len(self._keys)), show_progress=False)
        return [self._keys[r] for r, s in zip(results[0], scores[0], strict=True) if s > 0]


def _searching(index: ExcerptIndex) -> Engine:
    return lambda text: [h.passage.key for h in index.search(text).hits]


def _bot(snapshot: ContentSnapshot) -> Engine:
    """A fresh ExcerptIndex over the snapshot's content, so its build is timed too."""
    return _searching(fresh_index(snapshot))


def _bot_with_meaning(model: MeaningModel) -> Callable[[ContentSnapshot], Engine]:
    """A fresh ExcerptIndex with meaning attached, encoding every question afresh."""
    def build(snapshot: ContentSnapshot) -> Engine:
        index = fresh_index(snapshot)
        index.attach_meaning(model.build(index.meaning_texts()).forgetful())
        return _searching(index)
    return build


def _plain(passages: Sequence[Passage]) -> Engine:
    baseline = Bm25Baseline(passages)
    return lambda text: [key for key, _ in baseline(text)[:PAGE]]


ENGINES: dict[str, Callable[[ContentSnapshot], Engine]] = {
    "plain FTS5 (baseline)": lambda s: _plain(s.passages),
    "tuned FTS5": lambda s: TunedFts5(s.passages),
    "tantivy": lambda s: Tantivy(s.passages),
    "bm25s + PyStemmer": lambda s: Bm25s(s.passages),
    "bot index (ExcerptIndex)": _bot,
}
MEANING_ENGINE = "bot index + meaning"


@dataclass(frozen=True)
class EngineFigures:
    """One engine: recall on the shipped content, latency and build time on the big corpus."""

    name: str
    recall: Score
    latency: Latency
    cpu: Latency
    """The same queries' CPU time on this thread: latency without the waits of a shared machine."""
    build_seconds: float


def _timed(engine: Callable[[str], object], queries: Sequence[str]) -> tuple[list[float], list[float]]:
    """Wall-clock and thread CPU seconds of each query."""
    wall, cpu = [], []
    for query in queries:
        started, started_cpu = time.perf_counter(), time.thread_time()
        engine(query)
        wall.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
    return wall, cpu


def _latencies(call: Callable[[str], object], queries: Sequence[str], repeats: int) -> tuple[Latency, Latency]:
    """Wall-clock and CPU latency of ``call`` over ``queries``, medians of ``repeats`` passes after a warm-up."""
    _timed(call, queries)
    runs = [_timed(call, queries) for _ in range(repeats)]
    return Latency.median_of([Latency.of(w) for w, _ in runs]), Latency.median_of([Latency.of(c) for _, c in runs])


def compare_engines(
    shipped: ContentSnapshot, big: ContentSnapshot, questions: Sequence[Question], mix: Sequence[str], repeats: int,
    meaning: MeaningModel | None = None,
) -> list[EngineFigures]:
    """Recall@3 on ``shipped`` and latency on ``big`` for every engine (with ``meaning``, the bot's by meaning too)."""
    queries = [q.text for q in questions] + list(mix)
    engines = dict(ENGINES)
    if meaning is not None:
        engines[MEANING_ENGINE] = _bot_with_meaning(meaning)
    figures = []
    for name, build in engines.items():
        small = build(shipped)
        recall, _ = score(questions, lambda text, e=small: [(k, None) for k in e(text)], with_snippets=False)
        started = time.perf_counter()
        engine = build(big)
        built = time.perf_counter() - started
        wall, cpu = _latencies(engine, queries, repeats)
        figures.append(EngineFigures(name, recall, wall, cpu, built))
    return figures


@dataclass(frozen=True)
class EncodingFigures:
    """Encoding a question alone (wall and CPU), every time afresh: the part of a search by meaning it adds."""

    latency: Latency
    cpu: Latency

    def line(self) -> str:
        """One line for under the engine table."""
        return (f"{MEANING_ENGINE}: question encoding alone, same queries: "
                f"p50 {self.latency.p50:.2f} / p99 {self.latency.p99:.2f} ms, "
                f"CPU p50 {self.cpu.p50:.2f} / p99 {self.cpu.p99:.2f} ms")


def time_questions(model: MeaningModel, shipped: ContentSnapshot, questions: Sequence[Question],
                   mix: Sequence[str], repeats: int) -> EncodingFigures:
    """Encode each of the engines' queries afresh, ``repeats`` passes: the question encoding inside each search."""
    meaning = model.build(fresh_index(shipped).meaning_texts()).forgetful()
    wall, cpu = _latencies(meaning.question, [q.text for q in questions] + list(mix), repeats)
    return EncodingFigures(wall, cpu)


def engine_table(figures: Sequence[EngineFigures], passages: int) -> str:
    """The comparison as a Markdown table, ready for the README."""
    lines = [
        f"| engine | recall@3 (all questions) | p50 ms ({passages:,} passages) | p99 ms | CPU p50 / p99 ms "
        "| index build s |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for f in figures:
        share = 100 * f.recall.recall / f.recall.questions
        lines.append(f"| {f.name} | {f.recall.recall}/{f.recall.questions} ({share:.0f}%) | {f.latency.p50:.3f} "
                     f"| {f.latency.p99:.3f} | {f.cpu.p50:.3f} / {f.cpu.p99:.3f} | {f.build_seconds:.2f} |")
    return "\n".join(lines)


def main() -> int:
    """Print the comparison on the shipped content and a generated 100x corpus."""
    import random
    import tempfile
    from pathlib import Path

    from benchmarks.corpus import generate_corpus
    from benchmarks.search import search_queries
    from benchmarks.search_quality import load_questions
    from bot.core.content.loader import load_content
    from bot.core.service.template_samples import template_samples
    from bot.settings import DEFAULT_CACHE_DIR, DEFAULT_CONTENT_DIR

    shipped = load_content(DEFAULT_CONTENT_DIR, template_samples)
    with tempfile.TemporaryDirectory() as tmp:
        big = load_content(generate_corpus(DEFAULT_CONTENT_DIR, Path(tmp) / "big"), template_samples)
    mix = search_queries(shipped, random.Random(0))
    questions = load_questions(shipped.passages)
    model = MeaningModel.bundled(DEFAULT_CACHE_DIR)
    figures = compare_engines(shipped, big, questions, mix, repeats=3, meaning=model)
    print(engine_table(figures, len(big.passages)))
    if model is None:
        print("notice: the sentence model is not installed, so the bot's search by meaning was not measured")
    else:
        print(time_questions(model, shipped, questions, mix, repeats=3).line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
