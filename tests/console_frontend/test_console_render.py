from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest

from bot.console_frontend.console_render import (
    BOLD,
    markdown_lines,
    readable_times,
    render_reply,
    reply_to_json,
    wants_colour,
)
from bot.core.presentation.rendering import escape_markdown
from bot.core.presentation.replies import Button, Field, Reply, TextPrompt, Tone

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_json_has_exactly_the_contract_keys_in_order() -> None:
    reply = Reply(
        title="Quiz · card 1 of 1",
        body="**Which company?**",
        fields=(Field("Topic", "Trade"),),
        footer="Trade · short answer",
        buttons=(Button("Answer", "sb:ask:s:0"), Button("Prev", "sb:xp:-:0:q", disabled=True)),
        prompt=TextPrompt("sb:txt:s:0", "Your answer", "Which company?"),
    )
    assert reply_to_json(reply, input_line="/quiz type:short", user="ann") == {
        "input": "/quiz type:short",
        "user": "ann",
        "ephemeral": True,
        "title": "Quiz · card 1 of 1",
        "description": "**Which company?**",
        "fields": [{"name": "Topic", "value": "Trade"}],
        "footer": "Trade · short answer",
        "buttons": [
            {"label": "Answer", "custom_id": "sb:ask:s:0", "disabled": False},
            {"label": "Prev", "custom_id": "sb:xp:-:0:q", "disabled": True},
        ],
        "prompt": "Your answer: Which company?",
        "error": None,
    }
    assert list(reply_to_json(reply, input_line="", user="")) == [
        "input", "user", "ephemeral", "title", "description", "fields", "footer", "buttons", "prompt", "error",
    ]


def test_json_of_an_error_reply() -> None:
    reply = Reply(title="Sorry", body="Nope.", error="Nope.", tone=Tone.ERROR, ephemeral=True)
    data = reply_to_json(reply, input_line="x", user="bob")
    assert data["error"] == "Nope."
    assert data["prompt"] is None
    assert data["footer"] is None


def test_plain_text_drops_markers_and_undoes_escapes() -> None:
    text = "**Answer:** " + escape_markdown("5 * 3 = 15, not *15* or _x_ or [a]") + "\n\n*Also called:* x"
    assert markdown_lines(text) == ["Answer: 5 * 3 = 15, not *15* or _x_ or [a]", "", "Also called: x"]


def test_a_lone_marker_stays_literal() -> None:
    assert markdown_lines("There is no topic “a*b”.") == ["There is no topic “a*b”."]


def test_colour_turns_emphasis_into_ansi() -> None:
    [line] = markdown_lines("**Score:** 3 of 4 and `code`", colour=True)
    assert line.startswith(BOLD + "Score:")
    assert ANSI.sub("", line) == "Score: 3 of 4 and code"


def test_quotes_get_a_bar_and_wrap_under_it() -> None:
    lines = markdown_lines("> " + "word " * 30 + "\n> — Clark 1988, p. 3", width=40)
    assert all(line.startswith("│ ") for line in lines)
    assert all(len(line) <= 40 for line in lines)
    assert lines[-1] == "│ — Clark 1988, p. 3"


def test_long_text_wraps_to_the_width_and_lists_hang() -> None:
    lines = markdown_lines("- " + "alpha beta gamma " * 10, width=40)
    assert all(len(line) <= 40 for line in lines)
    assert lines[0].startswith("- alpha")
    assert all(line.startswith("  ") for line in lines[1:])
    assert len(markdown_lines("x" * 100, width=40)) == 3


def test_render_reply_shows_every_part() -> None:
    reply = Reply(
        title="Excerpts",
        body="**1.** Clark 1988\n> a \\*quoted\\* passage",
        fields=(Field("Note", "*careful*"),),
        footer="Results 1–3 of 9",
        buttons=(Button("Prev", "sb:a", disabled=True), Button("Next", "sb:b")),
        prompt=TextPrompt("sb:txt:s:0", "Your answer", "Which company?"),
        ephemeral=False,
    )
    text = render_reply(reply, width=80)
    assert "\x1b" not in text
    lines = text.splitlines()
    assert lines[0] == "Excerpts"
    assert "1. Clark 1988" in lines
    assert "│ a *quoted* passage" in lines
    assert "Note" in lines and "  careful" in lines
    assert "Results 1–3 of 9 · shown to the whole channel" in lines
    assert "[1] Prev (disabled)  [2] Next" in lines
    assert lines[-1] == "Your answer: Which company? (submit <your answer>)"


def test_render_reply_in_colour_uses_the_tone() -> None:
    text = render_reply(Reply(title="Sorry", body="x", error="x", tone=Tone.ERROR), colour=True)
    assert text.startswith("\x1b[1;31mSorry")


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert wants_colour(FakeTty())
    assert not wants_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_colour(FakeTty())


def test_long_button_labels_wrap_at_words() -> None:
    reply = Reply(title="Quiz", buttons=(
        Button("A. Short", "sb:a"),
        Button("D. Trade should be tied to Japan loosening its alliance with the United States", "sb:d"),
        Button("End", "sb:e"),
    ))
    lines = render_reply(reply, width=60).splitlines()
    assert lines[-4:] == [
        "[1] A. Short",
        "[2] D. Trade should be tied to Japan loosening its alliance",
        "    with the United States",
        "[3] End",
    ]


@pytest.mark.parametrize(
    ("markup", "shown"),
    [
        ("<t:1709542820:R>", "in 20 s"),
        ("<t:1709542790:R>", "10 s ago"),
        ("<t:1709542800:R>", "now"),
        ("<t:1709553600:R>", "in 3 h (Mar 4, 12:00 UTC)"),
        ("<t:1709553600:f>", "2024-03-04 12:00 UTC"),
        ("<t:1709553600>", "2024-03-04 12:00 UTC"),
        ("<t:nope:R> and <@123>", "<t:nope:R> and <@123>"),
    ],
)
def test_discord_timestamps_read_as_times_against_the_consoles_clock(markup: str, shown: str) -> None:
    now = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
    assert readable_times(f"due {markup}.", now) == f"due {shown}."


def test_without_a_clock_timestamps_stay_as_markup() -> None:
    reply = Reply(title="Game", body="time is up <t:1709542820:R>", fields=(Field("Next", "<t:1709542820:R>"),))
    assert "<t:1709542820:R>" in render_reply(reply)
    shown = render_reply(reply, now=datetime(2024, 3, 4, 9, 0, tzinfo=UTC))
    assert "<t:" not in shown and "time is up in 20 s" in shown and "  in 20 s" in shown
