"""Transcripts: scripts run through the real ``studybot console`` entry, JSON lines out."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.console_frontend.console_app import ConsoleApp
from bot.core.presentation.replies import Reply
from bot.core.service.study_service import Actor
from tests.conftest import SHIPPED_CONTENT

MONDAY = "2024-03-04T09:00:00Z"
A_WEEK_LATER = "2024-03-11T09:00:00+00:00"
Step = str | Callable[[], None]


class Transcript:
    """Runs console scripts on one database and returns the replies as parsed JSON."""

    def __init__(self, tmp_path: Path, content: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.tmp_path = tmp_path
        self.content = content
        self.db = tmp_path / "data" / "studybot.sqlite3"
        self.capsys = capsys
        self.runs = 0
        self.err = ""

    def args(self, now: str, user: str) -> list[str]:
        return ["console", "--json", "--now", now, "--user", user, "--db", str(self.db),
                "--content", str(self.content)]

    def script(self, lines: str, *, now: str = MONDAY, user: str = "ann") -> list[dict[str, Any]]:
        self.runs += 1
        script = self.tmp_path / f"script-{self.runs}.txt"
        script.write_text(lines, encoding="utf-8")
        assert main([*self.args(now, user), "--script", str(script)]) == 0
        return self.replies()

    def piped(self, steps: Sequence[Step], monkeypatch: pytest.MonkeyPatch, *, now: str = MONDAY,
              user: str = "ann") -> list[dict[str, Any]]:
        """Feed lines on stdin (not a terminal); callables run between lines, e.g. to edit files."""
        monkeypatch.setattr(sys, "stdin", Feed(steps))
        assert main(self.args(now, user)) == 0
        return self.replies()

    def replies(self) -> list[dict[str, Any]]:
        captured = self.capsys.readouterr()
        self.err = captured.err
        return [json.loads(line) for line in captured.out.splitlines()]


class Feed:
    """A non-terminal stdin whose lines are produced lazily, so files can change mid-session."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = steps

    def isatty(self) -> bool:
        return False

    def __iter__(self) -> Iterator[str]:
        for step in self.steps:
            if isinstance(step, str):
                yield step + "\n"
            else:
                step()


@pytest.fixture
def transcript(tmp_path: Path, content_dir: Path, capsys: pytest.CaptureFixture[str]) -> Transcript:
    return Transcript(tmp_path, content_dir, capsys)


