"""Open the database a setting names: an SQLite file, or a PostgreSQL server for a URL."""

from __future__ import annotations

from pathlib import Path

from bot.core.progress.backend import DatabaseTarget, StudyDatabase, is_postgres_url


async def open_database(target: DatabaseTarget, *, create: bool = True) -> StudyDatabase:
    """Open the SQLite file or connect to the PostgreSQL server ``target`` names.

    Without ``create`` a missing SQLite file is an error (a server's database is never created here).
    """
    if is_postgres_url(target):  # imported here: SQLite users never load the PostgreSQL driver
        from bot.core.progress.postgres import PostgresDatabase

        return await PostgresDatabase.open(str(target))
    from bot.core.progress.database import Database

    return await Database.open(Path(target), create=create)
