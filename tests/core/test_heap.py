"""The bot settles the garbage collector once start-up is done."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.core.heap import YOUNG_COLLECTION_EVERY, settle_after_start


@pytest.fixture
def restored_collector() -> Iterator[None]:
    """Put the collector back as it was, so the rest of the suite runs with its defaults."""
    threshold = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_start_up_objects_leave_later_collections(restored_collector: None) -> None:
    built_at_start = [{"card": n} for n in range(100)]
    gc.unfreeze()
    settle_after_start()
    assert gc.get_freeze_count() >= len(built_at_start)
    assert gc.get_threshold()[0] == YOUNG_COLLECTION_EVERY
    assert not any(item is built_at_start for item in gc.get_objects())  # frozen objects are not tracked
