"""SIGKILL a process that is recording answers, again and again, then audit the database."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from collections import Counter, defaultdict
from contextlib import closing, suppress
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.core.progress.backend import DatabaseTarget
from tests.postgres_helpers import run_sync

CHILD = Path(__file__).with_name("crash_child.py")
ROOT = Path(__file__).resolve().parents[3]  # the project root: children import this tree's bot package
ROUNDS = 24

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")


def acknowledged_lines(args: list[str], delay: float) -> list[str]:
    """Start a child, SIGKILL it ``delay`` seconds after it prints "ready"; return its whole lines."""
    child = subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None
        ready = child.stdout.readline()
        if ready == "ready\n":
            with suppress(subprocess.TimeoutExpired):  # the wait is the random moment to strike
                child.wait(timeout=delay)
    finally:
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=30)
    assert ready == "ready\n" and child.returncode == -signal.SIGKILL, err
    # a line is an acknowledgement only if it was written whole
    return [line for line in out.splitlines(keepends=True) if line.endswith("\n")]


def run_and_kill(db_target: DatabaseTarget, seed: int, delay: float) -> set[int]:
    """Start a recorder, kill it ``delay`` seconds after it is ready; return the ids it acknowledged."""
    return {int(line) for line in acknowledged_lines([str(CHILD), str(db_target), str(seed)], delay)}


def read_tables(db_target: DatabaseTarget, *queries: str) -> list[list[tuple[Any, ...]]]:
    """Rows of each query, read as an outsider: sqlite3 on the file (after an integrity check), or asyncpg."""
    if isinstance(db_target, Path):
        with closing(sqlite3.connect(db_target)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            return [conn.execute(query).fetchall() for query in queries]

    async def fetch() -> list[list[tuple[Any, ...]]]:
        conn = await asyncpg.connect(db_target)
        try:
            return [[tuple(row.values()) for row in await conn.fetch(query)] for query in queries]
        finally:
            await conn.close()

    result: list[list[tuple[Any, ...]]] = run_sync(fetch())
    return result


def audit(db_target: DatabaseTarget, acknowledged: set[int]) -> int:
    """Check the database is sound, nothing acknowledged was lost, and no answer is half-written."""
    attempts, states, sessions = read_tables(
        db_target,
        "SELECT id, learner_id, card_id, answered_at, session_id, position, correct FROM attempts",
        "SELECT learner_id, card_id, reps, last_review FROM card_states",
        "SELECT id, position, answered, score FROM quiz_sessions",
    )

    assert acknowledged <= {row[0] for row in attempts}

    # every attempt moved its card state on, and every card state is backed by its attempts
    per_card: dict[tuple[int, str], tuple[int, str]] = {}
    for _, learner_id, card_id, answered_at, *_ in attempts:
        count, last = per_card.get((learner_id, card_id), (0, ""))
        per_card[learner_id, card_id] = (count + 1, max(last, answered_at))
    assert {(learner, card): (reps, last) for learner, card, reps, last in states} == per_card

    # every session attempt advanced its session, and every session advance has its attempt
    answered: Counter[str] = Counter()
    score: Counter[str] = Counter()
    positions: defaultdict[str, set[int]] = defaultdict(set)
    for _, _, _, _, session_id, position, correct in attempts:
        if session_id is not None:
            answered[session_id] += 1
            score[session_id] += correct
            positions[session_id].add(position)
    for session_id, position, answered_count, session_score in sessions:
        assert position == answered_count == answered[session_id], session_id
        assert session_score == score[session_id], session_id
        assert positions[session_id] == set(range(position)), session_id
    return len(attempts)


def test_killed_recorder_never_loses_an_acknowledged_answer_or_leaves_half_of_one(db_target: DatabaseTarget) -> None:
    db_path = db_target
    rng = random.Random(20240501)
    acknowledged: set[int] = set()
    recorded = 0
    for round_number in range(ROUNDS):
        acknowledged |= run_and_kill(db_path, seed=round_number, delay=rng.uniform(0.0, 0.12))
        recorded = audit(db_path, acknowledged)
    assert len(acknowledged) >= ROUNDS  # the children really were writing when killed
    assert recorded >= len(acknowledged)
