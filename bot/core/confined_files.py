"""Reading instructors' files: inside the content folder, regular files only, size-capped.

Content is edited by people and synced by tools, so a file may be a symlink to a secret
elsewhere, a pipe that never ends, a device, a folder named like a file or unreadable. Each of
those is a located problem, never a hang, a leak or a traceback.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from bot.core.problems import Problem

MAX_FILE_BYTES = 4 * 1024 * 1024  # the shipped paper is 64 KiB; a course file past 4 MiB is a mistake
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NON_BLOCKING = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer


def relative(path: Path, root: Path) -> str:
    """Path as shown in problems: relative to the content folder, with forward slashes."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def read_content_file(path: Path, root: Path, problems: list[Problem]) -> str | None:
    """The UTF-8 text of ``path`` (under the resolved folder ``root``), or None with a located problem."""
    file = relative(path, root)
    data = _read_bytes(path, root, file, problems)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(utf8_problem(data, exc, file))
        return None


def _read_bytes(path: Path, root: Path, file: str, problems: list[Problem]) -> bytes | None:
    def refuse(message: str, hint: str | None = None) -> None:
        problems.append(Problem(file, 1, 1, "", message, hint))

    try:
        resolved = path.resolve()
        if not resolved.is_relative_to(root.resolve()):
            refuse("points outside the content folder",
                   "copy the file into the content folder instead of linking to it")
            return None
        descriptor = os.open(resolved, os.O_RDONLY | _NO_FOLLOW | _NON_BLOCKING)
        with os.fdopen(descriptor, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                refuse("is not a regular file (a pipe, socket or device)", "replace it with a plain text file")
                return None
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        refuse("file not found")
        return None
    except IsADirectoryError:
        refuse("is a folder, not a file", "rename or remove the folder")
        return None
    except PermissionError:
        refuse("cannot be read: permission denied", "let the bot's user read it, e.g. chmod a+r")
        return None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop while resolving
        refuse(f"cannot be read: {getattr(exc, 'strerror', None) or exc}")
        return None
    if len(data) > MAX_FILE_BYTES:
        refuse(f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", "split it into several files")
        return None
    return data


def utf8_problem(data: bytes, exc: UnicodeDecodeError, file: str) -> Problem:
    """Locate the first byte that is not UTF-8."""
    before = data[: exc.start]
    line = before.count(b"\n") + 1
    column = exc.start - (before.rfind(b"\n") + 1) + 1
    return Problem(file, line, column, "", "the file is not UTF-8 text",
                   "save it as UTF-8 in your editor")
