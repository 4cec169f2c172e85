"""The console harness: typed lines in, the study service's replies out (DESIGN.md §6).

:class:`ConsoleApp` keeps what a Discord client would keep on screen (who is typing, the
latest reply with buttons, the open text prompt) and turns each parsed line into one
service call. Public messages (a class game's questions, their edits) are collected by the
console's :class:`ConsolePublisher` and shown, each edit as a new reply, before the line's
own reply. The console's clock stands still (at ``--now`` or the real time at start) and
only ``wait`` moves it, running what falls due on the way. It never raises: a StudyError
becomes its error reply and anything else an error reply with a short code, logged with its
traceback. :func:`run_console` opens the service and feeds it lines from a script, a pipe or
an interactive prompt with history.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import logging
import os
import secrets
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from bot.console_frontend.console_commands import (
    AttachmentPath,
    Click,
    ConsoleCommand,
    ConsoleInputError,
    Quit,
    SetInstructor,
    ShowHelp,
    SlashCommand,
    Submit,
    SwitchUser,
    Wait,
    console_help,
    parse_line,
    pick_button,
)
from bot.console_frontend.console_render import render_reply, reply_to_json, terminal_width, wants_colour
from bot.core.clock import Clock, FrozenClock, system_clock
from bot.core.content.instructor_files import check_upload_size
from bot.core.errors import StudyError
from bot.core.lookup.semantic.meaning import MeaningModel
from bot.core.presentation.replies import Button, Reply, TextPrompt, Tone, error_reply
from bot.core.problems import ContentError
from bot.core.progress.backend import DatabaseTarget, describe_target
from bot.core.service.study_service import Actor, StudyService, Upload

log = logging.getLogger(__name__)

CONSOLE_SCOPE = "console"
CONSOLE_CHANNEL = "console"
"""The console is one channel: a class game started here is played by every user of the session."""
HISTORY_FILE = ".studybot_history"
HISTORY_LENGTH = 1000
MEANING_NOTICE_SECONDS = 1.0
"""A script waits this long for the passages' vectors before saying that it is waiting."""
BANNER = "Study bot console. Type /help for the bot's commands, help for the console's; Ctrl-D leaves."


class ConsolePublisher:
    """Public messages of the console's one channel: every post and edit becomes a reply to show.

    Live refreshes (the running count of answers) are left out: in a transcript they would
    repeat the question after every click; the count shows in each confirmation instead.
    """

    def __init__(self) -> None:
        self.outbox: list[Reply] = []
        self._ids = itertools.count(1)

    async def post(self, channel: str, reply: Reply) -> str:
        """Queue a new public message for display; its id is a running number."""
        self.outbox.append(reply)
        return str(next(self._ids))

    async def edit(self, channel: str, message: str, reply: Reply, *, live: bool = False) -> None:
        """Queue an edit for display as a new reply (live refreshes are skipped)."""
        if not live:
            self.outbox.append(reply)


