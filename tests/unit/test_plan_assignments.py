"""The pure assignment rules: quarters in the station's zone, weeks, double bookings."""

from __future__ import annotations

import datetime as dt

import pytest

from planning.assignments import (
    Booking,
    double_bookings,
    flagged_topics,
    month_days,
    parse_month,
    parse_week,
    person_key,
    quarter_bounds,
    quarter_dates,
    quarter_of,
    week_days,
)

D = dt.date(2026, 12, 7)


def test_quarter_of_dates() -> None:
    assert [quarter_of(dt.date(2026, m, 15)) for m in range(1, 13)] == [
        1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]


def test_quarter_of_a_moment_is_read_on_the_station_clock() -> None:
    # 31 March 17:30 UTC is 1 April 00:30 in Hà Nội: already the second quarter.
    assert quarter_of(dt.datetime(2026, 3, 31, 17, 30, tzinfo=dt.UTC)) == 2
    assert quarter_of(dt.datetime(2026, 3, 31, 16, 59, tzinfo=dt.UTC)) == 1
    assert quarter_of(dt.datetime(2026, 3, 31, 23, 0)) == 1  # naive: local already


def test_quarter_bounds_are_local_midnights_in_utc() -> None:
    start, end = quarter_bounds(2026, 2)
    assert start == dt.datetime(2026, 3, 31, 17, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 6, 30, 17, 0, tzinfo=dt.UTC)
    assert quarter_bounds(2026, 4)[1] == dt.datetime(2026, 12, 31, 17, tzinfo=dt.UTC)
    assert quarter_dates(2026, 1) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    with pytest.raises(ValueError):
        quarter_bounds(2026, 5)


def test_weeks_and_months() -> None:
    week = week_days(dt.date(2026, 12, 10))
    assert week[0] == dt.date(2026, 12, 7) and week[-1] == dt.date(2026, 12, 13)
    assert parse_week("2026-W50") == dt.date(2026, 12, 7)
    assert parse_week("2026-12-09") == dt.date(2026, 12, 7)
    assert len(month_days(2026, 2)) == 28 and len(month_days(2028, 2)) == 29
    assert month_days(2026, 12)[-1] == dt.date(2026, 12, 31)
    assert parse_month("2026-12") == (2026, 12)
    with pytest.raises(ValueError):
        parse_month("2026-13")


def test_person_key_prefers_the_account_and_folds_names() -> None:
    assert person_key(12, "Lò Văn Hùng") == "user:12"
    assert person_key(None, "Lò Văn  Hùng") == person_key(None, "lò văn hùng")
    # A decomposed name (macOS keyboards) is the same person as the composed one.
    assert person_key(None, "Lo\u0300 Va\u0306n Hu\u0300ng") == person_key(None, "Lò Văn Hùng")
    assert person_key(None, "  ") is None


def test_two_topics_the_same_day_are_a_double_booking() -> None:
    found = double_bookings([Booking(1, D, "user:5", "reporter"),
                             Booking(2, D, "user:5", "camera"),
                             Booking(3, D, "user:6", "reporter")])
    assert list(found) == [("user:5", D)]
    assert [b.topic_id for b in found[("user:5", D)]] == [1, 2]
    assert flagged_topics([Booking(1, D, "user:5", "reporter"),
                           Booking(2, D, "user:5", "camera")]) == {1, 2}


def test_not_a_double_booking() -> None:
    # One person in two roles on one topic; one person on two different days.
    assert double_bookings([Booking(1, D, "user:5", "reporter"),
                            Booking(1, D, "user:5", "camera")]) == {}
    assert double_bookings([Booking(1, D, "name:a", "reporter"),
                            Booking(2, D + dt.timedelta(days=1), "name:a", "reporter")]) == {}
