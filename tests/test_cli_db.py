from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.cli import main


def test_db_migrate_status_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "live.sqlite3"
    assert main(["db", "--db", str(db), "migrate"]) == 0
    assert "applied 1 migration(s): 0001_initial.sql" in capsys.readouterr().out
    assert main(["db", "--db", str(db), "status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("schema version 1 of 1")
    assert "applied  0001_initial.sql" in out
    copy = tmp_path / "copy.sqlite3"
    assert main(["db", "--db", str(db), "backup", str(copy)]) == 0
    assert str(db) in capsys.readouterr().out
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
