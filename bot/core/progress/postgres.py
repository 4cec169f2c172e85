"""PostgreSQL as the shared store of several bot processes (asyncpg, a pool, raw SQL).

The same store, reports and migrations run here as on SQLite: queries are written once with
``?`` placeholders (see :mod:`dialect`) and a write is a transaction of :mod:`steps` run on
one pooled connection. Unlike SQLite's single writer, writers run side by side; where that
matters (two answers by one learner, or to one session, from two processes) the answer's
transaction locks the learner's and the session's rows.

asyncpg was chosen over psycopg 3 (with psycopg_pool) by measuring both on this machine's
PostgreSQL 15 with an answer-shaped transaction (lock the session, read the card state,
insert the attempt, upsert the state, advance the session): under load asyncpg spent 2.3–3.0 s
of client CPU where psycopg spent 3.3–4.1 s on the same 3,000 answers, while single round
trips and the insert-and-commit loop (the server's WAL flush) were within the noise of each
other. The bot's event loop is CPU-bound, so the cheaper client wins (README, "PostgreSQL
and shards", has the figures).

Coordination between processes lives here too: :meth:`PostgresDatabase.exclusive` (an
advisory lock: one process syncs commands, one runs each piece of timed work) and
:meth:`publish` / :meth:`subscribe` (LISTEN/NOTIFY: a content reload reaches every process).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from bot.core.clock import system_clock
from bot.core.errors import DATABASE_BUSY, DatabaseBusyError, StudyError
from bot.core.progress.backend import Migration
from bot.core.progress.dialect import POSTGRESQL
from bot.core.progress.migrations import check_expected, migration_failed
from bot.core.progress.postgres_url import pg_dump_arguments, safe_url
from bot.core.progress.steps import Row, Steps, Transaction
from bot.core.progress.times import to_db_time

T = TypeVar("T")
_LOG = logging.getLogger(__name__)
POOL_SIZE = 10
"""Connections per process: enough for concurrent answers; PostgreSQL's default limit is 100."""
_ACQUIRE_TIMEOUT_S = 30.0
"""How long a query waits for a free pooled connection before the user is told to retry."""
_RETRIES = 2
"""A transaction PostgreSQL aborted to break a deadlock or a serialisation conflict is run again."""
_MIGRATION_LOCK = "studybot:migrations"
_SPLIT = re.compile(r"\$[A-Za-z_0-9]*\$|'|\"|--|/\*|;")


