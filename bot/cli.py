"""``studybot``: run the bot, the console harness, content checks and database chores."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.progress.backend import DatabaseTarget, database_target, describe_target
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.core.progress.backend import StudyDatabase


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface (DESIGN.md §6, a contract)."""
    db_option = _db_option()
    parser = argparse.ArgumentParser(prog="studybot", description=__doc__, parents=[db_option])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the Discord bot; without DISCORD_TOKEN, start the console instead")
    run.add_argument("--shard-count", type=positive_int, metavar="N",
                     help="Discord shards in total, across every process (needs a PostgreSQL STUDYBOT_DB "
                          "when several processes share the work)")
    run.add_argument("--shard-ids", type=shard_ids, metavar="0,1",
                     help="the shards this process runs (default: all of --shard-count)")

    console = commands.add_parser("console", parents=[db_option],
                                  help="study in the terminal: the same bot, no Discord")
    console.add_argument("--user", default=default_user(), help="who you are (default: $USER or 'student')")
    console.add_argument("--content", type=Path, help="content folder (default: STUDYBOT_CONTENT)")
    console.add_argument("--now", type=iso_datetime, metavar="ISO-8601",
                         help="fix the clock, e.g. 2024-03-01T09:00:00Z (no zone means UTC)")
    console.add_argument("--script", type=Path, metavar="FILE",
                         help="run the lines of FILE (default: stdin when it is not a terminal)")
    console.add_argument("--json", action="store_true", help="print each reply as one JSON object per line")

    sync = commands.add_parser("sync", help="register the slash commands with Discord now")
    where = sync.add_mutually_exclusive_group()
    where.add_argument("--guild", type=int, metavar="ID",
                       help="sync to this guild only, instantly (default: STUDYBOT_DEV_GUILD, else global)")
    where.add_argument("--global", dest="global_sync", action="store_true",
                       help="sync globally even when STUDYBOT_DEV_GUILD is set")

    check = commands.add_parser("check", help="validate the content folder and list every problem")
    check.add_argument("--content", type=Path, help="content folder (default: STUDYBOT_CONTENT)")

    db = commands.add_parser("db", parents=[db_option], help="database chores")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("migrate", parents=[db_option], help="apply pending migrations (creates the file if needed)")
    db_commands.add_parser("status", parents=[db_option], help="show the schema version and migrations")
    backup = db_commands.add_parser("backup", parents=[db_option],
                                    help="copy the database safely while it is in use "
                                         "(PostgreSQL: pg_dump --format=custom)")
    backup.add_argument("path", type=Path, help="where to write the copy")
    return parser


def _db_option() -> argparse.ArgumentParser:
    """``--db FILE|URL``, accepted before the command, after it and after a ``db`` action alike.

    Its default is SUPPRESS so that a nested parser, which has its own copy, does not reset a
    ``--db`` given earlier on the line to ``None``.
    """
    option = argparse.ArgumentParser(add_help=False)
    option.add_argument("--db", type=database_target, default=argparse.SUPPRESS, metavar="FILE|URL",
                        help="SQLite file or postgresql:// URL (default: STUDYBOT_DB)")
    return option


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``studybot`` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"studybot: configuration error: {exc}", file=sys.stderr)
        return 2
    db = getattr(args, "db", None)
    if isinstance(db, Path):
        settings = dataclasses.replace(settings, db_path=db, db_url=None)
    elif db is not None:
        settings = dataclasses.replace(settings, db_url=db)
    if args.command == "run":
        if args.shard_ids is not None and args.shard_count is None:
            print("studybot: --shard-ids needs --shard-count", file=sys.stderr)
            return 2
        if args.shard_ids is not None and max(args.shard_ids) >= args.shard_count:
            print(f"studybot: --shard-ids must be below --shard-count ({args.shard_count})", file=sys.stderr)
            return 2
        return _run(replace(settings, shard_count=args.shard_count, shard_ids=args.shard_ids))
    if args.command == "console":
        return _console(args, settings)
    if args.command == "sync":
        return _sync(args, settings)
    if args.command == "check":
        return _check(args.content or settings.content_dir)
    if args.command == "db":
        return asyncio.run(_db(args, settings.database, settings))
    return 2


def default_user() -> str:
    """The console's user when ``--user`` is not given: the login name, else "student"."""
    return os.environ.get("USER", "").strip() or "student"


def positive_int(text: str) -> int:
    """Parse ``--shard-count``: a whole number of at least 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of at least 1: {text!r}")
    return int(text)


def shard_ids(text: str) -> tuple[int, ...]:
    """Parse ``--shard-ids``: shard numbers separated by commas, e.g. ``0,1``."""
    parts = [part.strip() for part in text.split(",")]
    if not parts or not all(part.isdigit() for part in parts):
        raise argparse.ArgumentTypeError(f"not a comma-separated list of shard numbers: {text!r} (e.g. 0,1)")
    return tuple(sorted({int(part) for part in parts}))


def iso_datetime(text: str) -> datetime:
    """Parse ``--now``: an ISO-8601 date or date-time; without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO-8601 date or time: {text!r} (e.g. 2024-03-01 or 2024-03-01T09:00:00Z)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


NO_TOKEN_NOTICE = (
    "No DISCORD_TOKEN is configured, so the local console is starting; to connect to Discord, "
    "put DISCORD_TOKEN=<bot token> in .env (see .env.example) and run again."
)


