"""Replies as terminal text or as the console's JSON lines (DESIGN.md §6).

The JSON shape is a contract: exactly the keys of :func:`reply_to_json`, nothing more.
The text form makes the Markdown readable: emphasis becomes ANSI bold/italic when colour
is on and disappears otherwise, backslash escapes are undone, quotes get a bar, and every
line is wrapped to the terminal width.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from bot.core.presentation.replies import Reply, TextPrompt, Tone
from bot.core.presentation.time_text import duration, when

MIN_WIDTH = 40
MAX_WIDTH = 100
ESCAPABLE = frozenset("\\*_~`|[]>#-<@:().!")
_MARKERS = ("**", "__", "~~", "||", "*")
_INVISIBLE = str.maketrans({"\u200b": None})

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
ITALIC = "\x1b[3m"
UNDERLINE = "\x1b[4m"
CODE = "\x1b[36m"
TONE_COLOURS = {Tone.INFO: "\x1b[1;36m", Tone.SUCCESS: "\x1b[1;32m", Tone.WARNING: "\x1b[1;33m",
                Tone.ERROR: "\x1b[1;31m"}
_STYLE_CODES = {"b": BOLD, "i": ITALIC, "u": UNDERLINE, "c": CODE, "d": DIM}
_MARKER_STYLES = {"**": "b", "__": "u", "*": "i", "~~": "", "||": ""}
_DISCORD_TIME = re.compile(r"<t:(-?\d{1,12})(?::([tTdDfFR]))?>")


def prompt_description(prompt: TextPrompt | None) -> str | None:
    """The short description of an open text prompt that JSON and text output show."""
    return f"{prompt.title}: {prompt.label}" if prompt else None


def reply_to_json(reply: Reply, *, input_line: str, user: str) -> dict[str, Any]:
    """The contract's JSON object for one reply, keys in the documented order."""
    return {
        "input": input_line,
        "user": user,
        "ephemeral": reply.ephemeral,
        "title": reply.title,
        "description": reply.body,
        "fields": [{"name": f.name, "value": f.value} for f in reply.fields],
        "footer": reply.footer,
        "buttons": [{"label": b.label, "custom_id": b.action, "disabled": b.disabled} for b in reply.buttons],
        "prompt": prompt_description(reply.prompt),
        "error": reply.error,
    }


def wants_colour(stream: IO[str]) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


def terminal_width() -> int:
    """The terminal's width, kept between 40 and 100 columns so text stays readable."""
    return max(MIN_WIDTH, min(MAX_WIDTH, shutil.get_terminal_size((80, 24)).columns))


def readable_times(text: str, now: datetime) -> str:
    """Discord's timestamp markup (``<t:1709542820:R>``) as a reader of the console sees it.

    Discord shows each reader the time in their own zone and counts ``:R`` down live; the
    console prints it once, relative to its own clock, to the second within a minute (a
    class question's deadline: ``in 20 s``), else with the time (``in 3 h (Mar 4, 12:00 UTC)``).
    """
    def readable(match: re.Match[str]) -> str:
        moment = datetime.fromtimestamp(int(match.group(1)), UTC)
        if match.group(2) != "R":
            return f"{moment:%Y-%m-%d %H:%M} UTC"
        delta = moment - now
        if abs(delta) >= timedelta(minutes=1):
            return when(moment, now)
        return "now" if not delta else f"in {duration(delta)}" if delta > timedelta(0) else f"{duration(-delta)} ago"

    return _DISCORD_TIME.sub(readable, text) if "<t:" in text else text


def render_reply(reply: Reply, *, width: int = 80, colour: bool = False, now: datetime | None = None) -> str:
    """A reply as terminal text: title, body, fields, footer, buttons and the open prompt.

    ``now`` (the console's clock) turns Discord timestamps into readable times; without it
    they stay as the markup.
    """
    paint = _painter(colour)
    timed: Callable[[str], str] = (lambda text: readable_times(text, now)) if now is not None else str
    out = [paint(line, TONE_COLOURS[reply.tone]) for line in _wrap_plain(reply.title, width)]
    out.append(paint("─" * min(width, max(_width(line) for line in out)), DIM))
    if reply.body.strip():
        out += markdown_lines(timed(reply.body), width=width, colour=colour)
    for item in reply.fields:
        out.append("")
        out += markdown_lines(f"**{item.name}**", width=width, colour=colour)
        out += markdown_lines(timed(item.value), width=width, colour=colour, indent="  ")
    notes = [n for n in (reply.footer, None if reply.ephemeral else "shown to the whole channel") if n]
    if notes:
        out.append("")
        out += [paint(line, DIM) for line in _wrap_plain(" · ".join(notes), width)]
    if reply.buttons:
        out.append("")
        labels = [f"[{i}] {b.label}" + (" (disabled)" if b.disabled else "")
                  for i, b in enumerate(reply.buttons, start=1)]
        out += [paint(line, BOLD) for line in _pack(labels, width)]
    if reply.prompt:
        out += [paint(line, ITALIC) for line in _wrap_plain(
            f"{prompt_description(reply.prompt)} (submit <your answer>)", width)]
    return "\n".join(out)


