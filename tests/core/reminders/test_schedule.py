"""When reminders go out: typed times, zone names, and send times across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import StudyError
from bot.core.reminders.schedule import (
    is_stale,
    local_text,
    next_send_time,
    parse_time,
    zone_choices,
    zone_named,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def sends(start: datetime, at: time, zone: ZoneInfo, count: int) -> list[datetime]:
    """``count`` consecutive reminders, each computed after the one before was sent."""
    found: list[datetime] = []
    moment, last = start, None
    for _ in range(count):
        moment = next_send_time(moment, at, zone, last)
        found.append(moment)
        last = moment
    return found


@pytest.mark.parametrize(("typed", "expected"), [
    ("18:00", time(18)), ("18", time(18)), ("7:05", time(7, 5)), ("6pm", time(18)), ("6:30 PM", time(18, 30)),
    ("12am", time(0)), ("12pm", time(12)), ("7.15", time(7, 15)), ("18h30", time(18, 30)), (" 0:00 ", time(0)),
    ("11 p.m.", time(23)),
])
def test_times_are_read_as_people_type_them(typed: str, expected: time) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["24:00", "18:60", "13pm", "0am", "evening", "", "18:0", "1800", "-1"])
def test_impossible_times_are_refused_with_a_hint(typed: str) -> None:
    with pytest.raises(StudyError) as raised:
        parse_time(typed)
    assert "18:00" in (raised.value.hint or "")


def test_zones_are_found_in_any_case_and_with_spaces() -> None:
    assert zone_named("europe/berlin").key == "Europe/Berlin"
    assert zone_named("America/New York").key == "America/New_York"
    assert zone_named("UTC").key == "UTC"
    with pytest.raises(StudyError):
        zone_named("Mars/Olympus_Mons")


def test_zone_autocomplete_puts_prefixes_then_cities_first_and_fits_discord() -> None:
    assert zone_choices("new york")[0] == "America/New_York"
    assert zone_choices("berlin") == ["Europe/Berlin"]
    assert zone_choices("europe/")[0].startswith("Europe/")
    assert len(zone_choices("")) == 25 and len(zone_choices("a")) == 25
    assert all(len(name) <= 100 for name in zone_choices("america"))
    assert zone_choices("no such place") == []


def test_the_same_local_time_each_day_in_utc_summer_and_winter() -> None:
    assert sends(utc(2024, 5, 1, 9), time(18), BERLIN, 2) == [utc(2024, 5, 1, 16), utc(2024, 5, 2, 16)]
    assert sends(utc(2024, 1, 10, 9), time(18), BERLIN, 1) == [utc(2024, 1, 10, 17)]


def test_a_time_already_past_today_waits_for_tomorrow() -> None:
    assert next_send_time(utc(2024, 5, 1, 16), time(18), BERLIN) == utc(2024, 5, 2, 16)
    assert next_send_time(utc(2024, 5, 1, 15, 59), time(18), BERLIN) == utc(2024, 5, 1, 16)


def test_berlin_spring_forward_day_has_23_hours_between_reminders() -> None:
    first, second, third = sends(utc(2024, 3, 30, 9), time(18), BERLIN, 3)
    assert (first, second, third) == (utc(2024, 3, 30, 17), utc(2024, 3, 31, 16), utc(2024, 4, 1, 16))
    assert second - first == timedelta(hours=23)


def test_berlin_fall_back_day_has_25_hours_between_reminders() -> None:
    first, second = sends(utc(2024, 10, 26, 9), time(18), BERLIN, 2)
    assert (first, second) == (utc(2024, 10, 26, 16), utc(2024, 10, 27, 17))
    assert second - first == timedelta(hours=25)


def test_new_york_spring_forward_and_fall_back_keep_six_in_the_evening() -> None:
    spring = sends(utc(2024, 3, 9, 12), time(18), NEW_YORK, 3)
    assert spring == [utc(2024, 3, 9, 23), utc(2024, 3, 10, 22), utc(2024, 3, 11, 22)]
    fall = sends(utc(2024, 11, 2, 12), time(18), NEW_YORK, 3)
    assert fall == [utc(2024, 11, 2, 22), utc(2024, 11, 3, 23), utc(2024, 11, 4, 23)]


def test_a_local_time_skipped_by_spring_forward_moves_on_by_the_gap() -> None:
    # 02:30 does not exist on 10 March 2024 in New York (02:00 -> 03:00): sent at 03:30 EDT.
    assert sends(utc(2024, 3, 9, 12), time(2, 30), NEW_YORK, 3) == [
        utc(2024, 3, 10, 7, 30), utc(2024, 3, 11, 6, 30), utc(2024, 3, 12, 6, 30)]
    assert local_text(utc(2024, 3, 10, 7, 30), NEW_YORK) == "Sun Mar 10, 03:30 EDT"
    # Same in Berlin on 31 March 2024.
    assert next_send_time(utc(2024, 3, 30, 12), time(2, 30), BERLIN) == utc(2024, 3, 31, 1, 30)


def test_a_local_time_repeated_by_fall_back_is_sent_once_at_its_first_occurrence() -> None:
    # 01:30 happens twice on 3 November 2024 in New York: 05:30 UTC (EDT) and 06:30 UTC (EST).
    first, second = sends(utc(2024, 11, 2, 12), time(1, 30), NEW_YORK, 2)
    assert first == utc(2024, 11, 3, 5, 30)
    assert second == utc(2024, 11, 4, 6, 30)
    # Asked again between the two occurrences (say, after a restart), it still waits for tomorrow.
    assert next_send_time(utc(2024, 11, 3, 6), time(1, 30), NEW_YORK, last_sent=first) == second
    # And in Berlin, 02:30 on 27 October 2024: the CEST one.
    assert next_send_time(utc(2024, 10, 26, 12), time(2, 30), BERLIN) == utc(2024, 10, 27, 0, 30)


def test_at_most_once_a_day_even_when_the_time_moves_later_after_a_send() -> None:
    sent = utc(2024, 5, 1, 16)  # 18:00 in Berlin
    assert next_send_time(utc(2024, 5, 1, 16, 30), time(20), BERLIN, last_sent=sent) == utc(2024, 5, 2, 18)
    assert next_send_time(utc(2024, 5, 1, 16, 30), time(20), BERLIN) == utc(2024, 5, 1, 18)


def test_a_reminder_hours_late_is_stale_a_minutes_late_one_is_not() -> None:
    due = utc(2024, 5, 1, 16)
    assert not is_stale(due, due + timedelta(minutes=5))
    assert not is_stale(due, due + timedelta(hours=6))
    assert is_stale(due, due + timedelta(hours=6, seconds=1))