def by_input(replies: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The last reply to each input line."""
    return {reply["input"]: reply for reply in replies}


CONTRACT_KEYS = ["input", "user", "ephemeral", "title", "description", "fields", "footer", "buttons", "prompt",
                 "error"]


def test_full_quiz_round_with_every_card_type_then_review_a_week_later(transcript: Transcript) -> None:
    replies = transcript.script("""\
# one card of each type, answered the way each type is answered
/quiz type:choice count:1
click a peace treaty
click See results
/quiz type:truefalse count:1
click True
click See results

/quiz type:short count:1
submit the Toshiba Machine Company
click See results
/quiz type:flashcard count:1
click Show answer
click Good
/review
/progress
""")
    assert all(list(reply) == CONTRACT_KEYS for reply in replies)
    assert [r["input"] for r in replies][:3] == ["/quiz type:choice count:1", "click a peace treaty",
                                                  "click See results"]
    assert all(r["error"] is None for r in replies), [r for r in replies if r["error"]]
    assert {r["user"] for r in replies} == {"ann"}

    titles = [r["title"] for r in replies]
    assert titles == [
        "Quiz · card 1 of 1", "Correct!", "Quiz finished: 1/1",
        "Quiz · card 1 of 1", "Correct!", "Quiz finished: 1/1",
        "Quiz · card 1 of 1", "Correct!", "Quiz finished: 1/1",
        "Quiz · card 1 of 1", "Which export controls did the Toshiba sale violate?", "Quiz finished: 1/1",
        "Nothing to review", "Progress of ann",
    ]
    choice, _, _, truefalse, _, _, short, _, _, flashcard, shown, rated, _, progress = replies
    assert choice["footer"] == "History · multiple choice · new card"
    assert [b["label"][3:] for b in choice["buttons"][:3]] == sorted(
        ["A peace treaty", "A trade agreement", "A fishing accord"], key=lambda text: choice["description"].find(text))
    assert truefalse["footer"] == "History · true or false · new card"
    assert [b["label"] for b in truefalse["buttons"]] == ["True", "False", "End"]
    assert short["footer"] == "Trade · short answer · new card"
    assert short["prompt"] == "Your answer: Which company sold propeller-milling…"
    assert flashcard["footer"] == "Trade · flashcard · new card"
    assert [b["label"] for b in shown["buttons"]] == ["Again", "Hard", "Good", "Easy"]
    assert "**Answer:** COCOM's" in shown["description"]
    assert rated["description"].startswith("*Rated Good; this card comes back in 10 min")
    assert progress["footer"] == "4 of 5 cards seen"

    later = transcript.script("/review\nclick End\n/progress\n", now=A_WEEK_LATER)
    review, ended, progress = later
    assert review["title"] == "Review · card 1 of 4"
    assert review["buttons"][-1]["label"] == "End"
    assert ended["title"] == "Review finished: 0/0"
    assert "**Due now:** 4" in progress["description"]


def test_define_with_a_typo_and_excerpt_paging(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    transcript = Transcript(tmp_path, SHIPPED_CONTENT, capsys)
    replies = by_input(transcript.script("""\
/define term:Northen Teritories
/excerpt query:Soviet Japan
click Next
click Prev
click Prev
click Full passage 2
"""))
    term = replies["/define term:Northen Teritories"]
    assert term["title"] == "Northern Territories"
    assert term["description"].startswith("*Closest match to “Northen Teritories”*\n\n") and not term["footer"]

    first_page = replies["/excerpt query:Soviet Japan"]
    assert first_page["footer"].startswith("Results 1–3 of ")
    assert [(b["label"], b["disabled"]) for b in first_page["buttons"][:2]] == [("Prev", True), ("Next", False)]
    assert replies["click Next"]["footer"].startswith("Results 4–6 of ")
    assert replies["click Next"]["description"].startswith("**4.**")
    # the second "click Prev" presses the disabled Prev of page one: refused, politely
    assert replies["click Prev"]["error"] == "The Prev button can't be pressed right now."
    passage = replies["click Full passage 2"]
    assert passage["error"] is None
    assert passage["title"].startswith("Japan's Role in Gorbachev's Agenda")


def test_instructor_commands_need_instructor_rights(transcript: Transcript) -> None:
    replies = transcript.script("""\
/instructor check
instructor on
/instructor check
/quiz type:choice count:1
click 1
as bob
/instructor stats
/progress member:ann
as ann
/instructor stats
/progress member:ann
instructor off
/instructor reload
""")
    errors = [(r["input"], r["user"], r["error"]) for r in replies if r["error"]]
    assert errors == [
        ("/instructor check", "ann", "Only instructors can check the content."),
        ("/instructor stats", "bob", "Only instructors can see class statistics."),
        ("/progress member:ann", "bob", "Only instructors can see another member's progress."),
        ("/instructor reload", "ann", "Only instructors can reload the content."),
    ]
    ok = [r for r in replies if not r["error"]]
    titles = [r["title"] for r in ok]
    assert "Content is valid" in titles
    assert "Class statistics · all topics" in titles
    assert "Progress of ann" in titles
    assert titles[-1] == "Instructor rights off"


def test_reload_with_a_broken_file_keeps_serving_the_old_content(
    transcript: Transcript, monkeypatch: pytest.MonkeyPatch
) -> None:
    deck = transcript.content / "cards" / "history.yaml"
    glossary = transcript.content / "glossary.yaml"
    good_deck, good_glossary = deck.read_text(encoding="utf-8"), glossary.read_text(encoding="utf-8")

    def break_files() -> None:
        deck.write_text(good_deck.replace('answer: "A peace treaty"', 'answer: "A peace treaty"\n    colour: red'),
                        encoding="utf-8")
        glossary.write_text(good_glossary.replace("term: Linkage politics", "term: Linkage politics\n    term: x"),
                            encoding="utf-8")

    def fix_files() -> None:
        deck.write_text(good_deck.replace("A fishing accord", "A fishing treaty"), encoding="utf-8")
        glossary.write_text(good_glossary, encoding="utf-8")

    replies = transcript.piped([
        "instructor on",
        break_files,
        "/instructor reload",
        "/define term:linkage",
        "/quiz type:choice count:1",
        "click A peace treaty",
        fix_files,
        "/instructor reload",
        "/quiz type:choice count:1",
    ], monkeypatch)
    _, refused, define, quiz, answer, reloaded, quiz_again = replies

    assert refused["title"] == "Reload refused: the old content is still live (2)"
    assert "`cards/history.yaml:8:5: cards[0].colour: unknown field 'colour'" in refused["description"]
    assert "glossary.yaml:4:5: terms[0].term: duplicate key 'term'" in refused["description"]
    assert refused["error"] is None

    assert define["title"] == "Linkage politics"
    assert "A fishing accord" in quiz["description"]
    assert answer["title"] == "Correct!"

    assert reloaded["title"] == "Content reloaded"
    assert reloaded["description"].startswith("OK: 2 sources")
    assert "1 changed card start over for 1 learner" in reloaded["description"]
    assert "A fishing treaty" in quiz_again["description"]


def test_bad_lines_produce_error_replies_and_the_session_goes_on(transcript: Transcript) -> None:
    replies = transcript.script("""\
what is this
/quiz count:three
/nosuch
click 1
submit Toshiba
/instructor upload file:/no/such/deck.yaml
/topics
quit
/sources
""")
    assert [r["error"] for r in replies] == [
        "I don't understand “what is this”.",
        "count must be a whole number from 1 to 25, not “three”.",
        "There is no /nosuch command.",
        "There is no button to click yet.",
        "There is no open question to answer.",
        "Cannot read the file /no/such/deck.yaml: No such file or directory.",
        None,
    ]
    assert all(r["title"] == "Sorry" for r in replies[:-1])
    assert replies[-1]["title"] == "Sample course"
    assert "Usage: /quiz [topic] [count] [type] [share]." in replies[1]["description"]


def test_upload_reads_a_local_file_and_export_writes_files(transcript: Transcript) -> None:
    deck = transcript.tmp_path / "extra deck.yaml"
    deck.write_text("""\
topic: trade
cards:
  - id: trade-extra
    type: truefalse
    prompt: "Toshiba sold machinery."
    answer: true
    explain: "It did."
    cite: [{source: paper, quote: "The Toshiba Machine Company sold propeller-milling machinery"}]
""", encoding="utf-8")
    replies = transcript.script(f"""\
instructor on
/instructor upload file:{deck}
/instructor export format:csv attempts:yes
/instructor export format:gift
/instructor export format:gift
/export format:anki topic:trade
""")
    _, uploaded, exported, gift, _, anki = replies
    assert uploaded["title"] == "Deck extra-deck.yaml saved"
    assert (transcript.content / "cards" / "extra-deck.yaml").is_file()
    assert (exported["title"], gift["title"], anki["title"]) == ("Progress export", "Moodle export", "Anki deck")
    exports = transcript.db.parent / "exports"
    stamp = "2024-03-04_090000Z"
    assert sorted(p.name for p in exports.iterdir()) == [
        f"attempts-{stamp}.csv", f"progress-learners-{stamp}.csv", f"progress-topics-{stamp}.csv",
        "sample-course-2.gift", "sample-course-trade.apkg", "sample-course.gift"]
    assert f"saved {exports / f'progress-learners-{stamp}.csv'}" in transcript.err


def test_text_mode_echoes_each_line_and_numbers_buttons(
    transcript: Transcript, capsys: pytest.CaptureFixture[str]
) -> None:
    script = transcript.tmp_path / "text.txt"
    script.write_text("/quiz type:short count:1\n# not echoed\n/quiz colour:red\n", encoding="utf-8")
    args = ["console", "--now", MONDAY, "--db", str(transcript.db), "--content", str(transcript.content),
            "--user", "ann", "--script", str(script)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    lines = out.splitlines()
    assert lines[0] == "ann> /quiz type:short count:1"
    assert lines[1] == "Quiz · card 1 of 1"
    assert "Which company sold propeller-milling machinery to the USSR?" in lines
    assert "[1] Answer  [2] End" in lines
    assert "Your answer: Which company sold propeller-milling… (submit <your answer>)" in lines
    assert "ann> /quiz colour:red" in lines
    assert "# not echoed" not in out


class ExplodingService:
    async def execute(self, actor: Actor, command: str, options: object) -> Reply:
        raise RuntimeError("boom")


async def test_unexpected_errors_become_an_error_reply(caplog: pytest.LogCaptureFixture) -> None:
    app = ConsoleApp(ExplodingService(), "ann")  # type: ignore[arg-type]
    reply = await app.handle("/topics")
    assert reply is not None
    assert reply.title == "Sorry"
    assert reply.error is not None and reply.error.startswith("Something went wrong (RuntimeError, error ")
    assert "boom" not in reply.body
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)
    assert await app.handle("# just a comment") is None


async def test_instructor_rights_belong_to_each_user() -> None:
    app = ConsoleApp(ExplodingService(), "ann")  # type: ignore[arg-type]
    assert app.prompt_text == "ann> "
    await app.handle("instructor on")
    assert app.actor == Actor("console", "ann", "ann", True)
    assert app.prompt_text == "ann (instructor)> "
    await app.handle("as bob")
    assert app.actor == Actor("console", "bob", "bob", False)
    await app.handle("as ann")
    assert app.is_instructor


class TtyInput(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("leave", [EOFError, KeyboardInterrupt])
def test_interactive_session_leaves_cleanly(
    leave: type[BaseException], tmp_path: Path, content_dir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    typed = iter(["instructor on", "/define term:linkage"])
    prompts: list[str] = []

    def fake_input(prompt: str) -> str:
        prompts.append(prompt)
        for line in typed:
            return line
        raise leave

    monkeypatch.setattr("builtins.input", fake_input)
    monkeypatch.setattr(sys, "stdin", TtyInput())
    argv = ["console", "--user", "ann", "--db", str(tmp_path / "db.sqlite3"), "--content", str(content_dir)]
    assert main(argv) == 0
    assert prompts == ["ann> ", "ann (instructor)> ", "ann (instructor)> "]
    out = capsys.readouterr().out
    assert out.startswith("Study bot console.")
    assert "Linkage politics" in out
    assert "ann> " not in out  # typed lines are not echoed at the keyboard


def test_remind_on_status_and_off_as_typed_in_the_console(transcript: Transcript) -> None:
    replies = by_input(transcript.script(
        "/remind on time:18:30 timezone:america/new york\n/remind status\n/remind off\n/remind status\n"))

    on = replies["/remind on time:18:30 timezone:america/new york"]
    assert on["title"] == "Reminders on" and on["error"] is None and on["ephemeral"] is True
    assert "18:30** (America/New_York time)" in on["description"]
    assert "Next check: Mon Mar 4, 18:30 EST (in 14 h 30 min)." in on["description"]
    assert replies["/remind off"]["title"] == "Reminders off"
    assert replies["/remind status"]["title"] == "Reminders are off"


def test_a_reminder_falls_due_during_wait_and_names_its_learner(transcript: Transcript) -> None:
    replies = transcript.script("""\
/quiz topic:history type:choice count:1
click a fishing accord
click Next
click a fishing accord
click See results
/remind on time:09:30 timezone:UTC
wait 3600
click Review now
wait 3600
""")
    titles = [r["title"] for r in replies]
    reminder = next(r for r in replies if "ann" in (r["footer"] or "") and r["input"] == "wait 3600")
    assert "due" in reminder["description"].casefold() and [b["label"] for b in reminder["buttons"]] == ["Review now"]
    assert titles[titles.index(reminder["title"]) + 1].startswith("Review · card 1 of")
    assert titles[-1] == "Waited 3600 s"  # at most one reminder a day
