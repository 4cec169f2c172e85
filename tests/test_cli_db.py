from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.progress.migrations import discover
from bot.settings import MIGRATIONS_DIR

SHIPPED = [m.name for m in discover(MIGRATIONS_DIR)]


def test_db_migrate_status_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "live.sqlite3"
    assert main(["db", "--db", str(db), "migrate"]) == 0
    assert f"applied {len(SHIPPED)} migration(s): {', '.join(SHIPPED)}" in capsys.readouterr().out
    assert main(["db", "--db", str(db), "status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"schema version {len(SHIPPED)} of {len(SHIPPED)}")
    assert all(f"applied  {name}" in out for name in SHIPPED)
    copy = tmp_path / "copy.sqlite3"
    assert main(["db", "--db", str(db), "backup", str(copy)]) == 0
    assert str(db) in capsys.readouterr().out
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(SHIPPED)


def _migrated(path: Path) -> Path:
    assert main(["db", "--db", str(path), "migrate"]) == 0
    return path


def _damage_pages(path: Path, first_page: int = 2, pages: int = 3) -> None:
    """Overwrite whole pages past the header with garbage, as a bad disk or a stray write would."""
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    with path.open("r+b") as file:
        file.seek(page_size * first_page)
        file.write(b"\xa5" * page_size * pages)


@pytest.mark.parametrize("where", ["before the command", "before the action", "after the action"])
def test_db_option_is_accepted_before_and_after_the_action(tmp_path: Path, where: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "live.sqlite3"

    def argv(*action: str) -> list[str]:
        option = ["--db", str(db)]
        return {"before the command": [*option, "db", *action], "before the action": ["db", *option, *action],
                "after the action": ["db", *action, *option]}[where]

    assert main(argv("migrate")) == 0
    assert main(argv("status")) == 0
    assert capsys.readouterr().out.count(f"schema version {len(SHIPPED)} of {len(SHIPPED)}") == 1
    copy = tmp_path / "copy.sqlite3"
    assert main(argv("backup", str(copy))) == 0
    assert copy.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.sqlite3", "live.sqlite3"]


def test_console_takes_db_before_the_command_too(tmp_path: Path, content_dir: Path) -> None:
    db = tmp_path / "console.sqlite3"
    assert main(["--db", str(db), "console", "--content", str(content_dir), "--script", "/dev/null"]) == 0
    assert db.is_file()


@pytest.mark.parametrize("action", [["status"], ["backup", "copy.sqlite3"]])
def test_status_and_backup_of_a_missing_database_create_nothing(tmp_path: Path, action: list[str],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    typo = tmp_path / "nested" / "typo.sqlite3"
    (tmp_path / "out").mkdir()
    assert main(["db", "--db", str(typo), *action[:1], *[str(tmp_path / "out" / a) for a in action[1:]]]) == 1
    err = capsys.readouterr().err
    assert f"There is no database at {typo}" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["out"]


def test_backup_refuses_an_unmigrated_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    copy = tmp_path / "copy.sqlite3"
    assert main(["db", "--db", str(empty), "backup", str(copy)]) == 1
    assert "is not a studybot database" in capsys.readouterr().err
    assert not copy.exists()
    assert not copy.with_name("copy.sqlite3.partial").exists()


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_backup_refuses_sqlite_side_file_targets(tmp_path: Path, suffix: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = _migrated(tmp_path / "live.sqlite3")
    target = tmp_path / f"live.sqlite3{suffix}"
    assert main(["db", "--db", str(db), "backup", str(target)]) == 1
    assert "SQLite keeps its own journal files" in capsys.readouterr().err
    assert not target.exists()


def test_a_failed_backup_leaves_no_partial_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _migrated(tmp_path / "live.sqlite3")
    folder = tmp_path / "backups"
    (folder / "keep").mkdir(parents=True)  # a folder where the copy should go: the final rename fails
    assert main(["db", "--db", str(db), "backup", str(folder)]) == 1
    err = capsys.readouterr().err
    assert f"Cannot write the backup to {folder}" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", "live.sqlite3"]


@pytest.mark.parametrize("action", [["status"], ["migrate"], ["backup", "copy.sqlite3"]])
def test_a_damaged_database_is_one_clear_line_with_a_restore_hint(tmp_path: Path, action: list[str],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = _migrated(tmp_path / "live.sqlite3")
    _damage_pages(db)
    capsys.readouterr()
    assert main(["db", "--db", str(db), action[0], *[str(tmp_path / a) for a in action[1:]]]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"studybot: The database {db} is damaged")
    assert "restore the latest backup" in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "copy.sqlite3").exists()


def test_a_file_that_is_not_a_database_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 500)
    assert main(["db", "--db", str(notes), "status"]) == 1
    err = capsys.readouterr().err
    assert f"The database {notes} is damaged (file is not a database)" in err
    assert err.count("\n") == 1


def test_a_database_path_that_cannot_be_opened_is_one_line_and_nothing_else(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    done = subprocess.run([sys.executable, "-m", "bot.cli", "db", "migrate", "--db", str(folder)],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"studybot: Cannot open the database {folder}: unable to open database file."]
