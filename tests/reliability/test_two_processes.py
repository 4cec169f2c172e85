"""Two bot processes on one PostgreSQL: concurrent answers, a SIGKILL mid-load, a reload that reaches both.

The answering processes are real: two ``service_crash_child.py`` children answer quiz cards
through the whole study service, as the same four learners, on one database. One is killed
with SIGKILL while both are busy, the other a moment later; every answer either acknowledged
must be stored exactly once, and no answer may be half-written. The reload test runs two
services in this process, each with its own connections and its own copy of ``content/``,
which is what PostgreSQL sees of two processes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.core.service.study_service import Actor, StudyService
from bot.settings import MIGRATIONS_DIR
from tests.conftest import FIXTURE_CONTENT
from tests.core.progress.test_crash_safety import ROOT, audit, read_tables

CHILD = Path(__file__).with_name("service_crash_child.py")
TEACHER = Actor("guild:1", "900", "Prof", is_instructor=True)

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")


def start_learners(url: str, seed: int) -> subprocess.Popen[str]:
    """A process answering quiz cards as fast as the service lets it, once it printed "ready"."""
    child = subprocess.Popen([sys.executable, str(CHILD), url, str(FIXTURE_CONTENT), str(seed)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout is not None and child.stdout.readline() == "ready\n", child.communicate(timeout=30)
    return child


def kill(child: subprocess.Popen[str]) -> set[tuple[str, int]]:
    """SIGKILL the child; the answers it acknowledged (whole lines only)."""
    child.send_signal(signal.SIGKILL)
    out, err = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL, err
    whole = [line.split() for line in out.splitlines(keepends=True) if line.endswith("\n")]
    return {(session, int(position)) for session, position in whole}


def test_two_processes_answering_together_keep_every_acknowledged_answer_once(postgres_url: str) -> None:
    first, second = start_learners(postgres_url, 1), start_learners(postgres_url, 2)
    try:
        time.sleep(1.0)
        acknowledged = kill(first)  # mid-load: the other process keeps answering
        time.sleep(0.5)
        acknowledged |= kill(second)
    finally:
        for child in (first, second):
            if child.poll() is None:
                child.kill()
                child.communicate()
    audit(postgres_url, set())  # no half-written answer; sessions and card states match their attempts
    stored, repeated = read_tables(
        postgres_url,
        "SELECT session_id, position FROM attempts WHERE session_id IS NOT NULL",
        "SELECT session_id, position FROM attempts WHERE session_id IS NOT NULL "
        "GROUP BY session_id, position HAVING COUNT(*) > 1",
    )
    assert acknowledged <= set(stored)
    assert repeated == []
    assert len(acknowledged) >= 20  # both really were answering when killed


@pytest.fixture
async def two_services(postgres_url: str, tmp_path: Path) -> AsyncIterator[tuple[StudyService, StudyService]]:
    """Two services on one database, each with its own copy of the content (as on two machines)."""
    opened = []
    for name in ("first", "second"):
        content = tmp_path / name
        shutil.copytree(FIXTURE_CONTENT, content)
        opened.append(await StudyService.open(db_path=postgres_url, content_dir=content,
                                              migrations_dir=MIGRATIONS_DIR, rng=random.Random(1)))
    yield opened[0], opened[1]
    for service in opened:
        await service.close()


async def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Give the other process's NOTIFY and reload up to ``seconds`` to land."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)


def retitle(service: StudyService, title: str) -> None:
    cards = service.library.content_dir / "cards" / "history.yaml"
    cards.write_text(cards.read_text().replace("What has the island dispute blocked?", title))


async def test_a_reload_in_one_process_reaches_the_other(two_services: tuple[StudyService, StudyService]) -> None:
    first, second = two_services
    for service in two_services:
        retitle(service, "What does the island dispute still block?")

    assert (await first.reload(TEACHER)).title == "Content reloaded"

    def reloaded() -> bool:
        return second.content.cards["hist-occupied"].prompt == "What does the island dispute still block?"

    await wait_for(reloaded)
    assert reloaded()


async def test_a_process_whose_copy_is_broken_keeps_serving_its_old_content_and_says_so(
        two_services: tuple[StudyService, StudyService], caplog: pytest.LogCaptureFixture) -> None:
    first, second = two_services
    before = second.content
    retitle(first, "What does the island dispute still block?")
    (second.library.content_dir / "cards" / "history.yaml").write_text("topic: history\ncards: [oops\n")

    assert (await first.reload(TEACHER)).title == "Content reloaded"

    await wait_for(lambda: "old content keeps serving" in caplog.text)
    assert second.content is before
    [record] = [r for r in caplog.records if "old content keeps serving" in r.getMessage()]
    assert record.levelno == logging.ERROR and "history.yaml" in record.getMessage()
