"""Slot templates: weekly or "nth weekday of the month" rules expanded to UTC instants (pure).

A template is written in the channel's wall-clock time ("Lai Châu today", Mondays 19:00), so
each date is combined with the local time in the zone and only then converted to UTC. Vietnam
keeps no daylight saving, but a partner's zone may: zoneinfo's default ``fold=0`` reads a
wall time that falls in a spring-forward gap with the offset before the gap (it lands later)
and an ambiguous autumn time as its first occurrence, which is what RFC 5545 §3.3.5 asks.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from schedule.items import SLOT_KINDS, SlotItem
from station.errors import ValidationError
from station.timecode import LOCAL_TZ_NAME

WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Template:
    """A repeating slot: weekdays (0 = Monday) or the nth weekday of each month."""

    title: str
    channel: str
    weekdays: AbstractSet[int]  # stored as a frozenset
    local_time: dt.time  # wall clock in the channel's zone, naive
    duration_s: int
    start_date: dt.date
    end_date: dt.date | None = None  # inclusive
    exceptions: AbstractSet[dt.date] = frozenset()  # local dates skipped (holidays, specials)
    # (n, weekday): (1, 6) is the first Sunday of each month, (-1, 4) the last Friday
    monthly_nth: tuple[int, int] | None = None
    kind: str = "programme"
    report_id: int | None = None
    category: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        object.__setattr__(self, "exceptions", frozenset(self.exceptions))
        if self.local_time.tzinfo is not None:
            raise ValueError("a template's local_time is a wall-clock time: pass it naive")
        if any(not 0 <= day <= 6 for day in self.weekdays):
            raise ValidationError("Weekdays are 0 (Monday) to 6 (Sunday): {weekdays}",
                                  weekdays=sorted(self.weekdays))
        if self.monthly_nth is not None:
            nth, weekday = self.monthly_nth
            if nth == 0 or not -5 <= nth <= 5 or not 0 <= weekday <= 6:
                raise ValidationError(
                    "“Nth weekday of the month” needs n in 1..5 or -1..-5 and a weekday "
                    "0..6, not {nth} and {weekday}", nth=nth, weekday=weekday)
            if self.weekdays:
                raise ValidationError("Choose weekdays or a monthly rule, not both")
        elif not self.weekdays:
            raise ValidationError("Choose at least one weekday or a monthly rule")
        if self.duration_s <= 0:
            raise ValidationError("A slot's duration must be positive: {duration_s} s",
                                  duration_s=self.duration_s)
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValidationError("The template ends ({end}) before it starts ({start})",
                                  end=self.end_date.isoformat(),
                                  start=self.start_date.isoformat())
        if self.kind not in SLOT_KINDS:
            raise ValidationError("Unknown slot kind {kind}", kind=self.kind)


def occurrences(template: Template, from_date: dt.date, to_date: dt.date,
                tz: str = LOCAL_TZ_NAME) -> list[dt.datetime]:
    """UTC starts of the template's slots on local dates from ``from_date`` to ``to_date``.

    Both bounds are inclusive, as is the template's end date; exceptions are skipped. Dates
    are generated directly (a step of 7 days per weekday, one date per month), so a year of
    many templates costs only the slots it makes.
    """
    first = max(from_date, template.start_date)
    last = to_date if template.end_date is None else min(to_date, template.end_date)
    if first > last:
        return []
    if template.monthly_nth is not None:
        dates = _monthly(first, last, *template.monthly_nth)
    else:
        dates = _weekly(first, last, template.weekdays)
    zone = ZoneInfo(tz)
    wall = template.local_time
    return [dt.datetime.combine(day, wall, tzinfo=zone).astimezone(dt.UTC)
            for day in dates if day not in template.exceptions]


def _weekly(first: dt.date, last: dt.date, weekdays: AbstractSet[int]) -> list[dt.date]:
    dates: list[dt.date] = []
    for weekday in weekdays:
        day = first + dt.timedelta(days=(weekday - first.weekday()) % 7)
        while day <= last:
            dates.append(day)
            day += WEEK
    dates.sort()
    return dates


def nth_weekday(year: int, month: int, nth: int, weekday: int) -> dt.date | None:
    """The nth (or, counting back, -nth) weekday of a month; None when the month has none."""
    if nth > 0:
        first = dt.date(year, month, 1)
        day = first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    else:
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        day = last - dt.timedelta(days=(last.weekday() - weekday) % 7 + 7 * (-nth - 1))
    return day if day.month == month else None


def _monthly(first: dt.date, last: dt.date, nth: int, weekday: int) -> list[dt.date]:
    dates: list[dt.date] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        day = nth_weekday(year, month, nth, weekday)
        if day is not None and first <= day <= last:
            dates.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dates


def expand(template: Template, from_date: dt.date, to_date: dt.date,
           tz: str = LOCAL_TZ_NAME) -> list[SlotItem]:
    """New, unsaved planned slots for the template's occurrences, ready for the services."""
    return [
        SlotItem(id=None, channel=template.channel, start=start,
                 duration_s=template.duration_s, title=template.title, kind=template.kind,
                 report_id=template.report_id, category=template.category)
        for start in occurrences(template, from_date, to_date, tz)
    ]
