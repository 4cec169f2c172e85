"""``python -m benchmarks``: run every measurement of issue 7 once and print the table.

In order, each repeated ``--repeats`` times and reported as the median:

1. the limit — a raw aiosqlite insert-and-commit loop (``benchmarks.raw_insert``);
2. answering under load — the progress store alone and the whole study service, N learners
   flat out, then the service with learners pausing to think (``benchmarks.answering``);
3. excerpt search and define on the shipped content and on a generated corpus 100x its size,
   against the plain FTS5 baseline (``benchmarks.search``, ``benchmarks.corpus``): by words
   alone, as it runs on the event loop, and by meaning too, as ``/excerpt`` serves it on a
   worker thread when the sentence model is installed; how well search answers the student
   question set, by meaning and by words, beside that baseline (``benchmarks.search_quality``)
   and the engines it could be built on (``benchmarks.search_engines``);
4. cold start of each corpus in a fresh process, opened with the sentence model as the bot
   opens it, with the wait until search ranks by meaning and its peak RSS
   (``benchmarks.cold_start``);
5. a class game: 200 clicks on one question within a second, and the reveal at its deadline
   (``benchmarks.class_game``);
6. when a PostgreSQL server is configured, the same answering rows on it, plus the service in
   two processes sharing it (``benchmarks.postgres``); otherwise a notice says they were skipped.

Raw, store and service runs are interleaved so drift in the machine affects all alike.
Progress goes to stderr; the table and the one-line summary go to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import answer_eval, report
from benchmarks.answering import AnswerRun, service_run, store_run
from benchmarks.class_game import class_game_rows
from benchmarks.cold_start import ColdStart, cold_start, peak_rss_mib
from benchmarks.corpus import generate_corpus
from benchmarks.postgres import ENV_NAMES, configured_url, raw_per_second, scratch_schema, service_in_processes
from benchmarks.raw_insert import raw_answers_per_second
from benchmarks.report import Row, section
from benchmarks.search import LookupFigures, measure_lookups, search_queries
from benchmarks.search_engines import EncodingFigures, EngineFigures, compare_engines, time_questions
from benchmarks.search_quality import QualityFigures, load_questions, measure_quality, searches
from benchmarks.stats import Latency
from bot.core.content.loader import load_content
from bot.core.lookup.semantic.meaning import MeaningModel
from bot.core.progress.postgres_url import safe_url
from bot.core.service.template_samples import template_samples
from bot.settings import DEFAULT_CACHE_DIR, DEFAULT_CONTENT_DIR

P99_ANSWER_MS = 10.0
THROUGHPUT_SHARE = 0.5
"""The progress store alone keeps at least half of a raw insert-and-commit loop's rate."""
SERVICE_SHARE = 0.3
"""The whole service path (answer + Next, both rendered) keeps at least 0.3x of it."""
SEARCH_P99_MS = 5.0
RECALL_GOAL = 0.9
RECALL_MARGIN = 0.10
SNIPPET_GOAL = 0.7
COLD_START_S = 1.0
PEAK_RSS_MB = 150.0
MIB = 1024 * 1024 / 1e6  # MB per MiB


