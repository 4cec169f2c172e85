"""``studybot``: the command line. Today: ``check``; ``run``, ``console`` and ``db`` arrive with their issues."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (DESIGN.md §6, a contract)."""
    parser = argparse.ArgumentParser(prog="studybot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="validate the content folder and list every problem")
    check.add_argument("--content", type=Path, help="content folder (default: STUDYBOT_CONTENT)")

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``studybot`` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"studybot: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "check":
        return _check(args.content or settings.content_dir)
    return 2


def _check(content_dir: Path) -> int:
    from bot.core.content_loader import load_content
    from bot.core.content_problems import ContentError
    from bot.core.template_samples import template_samples

    try:
        snapshot = load_content(content_dir, template_samples)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s) in {content_dir}", file=sys.stderr)
        return 1
    print(snapshot.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
