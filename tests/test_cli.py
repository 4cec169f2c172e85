from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.cli import NO_TOKEN_NOTICE, default_user, iso_datetime, main
from bot.settings import Settings


def test_check_prints_summary_and_exits_0(content_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--content", str(content_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: 2 sources, 4 passages, 2 terms, 5 cards (1 choice, 2 truefalse, 1 short, 1 flashcard;")


def test_check_lists_every_problem_and_exits_1(content_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deck = content_dir / "cards/history.yaml"
    deck.write_text(deck.read_text(encoding="utf-8").replace("answer: true", "answer: no"), encoding="utf-8")
    (content_dir / "glossary.yaml").write_text("terms: []\n", encoding="utf-8")
    assert main(["check", "--content", str(content_dir)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines == [
        "cards/history.yaml:15:13: cards[1].answer: ambiguous value 'no' (write true or false for a yes/no "
        "answer, or quote it (\"no\") if you mean the word)",
        "glossary.yaml:1:8: terms: needs at least 1 item(s)",
    ]
    assert "2 problem(s)" in captured.err


# run, console, sync


def use_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content_dir: Path, **extra: str) -> None:
    """Point settings at temporary files; real variables win over any developer's .env."""
    monkeypatch.setenv("STUDYBOT_DB", str(tmp_path / "data" / "studybot.sqlite3"))
    monkeypatch.setenv("STUDYBOT_CONTENT", str(content_dir))
    monkeypatch.setenv("DISCORD_TOKEN", "")
    monkeypatch.setenv("STUDYBOT_DEV_GUILD", "")
    for name, value in extra.items():
        monkeypatch.setenv(name, value)


def test_run_without_a_token_says_so_in_one_line_and_starts_the_console(
    tmp_path: Path, content_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_env(monkeypatch, tmp_path, content_dir, USER="ann")
    monkeypatch.setattr(sys, "stdin", io.StringIO("/topics\n/define term:linkage\n"))
    assert main(["run"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [NO_TOKEN_NOTICE]
    assert "DISCORD_TOKEN" in NO_TOKEN_NOTICE and ".env.example" in NO_TOKEN_NOTICE and "console" in NO_TOKEN_NOTICE
    lines = captured.out.splitlines()
    assert lines[:2] == ["ann> /topics", "Sample course"]
    assert "ann> /define term:linkage" in lines
    assert "Linkage politics" in lines
    assert (tmp_path / "data" / "studybot.sqlite3").is_file()


def test_run_with_a_token_starts_the_discord_bot(
    tmp_path: Path, content_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_env(monkeypatch, tmp_path, content_dir, DISCORD_TOKEN="secret")
    started: list[Settings] = []
    monkeypatch.setitem(sys.modules, "bot.discord_frontend", SimpleNamespace(run_bot=started.append))
    assert main(["run"]) == 0
    [settings] = started
    assert settings.discord_token == "secret"
    assert settings.content_dir == content_dir


def test_sync_needs_a_token(
    tmp_path: Path, content_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_env(monkeypatch, tmp_path, content_dir)
    assert main(["sync"]) == 1
    assert "sync needs DISCORD_TOKEN" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "dev_guild", "expected"),
    [
        (["sync"], "", None),
        (["sync"], "42", 42),
        (["sync", "--guild", "7"], "42", 7),
        (["sync", "--global"], "42", None),
    ],
)
def test_sync_prints_the_synced_names(
    tmp_path: Path, content_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    argv: list[str], dev_guild: str, expected: int | None,
) -> None:
    use_env(monkeypatch, tmp_path, content_dir, DISCORD_TOKEN="secret", STUDYBOT_DEV_GUILD=dev_guild)
    calls: list[int | None] = []

    async def sync_commands(settings: Settings, guild_id: int | None) -> list[str]:
        calls.append(guild_id)
        return ["quiz", "instructor reload"]

    monkeypatch.setitem(sys.modules, "bot.discord_frontend", SimpleNamespace(sync_commands=sync_commands))
    assert main(argv) == 0
    assert calls == [expected]
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("synced 2 command(s) ")
    assert out[1:] == ["  /quiz", "  /instructor reload"]


def test_console_rejects_a_bad_now(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["console", "--now", "next tuesday"])
    assert exited.value.code == 2
    assert "argument --now: not an ISO-8601 date or time: 'next tuesday'" in capsys.readouterr().err


def test_now_without_a_zone_is_utc() -> None:
    assert iso_datetime("2024-03-01") == datetime(2024, 3, 1, tzinfo=UTC)
    assert iso_datetime("2024-03-01T10:00:00+01:00") == datetime(2024, 3, 1, 9, tzinfo=UTC)
    assert iso_datetime("2024-03-01T09:00:00Z") == datetime(2024, 3, 1, 9, tzinfo=UTC)


def test_default_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "kim")
    assert default_user() == "kim"
    monkeypatch.delenv("USER")
    assert default_user() == "student"


def test_console_refuses_broken_content_with_every_problem_listed(
    tmp_path: Path, content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (content_dir / "glossary.yaml").write_text("terms: []\n", encoding="utf-8")
    db = tmp_path / "db.sqlite3"
    assert main(["console", "--db", str(db), "--content", str(content_dir), "--script", "/dev/null"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "has 1 problem(s)" in captured.err
    assert "glossary.yaml:1:8: terms: needs at least 1 item(s)" in captured.err
    assert "Traceback" not in captured.err


def test_console_refuses_an_unreadable_script(
    tmp_path: Path, content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["console", "--db", str(tmp_path / "db.sqlite3"), "--content", str(content_dir),
            "--script", str(tmp_path / "missing.txt")]
    assert main(argv) == 1
    assert "cannot read the script" in capsys.readouterr().err


def test_console_refuses_a_database_that_is_not_one(
    tmp_path: Path, content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "db.sqlite3"
    db.write_bytes(b"this is not a database, just some bytes " * 100)
    assert main(["console", "--db", str(db), "--content", str(content_dir), "--script", "/dev/null"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"studybot: cannot start: The database {db} is damaged (file is not a database)")
    assert "restore the latest backup" in err
    assert "Traceback" not in err


def test_trying_a_draft_in_the_console_never_touches_live_progress(
    tmp_path: Path, content_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil
    import sqlite3
    from contextlib import closing

    use_env(monkeypatch, tmp_path, content_dir, USER="ann")
    live = tmp_path / "data" / "studybot.sqlite3"
    monkeypatch.setattr(sys, "stdin", io.StringIO("/quiz type:short\nsubmit Toshiba\n"))
    assert main(["console"]) == 0  # real progress on the live content
    draft = tmp_path / "draft"
    shutil.copytree(content_dir, draft)
    deck = draft / "cards" / "trade.yaml"
    deck.write_text(deck.read_text(encoding="utf-8").replace("propeller-milling machinery to the USSR?",
                                                             "milling machinery to the USSR?"), encoding="utf-8")
    capsys.readouterr()

    monkeypatch.setattr(sys, "stdin", io.StringIO("/help\n/quiz type:short\nsubmit Toshiba\n"))
    assert main(["console", "--content", str(draft)]) == 0

    assert "throw-away copy" in capsys.readouterr().err
    with closing(sqlite3.connect(live)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM card_states").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 1


UNREACHABLE_DISCORD = """
import socket, sys
import discord
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
port = listener.getsockname()[1]
listener.close()  # nothing listens there: every connection is refused, as without a network
discord.http.Route.BASE = f"http://127.0.0.1:{port}/api/v10"
from bot.cli import main
sys.exit(main(["run"]))
"""


def test_run_without_a_network_says_it_cannot_reach_discord_in_one_line(tmp_path: Path, content_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "DISCORD_TOKEN": "secret",
           "STUDYBOT_DB": str(tmp_path / "db.sqlite3"), "STUDYBOT_CONTENT": str(content_dir),
           "STUDYBOT_DEV_GUILD": ""}
    done = subprocess.run([sys.executable, "-c", UNREACHABLE_DISCORD], env=env, capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert [line for line in lines if line.startswith("studybot: ")] == [lines[-1]]
    assert lines[-1].startswith("studybot: cannot reach Discord: Cannot connect to host 127.0.0.1:")
    assert "Traceback" not in done.stderr
    assert len(lines) <= 2, done.stderr
    assert "voice will NOT be supported" not in done.stderr
