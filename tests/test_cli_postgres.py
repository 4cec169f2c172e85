"""``studybot`` with a PostgreSQL URL: never a stray SQLite folder, and db migrate|status|backup on a server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.core.progress.migrations import discover
from bot.settings import MIGRATIONS_DIR

UNREACHABLE = "postgresql://nobody:pw@127.0.0.1:9/none"


@pytest.mark.parametrize("argv", [
    ["db", "--db", UNREACHABLE, "status"],
    ["db", "--db", UNREACHABLE, "migrate"],
    ["console", "--db", UNREACHABLE, "--script", "lines.txt"],
])
def test_a_url_is_a_server_to_connect_to_never_a_folder_named_postgresql(
        argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lines.txt").write_text("/topics\n")
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "PostgreSQL database postgresql://nobody:***@127.0.0.1:9/none" in err and ":pw@" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lines.txt"]  # no postgresql: folder, no SQLite file


def test_shard_options_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["run", "--shard-count", "4", "--shard-ids", "1, 0,1"])
    assert (args.shard_count, args.shard_ids) == (4, (0, 1))
    assert main(["run", "--shard-ids", "0"]) == 2
    assert main(["run", "--shard-count", "2", "--shard-ids", "2"]) == 2
    assert "below --shard-count" in capsys.readouterr().err
    for bad in (["--shard-count", "0"], ["--shard-count", "2", "--shard-ids", "a,b"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["run", *bad])


def test_db_migrate_status_backup_on_postgresql(
        postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shipped = [m.name for m in discover(MIGRATIONS_DIR / "postgresql")]
    assert main(["db", "--db", postgres_url, "migrate"]) == 0
    assert f"applied {len(shipped)} migration(s)" in capsys.readouterr().out
    assert main(["db", "--db", postgres_url, "status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"schema version {len(shipped)} of {len(shipped)} (postgresql: postgresql://")
    assert all(f"applied  {name}" in out for name in shipped)
    assert ":***@" in out and "studybot:studybot@" not in out  # the password stays out of the output
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    dest = tmp_path / "studybot.dump"
    assert main(["db", "--db", postgres_url, "backup", str(dest)]) == 0
    assert "pg_dump custom format" in capsys.readouterr().out
    assert dest.read_bytes().startswith(b"PGDMP")


def test_draft_content_is_not_tried_on_a_shared_postgresql_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STUDYBOT_DB", UNREACHABLE)
    draft = tmp_path / "draft"
    draft.mkdir()

    assert main(["console", "--content", str(draft), "--script", "lines.txt"]) == 1

    err = capsys.readouterr().err
    assert "would reset or mix real progress" in err and "give --db" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["draft"]  # nothing opened, nothing created
