"""Times: UTC stored, Asia/Ho_Chi_Minh shown, broadcast days that start at a set hour."""

import datetime as dt
from fractions import Fraction

import pytest

from station import timecode


def test_local_time_is_utc_plus_seven_all_year() -> None:
    for month in (1, 7):
        utc = dt.datetime(2026, month, 1, 17, 30, tzinfo=dt.UTC)
        local = timecode.to_local(utc)
        assert (local.hour, local.minute, local.day) == (0, 30, 2)


def test_broadcast_day_before_start_hour_is_previous_day() -> None:
    # 01:30 local on 8 Dec is 18:30 UTC on 7 Dec; with a 05:00 day start it is 7 Dec's day.
    moment = timecode.local_to_utc(dt.datetime(2026, 12, 8, 1, 30))
    assert moment == dt.datetime(2026, 12, 7, 18, 30, tzinfo=dt.UTC)
    assert timecode.broadcast_day(moment, day_start_hour=5) == dt.date(2026, 12, 7)
    assert timecode.broadcast_day(moment, day_start_hour=0) == dt.date(2026, 12, 8)
    at_start = timecode.local_to_utc(dt.datetime(2026, 12, 8, 5, 0))
    assert timecode.broadcast_day(at_start, day_start_hour=5) == dt.date(2026, 12, 8)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        timecode.to_local(dt.datetime(2026, 1, 1))


def test_frame_rates_are_exact() -> None:
    assert timecode.parse_rate("30000/1001") == Fraction(30000, 1001)
    assert timecode.parse_rate("0/0") is None
    assert timecode.frames_to_ms(21) == 840  # 21 frames at 25 fps
    assert timecode.ms_to_frames(833) == 20
    assert timecode.frames_to_ms(2) == 80  # minimum gap, docs/standards.md


def test_durations_for_people() -> None:
    assert timecode.format_duration(20_400) == "0:20"
    assert timecode.format_duration(3_725_000) == "1:02:05"
    assert timecode.format_duration(None) == "–"


def test_half_open_overlap() -> None:
    assert timecode.overlaps(0, 10, 5, 15)
    assert not timecode.overlaps(0, 10, 10, 20)


def test_days_people_type_are_bounded() -> None:
    import datetime as dt

    import pytest

    from station.errors import ValidationError
    from station.timecode import check_day, parse_day

    assert parse_day(" 2026-12-07 ") == dt.date(2026, 12, 7)
    assert parse_day("") is None and parse_day(None) is None
    for bad in ("9999-12-31", "0001-01-01", "2026-02-30", "tomorrow", "2026-12-07T10:00"):
        with pytest.raises(ValidationError, match="is not a day between 1900-01-01"):
            parse_day(bad)
    with pytest.raises(ValidationError):
        check_day(dt.datetime(9999, 12, 31, 23, 0))
    check_day(dt.datetime(2026, 12, 31, 23, 0))  # an ordinary time passes
