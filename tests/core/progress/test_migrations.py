from __future__ import annotations

import hashlib
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.core.errors import MigrationError
from bot.core.progress.backend import DatabaseTarget, StudyDatabase, is_postgres_url
from bot.core.progress.migrations import discover, migrate, migration_status, split_statements
from bot.core.progress.opening import open_database
from bot.core.progress.postgres import split_statements as split_postgres
from bot.settings import MIGRATIONS_DIR

MakeMigrations = Callable[..., Path]
SHIPPED = [m.name for m in discover(MIGRATIONS_DIR)]
SHIPPED_POSTGRES = [m.name for m in discover(MIGRATIONS_DIR / "postgresql")]
LATEST = len(SHIPPED)
N1, N2 = f"{LATEST + 1:04d}", f"{LATEST + 2:04d}"
"""Extra migrations in these tests come after the shipped ones, whatever their number."""


@pytest.fixture
def make_migrations(tmp_path: Path, db_target: DatabaseTarget) -> MakeMigrations:
    """Build a migrations dir: the shipped files plus extra ``name=sql`` files in the backend's dialect folder."""

    def build(folder: str = "migrations", **extra: str) -> Path:
        target = tmp_path / folder
        shutil.copytree(MIGRATIONS_DIR, target)
        dialect_folder = target / "postgresql" if is_postgres_url(db_target) else target
        for name, sql in extra.items():
            (dialect_folder / f"{name}.sql").write_text(sql, encoding="utf-8")
        return target

    return build


@pytest.fixture
async def fresh_db(db_target: DatabaseTarget) -> AsyncIterator[StudyDatabase]:
    database = await open_database(db_target)
    yield database
    await database.close()


async def tables(db: StudyDatabase) -> set[str]:
    sql = {
        "sqlite": "SELECT name FROM sqlite_schema WHERE type = 'table'",
        "postgresql": "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()",
    }[db.dialect.name]
    return {row["name"] for row in await db.fetch(sql)}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_both_dialects_ship_the_same_migrations() -> None:
    assert SHIPPED_POSTGRES == SHIPPED, "every migrations/NNNN_*.sql needs its twin in migrations/postgresql/"


async def test_fresh_database_reaches_the_latest_version(fresh_db: StudyDatabase) -> None:
    shipped = discover(MIGRATIONS_DIR / fresh_db.dialect.migrations_subdir)
    applied = await migrate(fresh_db, MIGRATIONS_DIR)
    assert applied == [migration.name for migration in shipped]
    status = await migration_status(fresh_db, MIGRATIONS_DIR)
    assert status.current_version == status.latest_version == shipped[-1].version
    assert [(m.version, m.name, m.sha256) for m in status.applied] == [
        (m.version, m.name, m.sha256) for m in shipped
    ]
    assert status.pending == () and status.problems == ()
    assert {"learners", "quiz_sessions", "attempts", "card_states", "schema_migrations"} <= await tables(
        fresh_db
    )
    assert await migrate(fresh_db, MIGRATIONS_DIR) == []


async def test_status_lists_pending_migrations_without_applying_them(
    fresh_db: StudyDatabase, make_migrations: MakeMigrations
) -> None:
    folder = make_migrations(**{f"{N1}_notes": "CREATE TABLE notes (body TEXT);"})
    await migrate(fresh_db, MIGRATIONS_DIR)
    status = await migration_status(fresh_db, folder)
    assert [m.name for m in status.pending] == [f"{N1}_notes.sql"]
    assert status.current_version == LATEST and status.latest_version == LATEST + 1
    assert "notes" not in await tables(fresh_db)


async def test_broken_migration_rolls_back_fully(fresh_db: StudyDatabase, make_migrations: MakeMigrations) -> None:
    await migrate(fresh_db, MIGRATIONS_DIR)
    before = await tables(fresh_db)
    folder = make_migrations(
        **{f"{N1}_broken": "CREATE TABLE notes (body TEXT);\nINSERT INTO missing_table VALUES (1);\n"}
    )
    missing = r"(no such table: missing_table|relation \"missing_table\" does not exist)"
    with pytest.raises(MigrationError, match=rf"{N1}_broken\.sql.*{missing}"):
        await migrate(fresh_db, folder)
    status = await migration_status(fresh_db, folder)
    assert status.current_version == LATEST
    assert [m.version for m in status.applied] == list(range(1, LATEST + 1))
    assert await tables(fresh_db) == before


