"""Crash-test child for the whole service path: answers quiz cards until killed.

Run by ``test_service_crash.py`` as ``python service_crash_child.py DB CONTENT_DIR SEED`` (DB: an
SQLite file or a PostgreSQL URL).
After each answer the service acknowledged (returned its feedback), it prints
``session_id position``; the parent SIGKILLs it at a random moment and then demands that every
acknowledged answer is in the database and that nothing is half-recorded.
"""

from __future__ import annotations

import asyncio
import random
import sys
from pathlib import Path

from bot.core.errors import StudyError
from bot.core.presentation.actions import decode
from bot.core.presentation.replies import Reply
from bot.core.progress.backend import DatabaseTarget, database_target
from bot.core.service.study_service import Actor, StudyService
from bot.settings import MIGRATIONS_DIR


async def answer(service: StudyService, actor: Actor, reply: Reply, rng: random.Random) -> Reply:
    """Answer the card on screen like a learner would: a button, a typed answer or a self-rating."""
    if reply.prompt is not None:
        return await service.submit(actor, reply.prompt.action, rng.choice(["Toshiba", "Sony"]))
    first = reply.buttons[0]
    if first.label == "Show answer":
        revealed = await service.press(actor, first.action)
        return await service.press(actor, rng.choice(revealed.buttons).action)
    options = [b for b in reply.buttons if b.label != "End"]
    return await service.press(actor, rng.choice(options).action)


async def study_forever(db_path: DatabaseTarget, content_dir: Path, seed: int) -> None:
    rng = random.Random(seed)
    service = await StudyService.open(db_path=db_path, content_dir=content_dir, migrations_dir=MIGRATIONS_DIR,
                                      rng=rng)
    print("ready", flush=True)
    while True:
        actor = Actor("guild:1", str(rng.randrange(4)), f"Learner {rng.randrange(9)}")
        reply = await service.start_quiz(actor, count=5)
        if reply.title.startswith("You have"):  # a round this learner left open (or a killed run's)
            reply = await service.press(actor, reply.buttons[-1].action)  # Start over
        while (reply.buttons and " finished: " not in reply.title
               and reply.buttons[0].label not in ("Next", "See results")):
            shown = decode(reply.buttons[0].action)
            try:
                reply = await answer(service, actor, reply, rng)
            except StudyError:  # another process (same learner) started over on this round: a new one
                break
            if reply.title.startswith(("Correct", "Not quite")):
                print(shown.args[0], shown.args[1], flush=True)
                reply = await service.press(actor, reply.buttons[-1].action)
            elif reply.title.startswith(("Quiz", "Review")):  # a rated flashcard moves straight on
                print(shown.args[0], shown.args[1], flush=True)


if __name__ == "__main__":
    asyncio.run(study_forever(database_target(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])))
