"""Content snapshots the export tests read: the tiny fixture course and the shipped one."""

from __future__ import annotations

import dataclasses

import pytest

from bot.core.content.loader import load_content
from bot.core.content.snapshot import ContentSnapshot
from bot.core.models import Card
from bot.core.service.template_samples import template_samples
from tests.conftest import FIXTURE_CONTENT, SHIPPED_CONTENT


@pytest.fixture(scope="session")
def fixture_snapshot() -> ContentSnapshot:
    return load_content(FIXTURE_CONTENT, template_samples)


@pytest.fixture(scope="session")
def shipped_snapshot() -> ContentSnapshot:
    return load_content(SHIPPED_CONTENT, template_samples)


def with_card(snapshot: ContentSnapshot, card_id: str, **changes: object) -> ContentSnapshot:
    """The snapshot with one card's fields changed (e.g. a prompt full of special characters)."""
    cards = dict(snapshot.cards)
    cards[card_id] = dataclasses.replace(cards[card_id], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(snapshot, cards=cards)


def cards_of(snapshot: ContentSnapshot) -> list[Card]:
    return list(snapshot.cards.values())
