"""Each way an instructor can break the content is reported where it is, and learners keep the old content.

Every case goes through a live service: the broken reload is refused with ``file:line:column``,
the card and term served before are still served, a learner can still answer, and fixing
the file puts the new content live.
"""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.core.clock import FrozenClock
from bot.core.service.study_service import Actor, StudyService
from bot.settings import MIGRATIONS_DIR
from tests.core.conftest import START

TEACHER = Actor("guild:1", "900", "Prof", is_instructor=True)
LOCATED = re.compile(r"^(?P<file>[\w./-]+):(?P<line>\d+):(?P<column>\d+): ", re.MULTILINE)

Breakage = Callable[[Path], None]


def edit(relative: str, old: str, new: str) -> Breakage:
    def apply(root: Path) -> None:
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return apply


def write(relative: str, content: bytes) -> Breakage:
    def apply(root: Path) -> None:
        (root / relative).write_bytes(content)
    return apply


def read_files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def restore_files(root: Path, saved: dict[Path, bytes]) -> None:
    for extra in set(read_files(root)) - set(saved):
        extra.unlink()
    for path, data in saved.items():
        path.write_bytes(data)


CASES: dict[str, tuple[Breakage, str]] = {
    "yaml syntax": (edit("cards/history.yaml", "choices: [", "choices: [[ "), "cards/history.yaml"),
    "duplicate key": (edit("cards/history.yaml", "    type: choice\n", "    type: choice\n    type: short\n"),
                      "cards/history.yaml"),
    "yes/no trap": (edit("cards/history.yaml", "answer: true", "answer: yes"), "cards/history.yaml"),
    "unknown field": (edit("cards/trade.yaml", "explain:", "explian:"), "cards/trade.yaml"),
    "quote not in text": (edit("glossary.yaml", "The Soviet Union occupied the Northern Territories",
                               "The Soviets seized the islands"), "glossary.yaml"),
    "unknown source": (edit("cards/trade.yaml", "source: paper", "source: papr"), "cards/trade.yaml"),
    "duplicate card id": (edit("cards/trade.yaml", "id: trade-cocom", "id: hist-occupied"), "cards/"),
    "not utf-8": (write("cards/extra.yaml", b"topic: trade\ncards: []\n# caf\xe9\n"), "cards/extra.yaml"),
    "undefined footnote": (edit("sources/paper.md", "quieter.[^2]", "quieter.[^9]"), "sources/paper.md"),
    "template escape": (write("templates/card.md.j2", b"{{ prompt.__class__.__mro__ }}"), "templates/card.md.j2"),
}


@pytest.fixture
async def service(tmp_path: Path, content_dir: Path) -> AsyncIterator[StudyService]:
    (content_dir / "templates").mkdir(exist_ok=True)
    opened = await StudyService.open(db_path=tmp_path / "s.sqlite3", content_dir=content_dir,
                                     migrations_dir=MIGRATIONS_DIR, clock=FrozenClock(START), rng=random.Random(3))
    yield opened
    await opened.close()


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
async def test_broken_file_is_located_and_the_old_content_stays_live(
    service: StudyService, content_dir: Path, case: str
) -> None:
    breakage, where = CASES[case]
    before = service.content
    quiz = await service.start_quiz(TEACHER, topic="history", card_type="choice", count=1)
    backup = read_files(content_dir)

    breakage(content_dir)
    refused = await service.reload(TEACHER)

    assert refused.title.startswith("Reload refused"), refused.body
    located = [m.group("file") for m in LOCATED.finditer(refused.body.replace("`", ""))]
    assert located and any(f.startswith(where) for f in located), refused.body
    assert service.content is before
    assert (await service.define(TEACHER, "linkage")).title == "Linkage politics"
    answered = await service.press(TEACHER, next(b.action for b in quiz.buttons if "peace treaty" in b.label))
    assert answered.title == "Correct!"

    restore_files(content_dir, backup)
    fixed = await service.reload(TEACHER)
    assert fixed.title == "Content reloaded" and service.content is not before
