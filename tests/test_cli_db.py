from __future__ import annotations

import sqlite3
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
