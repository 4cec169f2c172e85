"""Fixtures for the progress store: a migrated database on each backend, a frozen clock, the store.

``db`` runs every test that uses it twice: on an SQLite file in a temp dir and on a scratch
PostgreSQL schema (see ``tests/conftest.py``); ``sqlite_db`` is for tests of SQLite itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FrozenClock
from bot.core.progress.backend import DatabaseTarget, StudyDatabase
from bot.core.progress.database import Database
from bot.core.progress.migrations import migrate
from bot.core.progress.opening import open_database
from bot.core.progress.reports import ProgressReports
from bot.core.progress.scheduler import Scheduler
from bot.core.progress.store import ProgressStore
from bot.settings import MIGRATIONS_DIR

START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def db(db_target: DatabaseTarget) -> AsyncIterator[StudyDatabase]:
    database = await open_database(db_target)
    await migrate(database, MIGRATIONS_DIR)
    yield database
    await database.close()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "progress.sqlite3")
    await migrate(database, MIGRATIONS_DIR)
    yield database
    await database.close()


@pytest.fixture
def store(db: StudyDatabase, clock: FrozenClock) -> ProgressStore:
    return ProgressStore(db, clock, Scheduler())


@pytest.fixture
def reports(db: StudyDatabase, clock: FrozenClock) -> ProgressReports:
    return ProgressReports(db, clock, Scheduler())