def lock_key(name: str) -> int:
    """The 64-bit advisory-lock key for a job name (stable across processes and versions)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database, plus one listening connection."""

    dialect = POSTGRESQL

    def __init__(self, url: str, pool: asyncpg.Pool) -> None:
        self.url = url
        self._pool = pool
        self._listener: asyncpg.Connection | None = None
        self._channels: dict[str, Callable[[str], Coroutine[Any, Any, None]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    @classmethod
    async def open(cls, url: str, *, pool_size: int = POOL_SIZE) -> PostgresDatabase:
        """Connect (a refused or failed connection raises :class:`StudyError` naming the server)."""
        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=pool_size, reset=_nothing_to_reset)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            raise StudyError(f"Cannot connect to the PostgreSQL database {safe_url(url)}: {error}.",
                             hint="check that the server runs and the URL, user and password") from error
        return cls(url, pool)

    def describe(self) -> str:
        """The URL without its password."""
        return safe_url(self.url)

    async def close(self) -> None:
        """Stop listening and close the pool (waits for queries in progress)."""
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        if self._listener is not None:
            await self._listener.close()
            self._listener = None
        await self._pool.close()

    async def fetch(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Every row of a read-only query."""
        return list(await self._pool.fetch(POSTGRESQL.sql(sql), *params, timeout=None))

    async def lookup(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """A read by key: every read is a round trip to the server, so it is any other fetch."""
        return await self.fetch(sql, params)

    async def write(self, transaction: Transaction[T], *, bulk: bool = False) -> T:
        """Run a transaction's steps on one connection in one transaction (run again if PostgreSQL aborted it).

        Every statement is a round trip the loop awaits, so ``bulk`` changes nothing here.
        """
        for attempt in range(_RETRIES + 1):
            try:
                async with self._connection() as conn, conn.transaction():
                    return await _drive(conn, transaction(POSTGRESQL))
            except asyncpg.TransactionRollbackError:  # deadlock or serialisation failure: nothing was kept
                if attempt == _RETRIES:
                    raise DatabaseBusyError(DATABASE_BUSY) from None
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection, or the friendly busy error when none frees up in time."""
        try:
            conn = await self._pool.acquire(timeout=_ACQUIRE_TIMEOUT_S)
        except TimeoutError:
            raise DatabaseBusyError(DATABASE_BUSY) from None
        try:
            yield conn
        finally:
            await self._pool.release(conn)

    # Coordination between processes

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        """Try to hold the session advisory lock of ``name``; released on exit, or when the process dies."""
        key = lock_key(name)
        async with self._connection() as conn:
            held = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))
            try:
                yield held
            finally:
                if held:
                    try:
                        await conn.execute("SELECT pg_advisory_unlock($1)", key)
                    except BaseException:
                        conn.terminate()  # never hand a connection still holding the lock back to the pool
                        raise

    async def publish(self, channel: str, payload: str) -> None:
        """NOTIFY every listener on ``channel`` (delivered when this statement commits)."""
        await self._pool.execute("SELECT pg_notify($1, $2)", channel, payload)

    async def subscribe(self, channel: str, callback: Callable[[str], Coroutine[Any, Any, None]]) -> None:
        """LISTEN on ``channel`` on a connection kept for listening; each payload runs ``callback``.

        If that connection is lost (a server restart, a network cut) it is opened again, with
        back-off, and every channel is listened to again; notices sent meanwhile are missed
        (a reload then needs repeating), and both events are logged.
        """
        self._channels[channel] = callback
        if self._listener is None:
            self._listener = await self._listen()
        else:
            await self._listener.add_listener(channel, self._heard)

    async def _listen(self) -> asyncpg.Connection:
        """Open the listening connection and LISTEN on every channel subscribed to."""
        conn = await asyncpg.connect(self.url)
        for channel in self._channels:
            await conn.add_listener(channel, self._heard)
        conn.add_termination_listener(self._lost)
        return conn

    def _heard(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        self._spawn(self._channels[channel](payload))

    def _lost(self, _conn: object) -> None:
        if not self._closing:
            _LOG.warning("Lost the connection listening for other bot processes' notices; reconnecting")
            self._listener = None
            self._spawn(self._relisten())

    async def _relisten(self) -> None:
        """Reopen the listening connection, waiting longer after each failure (up to 30 s)."""
        for delay in (0.5, 1, 2, 5, 10, 30):
            try:
                self._listener = await self._listen()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                _LOG.warning("Listening again failed (%s); next try in %g s", error, delay)
                await asyncio.sleep(delay)
            else:
                _LOG.info("Listening for other bot processes' notices again")
                return
        _LOG.error("Gave up listening for other bot processes' notices; restart this process to hear them")

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in the background, keeping a reference until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # The migration ledger (see migrations.py): the version is the ledger's highest row.

    @asynccontextmanager
    async def migration_lock(self) -> AsyncIterator[None]:
        """Wait for, then hold, the migration advisory lock: processes starting together migrate one at a time."""
        key = lock_key(_MIGRATION_LOCK)
        async with self._connection() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", key)
            try:
                yield
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", key)

    async def schema_version(self) -> int:
        """The highest version in the ledger (0 before the first migration)."""
        async with self._connection() as conn:
            return await _ledger_version(conn)

    async def ledger_rows(self) -> list[Row]:
        """The ledger in version order (none before the first migration)."""
        async with self._connection() as conn:
            if not await _has_ledger(conn):
                return []
            return list(await conn.fetch("SELECT version, name, sha256, applied_at FROM schema_migrations "
                                         "ORDER BY version"))

    def split_statements(self, sql: str) -> list[str]:
        """Cut a script into statements (see :func:`split_statements`)."""
        return split_statements(sql)

    async def apply_migration(self, migration: Migration, statements: list[str], ledger: tuple[str, str]) -> None:
        """Run a migration's statements and its ledger row as one transaction (PostgreSQL DDL is transactional)."""
        create_ledger, insert_row = ledger
        async with self._connection() as conn, conn.transaction():
            found = await _ledger_version(conn)
            check_expected(migration, found)
            try:
                for statement in statements:
                    await conn.execute(statement)
            except asyncpg.PostgresError as error:
                raise migration_failed(migration, found, error) from error
            await conn.execute(create_ledger)
            await conn.execute(insert_row, migration.version, migration.name, migration.sha256,
                               to_db_time(system_clock()))

    # Backups

    async def backup(self, dest: Path) -> None:
        """Dump the database with ``pg_dump --format=custom`` (restore with ``pg_restore``).

        The dump is written beside ``dest`` and renamed into place only when pg_dump succeeds,
        so a failed backup never replaces a good one. pg_dump must be installed (Debian:
        ``postgresql-client``) and not older than the server.
        """
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise StudyError("pg_dump is not installed, so PostgreSQL cannot be backed up from here.",
                             hint="install the PostgreSQL client tools (Debian: apt install postgresql-client)")
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".partial")
        args, env = pg_dump_arguments(self.url)
        process = await asyncio.create_subprocess_exec(
            pg_dump, "--format=custom", f"--file={partial}", *args,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env={**os.environ, **env},
        )
        _, errors = await process.communicate()
        if process.returncode != 0:
            partial.unlink(missing_ok=True)
            raise StudyError("pg_dump failed; no backup was written.",
                             hint=errors.decode("utf-8", "replace").strip()[:500])
        partial.replace(dest)


