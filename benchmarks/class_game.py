"""A class game under a burst: 200 students click on one question within one second.

The whole service path a click takes in the bot (``StudyService.press``: the game and
question reads, silent enrolment of a first-time player, the answer's write transaction, the
re-render of the question for the live count, the private confirmation) is timed per click,
each click an asyncio task started at its own moment inside the second, as Discord delivers
them. The game runs on the real clock with the bot's own deadline timer, so the reveal is
timed from the stored deadline to the moment its edit is handed to the front end (which
includes turning every answer into an attempt and an FSRS review in one transaction).
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import Row, judged, section
from benchmarks.stats import Latency
from bot.core.presentation.replies import Reply
from bot.core.service.study_service import Actor, StudyService
from bot.settings import MIGRATIONS_DIR

CLICKS = 200
SPREAD_SECONDS = 1.0
QUESTION_SECONDS = 10  # the shortest a game allows
CONFIRMATION_BUDGET_MS = 3000.0  # Discord's window to answer an interaction
SCOPE, CHANNEL = "guild:1", "bench"


@dataclass(frozen=True)
class ClassGameRun:
    """One burst: confirmation latencies, deadline-to-reveal delay, and answers kept."""

    latency: Latency
    reveal_ms: float
    counted: int
    errors: int


class _Recorder:
    """A front end that only notes the first post (the question) and when the reveal edit came."""

    def __init__(self) -> None:
        self.question: Reply | None = None
        self.revealed = asyncio.Event()
        self.revealed_at = 0.0

    async def post(self, channel: str, reply: Reply) -> str:
        self.question = self.question or reply
        return "1"

    async def edit(self, channel: str, message: str, reply: Reply, *, live: bool = False) -> None:
        if not live and not self.revealed.is_set():
            self.revealed_at = time.time()
            self.revealed.set()


async def class_game_run(db_path: Path, content_dir: Path, clicks: int = CLICKS) -> ClassGameRun:
    """Start a one-question game, fire the burst, wait for the reveal; return the figures."""
    service = await StudyService.open(db_path=db_path, content_dir=content_dir, migrations_dir=MIGRATIONS_DIR)
    try:
        recorder = _Recorder()
        service.class_game.publisher = recorder
        service.class_timer.start()
        host = Actor(SCOPE, "host", "Host", is_instructor=True, channel=CHANNEL)
        await service.class_game.start(host, count=1, seconds=QUESTION_SECONDS, card_type="choice")
        deadline = await service.class_game.next_deadline()
        assert deadline is not None and recorder.question is not None
        options = [b.action for b in recorder.question.buttons if b.action.startswith("sb:ca:")]
        errors = 0

        async def click(index: int) -> float:
            nonlocal errors
            await asyncio.sleep(SPREAD_SECONDS * index / clicks)
            student = Actor(SCOPE, f"student-{index}", f"Student {index}", channel=CHANNEL)
            began = time.perf_counter()
            try:
                await service.press(student, options[index % len(options)])
            except Exception:  # counted and reported: a lost click is a failure of the run
                errors += 1
            return time.perf_counter() - began

        latencies = await asyncio.gather(*(click(i) for i in range(clicks)))
        await asyncio.wait_for(recorder.revealed.wait(), timeout=QUESTION_SECONDS + 10)
        reveal_ms = (recorder.revealed_at - deadline.timestamp()) * 1000
    finally:
        await service.close()
    with sqlite3.connect(db_path) as conn:
        counted = conn.execute("SELECT COUNT(*) FROM attempts WHERE class_game_id IS NOT NULL").fetchone()[0]
    return ClassGameRun(Latency.of(latencies), reveal_ms, counted, errors)


def class_game_rows(content_dir: Path, tmp: Path, repeats: int, progress: Callable[[str], None]) -> list[Row]:
    """Run the burst ``repeats`` times and return its table rows (medians across repeats)."""
    runs = []
    for repeat in range(repeats):
        progress(f"class game: {CLICKS} clicks on one question within {SPREAD_SECONDS:g} s, then the reveal "
                 f"(~{QUESTION_SECONDS} s, repeat {repeat + 1}/{repeats})")
        runs.append(asyncio.run(class_game_run(tmp / f"class-game-{repeat}.sqlite3", content_dir)))
    latency = Latency.median_of([r.latency for r in runs])
    reveal = statistics.median(r.reveal_ms for r in runs)
    lost = sum(CLICKS - r.counted for r in runs)
    return [
        section(f"(5) class game: {CLICKS} clicks on one question within {SPREAD_SECONDS:g} s"),
        judged("click confirmation", "  click to confirmation (service path)",
               f"p50 {latency.p50:.2f} / p99 {latency.p99:.2f} ms", "p99 <= 3 s (Discord)",
               latency.p99 <= CONFIRMATION_BUDGET_MS),
        Row("  deadline to reveal (timer, attempts, render)", f"{reveal:.1f} ms"),
        judged("class-game answers", "  answers counted / lost or failed",
               f"{CLICKS * len(runs) - lost} / {lost + sum(r.errors for r in runs)}", "0 lost",
               lost == 0 and not any(r.errors for r in runs)),
    ]