def _run(settings: Settings) -> int:
    if settings.discord_token:
        from bot.core.errors import StudyError
        from bot.discord_frontend import run_bot

        try:
            run_bot(settings)
        except StudyError as exc:  # unreachable Discord, a refused token, a damaged or newer database
            print(f"studybot: {exc}", file=sys.stderr)
            return 1
        return 0
    print(NO_TOKEN_NOTICE, file=sys.stderr, flush=True)
    return _start_console(settings, user=default_user(), content=None, now=None, script=None, json_lines=False)


def _console(args: argparse.Namespace, settings: Settings) -> int:
    return _start_console(settings, user=args.user, content=args.content, now=args.now,
                          script=args.script, json_lines=args.json, db_given=getattr(args, "db", None) is not None)


def _start_console(settings: Settings, *, user: str, content: Path | None, now: datetime | None,
                   script: Path | None, json_lines: bool, db_given: bool = False) -> int:
    from bot.console_frontend.console_app import ConsoleConfig, run_console
    from bot.core.clock import FrozenClock, system_clock
    from bot.core.progress.trial_copy import copy_for_trial

    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    target = settings.database
    trying_draft = not db_given and content is not None and content.resolve() != settings.content_dir.resolve()
    if trying_draft and not isinstance(target, Path):
        print("studybot: trying other content against the shared PostgreSQL database would reset or mix "
              "real progress; give --db (e.g. a scratch SQLite file) to try it", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="studybot-trial-") as scratch:
        if trying_draft and isinstance(target, Path):
            # Trying a draft must not reset anyone's schedule or mix draft answers into real progress.
            target = copy_for_trial(settings.db_path, Path(scratch) / "trial.sqlite3")
            print(f"studybot: trying {content} on a throw-away copy of {settings.db_path}; progress made "
                  "here is discarded (give --db to keep it)", file=sys.stderr)
        return run_console(ConsoleConfig(
            user=user.strip() or "student",
            db_path=target,
            exports_dir=settings.db_path.parent / "exports" if not isinstance(target, Path) else None,
            content_dir=content or settings.content_dir,
            migrations_dir=settings.migrations_dir,
            clock=FrozenClock(now) if now is not None else system_clock,
            script=script,
            json_lines=json_lines,
            meaning=settings.meaning_model(),
        ))


def _sync(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.discord_token:
        print("studybot: sync needs DISCORD_TOKEN: put it in .env (see .env.example)", file=sys.stderr)
        return 1
    from bot.discord_frontend import sync_commands

    guild = None if args.global_sync else (args.guild if args.guild is not None else settings.dev_guild_id)
    try:
        names = asyncio.run(sync_commands(settings, guild))
    except Exception as exc:
        print(f"studybot: sync failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    where = f"to guild {guild}" if guild is not None else "globally (may take up to an hour to appear)"
    print(f"synced {len(names)} command(s) {where}:")
    for name in names:
        print(f"  /{name}")
    return 0


def _check(content_dir: Path) -> int:
    from bot.core.content.loader import load_content
    from bot.core.problems import ContentError
    from bot.core.service.template_samples import template_samples

    try:
        snapshot = load_content(content_dir, template_samples)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s) in {content_dir}", file=sys.stderr)
        return 1
    print(snapshot.summary())
    for warning in snapshot.warnings:
        print(f"warning: {warning}")
    return 0


async def _db(args: argparse.Namespace, target: DatabaseTarget, settings: Settings) -> int:
    from bot.core.errors import StudyError
    from bot.core.progress.opening import open_database
    """``db migrate|status|backup``: one line on stderr and exit 1 for any failure, never a traceback.

    Only ``migrate`` may create the database; ``status`` and ``backup`` refuse a missing file,
    and ``backup`` refuses a source no migration was ever applied to (a typo'd path, an empty
    file), which would otherwise yield an empty "verified" backup.
    """
    import sqlite3

    try:
        database = await open_database(target, create=args.db_command == "migrate")
        try:
            await _db_action(args, database, settings)
        finally:
            await database.close()
    except StudyError as exc:
        print(f"studybot: {exc}", file=sys.stderr)
        return 1
    except (sqlite3.Error, OSError) as exc:
        print(f"studybot: database {describe_target(target)}: {exc}", file=sys.stderr)
        return 1
    return 0


async def _db_action(args: argparse.Namespace, database: StudyDatabase, settings: Settings) -> None:
    from bot.core.errors import StudyError
    from bot.core.progress.migrations import migrate, migration_status

    if args.db_command == "migrate":
        applied = await migrate(database, settings.migrations_dir)
        print(f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "up to date")
        return
    status = await migration_status(database, settings.migrations_dir)
    if args.db_command == "status":
        print(f"schema version {status.current_version} of {status.latest_version} "
              f"({database.dialect.name}: {database.describe()})")
        for row in status.applied:
            when = f"{row.applied_at:%Y-%m-%d %H:%M} UTC"
            print(f"  applied  {row.name}  {when}  sha256 {row.sha256[:12]}")
        for pending in status.pending:
            print(f"  pending  {pending.name}")
        for problem in status.problems:
            print(f"  problem  {problem}")
        return
    if status.current_version == 0:
        raise StudyError(f"{database.describe()} is not a studybot database (no migration was ever applied to it), "
                         "so there is nothing to back up.", hint="check the --db path or STUDYBOT_DB")
    await database.backup(args.path)
    check = "integrity check ok" if database.dialect.name == "sqlite" else "pg_dump custom format"
    print(f"backed up {database.describe()} to {args.path} ({check})")


if __name__ == "__main__":
    raise SystemExit(main())