async def test_broken_first_migration_leaves_an_empty_database(
    fresh_db: StudyDatabase, tmp_path: Path
) -> None:
    folder = tmp_path / "only"
    files = folder / fresh_db.dialect.migrations_subdir
    files.mkdir(parents=True)
    (files / "0001_first.sql").write_text("CREATE TABLE a (x INTEGER);\nCREATE TABLE a (y INTEGER);\n")
    with pytest.raises(MigrationError, match=r"0001_first\.sql.*already exists") as caught:
        await migrate(fresh_db, folder)
    assert caught.value.hint == "the database is still at version 0"
    assert await tables(fresh_db) == set()
    assert (await migration_status(fresh_db, folder)).current_version == 0


async def test_database_newer_than_the_code_is_refused_and_left_untouched(
    db_target: DatabaseTarget, make_migrations: MakeMigrations
) -> None:
    newer = make_migrations(
        "newer",
        **{f"{N1}_notes": "CREATE TABLE notes (body TEXT);", f"{N2}_tags": "CREATE TABLE tags (name TEXT);"},
    )
    database = await open_database(db_target)
    await migrate(database, newer)
    ledger = await database.ledger_rows()
    await database.close()
    before = sha256(db_target) if isinstance(db_target, Path) else None

    database = await open_database(db_target)
    try:
        with pytest.raises(MigrationError) as caught:
            await migrate(database, MIGRATIONS_DIR)
        status = await migration_status(database, MIGRATIONS_DIR)
        assert await database.ledger_rows() == ledger
    finally:
        await database.close()
    assert (
        f"database is at version {LATEST + 2} but this code only knows migrations up to {LATEST} ({SHIPPED[-1]})"
        in caught.value.message
    )
    assert status.problems and status.current_version == LATEST + 2
    if isinstance(db_target, Path):
        assert sha256(db_target) == before  # not even a byte of the file changed


async def test_changed_migration_file_is_refused(
    fresh_db: StudyDatabase, make_migrations: MakeMigrations
) -> None:
    folder = make_migrations(**{f"{N1}_notes": "CREATE TABLE notes (body TEXT);"})
    await migrate(fresh_db, folder)
    files = folder / fresh_db.dialect.migrations_subdir
    recorded = sha256(files / f"{N1}_notes.sql")
    (files / f"{N1}_notes.sql").write_text("CREATE TABLE notes (body TEXT, extra TEXT);")
    (files / f"{N2}_tags.sql").write_text("CREATE TABLE tags (name TEXT);")
    current = sha256(files / f"{N1}_notes.sql")

    with pytest.raises(MigrationError) as caught:
        await migrate(fresh_db, folder)
    message = caught.value.message
    assert f"{N1}_notes.sql" in message
    assert recorded[:12] in message and current[:12] in message
    assert "tags" not in await tables(fresh_db)
    assert (await migration_status(fresh_db, folder)).current_version == LATEST + 1


async def test_renamed_applied_migration_is_refused(
    fresh_db: StudyDatabase, make_migrations: MakeMigrations
) -> None:
    folder = make_migrations(**{f"{N1}_notes": "CREATE TABLE notes (body TEXT);"})
    await migrate(fresh_db, folder)
    files = folder / fresh_db.dialect.migrations_subdir
    (files / f"{N1}_notes.sql").rename(files / f"{N1}_memos.sql")
    renamed = rf"applied as {N1}_notes\.sql but the file is now {N1}_memos\.sql"
    with pytest.raises(MigrationError, match=renamed):
        await migrate(fresh_db, folder)