class ConsoleApp:
    """One console session: the current user, their rights, the clock and what is on screen."""

    def __init__(self, service: StudyService, user: str, *, instructor: bool = False,
                 clock: FrozenClock | None = None) -> None:
        self.service = service
        self.user = user
        self.clock = clock
        self._instructors: set[str] = {user} if instructor else set()
        self.latest_buttons: tuple[Button, ...] = ()
        self.open_prompt: TextPrompt | None = None
        self.finished = False
        self.publisher = ConsolePublisher()
        games = getattr(service, "class_game", None)  # a stand-in service (in tests) may have no games
        if games is not None:
            games.publisher = self.publisher

    @property
    def is_instructor(self) -> bool:
        """Whether the current user has instructor rights (granted per user)."""
        return self.user in self._instructors

    @property
    def actor(self) -> Actor:
        """The current user as the service sees them."""
        return Actor(CONSOLE_SCOPE, self.user, self.user, self.is_instructor)

    @property
    def _in_channel(self) -> Actor:
        """The current user acting in the console's one channel (what every service call gets)."""
        return dataclasses.replace(self.actor, channel=CONSOLE_CHANNEL)

    @property
    def prompt_text(self) -> str:
        """The input prompt: the current user, marked when they are an instructor."""
        return f"{self.user}{' (instructor)' if self.is_instructor else ''}> "

    async def handle_all(self, line: str) -> list[Reply]:
        """Run one typed line; the public messages it caused, then its own reply. Never raises."""
        reply = await self.handle(line)
        published = self.take_published()
        return [*published, reply] if reply is not None else published

    def take_published(self) -> list[Reply]:
        """The public messages and edits posted since the last call, oldest first."""
        published, self.publisher.outbox = self.publisher.outbox, []
        for reply in published:
            self._remember(reply)
        return published

    async def handle(self, line: str) -> Reply | None:
        """Run one typed line and return its own reply; never raises.

        ``None`` for blank lines, comments, ``quit`` and a ``wait`` that ran something; public
        messages wait in :meth:`take_published`.
        """
        try:
            command = parse_line(line)
            if command is None:
                return None
            reply = await self._run(command)
        except StudyError as exc:
            return error_reply(exc)
        except Exception as exc:
            code = secrets.token_hex(3)
            log.exception("console error %s while handling %r", code, line)
            message = f"Something went wrong ({type(exc).__name__}, error {code}); the details are in the log."
            return Reply(title="Sorry", body=f"{message}\n\n*The session goes on.*", error=message, tone=Tone.ERROR)
        if reply is not None:
            self._remember(reply)
        return reply

    async def _run(self, command: ConsoleCommand) -> Reply | None:
        if isinstance(command, SlashCommand):
            options = {name: await read_upload(value) if isinstance(value, AttachmentPath) else value
                       for name, value in command.options.items()}
            return await self.service.execute(self._in_channel, command.name, options)
        if isinstance(command, Click):
            button = pick_button(self.latest_buttons, command)
            return await self.service.press(self._in_channel, button.action)
        if isinstance(command, Submit):
            if self.open_prompt is None:
                raise ConsoleInputError("There is no open question to answer.",
                                        hint="submit answers short-answer cards, e.g. after /quiz type:short")
            reply = await self.service.submit(self._in_channel, self.open_prompt.action, command.text)
            self.open_prompt = None
            return reply
        if isinstance(command, SwitchUser):
            self.user = command.name
            rights = "with instructor rights" if self.is_instructor else "without instructor rights"
            return Reply(title=f"You are now {command.name}",
                         body=f"From here on you act as {command.name}, {rights}.")
        if isinstance(command, SetInstructor):
            if command.on:
                self._instructors.add(self.user)
                return Reply(title="Instructor rights on", body=f"{self.user} can use the /instructor commands.",
                             tone=Tone.SUCCESS)
            self._instructors.discard(self.user)
            return Reply(title="Instructor rights off", body=f"{self.user} is a learner again.")
        if isinstance(command, Wait):
            return await self._wait(command.seconds)
        if isinstance(command, ShowHelp):
            return Reply(title="Console help", body=console_help())
        if isinstance(command, Quit):
            self.finished = True
            return None
        raise AssertionError(f"unhandled console command {command!r}")

    async def _wait(self, seconds: float) -> Reply | None:
        """Move the clock on, stopping at each deadline on the way to run what falls due then.

        Class-game reveals and advances, and review reminders (printed as replies addressed to
        their learner), run in time order, exactly as the bot's timers would run them.
        """
        clock = self.clock
        if clock is None:
            raise ConsoleInputError("This console's clock cannot be moved.", hint="start it with studybot console")
        games, reminders = self.service.class_game, self.service.reminders
        target = clock() + timedelta(seconds=seconds)
        ran = 0
        stuck_at = None
        while (due := _earliest(await games.next_deadline(), await reminders.next_send_at())) is not None:
            if due > target or due == stuck_at:  # a step that cannot run now would stop the clock forever
                break
            if due > clock():
                clock.advance(due - clock())
            steps = await games.run_due()
            for message in await reminders.due_reminders(clock()):
                self.publisher.outbox.append(message.reply)
                await reminders.delivered(message)
                steps += 1
            stuck_at = None if steps else due
            ran += steps
        if target > clock():
            clock.advance(target - clock())
        if ran or self.publisher.outbox:
            return None
        return Reply(title=f"Waited {seconds:g} s",
                     body=f"Nothing fell due. It is now {clock():%Y-%m-%d %H:%M:%S} UTC.")

    def _remember(self, reply: Reply) -> None:
        if reply.buttons:
            self.latest_buttons = reply.buttons
        if reply.prompt is not None:
            self.open_prompt = reply.prompt


