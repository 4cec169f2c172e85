"""``studybot``: run the bot, the console harness, content checks and database chores."""

from __future__ import annotations

import argparse
import asyncio
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

    db = commands.add_parser("db", help="database chores")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("migrate", help="apply pending migrations")
    db_commands.add_parser("status", help="show the schema version and migrations")
    backup = db_commands.add_parser("backup", help="copy the database safely while it is in use")
    backup.add_argument("path", type=Path, help="where to write the copy")
    db.add_argument("--db", type=Path, help="database file (default: STUDYBOT_DB)")
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
    if args.command == "db":
        return asyncio.run(_db(args, args.db or settings.db_path, settings))
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


async def _db(args: argparse.Namespace, db_path: Path, settings: Settings) -> int:
    from bot.core.database import Database
    from bot.core.errors import StudyError
    from bot.core.migrations import migrate, migration_status

    database = await Database.open(db_path)
    try:
        if args.db_command == "migrate":
            applied = await migrate(database, settings.migrations_dir)
            print(f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "up to date")
        elif args.db_command == "status":
            status = await migration_status(database, settings.migrations_dir)
            print(f"schema version {status.current_version} of {status.latest_version}")
            for row in status.applied:
                when = f"{row.applied_at:%Y-%m-%d %H:%M} UTC"
                print(f"  applied  {row.name}  {when}  sha256 {row.sha256[:12]}")
            for pending in status.pending:
                print(f"  pending  {pending.name}")
            for problem in status.problems:
                print(f"  problem  {problem}")
        else:
            await database.backup(args.path)
            print(f"backed up {db_path} to {args.path} (integrity check ok)")
    except StudyError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 1
    finally:
        await database.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
