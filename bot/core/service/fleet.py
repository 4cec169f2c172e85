"""The other bot processes on a shared database: a content reload in one reaches them all.

With PostgreSQL several processes (Discord shards, possibly on several machines) serve one
class. An instructor's ``/instructor reload`` or upload lands in one of them; that process
announces it on a NOTIFY channel, and every other process reloads *its own* copy of
``content/`` (each machine deploys its own). A process whose copy fails validation keeps
serving its old content and logs every problem, exactly as a failed local reload does. On
SQLite there is one process, and the announcement goes nowhere.
"""

from __future__ import annotations

import logging
import secrets

from bot.core.content.library import ContentLibrary
from bot.core.progress.backend import StudyDatabase

RELOAD_CHANNEL = "studybot_content_reload"
_LOG = logging.getLogger(__name__)


class ContentBroadcast:
    """Announces this process's content reloads and follows the other processes' ones."""

    def __init__(self, db: StudyDatabase, library: ContentLibrary) -> None:
        self._db = db
        self._library = library
        self.origin = secrets.token_hex(8)
        """This process's name in announcements, so it does not reload twice on its own news."""

    async def start(self) -> None:
        """Listen for other processes' reloads."""
        await self._db.subscribe(RELOAD_CHANNEL, self.heard)

    async def announce(self) -> None:
        """Tell every other process that content went live here."""
        await self._db.publish(RELOAD_CHANNEL, self.origin)

    async def heard(self, origin: str) -> None:
        """Another process reloaded: reload our own copy, or keep the old one and say why."""
        if origin == self.origin:
            return
        try:
            result = await self._library.reload()
        except Exception:  # a bug, not bad content: the old content keeps serving; say so, don't die silently
            _LOG.exception("Reloading after a reload in another bot process failed; the old content keeps serving")
            return
        if result.ok:
            _LOG.info("Content reloaded after a reload in another bot process")
            return
        _LOG.error("Another bot process reloaded its content, but this process's copy of %s has %d problem(s); "
                   "the old content keeps serving here:\n  %s", self._library.content_dir, len(result.problems),
                   "\n  ".join(str(problem) for problem in result.problems))
