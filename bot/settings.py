"""Settings from the environment, with ``.env`` as a fallback (DESIGN.md §9).

Paths are resolved here, once, so nothing else depends on the working directory.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dotenv import dotenv_values

from bot.core.progress.backend import DatabaseTarget, is_postgres_url

if TYPE_CHECKING:
    from bot.core.lookup.semantic.meaning import MeaningModel

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONTENT_DIR = PROJECT_ROOT / "content"
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "studybot.sqlite3"
DEFAULT_CACHE_DIR = PROJECT_ROOT / "data" / "cache"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
_SWITCH = {"on": True, "true": True, "yes": True, "1": True, "off": False, "false": False, "no": False, "0": False}


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one running bot; the token is hidden from ``repr``."""

    discord_token: str | None = field(default=None, repr=False)
    db_path: Path = DEFAULT_DB_PATH
    """The SQLite file (unused when ``db_url`` names a PostgreSQL server)."""
    db_url: str | None = field(default=None, repr=False)
    """A ``postgresql://`` URL from ``STUDYBOT_DB``; it may hold a password, so it stays out of ``repr``."""
    content_dir: Path = DEFAULT_CONTENT_DIR
    cache_dir: Path = DEFAULT_CACHE_DIR
    """Where search keeps the meaning vectors of passages between runs (``STUDYBOT_CACHE``)."""
    search_by_meaning: bool = True
    """Whether search ranks by meaning too (``STUDYBOT_SEARCH_MEANING=off`` saves 42 MB and ~10 ms a search)."""
    migrations_dir: Path = MIGRATIONS_DIR
    dev_guild_id: int | None = None
    instructor_role: str | None = None
    log_level: str = "INFO"
    course_guild_ids: tuple[int, ...] = ()
    """Servers whose instructors may change the course content (reload, upload); see :meth:`course_guilds`."""
    shard_count: int | None = None
    """Discord shards in total across every process (``studybot run --shard-count``); None: one, unsharded."""
    shard_ids: tuple[int, ...] | None = None
    """The shards this process runs (``--shard-ids``); None: all of them."""

    @property
    def database(self) -> DatabaseTarget:
        """Where progress lives: the PostgreSQL URL if one is configured, else the SQLite file."""
        return self.db_url if self.db_url is not None else self.db_path

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None
    ) -> Settings:
        """Read settings; real environment variables win over the ``.env`` file."""
        env_file = env_file if env_file is not None else PROJECT_ROOT / ".env"
        merged: dict[str, str] = {
            k: v for k, v in dotenv_values(env_file).items() if v is not None
        } if env_file.is_file() else {}
        merged.update(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            value = merged.get(name, "").strip()
            return value or None

        guild = get("STUDYBOT_DEV_GUILD")
        if guild is not None and not guild.isdigit():
            raise ValueError(f"STUDYBOT_DEV_GUILD must be a numeric guild id, not {guild!r}")
        course_guilds = [part.strip() for part in (get("STUDYBOT_COURSE_GUILDS") or "").split(",") if part.strip()]
        if not all(part.isdigit() for part in course_guilds):
            raise ValueError("STUDYBOT_COURSE_GUILDS must be comma-separated numeric guild ids, "
                             f"not {get('STUDYBOT_COURSE_GUILDS')!r}")
        level = (get("STUDYBOT_LOG_LEVEL") or "INFO").upper()
        if not isinstance(logging.getLevelName(level), int):
            raise ValueError(f"STUDYBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
        meaning = (get("STUDYBOT_SEARCH_MEANING") or "on").lower()
        if meaning not in _SWITCH:
            raise ValueError(f"STUDYBOT_SEARCH_MEANING must be on or off, not {meaning!r}")
        db = get("STUDYBOT_DB")
        return cls(
            discord_token=get("DISCORD_TOKEN"),
            db_path=DEFAULT_DB_PATH if db is None or is_postgres_url(db) else _resolve(db, DEFAULT_DB_PATH),
            db_url=db if db is not None and is_postgres_url(db) else None,
            content_dir=_resolve(get("STUDYBOT_CONTENT"), DEFAULT_CONTENT_DIR),
            cache_dir=_resolve(get("STUDYBOT_CACHE"), DEFAULT_CACHE_DIR),
            search_by_meaning=_SWITCH[meaning],
            dev_guild_id=int(guild) if guild else None,
            instructor_role=get("STUDYBOT_INSTRUCTOR_ROLE"),
            log_level=level,
            course_guild_ids=tuple(int(part) for part in course_guilds),
        )

    def meaning_model(self) -> MeaningModel | None:
        """The sentence model search ranks by: None when switched off or not installed (then words rank)."""
        if not self.search_by_meaning:
            return None
        from bot.core.lookup.semantic.meaning import MeaningModel  # NumPy and the model only when used

        return MeaningModel.bundled(self.cache_dir)

    def course_guilds(self, joined: Sequence[int]) -> frozenset[int] | None:
        """The servers whose instructors may change the content, given the servers the bot is in.

        ``STUDYBOT_COURSE_GUILDS`` when set; else the dev guild when set; else the one server the
        bot is in, while it is in only one. ``None`` means nobody but the application owner
        may, until the setting is made (the bot is in several servers and none is named).
        """
        if self.course_guild_ids:
            return frozenset(self.course_guild_ids)
        if self.dev_guild_id is not None:
            return frozenset({self.dev_guild_id})
        return frozenset(joined) if len(joined) == 1 else None


def _resolve(value: str | None, default: Path) -> Path:
    """Relative paths in settings are relative to the project, not the working directory."""
    if value is None:
        return default
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path
