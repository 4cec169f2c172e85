"""Console transcripts of whole class games, driven by ``wait`` on the console's frozen clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.console_frontend.test_console_app import Transcript


@pytest.fixture
def transcript(tmp_path: Path, content_dir: Path, capsys: pytest.CaptureFixture[str]) -> Transcript:
    return Transcript(tmp_path, content_dir, capsys)


def titles(replies: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    return [(r["input"], r["title"], r["ephemeral"]) for r in replies]


def test_a_whole_game_by_script(transcript: Transcript) -> None:
    replies = transcript.script(
        "instructor on\n/class start count:2 seconds:20\n"
        "as bob\nclick 1\nas carol\nclick 2\nclick 1\n"
        "wait 21\nas bob\nclick 1\n"
        "as ann\nclick Next question\nas bob\nclick 1\nwait 5\nwait 16\n"
        "as ann\nclick Show results\n/class scores\n/instructor stats\nas bob\n/progress\n"
    )
    assert titles(replies)[1:3] == [("/class start count:2 seconds:20", "Class game · question 1 of 2", False),
                                    ("/class start count:2 seconds:20", "Class game started", True)]
    question = replies[1]
    assert "0** answered so far" in question["description"]
    assert "<t:1709542820:R>" in question["description"]  # --now 09:00:00 + 20 s, as a Discord timestamp
    assert question["buttons"][-1]["label"] == "Reveal now"
    confirmations = [r for r in replies if r["title"].startswith("Answer ")]
    assert [r["user"] for r in confirmations[:3]] == ["bob", "carol", "carol"]
    assert confirmations[0]["title"].endswith("recorded") and confirmations[2]["title"].endswith("changed")
    assert all(r["ephemeral"] for r in confirmations)
    assert confirmations[1]["footer"] == "2 answered so far" and confirmations[2]["footer"] == "2 answered so far"

    waited = [r for r in replies if r["input"] == "wait 21"]
    assert [(r["title"], r["ephemeral"]) for r in waited] == [("Question 1 of 2: the answer", False)]
    reveal = waited[0]["description"]
    assert "2 answered" in reveal and "Top 2 so far" in reveal and "✅" in reveal
    assert [b["label"] for b in waited[0]["buttons"]] == ["Next question"]
    too_soon = next(r for r in replies if r["input"] == "click 1" and r["user"] == "bob" and r["error"])
    assert too_soon["error"] == "Only instructors can move a class game on."  # the reveal's button is theirs

    assert next(r for r in replies if r["input"] == "wait 5")["title"] == "Waited 5 s"
    [second_reveal] = [r for r in replies if r["input"] == "wait 16"]
    assert second_reveal["title"] == "Question 2 of 2: the answer" and "1 answered" in second_reveal["description"]
    final = [r for r in replies if r["input"] == "click Show results"]
    assert titles(final) == [("click Show results", "Class game over", False),
                             ("click Show results", "Class game over", True)]
    assert "Final standings" in final[0]["description"] and "Hardest question" in final[0]["description"]
    assert "Q1" in final[0]["description"] and "Q2" in final[0]["description"]
    scores = next(r for r in replies if r["input"] == "/class scores")
    assert "After 2 of 2 questions (the game is over)" in scores["description"] and scores["ephemeral"]
    stats = next(r for r in replies if r["input"] == "/instructor stats")
    assert stats["error"] is None and "right of 2" in stats["description"]  # the game's answers are attempts
    progress = replies[-1]
    assert progress["input"] == "/progress" and "Nothing" not in progress["description"]


def test_auto_advance_runs_the_whole_game_in_one_wait(transcript: Transcript) -> None:
    replies = transcript.script(
        "instructor on\n/class start count:2 seconds:10 auto:true\nas bob\nclick 1\nwait 100\nwait 1\n"
    )
    waited = [r for r in replies if r["input"] == "wait 100"]
    assert [r["title"] for r in waited] == ["Question 1 of 2: the answer", "Class game · question 2 of 2",
                                            "Question 2 of 2: the answer", "Class game over"]
    assert not any(r["ephemeral"] for r in waited)
    assert not waited[0]["buttons"] and "Next question <t:1709542818:R>" in waited[0]["description"]
    assert "<t:1709542828:R>" in waited[1]["description"]  # asked 8 s after the reveal, 10 s to answer
    assert replies[-1]["title"] == "Waited 1 s"


def test_game_refusals_in_the_console(transcript: Transcript) -> None:
    replies = transcript.script(
        "/class start\ninstructor on\n/class start count:1 seconds:10\n/class start\n"
        "as bob\nclick Reveal now\n/class stop\nwait soon\n/class start count:31\n"
        "as ann\n/class stop\nclick 1\n/class stop\n"
    )
    errors = [(r["input"], r["error"]) for r in replies if r["error"]]
    assert errors[0] == ("/class start", "Only instructors can start a class game.")
    assert errors[1] == ("/class start", "A class game is already running in this channel.")
    assert errors[2] == ("click Reveal now", "Only instructors can reveal a question early.")
    assert errors[3] == ("/class stop", "Only instructors can stop a class game.")
    assert errors[4][0] == "wait soon" and "how many seconds" in errors[4][1]
    assert errors[5][0] == "/class start count:31" and "1 to 30" in errors[5][1]
    stop = [r for r in replies if r["input"] == "/class stop" and r["user"] == "ann"]
    assert [r["title"] for r in stop[:3]] == ["Question 1 of 1: the answer", "Class game stopped",
                                              "Class game stopped"]
    assert errors[6][0] == "click 1"  # the stopped question's buttons are gone: "no button"
    assert errors[7] == ("/class stop", "No class game is running in this channel.")


def test_the_text_console_prints_discords_timestamps_as_times(
    tmp_path: Path, content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    script = tmp_path / "game.txt"
    script.write_text("instructor on\n/class start count:1 seconds:20\nwait 5\n", encoding="utf-8")
    db = tmp_path / "studybot.sqlite3"
    assert main(["console", "--now", "2024-03-04T09:00:00Z", "--db", str(db), "--content", str(content_dir),
                 "--script", str(script)]) == 0
    out = capsys.readouterr().out
    assert "<t:" not in out
    assert "time is up in 20 s (20 s per question)" in " ".join(out.split())  # against the clock at the start
