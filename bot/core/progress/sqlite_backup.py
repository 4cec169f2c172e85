"""Backups of the live SQLite file: SQLite's backup API, an integrity check, then a rename.

The copy is written next to the destination and only renamed into place once
``PRAGMA integrity_check`` says ``ok``, so a failed backup never replaces a good one; whatever
fails, the scratch copy is removed. Names that SQLite uses for its own files beside a
database, and the live file itself, are refused.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite

from bot.core.errors import StudyError
from bot.core.progress.database_faults import faults_explained
from bot.core.progress.sqlite_connections import await_connection

_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
"""Suffixes of the files SQLite keeps beside a database; a backup written there is lost or corrupts it."""


async def backup_database(reader: aiosqlite.Connection, live: Path, dest: Path) -> None:
    """Copy the database ``reader`` reads (the file ``live``) to ``dest`` and prove the copy is sound."""
    partial = await asyncio.to_thread(_prepare_backup_file, live, dest)
    try:
        with faults_explained():  # the source damaged, or the disk full
            copy = await await_connection(aiosqlite.connect(partial))
            try:
                await reader.backup(copy)
                verdict = [str(row[0]) for row in await copy.execute_fetchall("PRAGMA integrity_check")]
            finally:
                await copy.close()
        if verdict != ["ok"]:
            raise StudyError(
                "The backup copy failed its integrity check and was discarded.",
                hint="; ".join(verdict[:5]),
            )
        partial.replace(dest)
    except (OSError, sqlite3.Error) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise StudyError(f"Cannot write the backup to {dest}: {reason}.") from error
    finally:
        partial.unlink(missing_ok=True)


def _prepare_backup_file(live: Path, dest: Path) -> Path:
    """Refuse targets that would lose or corrupt data and return a fresh scratch path beside ``dest``."""
    if dest.resolve() == live.resolve():
        raise StudyError("A backup cannot overwrite the live database.", hint=str(dest))
    if dest.name.endswith(_SQLITE_SIDE_FILES):
        raise StudyError(
            f"A backup cannot be written to {dest.name}: SQLite keeps its own journal files under names "
            f"ending in {', '.join(_SQLITE_SIDE_FILES)} and would delete or misread it.",
            hint="choose a name such as studybot-backup.sqlite3",
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    return partial
