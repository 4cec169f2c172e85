"""The small view objects templates receive, and the pager of long lists.

Kept apart from the use cases so the template samples (which check instructors' overrides
at load) can build the same shapes without importing the service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.presentation.replies import Button


@dataclass(frozen=True, slots=True)
class ExcerptView:
    """A search hit as templates show it."""

    citation: str
    snippet: str
    fiction: bool


@dataclass(frozen=True, slots=True)
class TopicRow:
    """One topic line of ``/progress``."""

    title: str
    seen: int
    total: int
    accuracy: float
    attempts: int
    mastered: int


@dataclass(frozen=True, slots=True)
class Pager:
    """Which page of a long list is shown, and its Prev/Next buttons."""

    page: int
    pages: int
    first: int

    @classmethod
    def of(cls, total: int, page: int, per_page: int) -> Pager:
        """Clamp ``page`` (from 1) to the pages ``total`` items make."""
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        return cls(page, pages, (page - 1) * per_page)

    @property
    def footer(self) -> str:
        """``Page 2 of 5``."""
        return f"Page {self.page} of {self.pages}"

    def buttons(self, action_for: Callable[[int], str]) -> tuple[Button, ...]:
        """Prev/Next buttons (none for a single page); ``action_for(n)`` is page n's action id."""
        if self.pages == 1:
            return ()
        return (Button("Prev", action_for(self.page - 1), disabled=self.page == 1),
                Button("Next", action_for(self.page + 1), disabled=self.page == self.pages))