def _progress(message: str) -> None:
    """Say what is running, on stderr, so a slow step is not a silent one."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=500, help="simulated learners at once (default 500)")
    parser.add_argument("--cards", type=int, default=20, help="cards per quiz (default 20)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each measurement (default 3)")
    parser.add_argument("--raw-rows", type=int, default=5000, help="rows per raw insert run (default 5000)")
    parser.add_argument(
        "--think", type=float, default=1.0,
        help="paced run: seconds a learner thinks before answering (0.5-1.5x this) and before Next "
             "(0.1-0.3x); 0 skips the paced run (default 1.0)",
    )
    parser.add_argument("--paced-repeats", type=int, default=1, help="repeats of the paced run (default 1)")
    parser.add_argument("--factor", type=int, default=100, help="size of the generated corpus (default 100x)")
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT_DIR, help="the shipped content folder")
    parser.add_argument("--pg-repeats", type=int, default=1, help="repeats of each PostgreSQL run (default 1)")
    return parser.parse_args(argv)


def _answering(args: argparse.Namespace, tmp: Path) -> tuple[float, list[AnswerRun], list[AnswerRun], list[AnswerRun]]:
    """Run (1) and (2): raw loop, store flat out, service flat out (interleaved), then paced."""
    raw: list[float] = []
    store: list[AnswerRun] = []
    service: list[AnswerRun] = []
    for repeat in range(args.repeats):
        _progress(f"raw insert loop, {args.raw_rows:,} rows (repeat {repeat + 1}/{args.repeats})")
        raw.append(asyncio.run(raw_answers_per_second(tmp / f"raw-{repeat}.sqlite3", args.raw_rows)))
        _progress(f"progress store, {args.learners} learners x {args.cards} answers flat out")
        store.append(asyncio.run(store_run(tmp / f"store-{repeat}.sqlite3", args.learners, args.cards)))
        _progress(f"study service, {args.learners} learners x {args.cards} cards flat out")
        service.append(asyncio.run(
            service_run(tmp / f"service-{repeat}.sqlite3", args.content, args.learners, args.cards, seed=repeat)
        ))
    paced: list[AnswerRun] = []
    if args.think > 0:
        for repeat in range(args.paced_repeats):
            _progress(f"study service, {args.learners} learners thinking ~{args.think:g} s per card")
            paced.append(asyncio.run(service_run(
                tmp / f"paced-{repeat}.sqlite3", args.content, args.learners, args.cards,
                think=args.think, seed=100 + repeat,
            )))
    return statistics.median(raw), store, service, paced


async def _pg_store(url: str, learners: int, cards: int) -> AnswerRun:
    async with scratch_schema(url) as scratch:
        return await store_run(scratch, learners, cards)


async def _pg_service(url: str, content: Path, learners: int, cards: int, processes: int, seed: int) -> AnswerRun:
    async with scratch_schema(url) as scratch:
        if processes == 1:
            return await service_run(scratch, content, learners, cards, seed=seed)
        return await asyncio.to_thread(service_in_processes, scratch, content, learners, cards, processes)


def _postgres(args: argparse.Namespace, url: str, sqlite_raw: float, sqlite_service: float) -> list[Row]:
    """Run (6): PostgreSQL's raw limit, store, and service in one and two processes, beside SQLite's."""
    raw: list[float] = []
    store: list[AnswerRun] = []
    one: list[AnswerRun] = []
    two: list[AnswerRun] = []
    for repeat in range(args.pg_repeats):
        _progress(f"PostgreSQL raw insert loop, {args.raw_rows:,} rows (repeat {repeat + 1}/{args.pg_repeats})")
        raw.append(asyncio.run(raw_per_second(url, args.raw_rows)))
        _progress(f"PostgreSQL progress store, {args.learners} learners x {args.cards} answers flat out")
        store.append(asyncio.run(_pg_store(url, args.learners, args.cards)))
        for processes, runs in ((1, one), (2, two)):
            _progress(f"PostgreSQL study service, {processes} process(es), {args.learners} learners flat out")
            runs.append(asyncio.run(_pg_service(url, args.content, args.learners, args.cards, processes, repeat)))
    pg_raw = statistics.median(raw)
    rows = [
        section(f"(6) PostgreSQL ({report.clip(safe_url(url), 60)}) beside SQLite"),
        Row("raw asyncpg INSERT + COMMIT per row", f"{report.rate(pg_raw)} (SQLite {sqlite_raw:,.0f}/s)"),
        Row("progress store alone, flat out", f"{report.rate(_rate(store))} = {_rate(store) / pg_raw:.2f}x its raw"),
        Row("  latency", report.latency(_latency(store))),
        Row("  CPU per answer", _cpu(store)),
    ]
    for processes, runs in ((1, one), (2, two)):
        rows += [
            Row(f"study service, {processes} process{'es' if processes > 1 else ''}, flat out",
                f"{report.rate(_rate(runs))} (SQLite, 1 process: {sqlite_service:,.0f}/s)"),
            Row("  latency", report.latency(_latency(runs))),
            Row("  CPU per answer (all processes)", _cpu(runs)),
        ]
        if sum(r.errors for r in runs):
            rows.append(report.judged(f"PostgreSQL {processes}-process errors", "  learners stopped by an error",
                               str(sum(r.errors for r in runs)), "0", False))
    return rows


def _rate(runs: list[AnswerRun]) -> float:
    return statistics.median(r.answers_per_second for r in runs)


def _latency(runs: list[AnswerRun]) -> Latency:
    return Latency.median_of([r.latency for r in runs])


def _cpu(runs: list[AnswerRun]) -> str:
    """Where the CPU goes: the event loop's thread (one core, GIL held) and the SQLite threads."""
    loop = statistics.median(r.cpu_per_answer_ms[0] for r in runs)
    others = max(0.0, statistics.median(r.cpu_per_answer_ms[1] for r in runs))  # rounding can dip below 0
    return f"event loop {loop:.3f} ms, other threads {others:.3f} ms"


