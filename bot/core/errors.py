"""Errors that carry a message meant for the learner or instructor who caused them."""

from __future__ import annotations


class StudyError(Exception):
    """A problem the user can act on; front ends show ``message`` (and ``hint``) as is."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


DATABASE_BUSY = "The study database is busy right now — please try again in a moment."


class DatabaseBusyError(StudyError):
    """Another writer held the database too long; the user should simply retry."""


class MigrationError(StudyError):
    """The database schema and the migration files disagree, so the bot must not start."""


class DatabaseUnusableError(StudyError):
    """The database file cannot be trusted (damaged, full, deleted or replaced): nothing more is saved."""
