"""Numbered SQL migrations: applied in order, each atomically with its version bump.

A migration is ``migrations/NNNN_description.sql`` for SQLite and
``migrations/postgresql/NNNN_description.sql`` for PostgreSQL (the same numbers and names,
each in its engine's SQL). Each one runs in its own transaction together with its row in
``schema_migrations`` (name, SHA-256, time) and, on SQLite, ``PRAGMA user_version = N``, so a
failure leaves the database exactly at the previous version (PostgreSQL's DDL is
transactional too; its version is the ledger's highest row). ``executescript()`` is never
used: it commits before running, which would break that guarantee; statements are split with
``sqlite3.complete_statement`` (or, for PostgreSQL, a splitter that knows its quoting).
The rules and the ledger are this module's; each database only runs the transaction.

The bot refuses to start on a database newer than its migration files (an old bot must not
write a newer schema) or when an applied migration's file has changed since (the schema on
disk would no longer be the one the files describe).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.core.errors import MigrationError
from bot.core.progress.backend import Migration, StudyDatabase
from bot.core.progress.times import from_db_time

__all__ = ["AppliedMigration", "Migration", "MigrationStatus", "discover", "migrate", "migration_status"]

_FILE_NAME = re.compile(r"^(?P<version>\d{4})_(?P<description>[a-z0-9_]+)\.sql$")
_TRANSACTION_CONTROL = re.compile(
    r"^(?:--[^\n]*\n|\s)*(BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE
)
_COMMENT_LINE = re.compile(r"^\s*--.*$", re.MULTILINE)
_HASH_SHOWN = 12
_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    applied_at TEXT NOT NULL
)"""
_INSERT_LEDGER_ROW = "INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)"


@dataclass(frozen=True)
class AppliedMigration:
    """One row of ``schema_migrations``: what was applied, from which file contents, when."""

    version: int
    name: str
    sha256: str
    applied_at: datetime


@dataclass(frozen=True)
class MigrationStatus:
    """Where a database stands against the migration files (for ``studybot db status``).

    ``problems`` lists every reason :func:`migrate` would refuse to run; it is empty when the
    database can be migrated.
    """

    current_version: int
    latest_version: int
    applied: tuple[AppliedMigration, ...]
    pending: tuple[Migration, ...]
    problems: tuple[str, ...]


