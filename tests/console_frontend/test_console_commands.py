from __future__ import annotations

import pytest

from bot.console_frontend.console_commands import (
    AttachmentPath,
    Click,
    ConsoleInputError,
    Quit,
    SetInstructor,
    ShowHelp,
    SlashCommand,
    Submit,
    SwitchUser,
    console_help,
    parse_line,
    pick_button,
)
from bot.core.command_catalog import COMMANDS
from bot.core.presentation.replies import Button
from bot.core.service.study_service import Member


def error_of(line: str) -> ConsoleInputError:
    with pytest.raises(ConsoleInputError) as caught:
        parse_line(line)
    return caught.value


# Lines that are not commands


@pytest.mark.parametrize("line", ["", "   ", "# a comment", "   # indented comment", "\t"])
def test_blank_lines_and_comments_are_ignored(line: str) -> None:
    assert parse_line(line) is None


def test_console_words() -> None:
    assert parse_line("click 2") == Click(number=2)
    assert parse_line("Click  Show answer ") == Click(label="Show answer")
    assert parse_line("submit Toshiba Machine: the company") == Submit("Toshiba Machine: the company")
    assert parse_line("as Ann Lee") == SwitchUser("Ann Lee")
    assert parse_line("instructor on") == SetInstructor(True)
    assert parse_line("instructor OFF") == SetInstructor(False)
    assert parse_line("help") == ShowHelp()
    assert parse_line("quit") == Quit()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("click", "Say which button"),
        ("submit", "Type your answer after submit"),
        ("as", "Say whom to act as"),
        ("instructor maybe", "Type instructor on or instructor off"),
        ("hello there", "I don't understand “hello there”"),
    ],
)
def test_console_word_errors(line: str, expected: str) -> None:
    assert error_of(line).message.startswith(expected)


# Slash commands


def test_command_without_options() -> None:
    assert parse_line("/topics") == SlashCommand("topics", {})


def test_options_are_converted_to_their_types() -> None:
    assert parse_line("/quiz topic:trade count:3 type:SHORT share:yes") == SlashCommand(
        "quiz", {"topic": "trade", "count": 3, "type": "short", "share": True}
    )
    assert parse_line("/instructor export format:CSV attempts:False") == SlashCommand(
        "instructor export", {"format": "csv", "attempts": False})


def test_value_runs_to_the_next_option_and_keeps_spaces() -> None:
    command = parse_line("/excerpt query:Toshiba  submarine affair source:clark-1988")
    assert command == SlashCommand("excerpt", {"query": "Toshiba  submarine affair", "source": "clark-1988"})


def test_values_keep_colons_that_are_not_options() -> None:
    command = parse_line("/excerpt query:Note: the 1956 declaration, ratio 3:1 and http://x.org")
    assert command == SlashCommand("excerpt", {"query": "Note: the 1956 declaration, ratio 3:1 and http://x.org"})


def test_option_names_are_case_insensitive_and_may_be_followed_by_a_space() -> None:
    assert parse_line("/define Term: linkage politics") == SlashCommand("define", {"term": "linkage politics"})


def test_group_commands_match_the_longest_name() -> None:
    assert parse_line("/instructor reload") == SlashCommand("instructor reload", {})
    assert parse_line("/Instructor   stats topic:trade") == SlashCommand("instructor stats", {"topic": "trade"})


