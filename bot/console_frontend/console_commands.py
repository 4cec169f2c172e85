"""Parse one console line into a command, validating slash options the way Discord does.

Everything here is pure (no I/O, no service): a line becomes a :class:`SlashCommand`,
:class:`Click`, :class:`Submit`, :class:`SwitchUser`, :class:`SetInstructor`, :class:`Wait`,
:class:`ShowHelp` or :class:`Quit`, or ``None`` for blank lines and ``# comments``.
Problems raise :class:`ConsoleInputError`, a :class:`StudyError` whose message says what
was expected, so the app shows it like any other error reply.

Slash syntax is what one types in Discord: ``/excerpt query:Toshiba submarine source:clark``.
A value runs to the next `` name:`` token. A word followed by a colon inside a value stays
part of the value unless it is one of the command's option names, or it looks like an
option (lowercase, directly followed by a value that is not ``//``) so that a misspelt
``colour:red`` is reported as an unknown option instead of being swallowed:
``query:Note: the 1956 declaration``, ``query:ratio 3:1`` and ``query:http://…`` keep
their colons.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.command_catalog import COMMANDS, CommandSpec, OptionSpec, OptionType
from bot.core.errors import StudyError
from bot.core.presentation.replies import Button
from bot.core.service.study_service import Member
from bot.core.text import truncate

BOOLEAN_WORDS = {"true": True, "yes": True, "false": False, "no": False}
MAX_USER_NAME = 80
_OPTION_TOKEN = re.compile(r"(?:(?<=\s)|^)([A-Za-z][A-Za-z0-9_-]*):")
_LOOKS_LIKE_OPTION = re.compile(r"[a-z][a-z0-9_-]*")
_NUMBER = re.compile(r"[0-9]{1,9}")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_CHOICE_LETTER = re.compile(r"^[A-Za-z0-9][.)]\s+")
_SECONDS = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,6})?")
MAX_WAIT_SECONDS = 366 * 24 * 3600
"""The longest single ``wait`` (a year): longer is surely a typo."""
ECHO_LIMIT = 60
"""Typed text quoted back in an error is cut to this many characters."""


class ConsoleInputError(StudyError):
    """A line the console cannot run; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class AttachmentPath:
    """A local file named for an attachment option; the app reads it into an Upload."""

    path: str


@dataclass(frozen=True, slots=True)
class SlashCommand:
    """A catalogue command with options already converted and validated."""

    name: str
    options: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Click:
    """Press a button of the latest reply that has buttons, by number (from 1) or label."""

    number: int | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Submit:
    """Answer the open text prompt."""

    text: str


@dataclass(frozen=True, slots=True)
class SwitchUser:
    """Act as another person from now on."""

    name: str


@dataclass(frozen=True, slots=True)
class SetInstructor:
    """Grant or drop instructor rights for the current user."""

    on: bool


@dataclass(frozen=True, slots=True)
class Wait:
    """Advance the console's clock by ``seconds`` and run whatever falls due meanwhile."""

    seconds: float


@dataclass(frozen=True, slots=True)
class ShowHelp:
    """List what can be typed."""


@dataclass(frozen=True, slots=True)
class Quit:
    """Leave the console."""


ConsoleCommand = SlashCommand | Click | Submit | SwitchUser | SetInstructor | Wait | ShowHelp | Quit

HELP_HINT = "type help for the console's commands, /help for the bot's"