@pytest.mark.sqlite_only
async def test_triggers_and_comments_survive_statement_splitting(
    fresh_db: StudyDatabase, make_migrations: MakeMigrations
) -> None:
    folder = make_migrations(
        **{
            f"{N1}_log": """
                -- a comment; with a semicolon
                CREATE TABLE log (body TEXT DEFAULT 'a;b');
                CREATE TRIGGER log_no_empty BEFORE INSERT ON log
                WHEN NEW.body = ''
                BEGIN
                    SELECT RAISE(ABORT, 'empty; not allowed');
                END;
                -- trailing comment
            """
        }
    )
    assert await migrate(fresh_db, folder) == [*SHIPPED, f"{N1}_log.sql"]
    rows = await fresh_db.fetch("SELECT name FROM sqlite_schema WHERE type = 'trigger'")
    assert "log_no_empty" in {row["name"] for row in rows}


def test_split_statements_keeps_trigger_bodies_whole() -> None:
    sql = "CREATE TABLE a (x);\nCREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM a; END;\n;\n-- done\n"
    assert split_statements(sql) == [
        "CREATE TABLE a (x);",
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM a; END;",
    ]


@pytest.mark.parametrize("split", [split_statements, split_postgres])
def test_split_statements_rejects_an_unterminated_tail(split: Callable[[str], list[str]]) -> None:
    with pytest.raises(ValueError, match="missing ';'"):
        split("CREATE TABLE a (x);\nCREATE TABLE b (y)")


def test_postgres_split_keeps_quotes_comments_and_function_bodies_whole() -> None:
    body = ("CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
            "BEGIN\n  RAISE EXCEPTION 'no; never';\nEND;\n$fn$;")
    sql = (f"-- a comment; with a semicolon\nCREATE TABLE \"odd;name\" (body TEXT DEFAULT 'a;b');\n"
           f"/* block; comment */\n{body}\n;\n-- done\n")
    assert split_postgres(sql) == [
        "-- a comment; with a semicolon\nCREATE TABLE \"odd;name\" (body TEXT DEFAULT 'a;b');",
        f"/* block; comment */\n{body}",
    ]


def test_postgres_split_refuses_an_unclosed_quote() -> None:
    with pytest.raises(ValueError, match="ends inside"):
        split_postgres("CREATE TABLE a (b TEXT DEFAULT 'oops);")


@pytest.mark.parametrize("statement", ["BEGIN;", "COMMIT;", "-- sneaky\nrollback;", "SAVEPOINT s;"])
async def test_transaction_control_in_a_migration_is_refused(
    fresh_db: StudyDatabase, make_migrations: MakeMigrations, statement: str
) -> None:
    folder = make_migrations(**{f"{N1}_tx": f"CREATE TABLE notes (body TEXT);\n{statement}\n"})
    await migrate(fresh_db, MIGRATIONS_DIR)
    with pytest.raises(MigrationError, match="must not manage transactions"):
        await migrate(fresh_db, folder)
    assert "notes" not in await tables(fresh_db)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (["0001_a.sql", "0003_c.sql"], "version 0002 is missing"),
        (["0002_b.sql"], "version 0001 is missing"),
        (["0001_a.sql", "0001_b.sql"], "share version 1"),
        (["0001_a.sql", "2_b.sql"], "not named NNNN_description.sql"),
        (["0001_Add-Things.sql"], "not named NNNN_description.sql"),
    ],
)
def test_discover_refuses_bad_numbering(tmp_path: Path, files: list[str], message: str) -> None:
    for name in files:
        (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=message):
        discover(tmp_path)


def test_discover_reads_versions_in_order_with_hashes(tmp_path: Path) -> None:
    for name in ("0002_b.sql", "0001_a.sql"):
        (tmp_path / name).write_text(f"-- {name}\n")
    (tmp_path / "README.md").write_text("not a migration")
    found = discover(tmp_path)
    assert [(m.version, m.name) for m in found] == [(1, "0001_a.sql"), (2, "0002_b.sql")]
    assert found[0].sha256 == sha256(tmp_path / "0001_a.sql")
