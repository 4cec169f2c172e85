"""Content problems: one located, plain-language complaint about an instructor's file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.errors import StudyError


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """``file:line:column: field.path: message (hint)``; line and column count from 1."""

    file: str
    line: int
    column: int
    field: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        return f"{where}: {what}" + (f" ({self.hint})" if self.hint else "")


class ContentError(StudyError):
    """Raised when content does not validate; carries every problem found, sorted."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(sorted(problems))
        count = len(self.problems)
        super().__init__(f"The content has {count} problem{'s' if count != 1 else ''}.")
