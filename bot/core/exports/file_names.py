"""Names for exported files: safe on every file system and, where asked, stamped with the time."""

from __future__ import annotations

import re
from datetime import datetime

from bot.core.clock import as_utc

_UNSAFE = re.compile(r"[^a-z0-9]+")


def slug(text: str, fallback: str = "course") -> str:
    """``Japan's Role`` → ``japan-s-role``: lower-case letters, digits and single dashes only."""
    return _UNSAFE.sub("-", text.lower()).strip("-")[:60].strip("-") or fallback


def stamp(moment: datetime) -> str:
    """``2024-05-01_090000Z``: sorts by time, and a later export gets a different name."""
    return f"{as_utc(moment):%Y-%m-%d_%H%M%S}Z"
