"""Content files that are not plain files inside the content folder: located problems, never a hang or a leak."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from bot.core.confined_files import MAX_FILE_BYTES
from bot.core.content.loader import load_content
from bot.core.problems import ContentError
from bot.core.service.template_samples import template_samples

SECRET = "DISCORD_TOKEN=not-for-learners"


def problems_of(content_dir: Path) -> list[str]:
    """Load in a thread so a hang fails the test instead of freezing the run."""
    outcome: list[object] = []

    def load() -> None:
        try:
            load_content(content_dir, template_samples)
            outcome.append([])
        except ContentError as exc:
            outcome.append([str(p) for p in exc.problems])
        except Exception as exc:  # the test asserts there are none
            outcome.append(exc)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(10)
    assert outcome, "loading the content hung"
    [result] = outcome
    assert isinstance(result, list), f"loading raised {result!r}"
    return result


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "outside.env"
    path.write_text(f"{SECRET}\n", encoding="utf-8")
    return path


def test_template_override_linked_outside_is_refused(content_dir: Path, secret: Path) -> None:
    (content_dir / "templates").mkdir()
    (content_dir / "templates/help.md.j2").symlink_to(secret)
    [problem] = problems_of(content_dir)
    assert problem.startswith("templates/help.md.j2:1:1: points outside the content folder")
    assert SECRET not in problem


def test_deck_linked_outside_is_refused_without_showing_its_keys(content_dir: Path, secret: Path) -> None:
    (content_dir / "cards/leak.yaml").symlink_to(secret)
    [problem] = problems_of(content_dir)
    assert problem.startswith("cards/leak.yaml:1:1: points outside the content folder")
    assert "DISCORD_TOKEN" not in problem


@pytest.mark.parametrize("name", ["course.yaml", "glossary.yaml"])
def test_course_files_linked_outside_are_refused(content_dir: Path, secret: Path, name: str) -> None:
    (content_dir / name).unlink()
    (content_dir / name).symlink_to(secret)
    assert any(p.startswith(f"{name}:1:1: points outside") for p in problems_of(content_dir))


def test_a_link_inside_the_folder_still_works(content_dir: Path) -> None:
    (content_dir / "decks").mkdir()
    (content_dir / "cards/trade.yaml").rename(content_dir / "decks/trade.yaml")
    (content_dir / "cards/trade.yaml").symlink_to(content_dir / "decks/trade.yaml")
    assert problems_of(content_dir) == []


def test_a_fifo_among_the_decks_does_not_hang(content_dir: Path) -> None:
    os.mkfifo(content_dir / "cards/pipe.yaml")
    [problem] = problems_of(content_dir)
    assert problem.startswith("cards/pipe.yaml:1:1: is not a regular file")


def test_a_device_is_refused(content_dir: Path) -> None:
    (content_dir / "templates").mkdir()
    (content_dir / "templates/card.md.j2").symlink_to("/dev/zero")
    [problem] = problems_of(content_dir)
    assert problem.startswith("templates/card.md.j2:1:1: points outside the content folder")


def test_a_folder_named_like_a_deck(content_dir: Path) -> None:
    (content_dir / "cards/folder.yaml").mkdir()
    [problem] = problems_of(content_dir)
    assert problem.startswith("cards/folder.yaml:1:1: is a folder, not a file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_deck(content_dir: Path) -> None:
    (content_dir / "cards/trade.yaml").chmod(0)
    problems = problems_of(content_dir)
    assert any(p.startswith("cards/trade.yaml:1:1: cannot be read: permission denied") for p in problems)


def test_a_symlink_loop(content_dir: Path) -> None:
    (content_dir / "cards/loop.yaml").symlink_to(content_dir / "cards/loop.yaml")
    [problem] = problems_of(content_dir)
    assert problem.startswith("cards/loop.yaml:1:1: ")


def test_a_huge_source_is_refused_by_size(content_dir: Path) -> None:
    (content_dir / "sources/paper.md").write_bytes(b"## A\n\n" + b"word " * (MAX_FILE_BYTES // 5 + 1))
    assert any(p.startswith("sources/paper.md:1:1: is larger than") for p in problems_of(content_dir))


def test_missing_content_folder_says_so(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path / "nowhere")
    assert problem.endswith("nowhere:1:1: the folder does not exist (give the content folder: the one that holds "
                            "course.yaml)")
