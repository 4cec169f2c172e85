"""Files instructors send and receive: uploaded decks (named safely) and CSV exports."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from bot.core.errors import StudyError

UPLOAD_LIMIT_BYTES = 64 * 1024
_SAFE_DECK_NAME = re.compile(r"[^a-z0-9_-]+")
_SPREADSHEET_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def check_upload_size(size: int) -> None:
    """Refuse a deck over the size cap (front ends call this before downloading anything)."""
    if size > UPLOAD_LIMIT_BYTES:
        # In bytes: rounded to KiB, a file just over the cap read "64 KiB; decks are limited to 64 KiB".
        raise StudyError(f"The file is {size:,} bytes; decks are limited to {UPLOAD_LIMIT_BYTES // 1024} KiB "
                         f"({UPLOAD_LIMIT_BYTES:,} bytes).", hint="split it into several decks")


def deck_filename(filename: str) -> str:
    """A safe ``name.yaml`` inside cards/: no folders, no dots, nothing but a-z, 0-9, - and _."""
    stem = Path(filename.replace("\\", "/")).name
    for suffix in (".yaml", ".yml"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    else:
        raise StudyError("Decks must be .yaml files.", hint="see content/README.md for the format")
    safe = _SAFE_DECK_NAME.sub("-", stem.lower()).strip("-_")[:60]
    if not safe:
        raise StudyError("The file name has no usable characters.", hint="name it like my-deck.yaml")
    return f"{safe}.yaml"


def export_csv(rows: list[dict[str, object]], fieldnames: Sequence[str] | None = None) -> bytes:
    """CSV bytes; cells a spreadsheet would run as a formula are prefixed with a quote.

    Without ``fieldnames`` the columns are the first row's keys, and no rows give no file
    content; with them, the header is written even when there are no rows.
    """
    out = io.StringIO()
    columns = list(fieldnames) if fieldnames is not None else list(rows[0]) if rows else None
    if columns is not None:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _defused(value) for key, value in row.items()})
    return out.getvalue().encode("utf-8")


def _defused(value: object) -> object:
    if isinstance(value, str) and value.startswith(_SPREADSHEET_FORMULA):
        return "'" + value
    return value