@dataclass(frozen=True)
class SearchRun:
    """Everything (3) measured."""

    shipped: LookupFigures
    big: LookupFigures
    big_dir: Path
    quality: QualityFigures
    engines: list[EngineFigures]
    encoding: EncodingFigures | None
    """A question's encoding alone, when the sentence model is installed."""


def _lookups(args: argparse.Namespace, tmp: Path) -> SearchRun:
    """Run (3) on both corpora: latency, answer quality, and the engine comparison."""
    meaning = MeaningModel.bundled(DEFAULT_CACHE_DIR)
    if meaning is None:
        _progress("NOTICE: the sentence model is not installed: search is measured by words alone")
    _progress("excerpt search and define on the shipped content")
    shipped_content = load_content(args.content, template_samples)
    shipped = measure_lookups(shipped_content, args.repeats, meaning=meaning)
    _progress("search quality on the student question set: bot by meaning, by words, plain BM25")
    quality = measure_quality(shipped_content, meaning=meaning)
    _progress(f"generating and loading a corpus {args.factor}x the shipped content")
    big_dir = generate_corpus(args.content, tmp / f"corpus-{args.factor}x", args.factor)
    big_content = load_content(big_dir, template_samples)
    big = measure_lookups(big_content, args.repeats, meaning=meaning)
    _progress("search engines side by side (plain and tuned FTS5, tantivy, bm25s, the bot's index)")
    questions = load_questions(shipped_content.passages)
    mix = search_queries(shipped_content, random.Random(0))
    engines = compare_engines(shipped_content, big_content, questions, mix, args.repeats, meaning)
    encoding = None if meaning is None else time_questions(meaning, shipped_content, questions, mix, args.repeats)
    return SearchRun(shipped, big, big_dir, quality, engines, encoding)


def _meaning_wait(starts: list[ColdStart]) -> str:
    """The median wait after opening until search ranks by meaning (encoding runs in the background)."""
    waits = [c.meaning_seconds for c in starts if c.meaning_seconds is not None]
    return f"+{statistics.median(waits):.2f} s (in the background)" if waits else "model not installed"


def _cold_starts(content_dir: Path, tmp: Path, label: str, repeats: int) -> list[ColdStart]:
    _progress(f"cold start, {label} ({repeats} fresh processes)")
    return [cold_start(content_dir, tmp / f"cold-{label}-{n}.sqlite3") for n in range(repeats)]


