"""A throw-away copy of the live database, for trying draft content without touching progress."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def copy_for_trial(live: Path, dest: Path) -> Path:
    """Copy ``live`` (if it exists) to ``dest`` with SQLite's backup API, opening it read-only.

    A live bot may be writing meanwhile; the backup API copies a consistent state. A missing
    live database gives no copy: the trial then starts from an empty one at ``dest``.
    """
    if live.is_file():
        with closing(sqlite3.connect(f"{live.resolve().as_uri()}?mode=ro", uri=True)) as source, \
                closing(sqlite3.connect(dest)) as target:
            source.backup(target)
    return dest