def parse_line(line: str) -> ConsoleCommand | None:
    """Turn one typed line into a command; ``None`` for blank lines and comments."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    if text.startswith("/"):
        return parse_slash(text[1:])
    word, _, rest = text.partition(" ")
    rest = rest.strip()
    keyword = word.casefold()
    if keyword == "click":
        return _parse_click(rest)
    if keyword == "submit":
        if not rest:
            raise ConsoleInputError("Type your answer after submit.", hint="e.g. submit Toshiba")
        return Submit(rest)
    if keyword == "as":
        if not rest:
            raise ConsoleInputError("Say whom to act as.", hint="e.g. as alice")
        if len(rest) > MAX_USER_NAME:
            raise ConsoleInputError(f"A user name is at most {MAX_USER_NAME} characters.")
        return SwitchUser(rest)
    if keyword == "instructor":
        if rest.casefold() in ("on", "off"):
            return SetInstructor(rest.casefold() == "on")
        raise ConsoleInputError("Type instructor on or instructor off.",
                                hint="the instructor commands themselves start with a slash: /instructor reload")
    if keyword == "wait":
        return _parse_wait(rest)
    if keyword in ("help", "?") and not rest:
        return ShowHelp()
    if keyword in ("quit", "exit") and not rest:
        return Quit()
    raise ConsoleInputError(f"I don't understand “{_clip(text)}”.", hint=HELP_HINT)


def parse_slash(text: str) -> SlashCommand:
    """Parse what follows the slash: the longest matching command name, then its options."""
    spec, rest = _match_command(text)
    return SlashCommand(spec.name, validate_options(spec, split_options(spec, rest)))


def split_options(spec: CommandSpec, text: str) -> list[tuple[str, str]]:
    """Split ``a:1 b:two words`` into ``[("a", "1"), ("b", "two words")]`` (names as typed)."""
    text = text.strip()
    if not text:
        return []
    known = {name.casefold() for name in spec.option_names}
    starts = [m for m in _OPTION_TOKEN.finditer(text) if m.start() == 0 or _starts_option(m, text, known)]
    if not starts or starts[0].start() != 0:
        first = text[: starts[0].start()].strip() if starts else text
        raise ConsoleInputError(
            f"“{_clip(first)}” is not an option: type options as name:value{_example(spec, first)}.",
            hint=_usage(spec),
        )
    pairs = []
    for current, following in zip(starts, [*starts[1:], None], strict=True):
        end = following.start() if following else len(text)
        pairs.append((current.group(1), text[current.end():end].strip()))
    return pairs


def validate_options(spec: CommandSpec, pairs: Sequence[tuple[str, str]]) -> dict[str, object]:
    """Check names, types, limits and required options; return the converted values."""
    by_name = {name.casefold(): option for name, option in spec.option_names.items()}
    values: dict[str, object] = {}
    for typed_name, raw in pairs:
        option = by_name.get(typed_name.casefold())
        if option is None:
            raise ConsoleInputError(f"/{spec.name} has no option “{_clip(typed_name)}”; {_option_list(spec)}.",
                                    hint=_usage(spec))
        if option.name in values:
            raise ConsoleInputError(f"The option {option.name} is given twice.", hint=_usage(spec))
        values[option.name] = convert_option(spec, option, raw)
    missing = [option.name for option in spec.options if option.required and option.name not in values]
    if missing:
        needed = " and ".join(f"{name}:<{spec.option_names[name].type.value}>" for name in missing)
        raise ConsoleInputError(f"/{spec.name} needs {needed}.", hint=_usage(spec))
    return values


def convert_option(spec: CommandSpec, option: OptionSpec, raw: str) -> object:
    """One option's typed text as the value the service expects, or a ConsoleInputError."""
    if not raw:
        raise ConsoleInputError(f"The option {option.name} needs a value after the colon.", hint=_usage(spec))
    if option.type is OptionType.INTEGER:
        return _integer(spec, option, raw)
    if option.type is OptionType.BOOLEAN:
        value = BOOLEAN_WORDS.get(raw.casefold())
        if value is None:
            raise ConsoleInputError(f"{option.name} must be true or false (or yes or no), not “{_clip(raw)}”.",
                                    hint=_usage(spec))
        return value
    if option.type is OptionType.USER:
        name = raw.removeprefix("@").strip()
        if not name:
            raise ConsoleInputError(f"{option.name} needs a user name, e.g. {option.name}:alice.", hint=_usage(spec))
        return Member(name, name)
    if option.type is OptionType.ATTACHMENT:
        return AttachmentPath(raw)
    if option.choices:
        for choice in option.choices:
            if raw.casefold() == choice.casefold():
                return choice
        raise ConsoleInputError(f"{option.name} must be one of {', '.join(option.choices)}, not “{_clip(raw)}”.",
                                hint=_usage(spec))
    if option.max_length is not None and len(raw) > option.max_length:
        raise ConsoleInputError(f"{option.name} must be at most {option.max_length} characters; "
                                f"this one has {len(raw)}.", hint=_usage(spec))
    return raw


def _parse_click(rest: str) -> Click:
    if not rest:
        raise ConsoleInputError("Say which button to press: click 1, or click and its label.",
                                hint="e.g. click Next")
    if _NUMBER.fullmatch(rest):
        return Click(number=int(rest))
    return Click(label=rest)


def _parse_wait(rest: str) -> Wait:
    if not _SECONDS.fullmatch(rest) or float(rest) > MAX_WAIT_SECONDS:
        raise ConsoleInputError("Say how many seconds to wait, e.g. wait 30.",
                                hint=f"a number of seconds from 0 to {MAX_WAIT_SECONDS}")
    return Wait(float(rest))


def pick_button(buttons: Sequence[Button], click: Click) -> Button:
    """The button a ``click`` means: by number, exact label, answer text, or unique prefix."""
    if not buttons:
        raise ConsoleInputError("There is no button to click yet.",
                                hint="buttons come with replies such as /quiz or /excerpt")
    listing = ", ".join(f"[{i}] {b.label}" for i, b in enumerate(buttons, start=1))
    if click.number is not None:
        if not 1 <= click.number <= len(buttons):
            raise ConsoleInputError(f"There is no button {click.number}: the buttons are numbered 1 to "
                                    f"{len(buttons)}.", hint=f"buttons: {listing}")
        chosen = buttons[click.number - 1]
    else:
        chosen = _button_by_label(buttons, click.label or "", listing)
    if chosen.disabled:
        raise ConsoleInputError(f"The {chosen.label} button can't be pressed right now.",
                                hint=f"pick another one: {listing}")
    return chosen


