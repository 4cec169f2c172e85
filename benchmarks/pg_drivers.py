"""How asyncpg was chosen: the same answer-shaped work through asyncpg and psycopg 3, side by side.

``python -m benchmarks.pg_drivers postgresql://user:pw@host/db [TASKS]`` (psycopg is not a
dependency: ``pip install "psycopg[binary,pool]"`` first). For each driver, twice,
interleaved: a single-row insert-and-commit loop, then 3,000 answer-shaped transactions (lock
the session, read the card state, insert the attempt, upsert the state, advance the session)
from TASKS concurrent tasks (default 32; 1 gives the round trip) over a pool of 8, with
their rate, p99 and the client CPU the whole run used. Scratch tables are created in the
database and dropped at the end.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable

import asyncpg

ROWS = 3000
POOL = 8
SETUP = """DROP TABLE IF EXISTS bench_raw, bench_sessions, bench_states, bench_attempts;
CREATE TABLE bench_raw (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE bench_sessions (id TEXT PRIMARY KEY, position INT NOT NULL);
CREATE TABLE bench_states (learner INT, card TEXT, due TEXT, PRIMARY KEY (learner, card));
CREATE TABLE bench_attempts (id BIGSERIAL PRIMARY KEY, session TEXT, position INT, learner INT, card TEXT,
                             at TEXT, UNIQUE (session, position));"""
TEARDOWN = "DROP TABLE bench_raw, bench_sessions, bench_states, bench_attempts"
ANSWER = [
    "SELECT position FROM bench_sessions WHERE id = {0} FOR UPDATE",
    "SELECT due FROM bench_states WHERE learner = {0} AND card = {1}",
    "INSERT INTO bench_attempts (session, position, learner, card, at) VALUES ({0}, {1}, {2}, {3}, {4}) RETURNING id",
    "INSERT INTO bench_states VALUES ({0}, {1}, {2}) ON CONFLICT (learner, card) DO UPDATE SET due = excluded.due",
    "UPDATE bench_sessions SET position = position + 1 WHERE id = {0} RETURNING position",
]
Answer = Callable[[int], Awaitable[None]]


def _sql(statement: str, style: str) -> str:
    marks = [f"${n}" for n in range(1, 6)] if style == "$" else ["%s"] * 5
    return statement.format(*marks)


async def _measure(setup: Callable[[], Awaitable[float]], answer: Answer, tasks: int) -> tuple[float, float, float]:
    raw = await setup()
    latencies: list[float] = []

    async def worker(task: int) -> None:
        for _ in range(ROWS // tasks):
            started = time.perf_counter()
            await answer(task)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker(task) for task in range(tasks)))
    rate = len(latencies) / (time.perf_counter() - started)
    return raw, rate, sorted(latencies)[int(len(latencies) * 0.99)] * 1000


async def with_asyncpg(url: str, tasks: int) -> tuple[float, float, float]:
    pool = await asyncpg.create_pool(url, min_size=POOL, max_size=POOL)
    sql = [_sql(statement, "$") for statement in ANSWER]

    async def setup() -> float:
        async with pool.acquire() as conn:
            await conn.execute(SETUP)
            await conn.executemany("INSERT INTO bench_sessions VALUES ($1, 0)", [(f"s{n}",) for n in range(tasks)])
            started = time.perf_counter()
            for _ in range(ROWS):
                await conn.execute("INSERT INTO bench_raw (v) VALUES ($1)", "x")
            return ROWS / (time.perf_counter() - started)

    async def answer(task: int) -> None:
        async with pool.acquire() as conn, conn.transaction():
            position = await conn.fetchval(sql[0], f"s{task}")
            await conn.fetchrow(sql[1], task, "c")
            await conn.fetchval(sql[2], f"s{task}", position, task, "c", "t")
            await conn.execute(sql[3], task, "c", "t")
            await conn.fetchval(sql[4], f"s{task}")

    try:
        return await _measure(setup, answer, tasks)
    finally:
        await pool.execute(TEARDOWN)
        await pool.close()


async def with_psycopg(url: str, tasks: int) -> tuple[float, float, float]:
    import psycopg_pool  # not a dependency of the bot

    pool = psycopg_pool.AsyncConnectionPool(url, min_size=POOL, max_size=POOL, open=False)
    await pool.open()
    sql = [_sql(statement, "%") for statement in ANSWER]

    async def setup() -> float:
        async with pool.connection() as conn:
            await conn.set_autocommit(True)
            await conn.execute(SETUP)
            async with conn.cursor() as cursor:
                sessions = [(f"s{n}",) for n in range(tasks)]
                await cursor.executemany("INSERT INTO bench_sessions VALUES (%s, 0)", sessions)
            started = time.perf_counter()
            for _ in range(ROWS):
                await conn.execute("INSERT INTO bench_raw (v) VALUES (%s)", ("x",))
            await conn.set_autocommit(False)
            return ROWS / (time.perf_counter() - started)

    async def answer(task: int) -> None:
        async with pool.connection() as conn:  # one transaction, committed on exit
            position = await (await conn.execute(sql[0], (f"s{task}",))).fetchone()
            await (await conn.execute(sql[1], (task, "c"))).fetchone()
            await (await conn.execute(sql[2], (f"s{task}", position[0] if position else 0, task, "c", "t"))).fetchone()
            await conn.execute(sql[3], (task, "c", "t"))
            await (await conn.execute(sql[4], (f"s{task}",))).fetchone()

    try:
        return await _measure(setup, answer, tasks)
    finally:
        async with pool.connection() as conn:
            await conn.execute(TEARDOWN)
        await pool.close()


async def main(url: str, tasks: int) -> None:
    for name, run in (("asyncpg", with_asyncpg), ("psycopg3", with_psycopg)) * 2:
        cpu = time.process_time()
        raw, rate, p99 = await run(url, tasks)
        print(f"{name:9} insert+commit {raw:6.0f} rows/s | answer-shaped tx {rate:5.0f}/s, p99 {p99:5.1f} ms"
              f" | client CPU {time.process_time() - cpu:.2f} s")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 32))