def test_user_and_attachment_options() -> None:
    assert parse_line("/progress member:@ann") == SlashCommand("progress", {"member": Member("ann", "ann")})
    assert parse_line("/instructor reset member:Ann Lee") == SlashCommand(
        "instructor reset", {"member": Member("Ann Lee", "Ann Lee")}
    )
    assert parse_line("/instructor upload file:decks/my deck.yaml") == SlashCommand(
        "instructor upload", {"file": AttachmentPath("decks/my deck.yaml")}
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/nosuch", "There is no /nosuch command."),
        ("/quizz topic:trade", "There is no /quizz command."),
        ("/instructor", "/instructor needs a subcommand: check, export, reload, reset, stats, upload."),
        ("/instructor party", "/instructor has no subcommand “party”: check, export, reload, reset, stats, upload."),
        ("/quiz colour:red", "/quiz has no option “colour”; its options are topic, count, type, share."),
        ("/topics sort:name", "/topics has no option “sort”; it takes no options."),
        ("/define linkage", "“linkage” is not an option: type options as name:value, e.g. /define term:linkage."),
        ("/topics please", "“please” is not an option: type options as name:value (/topics takes none)."),
        ("/define", "/define needs term:<string>."),
        ("/instructor reset", "/instructor reset needs member:<user>."),
        ("/quiz count:3 count:4", "The option count is given twice."),
        ("/quiz topic: count:3", "The option topic needs a value after the colon."),
        ("/quiz count:three", "count must be a whole number from 1 to 25, not “three”."),
        ("/quiz count:2.5", "count must be a whole number from 1 to 25, not “2.5”."),
        ("/quiz count:0", "count must be a whole number from 1 to 25, not 0."),
        ("/review count:26", "count must be a whole number from 1 to 25, not 26."),
        ("/quiz share:maybe", "share must be true or false (or yes or no), not “maybe”."),
        ("/quiz type:essay", "type must be one of choice, truefalse, short, flashcard, not “essay”."),
        ("/leaderboard period:year", "period must be one of week, month, all, not “year”."),
        ("/define term:" + "x" * 101, "term must be at most 100 characters; this one has 101."),
        ("/progress member:@", "member needs a user name, e.g. member:alice."),
    ],
)
def test_slash_errors_say_what_is_expected(line: str, message: str) -> None:
    error = error_of(line)
    assert error.message == message
    assert error.hint


@pytest.mark.parametrize("line", ["/quiz colour:red", "/define", "/quiz count:0", "/quiz type:essay"])
def test_option_errors_show_the_catalogue_usage(line: str) -> None:
    name = line[1:].split(" ")[0]
    assert error_of(line).hint == f"usage: {COMMANDS[name].usage}"


def test_every_catalogue_command_parses_with_its_required_options() -> None:
    samples = {"string": "linkage", "integer": "1", "boolean": "true", "user": "ann", "attachment": "deck.yaml"}
    for spec in COMMANDS.values():
        typed = " ".join(f"{o.name}:{o.choices[0] if o.choices else samples[o.type.value]}"
                         for o in spec.options if o.required)
        command = parse_line(f"/{spec.name} {typed}")
        assert isinstance(command, SlashCommand)
        assert command.name == spec.name


def test_help_lists_console_lines_and_every_command() -> None:
    text = console_help()
    for spec in COMMANDS.values():
        assert spec.usage in text
    for word in ("click N", "submit TEXT", "as NAME", "instructor on"):
        assert word in text


# Buttons


BUTTONS = (
    Button("A. A peace treaty", "sb:ans:s:0:0"),
    Button("B. A fishing accord", "sb:ans:s:0:1"),
    Button("Prev", "sb:xp:-:0:q", disabled=True),
    Button("Full passage 1", "sb:psg:p:1"),
    Button("Full passage 2", "sb:psg:p:2"),
    Button("End", "sb:end:s"),
)


@pytest.mark.parametrize(
    ("click", "action"),
    [
        (Click(number=1), "sb:ans:s:0:0"),
        (Click(number=6), "sb:end:s"),
        (Click(label="end"), "sb:end:s"),
        (Click(label="B. A fishing accord"), "sb:ans:s:0:1"),
        (Click(label="a peace treaty"), "sb:ans:s:0:0"),
        (Click(label="B"), "sb:ans:s:0:1"),
        (Click(label="Full passage 2"), "sb:psg:p:2"),
        (Click(label="a fish"), "sb:ans:s:0:1"),
    ],
)
def test_pick_button(click: Click, action: str) -> None:
    assert pick_button(BUTTONS, click).action == action


@pytest.mark.parametrize(
    ("buttons", "click", "message"),
    [
        ((), Click(number=1), "There is no button to click yet."),
        (BUTTONS, Click(number=0), "There is no button 0: the buttons are numbered 1 to 6."),
        (BUTTONS, Click(number=7), "There is no button 7: the buttons are numbered 1 to 6."),
        (BUTTONS, Click(label="Next"), "No button is labelled “Next”."),
        (BUTTONS, Click(label="Full"), "“Full” matches several buttons: [4] Full passage 1, [5] Full passage 2."),
        (BUTTONS, Click(label="prev"), "The Prev button can't be pressed right now."),
        (BUTTONS, Click(number=3), "The Prev button can't be pressed right now."),
    ],
)
def test_pick_button_refuses_politely(buttons: tuple[Button, ...], click: Click, message: str) -> None:
    with pytest.raises(ConsoleInputError) as caught:
        pick_button(buttons, click)
    assert caught.value.message == message
