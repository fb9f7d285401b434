"""Broadcast days: local day-start hour, never the UTC date (docs/standards.md "Time").

Asia/Ho_Chi_Minh is UTC+07:00 with no daylight saving: local midnight is 17:00 UTC, and the
UTC date flips at 07:00 local, which is where peers' playlists went wrong.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedule.days import (
    day_of,
    day_window,
    for_channel,
    local_time,
    slots_of_day,
    timeline,
    week_days,
    week_window,
)
from schedule.items import ChannelFacts, SlotItem
from station.errors import ValidationError
from station.timecode import local_to_utc

VTV4 = ChannelFacts("VTV4", day_start_hour=5)
LOCAL = ChannelFacts("LCTV", day_start_hour=0)
UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    """A Vietnamese wall-clock time as the UTC instant Station stores."""
    return local_to_utc(dt.datetime(*args))


def slot(slot_id: int, start: dt.datetime, minutes: int, channel: str = "VTV4") -> SlotItem:
    return SlotItem(slot_id, channel, start, minutes * 60, f"Slot {slot_id}",
                    source=f"/d/{slot_id}.mp4")


def test_day_window_starts_at_the_local_day_start_hour() -> None:
    assert day_window(dt.date(2026, 12, 7), VTV4) == (
        dt.datetime(2026, 12, 6, 22, 0, tzinfo=UTC), dt.datetime(2026, 12, 7, 22, 0, tzinfo=UTC))
    assert day_window(dt.date(2026, 12, 7), LOCAL) == (
        dt.datetime(2026, 12, 6, 17, 0, tzinfo=UTC), dt.datetime(2026, 12, 7, 17, 0, tzinfo=UTC))


def test_one_thirty_local_belongs_to_the_previous_broadcast_day() -> None:
    moment = at(2026, 12, 8, 1, 30)
    assert moment == dt.datetime(2026, 12, 7, 18, 30, tzinfo=UTC)
    assert day_of(moment, VTV4) == dt.date(2026, 12, 7)  # 05:00 start: still the 7th's day
    assert day_of(moment, LOCAL) == dt.date(2026, 12, 8)  # midnight start: the 8th


def test_exactly_at_the_day_start_hour_is_the_new_day() -> None:
    start = at(2026, 12, 8, 5, 0)
    assert day_of(start, VTV4) == dt.date(2026, 12, 8)
    assert day_of(start - dt.timedelta(microseconds=1), VTV4) == dt.date(2026, 12, 7)
    assert day_window(dt.date(2026, 12, 8), VTV4)[0] == start
    assert day_window(dt.date(2026, 12, 7), VTV4)[1] == start  # half-open: end is not in it


def test_the_date_does_not_flip_at_utc_midnight() -> None:
    before, after = at(2026, 12, 8, 6, 59), at(2026, 12, 8, 7, 1)
    assert before.date() != after.date()  # the UTC date flips at 07:00 local...
    assert day_of(before, VTV4) == day_of(after, VTV4) == dt.date(2026, 12, 8)  # ...the day not
    assert day_of(before, LOCAL) == day_of(after, LOCAL) == dt.date(2026, 12, 8)


def test_a_slot_across_utc_midnight_stays_in_one_day() -> None:
    crossing = slot(1, at(2026, 12, 8, 6, 30), 60)  # 23:30-00:30 UTC
    assert crossing.start.date() != crossing.end.date()
    assert [s.id for s in slots_of_day([crossing], dt.date(2026, 12, 8), VTV4)] == [1]
    assert slots_of_day([crossing], dt.date(2026, 12, 7), VTV4) == []


def test_a_slot_across_local_midnight_belongs_where_it_starts() -> None:
    late = slot(1, at(2026, 12, 7, 23, 30), 60, channel="LCTV")  # 23:30-00:30 local
    assert [s.id for s in slots_of_day([late], dt.date(2026, 12, 7), LOCAL)] == [1]
    assert slots_of_day([late], dt.date(2026, 12, 8), LOCAL) == []
    # The day's timeline ends with it, running past the day's end; the next day starts clean.
    segments = timeline([late], dt.date(2026, 12, 7), LOCAL)
    assert segments[-1].slot == late and segments[-1].end > day_window(dt.date(2026, 12, 7),
                                                                        LOCAL)[1]
    # With a 05:00 day start the whole slot is inside the 7th's broadcast day.
    vtv = slot(2, at(2026, 12, 7, 23, 30), 60)
    assert [s.id for s in slots_of_day([vtv], dt.date(2026, 12, 7), VTV4)] == [2]


def test_leap_day() -> None:
    leap = dt.date(2028, 2, 29)
    start, end = day_window(leap, VTV4)
    assert start == dt.datetime(2028, 2, 28, 22, 0, tzinfo=UTC)
    assert end == dt.datetime(2028, 2, 29, 22, 0, tzinfo=UTC)
    assert day_of(at(2028, 3, 1, 1, 30), VTV4) == leap  # 01:30 on 1 March is still the 29th's
    assert day_of(at(2028, 2, 29, 23, 30), LOCAL) == leap
    assert day_of(at(2028, 3, 1, 0, 0), LOCAL) == dt.date(2028, 3, 1)
    assert week_days(leap)[0] == dt.date(2028, 2, 28)
    assert week_days(leap)[-1] == dt.date(2028, 3, 5)
    assert day_window(dt.date(2028, 3, 1), VTV4)[0] == end


def test_week_days_are_monday_to_sunday_across_a_year_end() -> None:
    days = week_days(dt.date(2026, 12, 31))  # a Thursday
    assert days[0] == dt.date(2026, 12, 28) and days[-1] == dt.date(2027, 1, 3)
    assert [d.weekday() for d in days] == list(range(7))
    assert week_days(dt.date(2026, 12, 28)) == days == week_days(dt.date(2027, 1, 3))
    start, end = week_window(dt.date(2026, 12, 31), VTV4)
    assert start == day_window(dt.date(2026, 12, 28), VTV4)[0]
    assert end == day_window(dt.date(2027, 1, 3), VTV4)[1]
    assert end - start == dt.timedelta(days=7)


@settings(max_examples=300, deadline=None)
@given(moment=st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2030, 12, 31),
                           timezones=st.just(UTC)),
       hour=st.integers(0, 23),
       zone=st.sampled_from(["Asia/Ho_Chi_Minh", "Asia/Bangkok", "UTC", "Europe/Berlin"]))
def test_day_of_and_day_window_agree(moment: dt.datetime, hour: int, zone: str) -> None:
    channel = ChannelFacts("X", timezone=zone, day_start_hour=hour)
    day = day_of(moment, channel)
    start, end = day_window(day, channel)
    assert start <= moment < end
    # Consecutive days tile time: no instant in two days, none in no day.
    assert day_window(day + dt.timedelta(days=1), channel)[0] == end


def test_timeline_makes_gaps_explicit_and_covers_the_day() -> None:
    day = dt.date(2026, 12, 7)
    a = slot(1, at(2026, 12, 7, 6, 0), 30)
    b = slot(2, at(2026, 12, 7, 6, 30), 30)  # back to back with a: no gap between
    c = slot(3, at(2026, 12, 8, 1, 30), 30)  # after local midnight, same broadcast day
    segments = timeline([c, b, a], day, VTV4)
    kinds = [s.slot.id if s.slot else None for s in segments]
    assert kinds == [None, 1, 2, None, 3, None]
    start, end = day_window(day, VTV4)
    assert segments[0].start == start and segments[-1].end == end
    for before, after in itertools.pairwise(segments):
        assert before.end == after.start
    assert sum(s.seconds for s in segments) == 24 * 3600
    assert timeline([a], day, VTV4, fill_to_end=False)[-1].slot == a
    assert timeline([], day, VTV4)[0].seconds == 24 * 3600


def test_timeline_refuses_overlaps() -> None:
    a = slot(1, at(2026, 12, 7, 19, 0), 30)
    b = slot(2, at(2026, 12, 7, 19, 20), 10)
    with pytest.raises(ValidationError) as caught:
        timeline([a, b], dt.date(2026, 12, 7), VTV4)
    assert "Slot 2" in str(caught.value) and "19:20:00" in str(caught.value)
    assert "chồng lấn" in caught.value.message("vi")


def test_slots_of_another_channel_are_refused() -> None:
    with pytest.raises(ValueError):
        for_channel([slot(1, at(2026, 12, 7, 19, 0), 30, channel="VOV5")], VTV4)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        SlotItem(1, "VTV4", dt.datetime(2026, 12, 7, 19, 0), 60, "naive")


def test_slot_start_is_normalised_to_utc() -> None:
    local = dt.datetime(2026, 12, 7, 19, 0, tzinfo=VTV4.zone)
    item = SlotItem(1, "VTV4", local, 60, "x")
    assert item.start.utcoffset() == dt.timedelta(0)
    assert item.start == local and item.end == local + dt.timedelta(minutes=1)


def test_local_time_labels() -> None:
    moment = at(2026, 12, 8, 1, 30)
    assert local_time(moment, VTV4) == "01:30"
    assert local_time(moment, VTV4, seconds=True, with_date=True) == "2026-12-08 01:30:00"
