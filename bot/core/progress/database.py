"""SQLite access: one serialised writer, quick work on the loop, explicit transactions, verified backups.

SQLite allows one writer at a time. Funnelling every write through one connection guarded by
an ``asyncio.Lock`` means writers queue in the event loop instead of spinning on SQLite's busy
handler, and every write is ``BEGIN IMMEDIATE … COMMIT`` so a transaction never has to upgrade
a read lock half way (the classic source of "database is locked" under WAL).

Most writes go through :meth:`Database.run_in_writer`: a plain synchronous function that runs
against a writing ``sqlite3`` connection, wrapped in ``BEGIN IMMEDIATE … COMMIT``. While the
write lock is free it runs right on the event loop's thread (an answer's transaction takes
about 300 µs; see :mod:`bot.core.progress.sqlite_loop` for why a worker thread made it wait
milliseconds); when another process holds the lock, it goes to the aiosqlite writer's worker
thread, which waits for the lock without holding up the loop. Writes that queue up meanwhile
go over together in the next trip and share one ``BEGIN IMMEDIATE … COMMIT`` (group commit),
each inside its own ``SAVEPOINT``: a write that fails is rolled back alone, and no caller
hears "done" before the shared COMMIT has succeeded, so a crash still loses whole writes
only, never part of one, and never one that was acknowledged. A write that arrives alone
gets a transaction of its own. :meth:`Database.transaction` remains for multi-step work that
must await between statements (migrations). Small reads by key (:meth:`Database.lookup`) run
on the loop's thread too; everything else reads on the reader's thread.

Checkpoints (copying the WAL back into the database file) are the one write step that
fsyncs under ``synchronous=NORMAL``, and SQLite runs them inside whichever COMMIT crosses
``wal_autocheckpoint`` pages, stalling every queued writer for the length of two fsyncs (and,
on the loop's thread, everything else). So the writing connections never checkpoint
themselves below the backstop: a third connection runs ``PRAGMA wal_checkpoint(PASSIVE)`` on
its own thread every ``CHECKPOINT_EVERY_WRITES`` write transactions (a passive checkpoint
never blocks a writer), and resets the WAL with a RESTART checkpoint when the passive ones
cannot catch up under sustained load.

``synchronous=NORMAL`` in WAL mode never corrupts the database; a power cut (not a process
crash) can lose the last few committed transactions. That is the trade-off we accept for
answer recording that stays in the low milliseconds.

Faults of the file itself (see :mod:`bot.core.progress.database_faults`): opening runs
``PRAGMA quick_check`` and refuses a damaged file; a damaged file or a full disk met later
becomes one clear :class:`DatabaseUnusableError`; and before and after every write batch the
path is checked to still name the file that was opened, so no write is acknowledged once the
file was deleted or replaced underneath the bot.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from bot.core.clock import system_clock
from bot.core.errors import StudyError
from bot.core.progress.database_faults import FileIdentity, damaged_at_start, explained, faults_explained, is_damage
from bot.core.progress.dialect import SQLITE
from bot.core.progress.migrations import Migration, check_expected, migration_failed, split_statements
from bot.core.progress.sqlite_backup import backup_database
from bot.core.progress.sqlite_connections import (
    DEFAULT_BUSY_TIMEOUT_MS,
    close_all,
    connect,
    connection_pragmas,
    on_thread,
    run_statement,
)
from bot.core.progress.sqlite_loop import LoopConnections
from bot.core.progress.sqlite_writes import execute_retrying, rollback, transact_group
from bot.core.progress.steps import Row, Transaction, drive
from bot.core.progress.times import from_db_time, to_db_time

__all__ = ["Database", "from_db_time", "to_db_time"]

CHECKPOINT_EVERY_WRITES = 100
"""Write transactions between background checkpoints; an answer dirties about ten pages, so
this is close to SQLite's default of checkpointing every 1000 pages."""
WRITER_AUTOCHECKPOINT_PAGES = 10_000
"""The backstop that bounds the WAL (here to about 40 MB) when background checkpoints cannot
finish under load (SQLite's own automatic checkpoint defaults to 1000 pages)."""
_MAX_BATCH = 64
"""At most this many queued writes per trip and COMMIT, so the write lock is held for a few
milliseconds at most and a waiting ``transaction()`` is not starved."""
_LOG = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Queued:
    """A write waiting for its batch: the work, the caller's future, and whether it is bulk."""

    work: Callable[[sqlite3.Connection], Any]
    future: asyncio.Future[Any]
    bulk: bool