def discover(migrations_dir: Path) -> list[Migration]:
    """Read the migration files in version order, refusing gaps, duplicates and odd names."""
    found: dict[int, Migration] = {}
    for path in sorted(migrations_dir.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(
                f"Migration file {path.name} is not named NNNN_description.sql.",
                hint="use four digits, an underscore, then lower-case words joined by '_'",
            )
        version = int(match["version"])
        if version in found:
            raise MigrationError(
                f"Migrations {found[version].name} and {path.name} share version {version}."
            )
        raw = path.read_bytes()
        found[version] = Migration(
            version, path.name, raw.decode("utf-8"), hashlib.sha256(raw).hexdigest()
        )
    versions = sorted(found)
    if versions != list(range(1, len(versions) + 1)):
        missing = sorted(set(range(1, max(versions, default=0) + 1)) - set(versions))
        raise MigrationError(
            f"Migration numbering in {migrations_dir} has a gap: "
            f"version {missing[0]:04d} is missing.",
        )
    return [found[version] for version in versions]


def split_statements(sql: str) -> list[str]:
    """Cut a script into single statements, keeping trigger bodies (``BEGIN … END;``) whole."""
    statements: list[str] = []
    start = 0
    for index, char in enumerate(sql):
        if char == ";" and sqlite3.complete_statement(sql[start : index + 1]):
            statement = sql[start : index + 1].strip()
            if _COMMENT_LINE.sub("", statement).strip() != ";":
                statements.append(statement)
            start = index + 1
    if _COMMENT_LINE.sub("", sql[start:]).strip():
        raise ValueError("the script ends with an unterminated statement (missing ';')")
    return statements


def dialect_dir(db: StudyDatabase, migrations_dir: Path) -> Path:
    """The folder of ``db``'s own dialect under the migrations folder."""
    return migrations_dir / db.dialect.migrations_subdir


async def migration_status(db: StudyDatabase, migrations_dir: Path) -> MigrationStatus:
    """Compare the database with its dialect's migration files without changing either."""
    migrations = discover(dialect_dir(db, migrations_dir))
    current = await db.schema_version()
    applied = [
        AppliedMigration(row["version"], row["name"], row["sha256"], from_db_time(row["applied_at"]))
        for row in await db.ledger_rows()
    ]
    return _status(current, applied, migrations)


def check_expected(migration: Migration, found: int) -> None:
    """Refuse a migration whose predecessor is not the version found (someone else migrated meanwhile)."""
    if found != migration.version - 1:
        raise MigrationError(
            f"Migration {migration.name} expected the database at version "
            f"{migration.version - 1} but found {found}; another process is migrating it.",
        )


def migration_failed(migration: Migration, found: int, error: Exception) -> MigrationError:
    """What either engine says when a migration's statement fails (its transaction rolled back)."""
    return MigrationError(f"Migration {migration.name} failed and was rolled back: {error}.",
                          hint=f"the database is still at version {found}")


async def migrate(db: StudyDatabase, migrations_dir: Path) -> list[str]:
    """Apply every pending migration in order; return the names of those applied.

    Raises :class:`MigrationError`, with the database untouched, when the database is newer
    than the files or an applied file changed; and, with that one migration rolled back, when
    a migration's SQL fails.
    """
    async with db.migration_lock():  # several bot processes may start together on one PostgreSQL
        status = await migration_status(db, migrations_dir)
        if status.problems:
            raise MigrationError(
                " ".join(status.problems),
                hint="upgrade the bot, or restore the migration files it was built with",
            )
        for migration in status.pending:
            await _apply(db, migration)
    return [migration.name for migration in status.pending]


def _status(
    current: int, applied: list[AppliedMigration], migrations: list[Migration]
) -> MigrationStatus:
    """Work out pending migrations and every reason the database and files disagree."""
    latest = migrations[-1] if migrations else None
    latest_version = latest.version if latest else 0
    problems: list[str] = []
    if current > latest_version:
        known = f"{latest_version} ({latest.name})" if latest else "0 (no migration files)"
        problems.append(
            f"The database is at version {current} but this code only knows migrations up "
            f"to {known}; upgrade the bot or use the matching database."
        )
    by_version = {migration.version: migration for migration in migrations}
    for record in applied:
        file = by_version.get(record.version)
        if file is None:
            continue
        if file.name != record.name:
            problems.append(
                f"Migration {record.version} was applied as {record.name} but the file is "
                f"now {file.name}."
            )
        elif file.sha256 != record.sha256:
            problems.append(
                f"Migration {file.name} changed after it was applied (recorded sha256 "
                f"{record.sha256[:_HASH_SHOWN]}…, file now {file.sha256[:_HASH_SHOWN]}…); "
                "restore it and put the change in a new migration."
            )
    return MigrationStatus(
        current_version=current,
        latest_version=latest_version,
        applied=tuple(applied),
        pending=tuple(migration for migration in migrations if migration.version > current),
        problems=tuple(problems),
    )


async def _apply(db: StudyDatabase, migration: Migration) -> None:
    """Run one migration, its version bump and its ledger row as a single transaction."""
    try:
        statements = db.split_statements(migration.sql)
    except ValueError as error:
        raise MigrationError(f"Migration {migration.name} cannot be parsed: {error}.") from error
    for statement in statements:
        control = _TRANSACTION_CONTROL.match(statement)
        if control:
            raise MigrationError(
                f"Migration {migration.name} contains {control[1].upper()}; "
                "migrations must not manage transactions (each already runs in one).",
            )
    await db.apply_migration(migration, statements, (_CREATE_LEDGER, db.dialect.sql(_INSERT_LEDGER_ROW)))
