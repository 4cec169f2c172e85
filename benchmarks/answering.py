"""Answer recording under load: N learners each taking a 20-card quiz at the same time.

Two ways in:

* **store** — ``ProgressStore.record_answer`` called directly (sessions created up front):
  the cost of the transaction alone.
* **service** — the whole path a Discord click takes through ``StudyService``: start a quiz,
  then for each card press an answer button (or submit a short answer, or show a flashcard
  and rate it), then press *Next*. Each learner is an asyncio task, as each interaction is in
  the bot. The timed "answer" is the press or submit that records the attempt, end to end
  (session and learner reads, the write, rendering the reply).

Either runs **flat out** (no pause between clicks: measures throughput; latency is then mostly
queueing behind the other N-1 learners) or **paced** (each learner thinks before each click:
measures the latency one learner sees while N others keep the bot busy).
"""

from __future__ import annotations

import asyncio
import random
import resource
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.stats import Latency
from bot.core.clock import system_clock
from bot.core.errors import StudyError
from bot.core.heap import settle_after_start
from bot.core.presentation import actions
from bot.core.presentation.actions import Verb
from bot.core.presentation.replies import Reply
from bot.core.progress.backend import DatabaseTarget
from bot.core.progress.migrations import migrate
from bot.core.progress.opening import open_database
from bot.core.progress.records import AnswerInput
from bot.core.progress.scheduler import Scheduler
from bot.core.progress.store import ProgressStore
from bot.core.service.study_service import Actor, StudyService
from bot.settings import MIGRATIONS_DIR

SCOPE = "guild:benchmark"


@dataclass
class AnswerRun:
    """What one run measured: answer latencies, other interactions' latencies, wall time."""

    answers: list[float] = field(default_factory=list)
    others: list[float] = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0
    loop_cpu: float = 0.0
    process_cpu: float = 0.0

    @property
    def answers_per_second(self) -> float:
        """Answers recorded per second of wall time, setup excluded."""
        return len(self.answers) / self.wall if self.wall else 0.0

    @property
    def latency(self) -> Latency:
        """Percentiles of the answer latencies."""
        return Latency.of(self.answers)

    @property
    def cpu_per_answer_ms(self) -> tuple[float, float]:
        """CPU milliseconds per answer: on the event loop's thread, and on every other thread."""
        count = len(self.answers) or 1
        return self.loop_cpu / count * 1000, (self.process_cpu - self.loop_cpu) / count * 1000


class _CpuClock:
    """CPU time of the calling (event loop) thread and of the whole process, from one start."""

    def __init__(self) -> None:
        self._loop = time.thread_time()
        self._process = self._process_now()

    @staticmethod
    def _process_now() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def stop(self, run: AnswerRun) -> None:
        """Record the CPU used since the start in ``run``."""
        run.loop_cpu = time.thread_time() - self._loop
        run.process_cpu = self._process_now() - self._process


async def store_run(path: DatabaseTarget, learners: int, cards: int) -> AnswerRun:
    """Record ``learners`` x ``cards`` answers flat out through ``ProgressStore`` alone (SQLite or PostgreSQL)."""
    db = await open_database(path)
    run = AnswerRun()
    try:
        await migrate(db, MIGRATIONS_DIR)
        store = ProgressStore(db, system_clock, Scheduler())
        deck = [f"card-{n}" for n in range(cards)]
        ids = [await store.upsert_learner(SCOPE, str(n), f"Learner {n}") for n in range(learners)]
        sessions = [await store.create_session(learner_id, "quiz", None, deck) for learner_id in ids]

        async def learner(learner_id: int, session_id: str) -> None:
            for position, card_id in enumerate(deck):
                correct = (learner_id + position) % 3 != 0
                started = time.perf_counter()
                await store.record_answer(
                    AnswerInput(learner_id, card_id, "0123456789abcdef", "an answer", correct,
                                3 if correct else 1, 1500, session_id, position)
                )
                run.answers.append(time.perf_counter() - started)

        started, cpu = time.perf_counter(), _CpuClock()
        await asyncio.gather(*(learner(i, s.id) for i, s in zip(ids, sessions, strict=True)))
        run.wall = time.perf_counter() - started
        cpu.stop(run)
    finally:
        await db.close()
    return run


