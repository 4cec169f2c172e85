"""What only PostgreSQL has: several processes on one database (locks, NOTIFY), pg_dump, its URLs."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.clock import system_clock
from bot.core.errors import StudyError
from bot.core.progress.backend import StudyDatabase
from bot.core.progress.bot_state import BotState
from bot.core.progress.coordination import run_once
from bot.core.progress.migrations import migrate
from bot.core.progress.postgres import PostgresDatabase, lock_key
from bot.core.progress.postgres_url import pg_dump_arguments, safe_url
from bot.settings import MIGRATIONS_DIR


@pytest.fixture
async def two(postgres_url: str) -> AsyncIterator[tuple[PostgresDatabase, PostgresDatabase]]:
    """Two independent pools on one database: what two bot processes see."""
    first, second = await PostgresDatabase.open(postgres_url), await PostgresDatabase.open(postgres_url)
    await migrate(first, MIGRATIONS_DIR)
    yield first, second
    await first.close()
    await second.close()


async def test_a_job_held_by_one_process_is_refused_to_the_other_until_released(
        two: tuple[PostgresDatabase, PostgresDatabase]) -> None:
    first, second = two
    async with first.exclusive("reminders:09:00") as mine:
        assert mine
        async with second.exclusive("reminders:09:00") as theirs, second.exclusive("game:7") as other_job:
            assert not theirs and other_job
    async with second.exclusive("reminders:09:00") as theirs_now:
        assert theirs_now


async def test_timed_work_runs_exactly_once_across_processes(two: tuple[PostgresDatabase, PostgresDatabase]) -> None:
    ran: list[str] = []

    async def fire(db: StudyDatabase, name: str) -> None:
        state = BotState(db, system_clock)

        async def work() -> None:  # re-read under the lock, do it, mark it done: the helper's rule
            if await state.get("deadline:game-7") is None:
                ran.append(name)
                await asyncio.sleep(0.01)
                await state.set("deadline:game-7", "done")

        await run_once(db, "deadline:game-7", work)

    await asyncio.gather(*(fire(db, f"{n}") for n in range(10) for db in two))
    assert len(ran) == 1


async def test_a_notice_published_by_one_process_reaches_the_other(
        two: tuple[PostgresDatabase, PostgresDatabase]) -> None:
    first, second = two
    heard: asyncio.Queue[str] = asyncio.Queue()

    async def listen(payload: str) -> None:
        await heard.put(payload)

    await second.subscribe("studybot_test", listen)
    await first.publish("studybot_test", "hello")
    assert await asyncio.wait_for(heard.get(), timeout=5) == "hello"


async def test_processes_starting_together_migrate_once(postgres_url: str) -> None:
    databases = [await PostgresDatabase.open(postgres_url) for _ in range(3)]
    try:
        applied = await asyncio.gather(*(migrate(db, MIGRATIONS_DIR) for db in databases))
    finally:
        for db in databases:
            await db.close()
    assert sorted(len(names) for names in applied) == [0, 0, len(list((MIGRATIONS_DIR / "postgresql").glob("*.sql")))]


@pytest.mark.skipif(shutil.which("pg_restore") is None, reason="needs pg_dump and pg_restore")
async def test_backup_is_a_pg_dump_that_pg_restore_reads(
        two: tuple[PostgresDatabase, PostgresDatabase], tmp_path: Path) -> None:
    first, _ = two
    await BotState(first, system_clock).set("k", "v")
    dest = tmp_path / "backups" / "studybot.dump"
    await first.backup(dest)
    restore = await asyncio.create_subprocess_exec("pg_restore", "--list", str(dest), stdout=asyncio.subprocess.PIPE)
    listing = (await restore.communicate())[0].decode()
    assert restore.returncode == 0
    assert "TABLE DATA" in listing and "bot_state" in listing and "attempts" in listing
    assert not dest.with_name(dest.name + ".partial").exists()


async def test_a_server_that_is_not_there_is_named_in_a_friendly_error() -> None:
    with pytest.raises(StudyError, match=r"Cannot connect to the PostgreSQL database postgresql://ann:\*\*\*@"):
        await PostgresDatabase.open("postgresql://ann:secret@127.0.0.1:9/none")


def test_urls_hide_passwords_and_pg_dump_gets_them_by_environment() -> None:
    url = "postgresql://ann:s3cret@db.example:5433/study?search_path=class_a&sslmode=require"
    assert safe_url(url) == "postgresql://ann:***@db.example:5433/study?search_path=class_a&sslmode=require"
    args, env = pg_dump_arguments(url)
    assert args == ["--dbname=postgresql://ann@db.example:5433/study?sslmode=require", "--schema=class_a"]
    assert env == {"PGPASSWORD": "s3cret"}
    assert safe_url("postgresql://ann@host/db") == "postgresql://ann@host/db"


def test_lock_keys_are_stable_signed_64_bit_numbers() -> None:
    assert lock_key("studybot:command-sync") == lock_key("studybot:command-sync")
    assert lock_key("a") != lock_key("b")
    assert all(-(2**63) <= lock_key(name) < 2**63 for name in ("a", "reminders:09:00", "x" * 500))


async def test_a_lost_listening_connection_is_reopened_and_hears_again(
        two: tuple[PostgresDatabase, PostgresDatabase]) -> None:
    first, second = two
    heard: asyncio.Queue[str] = asyncio.Queue()

    async def listen(payload: str) -> None:
        await heard.put(payload)

    await second.subscribe("studybot_test", listen)
    [listener_pid] = [row["pid"] for row in await first.fetch(
        "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()")]
    await first.fetch("SELECT pg_terminate_backend(?)", (listener_pid,))  # a server restart, as the listener sees it

    for _ in range(200):  # the reconnect is in the background; publish until it hears again
        await first.publish("studybot_test", "again")
        try:
            assert await asyncio.wait_for(heard.get(), timeout=0.05) == "again"
            return
        except TimeoutError:
            continue
    pytest.fail("the listening connection was not reopened")
