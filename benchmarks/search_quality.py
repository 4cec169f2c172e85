"""How well excerpt search answers students' questions, beside a plain BM25 baseline.

The questions live in ``search_questions.yaml``: each is phrased the way a student asks it,
with the answering passage(s) named by a short verbatim quote of the answering sentence (not
by passage key or ordinal, which change when the text is edited). The set is split up front
into a ``dev`` half, looked at while tuning, and a ``held-out`` half, scored only at the end,
so overfitting shows as a gap between the two. ``search_questions_blind.yaml`` (split
``blind``) was written later by someone who had seen neither the set nor the search, because
the held-out half had been looked at while tuning; it estimates questions nobody wrote yet.
Its misses were read later, so ``search_questions_blind2.yaml`` (also split ``blind``, 40
questions, written in session 5 from the two sources alone) was scored once after the last
change to the ranking; it is the fairest estimate until it too is looked at.

Per question, over the first page (three results, as ``/excerpt`` shows them):

* **recall@3** — an answering passage is among the three results;
* **MRR** — 1 / rank of the first answering passage within the first ten, else 0;
* **snippet-hit** — one of the three shown snippets holds an answering quote.

The bot is scored twice: as ``/excerpt`` serves it (words, then the leading passages
re-ranked by meaning with the bundled sentence model) and by its words alone, each on an
index of its own built from the snapshot (the caller's index is left as it is). Without the
model installed only the words-only rows are printed, with a notice.

The baseline is the plainest search one could ship: an FTS5 table of the same passages'
text, porter tokenizer, the question's words OR-ed together, ranked by bm25, top three.

``python -m benchmarks.search_quality [--questions FILE] [--split dev|held-out|blind|all] [--misses]``
prints the table; ``all`` is every split the file has.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

from bot.core.content.loader import load_content
from bot.core.content.snapshot import ContentSnapshot
from bot.core.lookup.excerpt_search import HIGHLIGHT_CLOSE, HIGHLIGHT_OPEN, ExcerptIndex
from bot.core.lookup.semantic.meaning import MeaningModel
from bot.core.models import Passage
from bot.core.service.template_samples import template_samples
from bot.core.text import fold_quote
from bot.settings import DEFAULT_CACHE_DIR, DEFAULT_CONTENT_DIR

QUESTIONS_FILE = Path(__file__).with_name("search_questions.yaml")
BLIND_QUESTIONS_FILE = Path(__file__).with_name("search_questions_blind.yaml")
SECOND_BLIND_QUESTIONS_FILE = Path(__file__).with_name("search_questions_blind2.yaml")
BLIND_FILES = (BLIND_QUESTIONS_FILE, SECOND_BLIND_QUESTIONS_FILE)
TUNING_SPLITS = ("dev", "held-out")
SPLITS = (*TUNING_SPLITS, "blind")
PAGE = 3
DEPTH = 10
_WORD = re.compile(r"\w+")

Ranker = Callable[[str], list[tuple[str, str | None]]]
"""A search under test: question -> ranked (passage key, shown snippet or None)."""


@dataclass(frozen=True)
class Question:
    """A student's question and the folded quotes of the sentences that answer it."""

    text: str
    split: str
    quotes: tuple[str, ...]
    answer_keys: frozenset[str]


@dataclass(frozen=True)
class Score:
    """The three figures for one search over one set of questions."""

    questions: int
    recall: int
    reciprocal_ranks: float
    snippet_hits: int | None

    @property
    def mrr(self) -> float:
        """Mean reciprocal rank."""
        return self.reciprocal_ranks / self.questions if self.questions else 0.0


def load_questions(passages: Sequence[Passage], path: Path = QUESTIONS_FILE) -> list[Question]:
    """Read the question set and resolve every quote to exactly one passage (else raise)."""
    folded = [(p.key, fold_quote(p.text)) for p in passages]
    questions = []
    for entry in YAML(typ="safe").load(path.read_text(encoding="utf-8"))["questions"]:
        if entry["split"] not in SPLITS:
            raise ValueError(f"{entry['q']!r}: split must be one of {SPLITS}")
        quotes = tuple(fold_quote(q) for q in entry["answers"])
        keys = set()
        for quote in quotes:
            found = [key for key, text in folded if quote in text]
            if len(found) != 1:
                raise ValueError(f"{entry['q']!r}: quote {quote!r} is in {len(found)} passages, not 1")
            keys.add(found[0])
        questions.append(Question(entry["q"], entry["split"], quotes, frozenset(keys)))
    return questions


def shown_text(snippet: str) -> str:
    """A snippet as the student reads it, folded like the quotes."""
    return fold_quote(snippet.replace(HIGHLIGHT_OPEN, "").replace(HIGHLIGHT_CLOSE, ""))


def score(questions: Sequence[Question], ranker: Ranker, *, with_snippets: bool = True) -> tuple[Score, list[str]]:
    """Score ``ranker`` on ``questions``; also return the questions it missed on page 1."""
    recall = hits = 0
    reciprocal = 0.0
    misses = []
    for question in questions:
        ranked = ranker(question.text)[:DEPTH]
        rank = next((i for i, (key, _) in enumerate(ranked, 1) if key in question.answer_keys), None)
        reciprocal += 1 / rank if rank else 0.0
        if rank is not None and rank <= PAGE:
            recall += 1
        else:
            misses.append(f"{question.text}  (rank {rank})")
        shown = [shown_text(s) for _, s in ranked[:PAGE] if s is not None]
        hits += any(q in s for q in question.quotes for s in shown)
    return Score(len(questions), recall, reciprocal, hits if with_snippets else None), misses