def _button_by_label(buttons: Sequence[Button], label: str, listing: str) -> Button:
    wanted = label.strip().casefold()
    full = [b.label.casefold() for b in buttons]
    answer = [_CHOICE_LETTER.sub("", b.label).casefold() for b in buttons]
    tiers = (
        [i for i, text in enumerate(full) if text == wanted],
        [i for i, text in enumerate(answer) if text == wanted],
        [i for i, text in enumerate(full) if text.startswith(wanted)],
        [i for i, text in enumerate(answer) if text.startswith(wanted)],
    )
    for found in tiers:
        if len(found) == 1:
            return buttons[found[0]]
        if found:
            names = ", ".join(f"[{i + 1}] {buttons[i].label}" for i in found)
            raise ConsoleInputError(f"“{_clip(label)}” matches several buttons: {names}.",
                                    hint="click by number or type more of the label")
    raise ConsoleInputError(f"No button is labelled “{_clip(label)}”.", hint=f"buttons: {listing}")


def console_help() -> str:
    """The console's own commands and every catalogue command's usage, as Markdown."""
    lines = [
        "**Console lines**",
        "- `/command option:value …`: run a bot command, typed as in Discord",
        "- `click N` or `click LABEL`: press a button of the latest reply with buttons (N from 1)",
        "- `submit TEXT`: answer the open question (short-answer cards)",
        "- `as NAME`: act as another user",
        "- `instructor on` or `instructor off`: grant or drop instructor rights",
        "- `wait SECONDS`: move the clock on and run what falls due (class-game reveals, next questions)",
        "- `help`: this list; `quit`: leave (or Ctrl-D); lines starting with # are comments",
        "",
        "**Bot commands**",
    ]
    lines += [f"- `{spec.usage}`: {spec.description}"
              + (" (instructors)" if spec.instructor else "") for spec in COMMANDS.values()]
    return "\n".join(lines)


def _match_command(text: str) -> tuple[CommandSpec, str]:
    for name in sorted(COMMANDS, key=len, reverse=True):
        pattern = r"\s+".join(re.escape(part) for part in name.split()) + r"(?=\s|$)"
        found = re.match(pattern, text, re.IGNORECASE)
        if found:
            return COMMANDS[name], text[found.end():]
    word, _, rest = text.partition(" ")
    word = word.lower()
    group = sorted(name.split(" ", 1)[1] for name in COMMANDS if name.startswith(word + " "))
    if group:
        sub = rest.strip().split(" ", 1)[0]
        what = f"has no subcommand “{_clip(sub)}”" if sub else "needs a subcommand"
        raise ConsoleInputError(f"/{word} {what}: {', '.join(group)}.", hint=f"e.g. /{word} {group[0]}")
    raise ConsoleInputError(f"There is no /{_clip(word)} command.", hint=HELP_HINT)


def _starts_option(match: re.Match[str], text: str, known: set[str]) -> bool:
    name = match.group(1)
    if name.casefold() in known:
        return True
    after = text[match.end():match.end() + 1]
    return bool(_LOOKS_LIKE_OPTION.fullmatch(name)) and after != "" and not after.isspace() and after != "/"


def _integer(spec: CommandSpec, option: OptionSpec, raw: str) -> int:
    low, high = option.min_value, option.max_value
    if low is not None and high is not None:
        expected = f"a whole number from {low} to {high}"
    elif low is not None:
        expected = f"a whole number of at least {low}"
    elif high is not None:
        expected = f"a whole number of at most {high}"
    else:
        expected = "a whole number"
    if not _INTEGER.fullmatch(raw):
        raise ConsoleInputError(f"{option.name} must be {expected}, not “{_clip(raw)}”.", hint=_usage(spec))
    value = int(raw)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ConsoleInputError(f"{option.name} must be {expected}, not {value}.", hint=_usage(spec))
    return value


def _usage(spec: CommandSpec) -> str:
    return f"usage: {spec.usage}"


def _option_list(spec: CommandSpec) -> str:
    if not spec.options:
        return "it takes no options"
    return "its options are " + ", ".join(option.name for option in spec.options)


def _example(spec: CommandSpec, text: str) -> str:
    if not spec.options:
        return f" (/{spec.name} takes none)"
    option = next((o for o in spec.options if o.required), spec.options[0])
    return f", e.g. /{spec.name} {option.name}:{_clip(text, 40)}"


def _clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """Typed text quoted back in an error, shortened at a word."""
    return truncate(text, limit)