def _earliest(*moments: datetime | None) -> datetime | None:
    """The earliest of the moments given, ignoring the missing ones."""
    present = [m for m in moments if m is not None]
    return min(present) if present else None


async def read_upload(attachment: AttachmentPath) -> Upload:
    """Read a local file named in an attachment option, or say clearly why it can't be."""
    path = Path(attachment.path)
    try:
        data = await asyncio.to_thread(_read_limited, path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise StudyError(f"Cannot read the file {attachment.path}: {reason}.",
                         hint="give the path of a local file, e.g. file:decks/my-deck.yaml") from None
    return Upload(path.name, data)


def _read_limited(path: Path) -> bytes:
    """Refuse an oversized deck from its size, as Discord's front end does, before reading it."""
    with path.expanduser().open("rb") as handle:
        check_upload_size(os.fstat(handle.fileno()).st_size)
        return handle.read()


def save_attachments(reply: Reply, folder: Path) -> list[Path]:
    """Write a reply's files into ``folder`` (created if needed) and return their paths.

    A name already there gets a number (``progress-….csv``, ``progress-…-2.csv``), so a second
    export never overwrites the first, even under a fixed ``--now``.
    """
    saved = []
    for attachment in reply.attachments:
        folder.mkdir(parents=True, exist_ok=True)
        name = Path(Path(attachment.filename.replace("\\", "/")).name or "attachment")
        target, copy = folder / name, 1
        while target.exists():
            copy += 1
            target = folder / f"{name.stem}-{copy}{name.suffix}"
        target.write_bytes(attachment.data)
        saved.append(target)
    return saved


@dataclass
class ConsoleOutput:
    """Where replies go: terminal text (wrapped, coloured on a TTY) or one JSON object a line."""

    stream: IO[str]
    json_lines: bool = False
    colour: bool = False
    width: int = 80
    exports_dir: Path = field(default_factory=lambda: Path("exports"))
    errors: IO[str] | None = None
    clock: Clock | None = None
    """The console's clock, against which Discord timestamps in replies are printed as times."""

    def show(self, reply: Reply, *, input_line: str, user: str, echo: str | None = None) -> None:
        """Print one reply; ``echo`` repeats the typed line first (scripts in text mode)."""
        saved = save_attachments(reply, self.exports_dir) if reply.attachments else []
        if self.json_lines:
            self.stream.write(json.dumps(reply_to_json(reply, input_line=input_line, user=user),
                                         ensure_ascii=False) + "\n")
            for path in saved:
                print(f"saved {path}", file=self.errors or sys.stderr)
        else:
            if echo is not None:
                self.stream.write(echo + "\n")
            now = self.clock() if self.clock is not None else None
            self.stream.write(render_reply(reply, width=self.width, colour=self.colour, now=now) + "\n")
            for path in saved:
                self.stream.write(f"Saved {path}\n")
            self.stream.write("\n")
        self.stream.flush()


@dataclass(frozen=True)
class ConsoleConfig:
    """What ``studybot console`` was asked to do."""

    user: str
    db_path: DatabaseTarget
    content_dir: Path
    migrations_dir: Path
    clock: Clock = system_clock
    script: Path | None = None
    json_lines: bool = False
    exports_dir: Path | None = None
    meaning: MeaningModel | None = None
    """The sentence model for search; a script or pipe waits until it has encoded the passages."""


def _beside(target: DatabaseTarget) -> Path:
    """The folder files go next to: the SQLite file's, or the working directory for a server."""
    return target.parent if isinstance(target, Path) else Path.cwd()


def run_console(
    config: ConsoleConfig,
    *,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Open the service and run lines from the script, the pipe or the keyboard; the exit status."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    lines: Iterable[str] | None = None
    if config.script is not None:
        try:
            lines = config.script.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            print(f"studybot: cannot read the script {config.script}: {exc}", file=stderr)
            return 1
    elif not _is_terminal(stdin):
        lines = (line.rstrip("\r\n") for line in stdin)
    clock = config.clock if isinstance(config.clock, FrozenClock) else FrozenClock(config.clock())
    output = ConsoleOutput(
        stdout, json_lines=config.json_lines, colour=not config.json_lines and wants_colour(stdout),
        width=terminal_width(), exports_dir=config.exports_dir or _beside(config.db_path) / "exports", errors=stderr,
        clock=clock,
    )
    with asyncio.Runner() as runner:
        try:
            service = runner.run(StudyService.open(db_path=config.db_path, content_dir=config.content_dir,
                                                   migrations_dir=config.migrations_dir, clock=clock,
                                                   meaning=config.meaning))
        except ContentError as exc:
            print(f"studybot: the content in {config.content_dir} has {len(exc.problems)} problem(s); "
                  "fix them and start again:", file=stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=stderr)
            return 1
        except StudyError as exc:
            print(f"studybot: cannot start: {exc}", file=stderr)
            return 1
        except Exception as exc:  # the database driver's own errors: the front end names no storage module
            log.debug("startup failed", exc_info=True)
            print(f"studybot: cannot open the database {describe_target(config.db_path)}: {exc}", file=stderr)
            return 1
        app = ConsoleApp(service, config.user, clock=clock)
        try:
            if lines is not None:
                _await_meaning(service, stderr)
                _run_lines(runner, app, output, lines)
            else:
                _interactive(runner, app, output)
        except KeyboardInterrupt:
            stdout.write("\n")
        finally:
            runner.run(service.close())
    return 0


def _await_meaning(service: StudyService, stderr: IO[str]) -> None:
    """Let a script's searches rank the same however fast the machine: wait for the passages' vectors.

    From the vector cache this takes milliseconds; a course never encoded before takes ~15 s,
    which is said on stderr so that nobody waits in silence.
    """
    if not service.library.wait_for_meaning(MEANING_NOTICE_SECONDS) and service.library.encoding:
        print("studybot: encoding the course's passages for search by meaning (once per content change, "
              "about 15 s)...", file=stderr, flush=True)
        service.library.wait_for_meaning()


def _run_lines(runner: asyncio.Runner, app: ConsoleApp, output: ConsoleOutput, lines: Iterable[str]) -> None:
    for line in lines:
        user, prompt = app.user, app.prompt_text
        echo: str | None = prompt + line.strip()
        for reply in runner.run(app.handle_all(line)):
            output.show(reply, input_line=line, user=user, echo=echo)
            echo = None
        if app.finished:
            break


def _interactive(runner: asyncio.Runner, app: ConsoleApp, output: ConsoleOutput) -> None:
    history = _load_history()
    output.stream.write(BANNER + "\n\n")
    try:
        while not app.finished:
            try:
                line = input(app.prompt_text)
            except EOFError:
                output.stream.write("\n")
                break
            user = app.user
            for reply in runner.run(app.handle_all(line)):
                output.show(reply, input_line=line, user=user)
    finally:
        _save_history(history)


def _load_history() -> Path | None:
    """Turn on line editing and load the history; any failure just means no history.

    readline is imported only here: on some terminals importing it prints a control
    sequence, which must never land in a script's JSON output.
    """
    try:
        import readline

        history = Path.home() / HISTORY_FILE
        readline.set_history_length(HISTORY_LENGTH)
        if history.is_file():
            readline.read_history_file(history)
    except (ImportError, OSError, RuntimeError):
        return None
    return history


def _save_history(history: Path | None) -> None:
    if history is None:
        return
    try:
        import readline

        readline.write_history_file(history)
    except (ImportError, OSError):
        pass


def _is_terminal(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:
        return False
