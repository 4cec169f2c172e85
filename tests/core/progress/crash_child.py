"""Crash-test child: records answers until killed, printing each attempt id once committed.

Run by ``test_crash_safety.py`` as ``python crash_child.py DB SEED`` (an SQLite file or a
PostgreSQL URL). A printed id is an
acknowledgement: the parent may SIGKILL this process at any moment and then demands that
every printed id survived and that no answer was half-written.
"""

from __future__ import annotations

import asyncio
import random
import sys

from bot.core.clock import system_clock
from bot.core.progress.backend import DatabaseTarget, database_target
from bot.core.progress.migrations import migrate
from bot.core.progress.opening import open_database
from bot.core.progress.records import AnswerInput
from bot.core.progress.scheduler import Scheduler
from bot.core.progress.store import ProgressStore
from bot.settings import MIGRATIONS_DIR

CARDS = [f"card-{n}" for n in range(6)]


async def record_forever(db_target: DatabaseTarget, seed: int) -> None:
    rng = random.Random(seed)
    db = await open_database(db_target)
    await migrate(db, MIGRATIONS_DIR)
    store = ProgressStore(db, system_clock, Scheduler())
    print("ready", flush=True)
    while True:
        learner_id = await store.upsert_learner("guild:1", str(rng.randrange(4)), f"Learner {rng.randrange(50)}")
        deck = rng.sample(CARDS, 4)
        session = await store.create_session(learner_id, "quiz", None, deck) if rng.random() < 0.8 else None
        for position, card_id in enumerate(deck):
            correct = rng.random() < 0.7
            result = await store.record_answer(
                AnswerInput(
                    learner_id=learner_id,
                    card_id=card_id,
                    card_hash="v1",
                    response="right" if correct else "wrong",
                    correct=correct,
                    rating=3 if correct else 1,
                    response_ms=rng.randrange(10_000),
                    session_id=session.id if session else None,
                    position=position if session else None,
                )
            )
            print(result.attempt_id, flush=True)


if __name__ == "__main__":
    asyncio.run(record_forever(database_target(sys.argv[1]), int(sys.argv[2])))
