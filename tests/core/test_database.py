from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.database import Database, from_db_time, to_db_time
from bot.core.errors import DatabaseBusyError, StudyError


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
