"""Slot templates: weekly and monthly rules, exceptions, end dates, leap days, time zones.

Issue 5's example: "Lai Châu today" every Monday 19:00 on VTV4, rerun Thursday 10:30, and
"every first Sunday of the month". Templates are local wall times; slots are stored in UTC.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedule.recurrence import Template, expand, nth_weekday, occurrences
from station.errors import ValidationError
from station.timecode import to_local

UTC = dt.UTC
MON, TUE, THU, FRI, SUN = 0, 1, 3, 4, 6


def template(**kwargs: object) -> Template:
    values: dict[str, object] = {
        "title": "Lai Châu hôm nay", "channel": "VTV4", "weekdays": {MON},
        "local_time": dt.time(19, 0), "duration_s": 1800, "start_date": dt.date(2026, 12, 7),
    }
    values.update(kwargs)
    return Template(**values)  # type: ignore[arg-type]


def test_every_monday_at_19_local_is_12_utc() -> None:
    found = occurrences(template(), dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert found == [dt.datetime(2026, 12, d, 12, 0, tzinfo=UTC) for d in (7, 14, 21, 28)]


def test_a_year_of_mondays_and_thursdays() -> None:
    rerun = template(weekdays={THU}, local_time=dt.time(10, 30))
    both = template(weekdays={MON, THU})
    start, end = dt.date(2027, 1, 1), dt.date(2027, 12, 31)
    mondays = occurrences(template(), start, end)
    thursdays = occurrences(rerun, start, end)
    assert len(mondays) == 52 and len(thursdays) == 52
    assert all(to_local(m).weekday() == MON and to_local(m).time() == dt.time(19) for m in mondays)
    assert all(to_local(t).time() == dt.time(10, 30) for t in thursdays)
    combined = occurrences(both, start, end)
    assert combined == sorted(combined) and len(combined) == 104


def test_start_and_end_dates_are_inclusive() -> None:
    bounded = template(start_date=dt.date(2026, 12, 14), end_date=dt.date(2026, 12, 28))
    found = occurrences(bounded, dt.date(2026, 1, 1), dt.date(2027, 12, 31))
    assert [to_local(f).date() for f in found] == [dt.date(2026, 12, d) for d in (14, 21, 28)]
    # The query's own bounds are inclusive too.
    found = occurrences(template(), dt.date(2026, 12, 14), dt.date(2026, 12, 21))
    assert [to_local(f).day for f in found] == [14, 21]
    assert occurrences(template(), dt.date(2026, 1, 1), dt.date(2026, 12, 6)) == []


def test_exceptions_are_skipped() -> None:
    holiday = template(exceptions={dt.date(2026, 12, 21), dt.date(2026, 12, 22)})
    found = occurrences(holiday, dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert [to_local(f).day for f in found] == [7, 14, 28]


def test_leap_day_2028() -> None:
    daily = template(weekdays=set(range(7)), start_date=dt.date(2028, 1, 1))
    february = occurrences(daily, dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    assert len(february) == 29
    assert to_local(february[-1]).date() == dt.date(2028, 2, 29)
    tuesdays = occurrences(template(weekdays={TUE}, start_date=dt.date(2028, 1, 1)),
                           dt.date(2028, 2, 1), dt.date(2028, 3, 31))
    assert dt.date(2028, 2, 29) in [to_local(t).date() for t in tuesdays]
    # 05:00 local on 1 March 2028 is 22:00 UTC on the leap day.
    early = template(weekdays=set(range(7)), local_time=dt.time(5, 0),
                     start_date=dt.date(2028, 3, 1))
    assert occurrences(early, dt.date(2028, 3, 1), dt.date(2028, 3, 1)) == [
        dt.datetime(2028, 2, 29, 22, 0, tzinfo=UTC)]
    assert len(occurrences(daily, dt.date(2027, 2, 1), dt.date(2027, 2, 28))) == 0  # not started
    daily27 = template(weekdays=set(range(7)), start_date=dt.date(2027, 1, 1))
    assert len(occurrences(daily27, dt.date(2027, 2, 1), dt.date(2027, 3, 1))) == 29  # 28 + 1 Mar


def test_first_sunday_of_every_month() -> None:
    first_sunday = template(weekdays=set(), monthly_nth=(1, SUN), start_date=dt.date(2027, 1, 1),
                            local_time=dt.time(8, 0))
    found = [to_local(f).date() for f in
             occurrences(first_sunday, dt.date(2027, 1, 1), dt.date(2027, 12, 31))]
    assert len(found) == 12
    assert all(d.weekday() == SUN and d.day <= 7 for d in found)
    assert found[0] == dt.date(2027, 1, 3) and found[-1] == dt.date(2027, 12, 5)


def test_last_friday_and_fifth_monday() -> None:
    last_friday = template(weekdays=set(), monthly_nth=(-1, FRI), start_date=dt.date(2027, 1, 1))
    found = [to_local(f).date() for f in
             occurrences(last_friday, dt.date(2027, 1, 1), dt.date(2027, 12, 31))]
    assert len(found) == 12
    for d in found:
        assert d.weekday() == FRI and d.day + 7 > calendar.monthrange(d.year, d.month)[1]
    fifth = template(weekdays=set(), monthly_nth=(5, MON), start_date=dt.date(2027, 1, 1))
    months = [to_local(f).month for f in
              occurrences(fifth, dt.date(2027, 1, 1), dt.date(2027, 12, 31))]
    assert months == [m for m in range(1, 13) if nth_weekday(2027, m, 5, MON) is not None]
    assert 0 < len(months) < 12
    assert nth_weekday(2028, 2, -1, TUE) == dt.date(2028, 2, 29)  # leap day is the last Tuesday


def test_monthly_respects_dates_inside_a_month() -> None:
    first_sunday = template(weekdays=set(), monthly_nth=(1, SUN), start_date=dt.date(2027, 1, 4))
    # January's first Sunday (the 3rd) is before the start date; February's is after the query.
    assert occurrences(first_sunday, dt.date(2027, 1, 1), dt.date(2027, 2, 6)) == []
    found = occurrences(first_sunday, dt.date(2027, 1, 1), dt.date(2027, 2, 7))
    assert [to_local(f).date() for f in found] == [dt.date(2027, 2, 7)]


def test_zones_with_daylight_saving_follow_rfc_5545() -> None:
    """A gap time moves later (offset before the gap); an ambiguous time is the first one."""
    new_york = "America/New_York"
    spring = template(weekdays={SUN}, local_time=dt.time(2, 30), start_date=dt.date(2026, 3, 8))
    assert occurrences(spring, dt.date(2026, 3, 8), dt.date(2026, 3, 8), new_york) == [
        dt.datetime(2026, 3, 8, 7, 30, tzinfo=UTC)]  # 02:30 EST = 03:30 EDT
    autumn = template(weekdays={SUN}, local_time=dt.time(1, 30), start_date=dt.date(2026, 11, 1))
    assert occurrences(autumn, dt.date(2026, 11, 1), dt.date(2026, 11, 1), new_york) == [
        dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)]  # the first 01:30, still EDT
    summer = occurrences(template(start_date=dt.date(2026, 7, 6)), dt.date(2026, 7, 6),
                         dt.date(2026, 7, 6), new_york)
    assert summer == [dt.datetime(2026, 7, 6, 23, 0, tzinfo=UTC)]


def test_a_year_of_templates_counts_every_occurrence() -> None:
    """Four channels with forty templates each, a year ahead (timed in benchmarks/)."""
    templates = [template(channel=f"CH{c}", weekdays={n % 7, (n + 3) % 7},
                          local_time=dt.time(5 + n % 18, 30), start_date=dt.date(2027, 1, 1))
                 for c in range(4) for n in range(40)]
    total = sum(len(occurrences(t, dt.date(2027, 1, 1), dt.date(2027, 12, 31)))
                for t in templates)
    assert total == 160 * 104 + sum(1 for t in templates if 4 in t.weekdays)  # 2027: 53 Fridays


def test_expand_makes_unsaved_planned_slots() -> None:
    rerun = template(weekdays={THU}, local_time=dt.time(10, 30), kind="report", report_id=12)
    slots = expand(rerun, dt.date(2026, 12, 7), dt.date(2026, 12, 13))
    assert len(slots) == 1
    item = slots[0]
    assert (item.id, item.channel, item.kind, item.report_id, item.status) == (
        None, "VTV4", "report", 12, "planned")
    assert item.start == dt.datetime(2026, 12, 10, 3, 30, tzinfo=UTC)
    assert item.duration_s == 1800 and item.title == "Lai Châu hôm nay"


@pytest.mark.parametrize("kwargs", [
    {"weekdays": set()},
    {"weekdays": {7}},
    {"weekdays": {MON}, "monthly_nth": (1, SUN)},
    {"weekdays": set(), "monthly_nth": (0, SUN)},
    {"weekdays": set(), "monthly_nth": (6, SUN)},
    {"weekdays": set(), "monthly_nth": (1, 7)},
    {"duration_s": 0},
    {"end_date": dt.date(2026, 12, 1)},
    {"kind": "advert"},
])
def test_invalid_templates_are_refused_with_a_message(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as caught:
        template(**kwargs)
    assert caught.value.message("vi") != caught.value.message("en")


def test_local_time_must_be_a_wall_clock_time() -> None:
    with pytest.raises(ValueError):
        template(local_time=dt.time(19, 0, tzinfo=UTC))


@settings(max_examples=200, deadline=None)
@given(weekdays=st.sets(st.integers(0, 6), min_size=1),
       hour=st.integers(0, 23), minute=st.sampled_from([0, 15, 30, 45]),
       start=st.dates(dt.date(2026, 1, 1), dt.date(2029, 12, 31)),
       span=st.integers(0, 120), skip=st.sets(st.integers(0, 120), max_size=10))
def test_weekly_occurrences_match_a_day_by_day_walk(weekdays: set[int], hour: int, minute: int,
                                                    start: dt.date, span: int,
                                                    skip: set[int]) -> None:
    end = start + dt.timedelta(days=span)
    exceptions = {start + dt.timedelta(days=n) for n in skip}
    rule = template(weekdays=weekdays, local_time=dt.time(hour, minute), start_date=start,
                    exceptions=exceptions)
    found = occurrences(rule, start - dt.timedelta(days=3), end)
    expected = [start + dt.timedelta(days=n) for n in range(span + 1)]
    expected = [d for d in expected if d.weekday() in weekdays and d not in exceptions]
    assert [to_local(f).date() for f in found] == expected
    assert all(to_local(f).time() == dt.time(hour, minute) for f in found)
    assert all(f.utcoffset() == dt.timedelta(0) for f in found)
