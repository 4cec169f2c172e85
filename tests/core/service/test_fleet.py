"""ContentBroadcast: following another process's reload, without a second process or a server."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.core.content.library import ContentLibrary
from bot.core.progress.database import Database
from bot.core.service.fleet import ContentBroadcast
from bot.core.service.template_samples import template_samples


@pytest.fixture
def library(content_dir: Path) -> ContentLibrary:
    library = ContentLibrary(content_dir, template_samples)
    library.load()
    return library


async def test_news_from_another_process_reloads_our_copy_and_our_own_news_is_ignored(
        library: ContentLibrary, sqlite_db: Database) -> None:
    broadcast = ContentBroadcast(sqlite_db, library)
    cards = library.content_dir / "cards" / "history.yaml"
    cards.write_text(cards.read_text().replace("What has the island dispute blocked?", "What does it block?"))

    await broadcast.heard(broadcast.origin)
    assert library.snapshot.cards["hist-occupied"].prompt == "What has the island dispute blocked?"

    await broadcast.heard("another-process")
    assert library.snapshot.cards["hist-occupied"].prompt == "What does it block?"


async def test_a_reload_that_crashes_keeps_the_old_content_and_is_logged(
        library: ContentLibrary, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    before = library.snapshot

    async def broken() -> None:
        raise RuntimeError("disk went away")

    monkeypatch.setattr(library, "reload", broken)
    await ContentBroadcast(sqlite_db, library).heard("another-process")

    assert library.snapshot is before
    [record] = caplog.records
    assert record.levelno == logging.ERROR and "old content keeps serving" in record.getMessage()
