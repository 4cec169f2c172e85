"""PostgreSQL rows beside SQLite: the raw limit, the store, and the service in one and two processes.

Runs only when a server is configured (``STUDYBOT_BENCH_PG``, else ``STUDYBOT_TEST_PG``, a
``postgresql://`` URL); otherwise ``make bench`` says so and skips these rows. Each run works
in a scratch schema that is dropped afterwards.

* **raw** — asyncpg, one attempt-shaped ``INSERT`` per transaction on one connection: what
  a commit costs (the server's WAL flush) with none of the bot's bookkeeping.
* **store** and **service, 1 process** — the same runs as SQLite's (``benchmarks.answering``).
* **service, 2 processes** — two fresh processes, each with half the learners, on one
  database, started together: what sharding buys (or costs) on this machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from benchmarks.answering import AnswerRun, service_run
from benchmarks.raw_insert import _INSERT, _TABLE
from bot.core.progress.dialect import POSTGRESQL
from bot.core.progress.times import to_db_time

ENV_NAMES = ("STUDYBOT_BENCH_PG", "STUDYBOT_TEST_PG")
ROOT = Path(__file__).resolve().parent.parent


def configured_url() -> str | None:
    """The server to measure, if one is configured."""
    return next((os.environ[name].strip() for name in ENV_NAMES if os.environ.get(name, "").strip()), None)


@asynccontextmanager
async def scratch_schema(url: str) -> AsyncIterator[str]:
    """A fresh schema for one run; yields a URL that works in it, drops it afterwards."""
    schema = f"bench_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"CREATE SCHEMA {schema}")
        parts = urlsplit(url)
        query = [*parse_qsl(parts.query), ("search_path", schema)]
        yield urlunsplit(parts._replace(query=urlencode(query)))
    finally:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.close()


async def raw_per_second(url: str, rows: int) -> float:
    """Insert ``rows`` attempt-shaped rows, one transaction each, on one connection; rows/s."""
    async with scratch_schema(url) as scratch:
        conn = await asyncpg.connect(scratch)
        try:
            await conn.execute(_TABLE.replace("id INTEGER PRIMARY KEY", "id BIGSERIAL PRIMARY KEY"))
            insert = POSTGRESQL.sql(_INSERT)
            answered_at = to_db_time(datetime.now(UTC))
            started = time.perf_counter()
            for n in range(rows):
                await conn.execute(insert, n % 500, f"card-{n % 20}", "0123456789abcdef", "an answer",
                                   int(n % 3 != 0), 3, answered_at, 1500, f"session-{n // 20:06d}", n % 20)
            return rows / (time.perf_counter() - started)
        finally:
            await conn.close()


def service_in_processes(url: str, content_dir: Path, learners: int, cards: int, processes: int) -> AnswerRun:
    """Split ``learners`` over fresh processes on one database, start them together, merge their runs."""
    share = learners // processes
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "benchmarks.postgres", url, str(content_dir), str(share), str(cards),
             str(n * share), str(n)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for n in range(processes)
    ]
    for child in children:  # every service is open (migrated, content loaded) before anyone answers
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    merged = AnswerRun()
    for child in children:
        out, _ = child.communicate(timeout=600)
        if child.returncode != 0:
            raise RuntimeError(f"a benchmark process failed with status {child.returncode}")
        figures = json.loads(out)
        merged.answers += figures["answers"]
        merged.errors += figures["errors"]
        merged.wall = max(merged.wall, figures["wall"])
        merged.loop_cpu += figures["loop_cpu"]
        merged.process_cpu += figures["process_cpu"]
    return merged


async def _child(url: str, content_dir: Path, learners: int, cards: int, first: int, seed: int) -> None:
    """One of the processes: open the service, say ready, wait for "go", answer, print the figures."""

    async def ready_then_go() -> None:
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

    run = await service_run(url, content_dir, learners, cards, seed=seed, first_learner=first, when_open=ready_then_go)
    print(json.dumps({"answers": run.answers, "errors": run.errors, "wall": run.wall, "loop_cpu": run.loop_cpu,
                      "process_cpu": run.process_cpu}))


if __name__ == "__main__":
    asyncio.run(_child(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]),
                       int(sys.argv[6])))