def main(argv: Sequence[str] | None = None) -> int:
    """Run everything, print the table and the summary line."""
    args = _parse(argv)
    args.content = args.content.resolve()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="studybot-bench-") as scratch:
        tmp = Path(scratch)
        raw, store, service, paced = _answering(args, tmp)
        load_rss = peak_rss_mib() * MIB  # the bot's own process after the load runs, before any corpus is loaded
        pg_url = configured_url()
        pg_rows = _postgres(args, pg_url, raw, _rate(service)) if pg_url else [
            section(f"(6) PostgreSQL: skipped, no server configured (set {' or '.join(ENV_NAMES)})")]
        if not pg_url:
            _progress(f"NOTICE: PostgreSQL rows skipped: set {ENV_NAMES[0]}=postgresql://user:pw@host:5432/db")
        searched = _lookups(args, tmp)
        shipped, big, big_dir = searched.shipped, searched.big, searched.big_dir
        cold_shipped = _cold_starts(args.content, tmp, "shipped", args.repeats)
        cold_big = _cold_starts(big_dir, tmp, f"{args.factor}x", args.repeats)
        class_game = class_game_rows(args.content, tmp, args.repeats, _progress)
    elapsed = time.perf_counter() - began

    n = args.learners
    store_rate, service_rate = _rate(store), _rate(service)
    service_ratio = service_rate / raw
    paced_latency = _latency(paced) if paced else None
    open_s = statistics.median(c.open_seconds for c in cold_shipped)
    import_s = statistics.median(c.import_seconds for c in cold_shipped)
    shipped_rss = max(c.peak_rss_mib for c in cold_shipped) * MIB
    big_rss = max(c.peak_rss_mib for c in cold_big) * MIB
    errors = sum(r.errors for r in [*service, *paced])

    judged = report.judged
    rows = [
        section("(1) the limit"),
        Row("raw aiosqlite INSERT + COMMIT per row", report.rate(raw)),
        section(f"(2) answering: {n} learners x {args.cards} cards at once"),
        Row("progress store alone, flat out", report.rate(store_rate)),
        judged("store throughput", "  ratio to raw", f"{store_rate / raw:.2f}x", f">= {THROUGHPUT_SHARE:g}x raw",
               store_rate / raw >= THROUGHPUT_SHARE),
        Row("  latency (queued behind the others)", report.latency(_latency(store))),
        Row("  CPU per answer", _cpu(store)),
        Row("study service, flat out (answer + Next)", report.rate(service_rate)),
        judged("service throughput", "  ratio to raw", f"{service_ratio:.2f}x", f">= {SERVICE_SHARE:g}x raw",
               service_ratio >= SERVICE_SHARE),
        Row("  latency (queued behind the others)", report.latency(_latency(service))),
        Row("  CPU per answer (incl. its Next press)", _cpu(service)),
    ]
    if paced_latency is not None:
        rows += [
            Row(f"study service, paced (~{args.think * 1.2:g} s per card)", report.rate(_rate(paced))),
            judged("answer latency", "  answer latency", report.latency(paced_latency),
                   f"p99 <= {P99_ANSWER_MS:g} ms", paced_latency.p99 <= P99_ANSWER_MS),
        ]
    rows.append(judged("peak RSS under load", "  peak RSS of this process after the load", f"{load_rss:.0f} MB",
                       f"<= {PEAK_RSS_MB:g} MB", load_rss <= PEAK_RSS_MB))
    if errors:
        rows.append(judged("service errors", "  learners stopped by an error", str(errors), "0", False))
    for figures, label in ((shipped, "shipped"), (big, f"{args.factor}x")):
        search = report.short_latency(figures.search)
        on_loop = "  excerpt search by words (on the event loop)"
        rows += [
            section(f"(3) lookups, {label} corpus ({figures.passages:,} passages)"),
            judged(f"{label} excerpt search on the loop", on_loop, search, f"p99 <= {SEARCH_P99_MS:g} ms",
                   figures.search.p99 <= SEARCH_P99_MS) if figures is big else Row(on_loop, search),
            Row("  excerpt search by meaning (worker thread)",
                "model not installed" if figures.by_meaning is None else report.short_latency(figures.by_meaning)),
            Row("  plain FTS5 bm25 baseline", report.short_latency(figures.bare)),
            Row("  search by words / baseline", f"{figures.ratio_p50:.1f}x at p50, {figures.ratio_p99:.1f}x at p99"),
            Row("  define", report.short_latency(figures.define)),
            *(Row(f"  slowest as served: “{report.clip(q, 34)}”", f"{ms:.1f} ms ({hits:,} passages match)")
              for q, ms, hits in figures.slowest),
        ]
    quality = searched.quality
    held_bot, held_base = quality.bot["held-out"], quality.baseline["held-out"]
    held_recall, base_recall = held_bot.recall / held_bot.questions, held_base.recall / held_base.questions
    assert held_bot.snippet_hits is not None
    rows += [
        section(f"(3) search quality: student questions ({held_bot.questions} held out), page 1 of 3"),
        *(Row(f"  {split}: {name}", f"recall@3 {scores[split].recall}/{scores[split].questions}, "
              f"MRR {scores[split].mrr:.2f}"
              + ("" if scores[split].snippet_hits is None else f", snippet {scores[split].snippet_hits}"))
          for split in quality.bot for name, scores in searches(quality)),
        judged("held-out recall@3", "  held-out: answer on page 1", f"{held_recall:.0%} (baseline {base_recall:.0%})",
               f">= {RECALL_GOAL:.0%} and baseline + {RECALL_MARGIN:.0%}",
               held_recall >= RECALL_GOAL and held_recall - base_recall >= RECALL_MARGIN),
        judged("held-out snippet-hit", "  held-out: answer in a snippet",
               f"{held_bot.snippet_hits / held_bot.questions:.0%}", f">= {SNIPPET_GOAL:.0%}",
               held_bot.snippet_hits / held_bot.questions >= SNIPPET_GOAL),
        section(f"(3) search engines: recall@3 on all questions; p50 / p99 on the {args.factor}x corpus"),
        *(Row(f"  {e.name}", f"{e.recall.recall}/{e.recall.questions}, {report.short_latency(e.latency)}"
              f" (CPU p99 {e.cpu.p99:.2f}), build {e.build_seconds:.1f} s") for e in searched.engines),
    ]
    if searched.encoding is not None:
        rows.append(Row("  of which a question's encoding alone", f"{report.short_latency(searched.encoding.latency)}"
                        f" (CPU p99 {searched.encoding.cpu.p99:.2f})"))
    rows += [
        section("(4) cold start: migrate + load + validate + index, fresh process"),
        judged("cold start", "  shipped content", f"{open_s:.2f} s (+{import_s:.2f} s imports)",
               f"<= {COLD_START_S:g} s", open_s <= COLD_START_S),
        judged("cold-start RSS", "  shipped content, peak RSS", f"{shipped_rss:.0f} MB", f"<= {PEAK_RSS_MB:g} MB",
               shipped_rss <= PEAK_RSS_MB),
        Row("  shipped content, then until search ranks by meaning", _meaning_wait(cold_shipped)),
        Row(f"  {args.factor}x corpus", f"{statistics.median(c.open_seconds for c in cold_big):.2f} s"
            f" (+{statistics.median(c.import_seconds for c in cold_big):.2f} s imports)"),
        Row(f"  {args.factor}x corpus, then until search ranks by meaning", _meaning_wait(cold_big)),
        Row(f"  {args.factor}x corpus, peak RSS", f"{big_rss:.0f} MB"),
        *class_game,
    ]
    rows += pg_rows
    print(report.render(rows))
    print(f"\n{answer_eval.report(args.content)}")  # how fairly short answers are marked
    print()
    print(report.summary_line(rows, (
        f"raw {raw:,.0f}/s, store {store_rate:,.0f}/s ({store_rate / raw:.2f}x), service {service_rate:,.0f}/s"
        f" ({service_ratio:.2f}x)"
        + (f", answer p99 {paced_latency.p99:.1f} ms paced" if paced_latency else "")
        + f", search p99 {big.search.p99:.2f} ms on the loop"
        + ("" if big.by_meaning is None else f", {big.by_meaning.p99:.2f} ms by meaning")
        + f" ({args.factor}x), cold start {open_s:.2f} s,"
        f" peak RSS {max(load_rss, shipped_rss):.0f} MB | {n} learners, {args.repeats} repeats, {elapsed:.0f} s"
    )))
    return 0


if __name__ == "__main__":
    sys.exit(main())
