"""The live content: one snapshot serving at a time, swapped atomically on reload."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from bot.core.atomic_files import write_atomically
from bot.core.content.loader import SampleProvider, load_content
from bot.core.content.snapshot import ContentSnapshot
from bot.core.lookup.semantic.meaning import MeaningModel
from bot.core.problems import ContentError, Problem

log = logging.getLogger(__name__)


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
    """Holds the current snapshot; a failed reload leaves it serving untouched.

    Once given a sentence model (:meth:`rank_by_meaning`), each snapshot that goes live has
    its passages encoded on a background thread and starts ranking by meaning when that is
    done (milliseconds from the vector cache, ~15 s for a course never seen); until then its
    search ranks by words.
    """

    def __init__(self, content_dir: Path, samples: SampleProvider) -> None:
        self.content_dir = content_dir
        self._samples = samples
        self._meaning: MeaningModel | None = None
        self._snapshot: ContentSnapshot | None = None
        self._lock = asyncio.Lock()
        self._encoding: threading.Thread | None = None

    @property
    def snapshot(self) -> ContentSnapshot:
        """The content serving now."""
        if self._snapshot is None:
            raise RuntimeError("content has not been loaded yet")
        return self._snapshot

    def load(self) -> ContentSnapshot:
        """First load at start-up; raises ContentError so a broken course refuses to start."""
        return self._serve(load_content(self.content_dir, self._samples))

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
            return ReloadResult(self._serve(fresh), ())

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
            return ReloadResult(self._serve(fresh), ())

    @property
    def encoding(self) -> bool:
        """Whether passages are being encoded in the background now."""
        return self._encoding is not None and self._encoding.is_alive()

    def wait_for_meaning(self, timeout: float | None = None) -> bool:
        """Block until the serving snapshot's passages are encoded (or ``timeout``); whether search ranks by meaning."""
        if self._encoding is not None:
            self._encoding.join(timeout)
        return self.snapshot.index.ranks_by_meaning

    def rank_by_meaning(self, meaning: MeaningModel) -> None:
        """From now on encode each snapshot that goes live, starting with the one serving (if any)."""
        self._meaning = meaning
        if self._snapshot is not None:
            self._start_encoding(self._snapshot)

    def _serve(self, snapshot: ContentSnapshot) -> ContentSnapshot:
        """Swap ``snapshot`` in and start encoding its passages in the background."""
        self._snapshot = snapshot
        self._start_encoding(snapshot)
        return snapshot

    def _start_encoding(self, snapshot: ContentSnapshot) -> None:
        if self._meaning is not None:
            self._encoding = threading.Thread(target=self._encode, args=(self._meaning, snapshot),
                                              name="search-meaning", daemon=True)
            self._encoding.start()

    @staticmethod
    def _encode(meaning: MeaningModel, snapshot: ContentSnapshot) -> None:
        try:
            snapshot.index.attach_meaning(meaning.build(snapshot.index.meaning_texts()))
        except Exception:  # a broken model must not take search down: the words still rank
            log.exception("search: encoding the passages failed; ranking by words only")