def _verbs(reply: Reply) -> dict[Verb, list[str]]:
    """Group a reply's button action ids by verb."""
    grouped: dict[Verb, list[str]] = {}
    for button in reply.buttons:
        grouped.setdefault(actions.decode(button.action).verb, []).append(button.action)
    return grouped


async def _take_quiz(
    service: StudyService, actor: Actor, cards: int, run: AnswerRun, rng: random.Random, think: float
) -> None:
    """One learner: start a quiz and answer every card, pausing ``think``-scaled times if > 0."""

    async def pause(low: float, high: float) -> None:
        if think > 0:
            await asyncio.sleep(rng.uniform(low, high) * think)

    async def timed(into: list[float], call: object) -> Reply:
        started = time.perf_counter()
        reply: Reply = await call  # type: ignore[misc]
        into.append(time.perf_counter() - started)
        return reply

    await pause(0.0, 1.0)  # learners arrive spread over the first think time, not all at once
    reply = await timed(run.others, service.start_quiz(actor, count=cards))
    while True:
        verbs = _verbs(reply)
        await pause(0.5, 1.5)  # read the card and answer
        if reply.prompt is not None:
            text = rng.choice(["no idea", "1956", "the Northern Territories"])
            reply = await timed(run.answers, service.submit(actor, reply.prompt.action, text))
        elif Verb.ANSWER in verbs:
            reply = await timed(run.answers, service.press(actor, rng.choice(verbs[Verb.ANSWER])))
        elif Verb.SHOW in verbs:
            rated = _verbs(await timed(run.others, service.press(actor, verbs[Verb.SHOW][0])))
            await pause(0.2, 0.6)
            reply = await timed(run.answers, service.press(actor, rng.choice(rated[Verb.RATE])))
            continue  # rating goes straight on to the next card (or the summary)
        else:
            return  # the summary: no card left
        next_button = _verbs(reply).get(Verb.NEXT)
        if not next_button:
            raise StudyError(f"unexpected reply after an answer: {reply.title}")
        await pause(0.1, 0.3)
        reply = await timed(run.others, service.press(actor, next_button[0]))


async def service_run(
    path: DatabaseTarget, content_dir: Path, learners: int, cards: int, *, think: float = 0.0, seed: int = 0,
    first_learner: int = 0, when_open: Callable[[], Awaitable[None]] | None = None,
) -> AnswerRun:
    """Have ``learners`` take a ``cards``-card quiz at once through ``StudyService``.

    ``think`` scales each learner's pauses (seconds; about 1.2 x ``think`` per card); 0 is
    flat out. Learners are numbered from ``first_learner`` (so two processes can split a
    class); ``when_open`` is awaited once the service is open, before anyone answers.
    """
    service = await StudyService.open(
        db_path=path, content_dir=content_dir, migrations_dir=MIGRATIONS_DIR, rng=random.Random(seed)
    )
    settle_after_start()  # as the bot does once it has started
    if when_open is not None:
        await when_open()
    run = AnswerRun()
    rng = random.Random(seed)

    async def learner(n: int) -> None:
        actor = Actor(SCOPE, str(first_learner + n), f"Learner {first_learner + n}")
        try:
            await _take_quiz(service, actor, cards, run, random.Random(rng.random()), think)
        except StudyError:
            run.errors += 1

    try:
        started, cpu = time.perf_counter(), _CpuClock()
        await asyncio.gather(*(learner(n) for n in range(learners)))
        run.wall = time.perf_counter() - started
        cpu.stop(run)
    finally:
        await service.close()
    return run
