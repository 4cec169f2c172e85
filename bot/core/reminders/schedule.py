"""When a learner's daily reminder goes out: a local time of day in an IANA zone, at most once a day.

Every send time is computed in the learner's own zone and stored in UTC, so a day with 23
or 25 hours still gets its reminder at the same local time. Two wall-clock cases have no
single answer, so this module picks one:

* a local time that does not exist that day (the hour skipped when clocks spring forward)
  is sent as much later as the gap is long (02:30 on a day that skips 02:00-03:00 is 03:30);
* a local time that happens twice (the hour repeated when clocks fall back) is sent at the
  first of the two, and never again that day.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.clock import as_utc
from bot.core.errors import StudyError
from bot.core.presentation.rendering import escape_markdown
from bot.core.text import collapse_spaces, truncate

DEFAULT_TIME = time(18, 0)
DEFAULT_ZONE = "UTC"
LATE_LIMIT = timedelta(hours=6)
"""A reminder missed by less than this (the bot was down at the time) still goes out; an older
one is dropped for that day rather than arrive in the middle of the night."""
MAX_ZONE_CHOICES = 25
"""Discord shows at most 25 autocomplete choices."""

_TIME = re.compile(r"(?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{2}))?\s*(?P<half>am|pm|a\.m\.|p\.m\.)?")


def parse_time(text: str) -> time:
    """A time of day as people type it: ``18:00``, ``18``, ``6pm``, ``6:30 pm``, ``7.15``, ``18h30``."""
    match = _TIME.fullmatch(text.strip().casefold())
    hour = int(match["hour"]) if match else -1
    minute = int(match["minute"] or 0) if match else -1
    half = (match["half"] or "").replace(".", "") if match else ""
    if half:
        hour = -1 if not 1 <= hour <= 12 else hour % 12 + (12 if half == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise StudyError(f"“{_quoted(text)}” is not a time of day I understand.",
                         hint="write it like 18:00, 7:30 or 6pm")
    return time(hour, minute)


@functools.cache
def _zones() -> dict[str, str]:
    """Every IANA zone name, by its case-folded spelling (read once: it scans the zone files)."""
    return {name.casefold(): name for name in available_timezones()}


def zone_named(text: str) -> ZoneInfo:
    """The IANA zone named ``text`` (any case; spaces for underscores), or a StudyError."""
    wanted = text.strip().replace(" ", "_").casefold()
    name = _zones().get(wanted)
    if name is None:
        raise StudyError(f"“{_quoted(text)}” is not a time zone I know.",
                         hint="pick one from the list, e.g. Europe/Berlin or America/New_York")
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError as error:  # listed but unreadable: a broken zone database
        raise StudyError(f"The time zone {name} cannot be read here.", hint="pick another one") from error


def zone_choices(typed: str) -> list[str]:
    """Zone names for autocomplete: those starting with what was typed, then its city, then any match."""
    needle = typed.strip().replace(" ", "_").casefold()
    names = sorted(_zones().values())
    if not needle:
        return names[:MAX_ZONE_CHOICES]
    ranked = sorted(
        (rank, name) for name in names
        if (rank := _rank(name.casefold(), needle)) is not None
    )
    return [name for _, name in ranked[:MAX_ZONE_CHOICES]]


def _rank(name: str, needle: str) -> int | None:
    if name.startswith(needle):
        return 0
    if name.rsplit("/", 1)[-1].startswith(needle):
        return 1
    return 2 if needle in name else None


def _quoted(text: str) -> str:
    """User text quoted back in an error: shortened, Markdown and mentions defused."""
    return escape_markdown(truncate(collapse_spaces(text), 40))


def local_send_time(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of ``at`` on ``day`` in ``zone``.

    A skipped local time moves on by the length of the gap; a repeated one is its first occurrence.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def next_send_time(after: datetime, at: time, zone: ZoneInfo, last_sent: datetime | None = None) -> datetime:
    """The first reminder instant strictly after ``after``, on a local day later than ``last_sent``'s.

    ``last_sent`` keeps the promise of at most one reminder a day when a learner moves their
    time later on a day they were already reminded.
    """
    after = as_utc(after)
    day = after.astimezone(zone).date()
    if last_sent is not None:
        day = max(day, as_utc(last_sent).astimezone(zone).date() + timedelta(days=1))
    while (moment := local_send_time(day, at, zone)) <= after:
        day += timedelta(days=1)
    return moment


def is_stale(send_at: datetime, now: datetime) -> bool:
    """Whether a reminder due at ``send_at`` is too late to send at ``now`` (see :data:`LATE_LIMIT`)."""
    return as_utc(now) - as_utc(send_at) > LATE_LIMIT


def clock_text(at: time) -> str:
    """``18:00``."""
    return f"{at:%H:%M}"


def local_text(moment: datetime, zone: ZoneInfo) -> str:
    """``Tue Mar 5, 18:00 CET``: an instant as the learner's own clock shows it."""
    local = as_utc(moment).astimezone(zone)
    return f"{local:%a %b} {local.day}, {local:%H:%M} {local.tzname()}"
