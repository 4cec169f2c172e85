from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_CONTENT_DIR, PROJECT_ROOT, Settings


def test_defaults_need_no_token(tmp_path: Path) -> None:
    settings = Settings.from_env({}, env_file=tmp_path / "missing.env")
    assert settings.discord_token is None
    assert settings.content_dir == DEFAULT_CONTENT_DIR
    assert settings.db_path == PROJECT_ROOT / "data" / "studybot.sqlite3"


def test_environment_wins_over_env_file_and_token_stays_out_of_repr(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=from-file\nSTUDYBOT_DB=/tmp/a.sqlite3\nSTUDYBOT_DEV_GUILD=42\n")
    settings = Settings.from_env({"DISCORD_TOKEN": "secret-token", "STUDYBOT_LOG_LEVEL": "debug"}, env_file=env_file)
    assert settings.discord_token == "secret-token"
    assert settings.db_path == Path("/tmp/a.sqlite3")
    assert settings.dev_guild_id == 42
    assert settings.log_level == "DEBUG"
    assert "secret-token" not in repr(settings)


@pytest.mark.parametrize(("name", "value"), [("STUDYBOT_DEV_GUILD", "abc"), ("STUDYBOT_LOG_LEVEL", "LOUD"),
                                           ("STUDYBOT_SEARCH_MEANING", "maybe")])
def test_bad_values_are_refused_with_the_variable_named(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value}, env_file=tmp_path / "none")


def test_a_postgresql_url_selects_postgresql_and_stays_out_of_repr(tmp_path: Path) -> None:
    url = "postgresql://bot:s3cret@db.example:5432/studybot"
    settings = Settings.from_env({"STUDYBOT_DB": url}, env_file=tmp_path / "none")
    assert settings.db_url == url and settings.database == url
    assert settings.db_path == PROJECT_ROOT / "data" / "studybot.sqlite3"  # untouched, not a path made of the URL
    assert "s3cret" not in repr(settings)


def test_a_file_path_keeps_meaning_sqlite(tmp_path: Path) -> None:
    settings = Settings.from_env({"STUDYBOT_DB": "data/other.sqlite3"}, env_file=tmp_path / "none")
    assert settings.db_url is None and settings.database == PROJECT_ROOT / "data" / "other.sqlite3"


def test_search_by_meaning_is_on_unless_switched_off(tmp_path: Path) -> None:
    none = tmp_path / "none"
    assert Settings.from_env({}, env_file=none).search_by_meaning
    off = Settings.from_env({"STUDYBOT_SEARCH_MEANING": "Off"}, env_file=none)
    assert not off.search_by_meaning
    assert off.meaning_model() is None
    cached = Settings.from_env({"STUDYBOT_CACHE": "elsewhere/cache"}, env_file=none)
    assert cached.cache_dir == PROJECT_ROOT / "elsewhere" / "cache"
