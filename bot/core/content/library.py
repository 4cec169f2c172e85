"""The live content: one snapshot serving at a time, swapped atomically on reload."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from bot.core.content.instructor_files import write_atomically
from bot.core.content.loader import SampleProvider, load_content
from bot.core.content.snapshot import ContentSnapshot
from bot.core.problems import ContentError, Problem


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """What a reload did: the snapshot now serving and any problems that blocked the swap."""

    snapshot: ContentSnapshot
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """Whether the new content went live."""
        return not self.problems


class ContentLibrary:
    """Holds the current snapshot; a failed reload leaves it serving untouched."""

    def __init__(self, content_dir: Path, samples: SampleProvider) -> None:
        self.content_dir = content_dir
        self._samples = samples
        self._snapshot: ContentSnapshot | None = None
        self._lock = asyncio.Lock()

    @property
    def snapshot(self) -> ContentSnapshot:
        """The content serving now."""
        if self._snapshot is None:
            raise RuntimeError("content has not been loaded yet")
        return self._snapshot

    def load(self) -> ContentSnapshot:
        """First load at start-up; raises ContentError so a broken course refuses to start."""
        self._snapshot = load_content(self.content_dir, self._samples)
        return self._snapshot

    async def check(self, extra_decks: dict[str, str] | None = None) -> ContentSnapshot:
        """Build a snapshot off the event loop without swapping it in; raises ContentError."""
        return await asyncio.to_thread(load_content, self.content_dir, self._samples, extra_decks=extra_decks)

    async def reload(self) -> ReloadResult:
        """Build a new snapshot and swap it in, or keep the old one and report why not."""
        async with self._lock:
            try:
                fresh = await self.check()
            except ContentError as exc:
                return ReloadResult(self.snapshot, exc.problems)
            self._snapshot = fresh
            return ReloadResult(fresh, ())

    async def install_deck(self, name: str, text: str, *, keep_previous_as: str | None = None) -> ReloadResult:
        """Validate a deck against the content on disk; only if valid, write ``cards/<name>`` and go live.

        One load serves both purposes: the snapshot that validated the deck is the one swapped
        in, under the same lock as :meth:`reload`, so nothing can change in between. A deck it
        replaces is first copied to ``replaced/<keep_previous_as>`` (outside ``cards/``).
        """
        async with self._lock:
            try:
                fresh = await self.check(extra_decks={name: text})
            except ContentError as exc:
                return ReloadResult(self.snapshot, exc.problems)
            target = self.content_dir / "cards" / name
            if keep_previous_as is not None and target.is_file():
                previous = await asyncio.to_thread(target.read_text, encoding="utf-8")
                await asyncio.to_thread(write_atomically, self.content_dir / "replaced" / keep_previous_as, previous)
            await asyncio.to_thread(write_atomically, target, text)
            self._snapshot = fresh
            return ReloadResult(fresh, ())
