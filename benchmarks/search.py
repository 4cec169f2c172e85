"""Excerpt search and define lookups, against the plain FTS5 bm25 baseline on the same passages.

The query mix is drawn from the content itself (so it follows content edits): glossary terms
and aliases, two-word phrases and single words from the passages, misspelled words (the
"did you mean" path) and words that match nothing. ``ExcerptIndex.search`` is timed as the
bot calls it for a first page, twice: by words alone (what runs on the event loop without
the sentence model, or until the passages are encoded) and, with the model, by meaning too
(what ``/excerpt`` serves, on a worker thread), each question encoded afresh every pass
(``PassageMeaning.forgetful``). Each runs on an index of its own built from the snapshot.
The bare query is the plain baseline of
``benchmarks.search_quality`` (every word OR-ed, ``ORDER BY bm25 LIMIT 3``, no count, snippet
or suggestion) on its own FTS5 table of the same passages.
"""

from __future__ import annotations

import random
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks.search_quality import Bm25Baseline, fresh_index
from benchmarks.stats import Latency
from bot.core.content.snapshot import ContentSnapshot
from bot.core.lookup.semantic.meaning import MeaningModel

_WORD = re.compile(r"[A-Za-z]{5,}")


@dataclass(frozen=True)
class LookupFigures:
    """Medians over repeats of one corpus's search, bare FTS5 and define latencies."""

    passages: int
    search: Latency
    """The search by words alone: what blocks the event loop when it runs there."""
    bare: Latency
    define: Latency
    by_meaning: Latency | None = None
    """The whole search by meaning (words, question encoding, fusion), on a worker thread; None without the model."""
    slowest: tuple[tuple[str, float, int], ...] = ()
    """The slowest searches as served (by meaning when measured): (query, median milliseconds, passages matched)."""

    @property
    def ratio_p50(self) -> float:
        """How many times slower the bot's search is than the bare query, at the median."""
        return self.search.p50 / self.bare.p50 if self.bare.p50 else float("nan")

    @property
    def ratio_p99(self) -> float:
        """The same at the 99th percentile."""
        return self.search.p99 / self.bare.p99 if self.bare.p99 else float("nan")


def _misspell(word: str, rng: random.Random) -> str:
    """Drop one inner letter: "perestroika" -> "perestoika"."""
    cut = rng.randrange(1, len(word) - 1)
    return word[:cut] + word[cut + 1 :]


def search_queries(snapshot: ContentSnapshot, rng: random.Random, count: int = 120) -> list[str]:
    """A fixed mix of excerpt queries drawn from the content."""
    words = sorted({w for p in snapshot.passages for w in _WORD.findall(p.text)})
    paragraphs = [p.text for p in snapshot.passages]
    phrases = []
    for _ in range(count // 3):
        tokens = _WORD.findall(rng.choice(paragraphs))
        if len(tokens) >= 2:
            start = rng.randrange(len(tokens) - 1)
            phrases.append(f"{tokens[start]} {tokens[start + 1]}")
    singles = rng.sample(words, min(len(words), count // 3))
    misspelled = [_misspell(w, rng) for w in rng.sample(words, min(len(words), count // 6))]
    nothing = [f"zq{rng.randrange(10**6)}x" for _ in range(count // 12)]
    terms = [t.term for t in rng.sample(list(snapshot.glossary.terms.values()), min(len(snapshot.glossary), 10))]
    return phrases + singles + misspelled + nothing + terms


def define_queries(snapshot: ContentSnapshot, rng: random.Random) -> list[str]:
    """Glossary names and aliases (exact), misspelled names (fuzzy) and misses (search fallback)."""
    terms = list(snapshot.glossary.terms.values())
    names = [t.term for t in terms] + [alias for t in terms for alias in t.aliases]
    fuzzy = [_misspell(name, rng) for name in rng.sample(names, min(len(names), 30)) if len(name) > 4]
    misses = ["Toshiba submarine propellor", "Siberian pipeline", "Vladivostok speech", "zqxv"]
    return names + fuzzy + misses


def _timed(calls: Sequence[Callable[[], object]]) -> list[float]:
    """Call each once and return the durations in seconds."""
    durations = []
    for call in calls:
        started = time.perf_counter()
        call()
        durations.append(time.perf_counter() - started)
    return durations


def measure_lookups(snapshot: ContentSnapshot, repeats: int, seed: int = 0,
                    meaning: MeaningModel | None = None) -> LookupFigures:
    """Time search (by words, and by meaning with ``meaning``), bare FTS5 and define, ``repeats`` passes each."""
    rng = random.Random(seed)
    searches = search_queries(snapshot, rng)
    defines = define_queries(snapshot, rng)
    words = served = fresh_index(snapshot)
    if meaning is not None:
        served = fresh_index(snapshot)
        served.attach_meaning(meaning.build(served.meaning_texts()).forgetful())
    baseline = Bm25Baseline(snapshot.passages, depth=3)

    calls = {
        "search": [lambda q=q: words.search(q) for q in searches],
        "bare": [lambda q=q: baseline(q) for q in searches],
        "define": [lambda q=q: snapshot.define(q) for q in defines],
    }
    if served is not words:
        calls["meaning"] = [lambda q=q: served.search(q) for q in searches]
    for timed in calls.values():
        _timed(timed)  # warm caches, compile statements
    runs: dict[str, list[Latency]] = {name: [] for name in calls}
    as_served = "meaning" if "meaning" in calls else "search"
    per_query: list[list[float]] = [[] for _ in searches]
    for _ in range(repeats):
        for name, timed in calls.items():
            durations = _timed(timed)
            runs[name].append(Latency.of(durations))
            if name == as_served:
                for times, duration in zip(per_query, durations, strict=True):
                    times.append(duration)
    typical = sorted(((statistics.median(t) * 1000, q) for q, t in zip(searches, per_query, strict=True)), reverse=True)
    return LookupFigures(
        passages=len(snapshot.passages),
        search=Latency.median_of(runs["search"]),
        bare=Latency.median_of(runs["bare"]),
        define=Latency.median_of(runs["define"]),
        by_meaning=Latency.median_of(runs["meaning"]) if "meaning" in runs else None,
        slowest=tuple((q, ms, served.search(q).total) for ms, q in typical[:3]),
    )