def split_statements(sql: str) -> list[str]:
    """Cut a PostgreSQL script at top-level semicolons (not inside quotes, comments or ``$$`` bodies)."""
    statements: list[str] = []
    start = index = 0
    while (match := _SPLIT.search(sql, index)) is not None:
        token = match.group()
        if token == ";":
            _keep(statements, sql[start:match.end()])
            start = index = match.end()
            continue
        closer = {"'": "'", '"': '"', "--": "\n", "/*": "*/"}.get(token, token)
        end = sql.find(closer, match.end())
        if end < 0:
            if token == "--":
                break
            raise ValueError(f"the script ends inside {token!r}")
        index = end + len(closer)
    if _without_comments(sql[start:]).strip():
        raise ValueError("the script ends with an unterminated statement (missing ';')")
    return statements


def _keep(statements: list[str], statement: str) -> None:
    """Add a statement unless it is only comments and a semicolon."""
    if _without_comments(statement).strip() != ";":
        statements.append(statement.strip())


def _without_comments(text: str) -> str:
    return re.sub(r"--[^\n]*", "", text)


async def _nothing_to_reset(_conn: asyncpg.Connection) -> None:
    """Return a connection to the pool as it is, without asyncpg's default reset round trip.

    The default (``RESET ALL; UNLISTEN *; CLOSE ALL; pg_advisory_unlock_all()``) costs a round
    trip on every release, i.e. on every query through the pool. The bot changes no session
    settings, listens only on its own connection, opens no cursors, and :meth:`exclusive`
    unlocks (or discards the connection) itself, so there is nothing to undo.
    """


async def _drive(conn: asyncpg.Connection, steps: Steps[T]) -> T:
    """Run a transaction's steps, one awaited query at a time, on the connection holding it."""
    try:
        query = next(steps)
        while True:
            rows: list[Row] = list(await conn.fetch(POSTGRESQL.sql(query.sql), *query.params))
            query = steps.send(rows)
    except StopIteration as done:
        result: T = done.value
        return result


async def _has_ledger(conn: asyncpg.Connection) -> bool:
    """Whether ``schema_migrations`` exists in the schema the connection works in."""
    return await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL") is True


async def _ledger_version(conn: asyncpg.Connection) -> int:
    """The highest version in the ledger, 0 without one."""
    if not await _has_ledger(conn):
        return 0
    return int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))
