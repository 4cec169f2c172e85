from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import DatabaseBusyError, StudyError
from bot.core.progress.database import Database, from_db_time, to_db_time
from bot.core.progress.steps import rows_of

pytestmark = pytest.mark.sqlite_only  # the SQLite layer itself: its writer thread, group commit, locks, backups


async def test_both_connections_get_the_safety_pragmas(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "nested" / "new.sqlite3")
    try:
        async with database.transaction() as writer, database.read() as reader:
            for conn in (writer, reader):
                values = []
                for pragma in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout"):
                    async with conn.execute(f"PRAGMA {pragma}") as cursor:
                        values.append((await cursor.fetchone())[0])
                assert values == ["wal", 1, 1, 5000]
    finally:
        await database.close()


async def test_transaction_commits_and_reader_sees_it(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (x INTEGER)")
        await conn.execute("INSERT INTO t VALUES (1)")
    async with db.read() as conn, conn.execute("SELECT x FROM t") as cursor:
        assert [row["x"] for row in await cursor.fetchall()] == [1]


async def test_exception_rolls_back_everything_in_the_block(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("boom")
    async with db.transaction() as conn:
        assert not (await conn.execute_fetchall("SELECT x FROM t"))


async def test_reader_cannot_write(db: Database) -> None:
    async with db.read() as conn:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await conn.execute("CREATE TABLE t (x INTEGER)")


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


async def test_a_lookup_runs_on_the_loops_thread_and_sees_every_commit(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    for value in range(3):
        await db.write(lambda _dialect, v=value: rows_of("INSERT INTO t VALUES (?)", (v,)))
        # No hop: the lookup is answered before this task ever yields to the loop.
        pending = asyncio.ensure_future(db.lookup("SELECT x FROM t WHERE x = ?", (value,)))
        assert not pending.done()
        await asyncio.sleep(0)
        assert pending.done() and [row["x"] for row in pending.result()] == [value]


async def test_a_lookup_cannot_write(db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only"):
        await db.lookup("CREATE TABLE t (x INTEGER)")


async def test_a_lookup_sqlite_would_have_to_wait_for_goes_to_the_reader_thread(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (x INTEGER)")
        await conn.execute("INSERT INTO t VALUES (7)")
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = sqlite3.SQLITE_BUSY  # type: ignore[attr-defined]

    class Locked:
        def execute(self, *_: object) -> None:
            raise busy

    monkeypatch.setattr(db._loop, "_lookups", Locked())
    assert [row["x"] for row in await db.lookup("SELECT x FROM t")] == [7]


async def test_lock_held_past_one_retry_becomes_a_friendly_busy_error(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "db.sqlite3", busy_timeout_ms=50)
    holder = _hold_write_lock(database.path)
    try:
        with pytest.raises(DatabaseBusyError, match="busy right now") as caught:
            async with database.transaction():
                pass
        assert isinstance(caught.value, StudyError)
    finally:
        holder.rollback()
        holder.close()
        await database.close()


async def test_lock_released_during_the_retry_lets_the_write_through(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "db.sqlite3", busy_timeout_ms=200)
    holder = _hold_write_lock(database.path)
    release = threading.Timer(0.3, holder.commit)  # after the first 200 ms wait, before the second ends
    release.start()
    try:
        async with database.transaction() as conn:
            await conn.execute("CREATE TABLE t (x INTEGER)")
    finally:
        release.join()
        holder.close()
        await database.close()


async def test_backup_is_a_sound_copy(db: Database, tmp_path: Path) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (x INTEGER)")
        await conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(100)])
    dest = tmp_path / "backups" / "copy.sqlite3"
    await db.backup(dest)
    with sqlite3.connect(dest) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("SELECT count(*) FROM t").fetchone() == (100,)
    assert not dest.with_name(dest.name + ".partial").exists()


async def test_backup_refuses_to_overwrite_the_live_file(db: Database) -> None:
    with pytest.raises(StudyError, match="live database"):
        await db.backup(db.path)


def test_times_round_trip_as_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    moment = datetime(2024, 5, 1, 18, 30, 15, 123456, tzinfo=tokyo)
    assert to_db_time(moment) == "2024-05-01T09:30:15.123456Z"
    assert from_db_time(to_db_time(moment)) == moment
    assert from_db_time(to_db_time(moment)).tzinfo is UTC


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_db_time(datetime(2024, 5, 1))


@given(st.datetimes(timezones=st.just(UTC)), st.datetimes(timezones=st.just(UTC)))
def test_text_order_is_time_order(first: datetime, second: datetime) -> None:
    assert (to_db_time(first) < to_db_time(second)) == (first < second)


# Writes (run_in_writer): on the loop's thread, or the writer's when another process holds the lock


def _insert(value: int, *, then_fail: bool = False) -> Callable[[sqlite3.Connection], int]:
    def work(conn: sqlite3.Connection) -> int:
        conn.execute("INSERT INTO t VALUES (?)", (value,))
        if then_fail:
            raise RuntimeError(f"boom after {value}")
        return threading.get_ident()

    return work


async def _values(db: Database) -> list[int]:
    async with db.read() as conn:
        return [row[0] for row in await conn.execute_fetchall("SELECT x FROM t ORDER BY rowid")]


async def _commits_during(db: Database, block: Awaitable[object]) -> tuple[object, int]:
    """Run ``block`` and count the COMMITs of every connection."""
    statements: list[str] = []
    await db.set_trace_callback(statements.append)
    try:
        outcome = await block
    finally:
        await db.set_trace_callback(None)
    return outcome, sum(sql == "COMMIT" for sql in statements)


async def test_a_write_runs_on_the_loops_thread_when_the_lock_is_free(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (x INTEGER)")
    thread = await db.run_in_writer(_insert(1))
    assert thread == threading.get_ident()
    assert await _values(db) == [1]


@asynccontextmanager
async def _database_with_table(tmp_path: Path, busy_timeout_ms: int) -> AsyncIterator[Database]:
    """A database of the test's own, with its busy timeout, holding the empty table t that _insert fills."""
    database = await Database.open(tmp_path / "db.sqlite3", busy_timeout_ms=busy_timeout_ms)
    try:
        async with database.transaction() as conn:
            await conn.execute("CREATE TABLE t (x INTEGER)")
        yield database
    finally:
        await database.close()


async def test_a_write_meeting_a_held_lock_waits_on_the_writers_thread_while_the_loop_serves(tmp_path: Path) -> None:
    async with _database_with_table(tmp_path, busy_timeout_ms=2000) as database:
        holder = _hold_write_lock(database.path)
        try:
            write = asyncio.ensure_future(database.run_in_writer(_insert(5)))
            await asyncio.sleep(0.1)  # the loop runs on while the write waits for the lock
            assert not write.done()
            assert [row["n"] for row in await database.lookup("SELECT count(*) AS n FROM t")] == [0]
        finally:
            holder.commit()
            holder.close()
        assert await write != threading.get_ident()
        assert await _values(database) == [5]


async def test_queued_writes_commit_together_in_order_and_a_failing_one_is_undone_alone(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (x INTEGER)")
    block = asyncio.gather(
        *(db.run_in_writer(_insert(n, then_fail=n == 3)) for n in range(1, 6)), return_exceptions=True
    )
    outcomes, commits = await _commits_during(db, block)
    assert isinstance(outcomes, list) and [type(o) for o in outcomes] == [int, int, RuntimeError, int, int]
    assert commits == 1
    assert await _values(db) == [1, 2, 4, 5]


async def test_a_write_that_ends_the_transaction_takes_the_earlier_ones_with_it(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (x INTEGER)")

    def abort(conn: sqlite3.Connection) -> None:  # stands in for an I/O error SQLite rolls back on
        conn.execute("ROLLBACK")
        raise sqlite3.OperationalError("disk I/O error")

    outcomes = await asyncio.gather(
        db.run_in_writer(_insert(1)), db.run_in_writer(abort), db.run_in_writer(_insert(3)), return_exceptions=True
    )
    assert [type(o) for o in outcomes] == [sqlite3.OperationalError, sqlite3.OperationalError, int]
    assert await _values(db) == [3]


async def test_queued_writes_meeting_a_held_lock_all_fail_and_none_is_kept(tmp_path: Path) -> None:
    async with _database_with_table(tmp_path, busy_timeout_ms=50) as database:
        holder = _hold_write_lock(database.path)
        try:
            outcomes = await asyncio.gather(*(database.run_in_writer(_insert(n)) for n in range(3)),
                                            return_exceptions=True)
        finally:
            holder.rollback()
            holder.close()
        assert all(isinstance(o, DatabaseBusyError) for o in outcomes)
        assert await _values(database) == []
        await database.run_in_writer(_insert(7))
        assert await _values(database) == [7]


async def test_a_bulk_write_runs_on_the_writers_thread_with_the_writes_batched_beside_it(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (x INTEGER)")
    threads = await asyncio.gather(db.run_in_writer(_insert(1)), db.run_in_writer(_insert(2), bulk=True))
    assert threads[0] == threads[1] != threading.get_ident()
    assert await db.run_in_writer(_insert(3)) == threading.get_ident()  # the next small one is back on the loop
    assert await _values(db) == [1, 2, 3]