class Database:
    """The bot's SQLite file: a writer for serialised transactions and a reader for queries.

    One process owns the file, so the coordination a shared PostgreSQL needs is trivial here:
    :meth:`exclusive` is an in-process lock and there is no other process to notify.
    """

    dialect = SQLITE

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        checkpointer: aiosqlite.Connection,
        identity: FileIdentity,
        loop: LoopConnections,
    ):
        self.path = path
        self._identity = identity
        self._writer = writer
        self._reader = reader
        self._checkpointer = checkpointer
        self._loop = loop
        self._write_lock = asyncio.Lock()
        self._writes_since_checkpoint = 0
        self._queued: list[_Queued] = []
        self._drainer: asyncio.Task[None] | None = None
        self._checkpointing: asyncio.Task[None] | None = None
        self._exclusive: dict[str, asyncio.Lock] = {}

    @classmethod
    async def open(
        cls, path: Path, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS, create: bool = True
    ) -> Database:
        """Open the database file with the PRAGMAs every connection needs, after checking it is sound.

        With ``create=False`` a missing file is an error instead of a new empty database (for
        status and backups, which must not invent the database they were asked about). A file
        that is damaged or not a database is refused with a restore hint.
        """
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not await asyncio.to_thread(path.is_file):
            raise _no_database(path)
        opened: list[aiosqlite.Connection] = []
        try:
            for query_only, autocheckpoint in ((False, WRITER_AUTOCHECKPOINT_PAGES), (True, 0), (False, 0)):
                opened.append(await connect(path, busy_timeout_ms, query_only=query_only, create=create))
                await run_statement(opened[-1], f"PRAGMA wal_autocheckpoint = {autocheckpoint}")
            # On the checkpointer, so the reader and writer start with cold caches and read the file itself.
            findings = [str(row[0]) for row in await opened[-1].execute_fetchall("PRAGMA quick_check")]
            if findings != ["ok"]:
                raise damaged_at_start(path, findings)
            identity = FileIdentity.of(path)
            if identity is None:
                raise StudyError(f"The database {path} disappeared while it was being opened.")
            loop = LoopConnections.open(path, connection_pragmas(busy_timeout_ms))
        except sqlite3.Error as error:
            await close_all(opened)
            if is_damage(error):
                raise damaged_at_start(path, [str(error)]) from error
            raise StudyError(f"Cannot open the database {path}: {error}.") from error
        except BaseException:
            await close_all(opened)
            raise
        writer, reader, checkpointer = opened
        return cls(path, writer, reader, checkpointer, identity, loop)

    async def close(self) -> None:
        """Close every connection; waits for a running write transaction to finish first."""
        async with self._write_lock:
            if self._checkpointing is not None:
                await self._checkpointing
            self._loop.close()
            await self._checkpointer.close()
            await self._reader.close()
            await self._writer.close()  # the last connection out checkpoints and removes the WAL

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run a block as one ``BEGIN IMMEDIATE … COMMIT``; any exception rolls it all back."""
        async with self._write_lock:
            with faults_explained():
                self._identity.ensure_unchanged()
                await on_thread(self._writer, execute_retrying, "BEGIN IMMEDIATE")
                try:
                    yield self._writer
                    self._identity.ensure_unchanged()
                    await on_thread(self._writer, execute_retrying, "COMMIT")
                except BaseException:
                    await on_thread(self._writer, rollback)
                    raise
                self._identity.ensure_unchanged()
        self._count_write()

    async def run_in_writer(self, work: Callable[[sqlite3.Connection], T], *, bulk: bool = False) -> T:
        """Run ``work(connection)`` as one ``BEGIN IMMEDIATE … COMMIT``.

        ``work`` is a plain (not async) function given a writing ``sqlite3.Connection``; it
        runs on the event loop's thread when the write lock is free (see :mod:`sqlite_loop`),
        else on the writer's own thread, so it must not touch the event loop, and it must be
        quick: the loop and every other write wait for it. Its return value is returned; if it
        raises, its transaction is rolled back and the exception propagates unchanged. Lock
        conflicts get the same one retry, then :class:`DatabaseBusyError`, as
        :meth:`transaction`. Writes run one at a time in the order they were queued; writes
        queued while one runs are handed over in one trip and committed together,
        each in its own savepoint, so a write that raises is undone alone and the others
        commit. Every caller returns only after the COMMIT that made its write durable; if
        that COMMIT fails, every write in it fails with that error and none is kept. A
        caller cancelled before its write was handed over leaves nothing written. A ``bulk``
        write (one that may touch many rows) always runs on the writer's thread, with the
        writes batched with it, so the loop keeps answering meanwhile.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queued.append(_Queued(work, future, bulk))
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        """Run the queued writes, all that are waiting in each trip."""
        try:
            while self._queued:
                batch = [queued for queued in self._queued[:_MAX_BATCH] if not queued.future.cancelled()]
                del self._queued[:_MAX_BATCH]
                if batch:
                    await self._run_batch(batch)
        finally:
            self._drainer = None
            for queued in self._queued:  # left over only if this task was cancelled
                queued.future.cancel()
            self._queued.clear()

    async def _run_batch(self, batch: list[_Queued]) -> None:
        """Run a batch under one commit (on this thread if it can) and settle each caller's future."""
        try:
            async with self._write_lock:
                self._identity.ensure_unchanged()
                works = [queued.work for queued in batch]
                outcomes = None if any(queued.bulk for queued in batch) else self._loop.write_batch(works)
                if outcomes is None:  # bulk, or the write lock is held elsewhere: on the writer's thread
                    outcomes = await on_thread(self._writer, transact_group, works)
                self._identity.ensure_unchanged()  # committed, but to a file no one will read again
        except Exception as error:  # busy, a failed COMMIT, a closed connection: no write in the batch was kept
            outcomes = [(False, explained(error))] * len(batch)
        except BaseException:  # cancelled, or the interpreter is stopping: no caller will get an answer
            for queued in batch:
                queued.future.cancel()
            raise
        for future, (ok, value) in zip((queued.future for queued in batch), outcomes, strict=True):
            if ok:
                self._count_write()
            if future.cancelled():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value if isinstance(value, StudyError) else explained(value))

    def _count_write(self) -> None:
        """Start a background checkpoint every ``CHECKPOINT_EVERY_WRITES`` committed writes."""
        self._writes_since_checkpoint += 1
        if self._writes_since_checkpoint >= CHECKPOINT_EVERY_WRITES and self._checkpointing is None:
            self._writes_since_checkpoint = 0
            self._checkpointing = asyncio.create_task(self._checkpoint())

    async def _checkpoint(self) -> None:
        """Copy committed WAL pages into the database file without blocking the writer.

        A passive checkpoint cannot reset the log while readers still use its pages, so under
        sustained load the log could grow without end: past WRITER_AUTOCHECKPOINT_PAGES this
        runs the backstop, a RESTART checkpoint that waits for readers (here, on the
        checkpointer's thread; writes meanwhile go to the writer's thread and wait there). A
        failure loses nothing (the pages stay in the WAL), so it is logged, not raised.
        """
        try:
            outcome = list(await self._checkpointer.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)"))
            if outcome and outcome[0][1] >= WRITER_AUTOCHECKPOINT_PAGES:  # (busy, pages in the log, copied)
                await run_statement(self._checkpointer, "PRAGMA wal_checkpoint(RESTART)")
        except (sqlite3.Error, ValueError) as error:  # ValueError: closed under us
            _LOG.warning("background WAL checkpoint failed: %s", error)
        finally:
            self._checkpointing = None

    async def set_trace_callback(self, callback: Callable[[str], object] | None) -> None:
        """Call ``callback(sql)`` for every statement any of the connections runs (``None`` stops it)."""
        self._loop.set_trace_callback(callback)
        for connection in (self._writer, self._reader, self._checkpointer):
            await connection.set_trace_callback(callback)  # type: ignore[arg-type]  # aiosqlite's hint omits None

    def describe(self) -> str:
        """The database as messages name it (the file path)."""
        return str(self.path)

    async def fetch(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Every row of a read-only query, on the reader (it never waits for the writer)."""
        with faults_explained():
            rows = await self._reader.execute_fetchall(sql, tuple(params))
        return cast(list[Row], list(rows))  # sqlite3.Row reads columns by name, as Row promises

    async def lookup(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """The rows of a read by key, on the loop's own thread (see :mod:`sqlite_loop`): no hop."""
        frozen = tuple(params)
        with faults_explained():
            rows = self._loop.rows(sql, frozen)
        return await self.fetch(sql, frozen) if rows is None else rows

    async def write(self, transaction: Transaction[T], *, bulk: bool = False) -> T:
        """Run a transaction's steps as one write (see :meth:`run_in_writer`)."""
        return await self.run_in_writer(lambda conn: drive(conn, transaction(SQLITE)), bulk=bulk)

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        """Hold the job called ``name`` if nothing else in this process holds it (yields whether we do)."""
        lock = self._exclusive.setdefault(name, asyncio.Lock())
        if lock.locked():
            yield False
            return
        async with lock:
            yield True

    async def publish(self, channel: str, payload: str) -> None:
        """Tell other processes something: none share an SQLite file, so there is no one to tell."""

    async def subscribe(self, channel: str, callback: Callable[[str], Coroutine[Any, Any, None]]) -> None:
        """Hear other processes: none share an SQLite file, so nothing will ever arrive."""

    # The migration ledger (see migrations.py): the version lives in the file header.

    @asynccontextmanager
    async def migration_lock(self) -> AsyncIterator[None]:
        """One process owns the file; each migration re-checks the version inside its transaction."""
        yield

    async def schema_version(self) -> int:
        """The schema version SQLite keeps in the file header."""
        rows = await self.fetch("PRAGMA user_version")
        return int(rows[0]["user_version"]) if rows else 0

    async def ledger_rows(self) -> list[Row]:
        """The ``schema_migrations`` rows in version order (none before the first migration)."""
        if not await self.fetch("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'"):
            return []
        return await self.fetch("SELECT version, name, sha256, applied_at FROM schema_migrations ORDER BY version")

    def split_statements(self, sql: str) -> list[str]:
        """Cut a script into statements, keeping trigger bodies whole."""
        return split_statements(sql)

    async def apply_migration(self, migration: Migration, statements: list[str], ledger: tuple[str, str]) -> None:
        """Run a migration's statements, the ledger row and the version bump as one transaction.

        ``ledger`` is the ledger table's DDL and its insert; the insert takes (version, name,
        sha256, applied_at).
        """
        create_ledger, insert_row = ledger
        async with self.transaction() as conn:
            found = int(next(iter(await conn.execute_fetchall("PRAGMA user_version")))[0])
            check_expected(migration, found)
            try:
                for statement in statements:
                    await conn.execute(statement)
            except sqlite3.Error as error:
                raise migration_failed(migration, found, error) from error
            await conn.execute(create_ledger)
            await conn.execute(insert_row, (migration.version, migration.name, migration.sha256,
                                            to_db_time(system_clock())))
            await conn.execute(f"PRAGMA user_version = {migration.version:d}")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """Lend the read-only connection; in WAL mode it never waits for the writer."""
        with faults_explained():
            yield self._reader

    async def backup(self, dest: Path) -> None:
        """Copy the live database to ``dest`` and prove the copy is sound (see :mod:`sqlite_backup`)."""
        await backup_database(self._reader, self.path, dest)

def _no_database(path: Path) -> StudyError:
    return StudyError(f"There is no database at {path}.",
                      hint="check the path; `studybot db migrate` creates a new database")


