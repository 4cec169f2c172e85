"""PostgreSQL URLs: shown without their password, and turned into pg_dump's arguments.

Kept apart from :mod:`postgres` so settings and messages can use them without loading the
driver.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def pg_dump_arguments(url: str) -> tuple[list[str], dict[str, str]]:
    """pg_dump's arguments and environment for ``url``.

    The password goes in ``PGPASSWORD`` (not on the command line, where ``ps`` shows it), and
    a ``search_path`` query parameter (which asyncpg passes to the server but libpq refuses)
    becomes ``--schema``.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    schemas = [value for key, value in query if key == "search_path"]
    kept = urlencode([(key, value) for key, value in query if key != "search_path"])
    netloc = parts.netloc
    env: dict[str, str] = {}
    if parts.password is not None:
        env["PGPASSWORD"] = parts.password
        netloc = netloc.replace(f":{parts.password}@", "@", 1)
    dsn = urlunsplit(parts._replace(netloc=netloc, query=kept))
    return [f"--dbname={dsn}", *(f"--schema={schema}" for schema in schemas)], env
