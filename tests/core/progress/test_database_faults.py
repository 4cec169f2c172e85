"""Faults of the database file itself, on real files: deleted, replaced, damaged, full."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.core.errors import DatabaseUnusableError
from bot.core.progress.database import Database


def _insert(value: int):
    def work(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (?)", (value,))

    return work


@pytest.fixture
async def live(tmp_path: Path):
    database = await Database.open(tmp_path / "live.sqlite3")
    async with database.transaction() as conn:
        await conn.execute("CREATE TABLE t (x)")
    await database.run_in_writer(_insert(1))
    yield database
    await database.close()


def _rows(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT x FROM t ORDER BY rowid")]


async def test_no_write_is_acknowledged_after_the_file_is_deleted(live: Database) -> None:
    os.unlink(live.path)

    with pytest.raises(DatabaseUnusableError, match="was deleted while the bot was running") as caught:
        await live.run_in_writer(_insert(2))
    assert "stopped and started again" in str(caught.value)
    with pytest.raises(DatabaseUnusableError, match="deleted"):
        async with live.transaction() as conn:
            await conn.execute("INSERT INTO t VALUES (3)")


async def test_no_write_is_acknowledged_after_a_backup_is_moved_over_the_file(live: Database, tmp_path: Path) -> None:
    backup = tmp_path / "backup.sqlite3"
    await live.backup(backup)
    os.replace(backup, live.path)  # `mv backup live` while the bot runs

    with pytest.raises(DatabaseUnusableError, match="was replaced by another file"):
        await live.run_in_writer(_insert(2))
    assert _rows(live.path) == [1]


async def test_a_file_replaced_during_a_transaction_is_not_acknowledged(live: Database, tmp_path: Path) -> None:
    shutil.copy(live.path, tmp_path / "other.sqlite3")
    with pytest.raises(DatabaseUnusableError, match="replaced"):
        async with live.transaction() as conn:
            await conn.execute("INSERT INTO t VALUES (2)")
            os.replace(tmp_path / "other.sqlite3", live.path)


async def test_the_same_file_put_back_in_place_is_written_again(live: Database, tmp_path: Path) -> None:
    os.rename(live.path, tmp_path / "aside.sqlite3")
    with pytest.raises(DatabaseUnusableError):
        await live.run_in_writer(_insert(2))
    os.rename(tmp_path / "aside.sqlite3", live.path)
    await live.run_in_writer(_insert(3))
    async with live.read() as conn:
        assert [row[0] for row in await conn.execute_fetchall("SELECT x FROM t ORDER BY rowid")] == [1, 3]


async def test_a_full_disk_is_said_in_plain_words(live: Database) -> None:
    def big(conn: sqlite3.Connection) -> None:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own size cap: past it, SQLITE_FULL
        conn.execute("INSERT INTO t VALUES (?)", (b"x" * 100_000,))

    with pytest.raises(DatabaseUnusableError, match="disk is full") as caught:
        await live.run_in_writer(big)
    assert "tell an instructor" in str(caught.value)
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    await live.run_in_writer(_insert(2))  # small writes that fit still go through
    assert _rows(live.path) == [1, 2]


def _build(path: Path, rows: int) -> int:
    """A database with one table of ``rows`` rows spread over many pages; returns its root page."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", ((f"row {n} " * 40,) for n in range(rows)))
        root = conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = 't'").fetchone()[0]
    conn.close()
    return int(root)


def _overwrite_pages(path: Path, first: int, count: int) -> None:
    with path.open("r+b") as file:
        file.seek(4096 * (first - 1))
        file.write(b"\x5a" * 4096 * count)


async def test_a_damaged_file_is_refused_at_open_with_a_restore_hint(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite3"
    root = _build(path, 2000)
    _overwrite_pages(path, root + 1, 4)

    with pytest.raises(DatabaseUnusableError, match=f"The database {path} is damaged") as caught:
        await Database.open(path)
    assert "restore the latest backup" in str(caught.value)


async def test_damage_found_while_running_is_one_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite3"
    root = _build(path, 2000)
    database = await Database.open(path)
    try:
        _overwrite_pages(path, root, 1)  # the table's root page, under a running bot
        with pytest.raises(DatabaseUnusableError, match="database is damaged") as caught:
            async with database.read() as conn:
                await conn.execute_fetchall("SELECT count(*) FROM t")
        assert "malformed" in str(caught.value.__cause__)
    finally:
        await database.close()
