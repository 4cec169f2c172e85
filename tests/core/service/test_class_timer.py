"""The deadline timer: it wakes at the stored deadline, re-reads on a poke, and always stops."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.core.clock import system_clock
from bot.core.service.class_timer import DeadlineTimer


class Games:
    """Stands in for the class-game use cases: one deadline, and a log of the rounds run."""

    def __init__(self) -> None:
        self.deadline: datetime | None = None
        self.rounds: list[datetime] = []
        self.on_schedule = lambda: None

    async def run_due(self) -> int:
        now = system_clock()
        self.rounds.append(now)
        if self.deadline is not None and self.deadline <= now:
            self.deadline = None
            return 1
        return 0

    async def next_deadline(self) -> datetime | None:
        return self.deadline


async def test_the_timer_runs_at_the_deadline_it_reads_after_a_poke() -> None:
    games = Games()
    timer = DeadlineTimer(games, system_clock)  # type: ignore[arg-type]
    timer.start()
    try:
        await asyncio.sleep(0.05)
        assert len(games.rounds) == 1  # the first round at start, then asleep: nothing is due
        games.deadline = system_clock() + timedelta(seconds=0.1)
        games.on_schedule()  # what the games call when they store a deadline
        await asyncio.sleep(0.3)
        assert games.deadline is None
        assert any(r >= system_clock() - timedelta(seconds=0.3) for r in games.rounds[1:])
    finally:
        await timer.stop()
    assert not timer.running


async def test_stop_returns_even_when_it_races_a_wake_up() -> None:
    for _ in range(200):
        games = Games()
        timer = DeadlineTimer(games, system_clock)  # type: ignore[arg-type]
        timer.start()
        await asyncio.sleep(0)
        timer.poke()
        await asyncio.wait_for(timer.stop(), timeout=2)
