"""Timed work runs once however many bot processes share the database: class-game deadlines.

Each service here is what one bot process holds (its own connections). On PostgreSQL the
job lock is an advisory lock every process sees; an SQLite file has one process, so its
lock is held in that process (see :mod:`bot.core.progress.coordination`).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.console_frontend.console_app import ConsolePublisher
from bot.core.clock import FrozenClock
from bot.core.progress.backend import DatabaseTarget
from bot.core.service.class_game import DEADLINES_JOB
from bot.core.service.study_service import Actor, StudyService
from bot.settings import MIGRATIONS_DIR
from tests.core.conftest import START

TEACHER = Actor("guild:1", "900", "Prof", is_instructor=True, channel="c1")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def processes(db_target: DatabaseTarget, content_dir: Path,
                    clock: FrozenClock) -> AsyncIterator[tuple[StudyService, StudyService]]:
    """Two services on one database, each publishing class-game messages to its own outbox."""
    opened: list[StudyService] = []
    try:
        for seed in (1, 2):
            service = await StudyService.open(db_path=db_target, content_dir=content_dir,
                                              migrations_dir=MIGRATIONS_DIR, clock=clock, rng=random.Random(seed))
            service.class_game.publisher = ConsolePublisher()
            opened.append(service)
        yield opened[0], opened[1]
    finally:
        for service in opened:
            await service.close()


def outbox(service: StudyService) -> list[str]:
    publisher = service.class_game.publisher
    assert isinstance(publisher, ConsolePublisher)
    return [reply.title for reply in publisher.outbox]


async def test_a_due_reveal_waits_while_the_job_is_held_and_then_runs_once(
        processes: tuple[StudyService, StudyService], db_target: DatabaseTarget, clock: FrozenClock) -> None:
    first, second = processes
    await first.class_game.start(TEACHER, count=2, seconds=10)
    clock.advance(timedelta(seconds=11))
    holder = first if isinstance(db_target, Path) else second  # SQLite: the lock of the one process
    async with holder.exclusive(DEADLINES_JOB) as held:
        assert held
        assert await first.class_game.run_due() == 0
    assert await first.class_game.next_deadline() is not None  # still due: nothing was revealed

    done = await asyncio.gather(first.class_game.run_due(), second.class_game.run_due())

    assert sorted(done) == [0, 1]
    assert await first.class_game.next_deadline() is None  # revealed; waiting for Next
    reveals = [title for service in processes for title in outbox(service) if title.endswith(": the answer")]
    assert reveals == ["Question 1 of 2: the answer"], [outbox(service) for service in processes]
