"""Faults of the database file itself, told in words a learner or an instructor can act on.

SQLite reports a damaged file, a full disk or a file that is not a database as bare
``sqlite3`` errors, which a front end can only show as "Something went wrong". Those faults
are not the learner's doing and retrying at once will not help, so they become one
:class:`DatabaseUnusableError` each, with what to do next.

A deleted or replaced file raises no error at all: SQLite keeps writing to the inode it
opened, so every answer acknowledged after ``rm`` or ``mv backup live`` is lost when the bot
stops. :class:`FileIdentity` remembers which file was opened (device and inode), so the
database can refuse to acknowledge writes once its path names another file or none.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import DatabaseUnusableError

RESTORE_HINT = "stop the bot and restore the latest backup, as the README's 'Restoring a backup' says"
_TELL_INSTRUCTOR = "please tell an instructor"
_DAMAGED_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_LOG = logging.getLogger(__name__)


def _primary_code(error: BaseException) -> int:
    """SQLite's primary result code of ``error`` (extended codes keep it in the low byte); 0 if none."""
    return (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF


def is_damage(error: BaseException) -> bool:
    """Whether SQLite found the file damaged or not a database at all."""
    return isinstance(error, sqlite3.Error) and _primary_code(error) in _DAMAGED_CODES


def fault_of(error: BaseException) -> DatabaseUnusableError | None:
    """The user-facing error for a damaged database or a full disk; ``None`` for anything else."""
    if not isinstance(error, sqlite3.Error):
        return None
    if is_damage(error):
        return DatabaseUnusableError(
            "The study database is damaged, so progress cannot be read or saved right now.",
            hint=f"{_TELL_INSTRUCTOR}; an instructor can {RESTORE_HINT}",
        )
    if _primary_code(error) == sqlite3.SQLITE_FULL:
        return DatabaseUnusableError(
            "The server's disk is full, so this was not saved.",
            hint=f"{_TELL_INSTRUCTOR}; once space is freed, try again",
        )
    return None


def damaged_at_start(path: Path, findings: list[str]) -> DatabaseUnusableError:
    """Refuse to start on a file that ``PRAGMA quick_check`` (or opening it) found damaged."""
    shown = "; ".join(findings[:3]) + ("; …" if len(findings) > 3 else "")
    return DatabaseUnusableError(f"The database {path} is damaged ({shown}).", hint=RESTORE_HINT)


@dataclass(frozen=True)
class FileIdentity:
    """Which file a path named when it was opened: its device and inode."""

    path: str
    device: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileIdentity | None:
        """The identity of the file at ``path`` now, or ``None`` when there is none."""
        try:
            status = os.stat(path)
        except FileNotFoundError:
            return None
        return cls(os.fspath(path), status.st_dev, status.st_ino)

    def ensure_unchanged(self) -> None:
        """Raise when the path was deleted or now names another file (a restored backup, say).

        Called around every write batch, so it is one ``stat`` (a few microseconds) and a compare.
        """
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            what = "deleted"
        else:
            if status.st_ino == self.inode and status.st_dev == self.device:
                return
            what = "replaced by another file"
        raise DatabaseUnusableError(
            f"The study database file was {what} while the bot was running, so nothing more is being saved.",
            hint=f"{_TELL_INSTRUCTOR}: the bot must be stopped and started again ({self.path})",
        )


def explained(error: BaseException) -> BaseException:
    """``error``, or the :class:`DatabaseUnusableError` that says what it means (logged for the operator)."""
    fault = fault_of(error)
    if fault is None:
        return error
    _LOG.error("database fault: %s", error)
    fault.__cause__ = error
    return fault


@contextmanager
def faults_explained() -> Iterator[None]:
    """Turn a damaged file or a full disk met inside the block into a :class:`DatabaseUnusableError`."""
    try:
        yield
    except sqlite3.Error as error:
        fault = explained(error)
        if fault is error:
            raise
        raise fault from error