def markdown_lines(text: str, *, width: int = 80, colour: bool = False, indent: str = "") -> list[str]:
    """Discord Markdown as wrapped terminal lines; runs of blank lines collapse into one."""
    lines: list[str] = []
    for raw in text.translate(_INVISIBLE).splitlines():
        if not raw.strip():
            if lines and lines[-1] != "":
                lines.append("")
            continue
        first, rest, content, extra = _block(raw, indent)
        cells = _cells(content, extra)
        lines += _wrap_cells(cells, width, first, rest, colour)
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def _block(line: str, indent: str) -> tuple[str, str, str, str]:
    """Line-level Markdown: (first prefix, continuation prefix, inline text, extra style)."""
    stripped = line.lstrip()
    lead = indent + line[: len(line) - len(stripped)]
    if stripped.startswith(">"):
        content = stripped[1:].removeprefix(" ")
        return lead + "│ ", lead + "│ ", content, "d"
    if stripped.startswith("-# "):
        return lead, lead, stripped[3:], "d"
    for hashes in ("### ", "## ", "# "):
        if stripped.startswith(hashes):
            return lead, lead, stripped[len(hashes):], "b"
    for bullet in ("- ", "* ", "• "):
        if stripped.startswith(bullet):
            return lead + "- ", lead + "  ", stripped[len(bullet):], ""
    return lead, lead, stripped, ""


def _cells(text: str, style: str) -> list[tuple[str, str]]:
    """Inline Markdown as (character, styles) pairs: markers dropped, escapes undone.

    A marker only formats when a matching one closes it on the same line, as in Discord;
    a lone ``*`` stays a star.
    """
    cells: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in ESCAPABLE:
            cells.append((text[i + 1], style))
            i += 2
            continue
        if char == "`":
            close = text.find("`", i + 1)
            if close > i + 1:
                cells += [(c, style + "c") for c in text[i + 1:close]]
                i = close + 1
                continue
        marker = next((m for m in _MARKERS if text.startswith(m, i)), None)
        if marker is not None:
            close = _closing(text, i + len(marker), marker)
            if close > i + len(marker):
                cells += _cells(text[i + len(marker):close], style + _MARKER_STYLES[marker])
                i = close + len(marker)
                continue
        cells.append((char, style))
        i += 1
    return cells


def _closing(text: str, start: int, marker: str) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "`":
            close = text.find("`", i + 1)
            i = close + 1 if close > i else i + 1
            continue
        if text.startswith(marker, i):
            if marker == "*" and text.startswith("**", i):
                i += 2
                continue
            return i
        i += 1
    return -1


def _wrap_cells(cells: list[tuple[str, str]], width: int, first: str, rest: str, colour: bool) -> list[str]:
    """Greedy word wrap on visible characters, then styles turned into ANSI codes."""
    words: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for cell in cells:
        if cell[0] in " \t":
            if current:
                words.append(current)
                current = []
        else:
            current.append(cell)
    if current:
        words.append(current)
    out: list[str] = []
    line: list[tuple[str, str]] = []
    prefix = first
    for word in words:
        while word:
            room = max(10, width - _width(prefix))
            if line and _cells_width(line) + 1 + _cells_width(word) > room:
                out.append(prefix + _styled(line, colour))
                line, prefix = [], rest
                continue
            if not line and _cells_width(word) > room:
                out.append(prefix + _styled(word[:room], colour))
                word, prefix = word[room:], rest
                continue
            if line:
                shared = line[-1][1] if line[-1][1] == word[0][1] else ""
                line = [*line, (" ", shared), *word]
            else:
                line = word
            word = []
    if line or not out:
        out.append(prefix + _styled(line, colour))
    return [text.rstrip() for text in out]


def _styled(cells: list[tuple[str, str]], colour: bool) -> str:
    if not colour:
        return "".join(c for c, _ in cells)
    parts: list[str] = []
    active = ""
    for char, style in cells:
        if style != active:
            parts.append(RESET if active else "")
            parts.append("".join(_STYLE_CODES[s] for s in dict.fromkeys(style)))
            active = style
        parts.append(char)
    if active:
        parts.append(RESET)
    return "".join(parts)


def _cells_width(cells: list[tuple[str, str]]) -> int:
    return sum(_char_width(c) for c, _ in cells)


def _width(text: str) -> int:
    return sum(_char_width(c) for c in text)


def _char_width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _wrap_plain(text: str, width: int) -> list[str]:
    return _wrap_cells([(c, "") for c in text], width, "", "", colour=False)


def _pack(items: Iterable[str], width: int) -> list[str]:
    """Button labels side by side, two spaces apart; a label too long for a line wraps at words."""
    lines: list[str] = []
    current = ""
    for item in items:
        if current and _width(current) + 2 + _width(item) <= width:
            current = f"{current}  {item}"
            continue
        if current:
            lines.append(current)
        wrapped = _wrap_cells([(c, "") for c in item], width, "", "    ", colour=False)
        if len(wrapped) > 1:
            lines += wrapped
            current = ""
        else:
            current = wrapped[0]
    if current:
        lines.append(current)
    return lines


def _painter(colour: bool) -> Callable[[str, str], str]:
    def paint(text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if colour and text else text

    return paint