def fresh_index(snapshot: ContentSnapshot) -> ExcerptIndex:
    """A new ExcerptIndex over the snapshot's content, as the loader builds it (ranking by words until told)."""
    fiction = {s.id: s.title for s in snapshot.course.sources if s.is_fiction}
    return ExcerptIndex(snapshot.passages, terms=list(snapshot.glossary.terms.values()),
                        cards=snapshot.cards.values(), fiction_titles=fiction, synonyms=snapshot.synonyms)


def bot_ranker(index: ExcerptIndex) -> Ranker:
    """The bot's search as ``/excerpt`` calls it, with every hit's snippet."""
    def rank(text: str) -> list[tuple[str, str | None]]:
        return [(h.passage.key, h.snippet) for h in index.search(text, limit=DEPTH).hits]
    return rank


class Bm25Baseline:
    """Plain SQLite FTS5: passage text, porter, OR of the question's words, bm25."""

    def __init__(self, passages: Sequence[Passage], depth: int = DEPTH) -> None:
        self._depth = depth
        self._db = sqlite3.connect(":memory:")
        self._db.execute("CREATE VIRTUAL TABLE p USING fts5(body, key UNINDEXED, tokenize = 'porter unicode61')")
        self._db.executemany("INSERT INTO p (body, key) VALUES (?, ?)", ((p.text, p.key) for p in passages))

    def __call__(self, text: str) -> list[tuple[str, str | None]]:
        """Rank passages for ``text``; the baseline shows no snippet."""
        words = _WORD.findall(text.lower())
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        rows = self._db.execute("SELECT key FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT ?", (match, self._depth))
        return [(key, None) for (key,) in rows]


@dataclass(frozen=True)
class QualityFigures:
    """Per split: the bot by meaning (None without the model), by words alone, and the baseline."""

    meaning: dict[str, Score] | None
    words: dict[str, Score]
    baseline: dict[str, Score]
    misses: dict[str, list[str]]
    """The questions the bot as served (:attr:`bot`) missed on page 1."""

    @property
    def bot(self) -> dict[str, Score]:
        """The bot's scores as ``/excerpt`` serves it: by meaning when the model is there, else by words."""
        return self.words if self.meaning is None else self.meaning


def measure_quality(snapshot: ContentSnapshot, splits: Sequence[str] | None = None,
                    path: Path = QUESTIONS_FILE, *, meaning: MeaningModel | None = None) -> QualityFigures:
    """Score the bot (by meaning too with ``meaning``, and by words alone) and the baseline on each split.

    The splits default to every split the file has.
    """
    questions = load_questions(snapshot.passages, path)
    by_split = {split: [q for q in questions if q.split == split] for split in SPLITS}
    if splits is None:
        splits = [split for split, chosen in by_split.items() if chosen]
    if empty := [split for split in splits if not by_split[split]]:
        raise ValueError(f"{path.name} has no questions in split {', '.join(empty)}")
    served = words = bot_ranker(fresh_index(snapshot))
    if meaning is not None:
        index = fresh_index(snapshot)
        index.attach_meaning(meaning.build(index.meaning_texts()))
        served = bot_ranker(index)
    baseline = Bm25Baseline(snapshot.passages)
    figures = QualityFigures(None if meaning is None else {}, {}, {}, {})
    for split in splits:
        chosen = by_split[split]
        figures.words[split], figures.misses[split] = score(chosen, words)
        if figures.meaning is not None:
            figures.meaning[split], figures.misses[split] = score(chosen, served)
        figures.baseline[split], _ = score(chosen, baseline, with_snippets=False)
    return figures


def percent(part: int | None, whole: int) -> str:
    """``part/whole (NN%)``, or a dash when there is no figure."""
    return "—" if part is None else f"{part}/{whole} ({100 * part / whole:.0f}%)"


def searches(figures: QualityFigures) -> list[tuple[str, dict[str, Score]]]:
    """The searches scored, named, the bot as ``/excerpt`` serves it first."""
    scored = [("bot, words only", figures.words), ("plain BM25 (FTS5)", figures.baseline)]
    if figures.meaning is not None:
        scored.insert(0, ("bot /excerpt", figures.meaning))
    return scored


def table(figures: QualityFigures) -> str:
    """The side-by-side table, one row per search and split."""
    lines = [f"{'search':<22} {'split':<9} {'recall@3':>13} {'MRR':>5} {'snippet-hit':>13}"]
    for split in figures.words:
        for name, scores in searches(figures):
            s = scores[split]
            lines.append(f"{name:<22} {split:<9} {percent(s.recall, s.questions):>13} {s.mrr:5.2f} "
                         f"{percent(s.snippet_hits, s.questions):>13}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the quality table for the chosen split(s)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search_quality", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=QUESTIONS_FILE, help="the question set to score")
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="dev")
    parser.add_argument("--misses", action="store_true", help="list the questions the bot as served missed on page 1")
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT_DIR)
    args = parser.parse_args(argv)
    snapshot = load_content(args.content, template_samples)
    meaning = MeaningModel.bundled(DEFAULT_CACHE_DIR)
    try:
        figures = measure_quality(snapshot, None if args.split == "all" else (args.split,), args.questions,
                                  meaning=meaning)
    except ValueError as error:
        parser.error(str(error))
    print(table(figures))
    if meaning is None:
        print("notice: the sentence model is not installed, so only the words-only ranking was scored")
    if args.misses:
        for split, missed in figures.misses.items():
            print(f"\nmissed ({split}):", *missed, sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
