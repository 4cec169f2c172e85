"""The one database interface the store, its reports and bot state use, whichever engine serves.

Two implementations: :class:`~bot.core.progress.database.Database` (an SQLite file, the
embedded default) and :class:`~bot.core.progress.postgres.PostgresDatabase` (a shared
PostgreSQL server, for several bot processes). :func:`~bot.core.progress.opening.open_database` picks one from where
``STUDYBOT_DB`` or ``--db`` points: a ``postgresql://`` (or ``postgres://``) URL means
PostgreSQL, anything else is an SQLite file. Nothing above this package knows which it got.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bot.core.progress.dialect import Dialect
from bot.core.progress.postgres_url import safe_url
from bot.core.progress.steps import Row, Transaction

T = TypeVar("T")

POSTGRES_SCHEMES = ("postgresql://", "postgres://")

DatabaseTarget = Path | str
"""An SQLite file (a path) or a PostgreSQL URL (a string that :func:`is_postgres_url`)."""


def is_postgres_url(text: str | Path) -> bool:
    """Whether a database setting names a PostgreSQL server rather than an SQLite file."""
    return isinstance(text, str) and text.strip().lower().startswith(POSTGRES_SCHEMES)


def database_target(text: str) -> DatabaseTarget:
    """Read a ``--db`` / ``STUDYBOT_DB`` value: a PostgreSQL URL stays text, anything else is a path.

    A URL must never become a path: ``Path("postgresql://u@h/db")`` is the relative file
    ``postgresql:/u@h/db``, and SQLite would quietly create it.
    """
    text = text.strip()
    return text if is_postgres_url(text) else Path(text).expanduser()


@dataclass(frozen=True)
class Migration:
    """One migration file as found on disk (see :mod:`migrations`)."""

    version: int
    name: str
    sql: str
    sha256: str


def describe_target(target: DatabaseTarget) -> str:
    """A database setting as messages show it: the path, or the URL without its password."""
    return safe_url(target) if isinstance(target, str) else str(target)


class StudyDatabase(Protocol):
    """What the progress store, reports, bot state and migrations need from a database."""

    dialect: Dialect

    def describe(self) -> str:
        """The database as messages name it (a file path, or a URL without its password)."""

    async def fetch(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Every row of a read-only query (``?`` placeholders)."""

    async def lookup(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """The rows of a read by key (a few rows through an index): the engine's quickest way to one."""

    async def write(self, transaction: Transaction[T], *, bulk: bool = False) -> T:
        """Run one transaction's steps; all of it is kept, or (when it raises) none of it.

        ``bulk`` marks one that may touch many rows (a reload's reset, a class question's
        answers): an engine that runs small writes on the event loop's thread runs it elsewhere.
        """

    async def close(self) -> None:
        """Finish writes in progress and close every connection."""

    async def backup(self, dest: Path) -> None:
        """Write a consistent copy of the live database to ``dest`` (never over the live one)."""

    def exclusive(self, name: str) -> AbstractAsyncContextManager[bool]:
        """Try to hold the job ``name`` across every process on this database; yields whether we do.

        Never waits: a process that gets ``False`` leaves the job to the holder.
        """

    async def publish(self, channel: str, payload: str) -> None:
        """Tell every process listening on ``channel`` (this one included) ``payload``."""

    async def subscribe(self, channel: str, callback: Callable[[str], Coroutine[Any, Any, None]]) -> None:
        """Call ``callback(payload)`` for everything later published on ``channel``."""

    def migration_lock(self) -> AbstractAsyncContextManager[None]:
        """Keep other processes from migrating while this one checks and migrates."""

    async def schema_version(self) -> int:
        """The version of the last migration applied (0 for an empty database)."""

    async def ledger_rows(self) -> list[Row]:
        """``schema_migrations`` (version, name, sha256, applied_at) in version order."""

    def split_statements(self, sql: str) -> list[str]:
        """Cut a migration script into statements as this engine parses them."""

    async def apply_migration(self, migration: Migration, statements: list[str], ledger: tuple[str, str]) -> None:
        """Run the statements, create the ledger if needed and insert its row, in one transaction."""
