"""A throw-away PostgreSQL schema per test, on the server ``STUDYBOT_TEST_PG`` names.

``.ci/run`` starts the machine's PostgreSQL, creates a throw-away role and database and
exports their URL here. Without it the PostgreSQL half of the suite is skipped, loudly, on a
developer machine, and fails on CI (``CI=true``), where it must run. Each test gets its own
schema (the URL's ``search_path``), dropped afterwards, so tests never see each other's rows
and no database has to be created per test.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
import pytest

PG_ENV = "STUDYBOT_TEST_PG"
SKIP_NOTICE = (
    f"PostgreSQL tests SKIPPED: {PG_ENV} is not set. Run `bash .ci/run` (it starts the machine's "
    f"PostgreSQL) or export {PG_ENV}=postgresql://user:password@127.0.0.1:5432/dbname"
)


def base_url() -> str | None:
    """The test server's URL, if one is configured."""
    return os.environ.get(PG_ENV, "").strip() or None


def require_base_url() -> str:
    """The URL, or skip (developer machine) / fail (CI) the test that needs it."""
    url = base_url()
    if url is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{PG_ENV} must be set on CI: the PostgreSQL half of the suite has to run")
        pytest.skip(f"PostgreSQL: {PG_ENV} is not set")
    return url


def with_search_path(url: str, schema: str) -> str:
    """``url`` working in ``schema`` (asyncpg sends unknown query parameters as server settings)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "search_path"] + [("search_path", schema)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def run_sync(coro: Any) -> Any:
    """Run a coroutine to completion from synchronous code, on a thread of its own."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def scratch_schema() -> Iterator[str]:
    """A fresh schema on the test server; yields a URL that works in it, drops it afterwards."""
    url = require_base_url()
    schema = f"test_{secrets.token_hex(6)}"
    run_sync(_execute(url, f"CREATE SCHEMA {schema}"))
    try:
        yield with_search_path(url, schema)
    finally:
        run_sync(_execute(url, f"DROP SCHEMA {schema} CASCADE"))
