"""SIGKILL a process answering quiz cards through the study service, again and again, then audit.

This extends the progress store's crash test (tests/core/progress/test_crash_safety.py) to the full path a
learner's press takes: session lookup, grading, FSRS, attempt log and session position.
"""

from __future__ import annotations

import random
import signal
from pathlib import Path

import pytest

from bot.core.progress.backend import DatabaseTarget
from tests.conftest import FIXTURE_CONTENT
from tests.core.progress.test_crash_safety import acknowledged_lines, audit, read_tables

CHILD = Path(__file__).with_name("service_crash_child.py")
ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 12

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")


def run_and_kill(db_path: DatabaseTarget, seed: int, delay: float) -> set[tuple[str, int]]:
    """Start a learner process, kill it ``delay`` s after it is ready; return acknowledged answers."""
    lines = acknowledged_lines([str(CHILD), str(db_path), str(FIXTURE_CONTENT), str(seed)], delay)
    return {(session, int(position)) for session, position in (line.split() for line in lines)}


def test_killed_service_never_loses_an_acknowledged_answer(db_target: DatabaseTarget) -> None:
    rng = random.Random(7)
    slower = 1 if isinstance(db_target, Path) else 4  # each PostgreSQL commit waits for the server's fsync
    acknowledged: set[tuple[str, int]] = set()
    for seed in range(ROUNDS):
        acknowledged |= run_and_kill(db_target, seed, delay=slower * rng.uniform(0.05, 0.25))
        audit(db_target, set())  # sound database, no half-recorded answer, sessions match their attempts
        [stored] = read_tables(db_target, "SELECT session_id, position FROM attempts WHERE session_id IS NOT NULL")
        assert acknowledged <= set(stored)
    assert len(acknowledged) >= ROUNDS * 5
