"""Pure rules of the newsroom's assignments: quarters, weeks, and who is booked twice.

No database and no Flask: the services hand these functions plain values (dates, people's
keys) and get plain values back, so the rules are unit-tested on their own
(tests/unit/test_plan_assignments.py).

A *person* is a key: ``"user:12"`` for an account, ``"name:lò văn hùng"`` for a free-text
reporter or camera operator (folded, so "Lò Văn Hùng" and "lò văn  hùng" are one person).
Booking one person on two topics shot the same day is flagged, not refused: a reporter can
cover two short stories in one town, but the desk must see it and decide.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from station.text import nfc

STATION_ZONE = "Asia/Ho_Chi_Minh"
ROLES = ("reporter", "camera", "editor")


def quarter_of(day: dt.date | dt.datetime, zone: str = STATION_ZONE) -> int:
    """The quarter (1-4) of a date, or of a moment as the station's clock reads it.

    An aware moment is turned to the station's zone first: 31 March 17:30 UTC is already
    1 April in Hà Nội, so it counts in the second quarter. A naive moment is local already.
    """
    if isinstance(day, dt.datetime):
        if day.tzinfo is not None:
            day = day.astimezone(ZoneInfo(zone))
        day = day.date()
    return (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int, zone: str = STATION_ZONE
                   ) -> tuple[dt.datetime, dt.datetime]:
    """The quarter's start and end (exclusive) as UTC moments: local midnights, converted.

    The SQL aggregates compare stored UTC times with these, so a quarter is the same on
    SQLite and PostgreSQL without either database knowing the station's zone.
    """
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter {quarter} is not 1-4")
    tz = ZoneInfo(zone)
    start = dt.datetime(year, 3 * quarter - 2, 1, tzinfo=tz)
    end = (dt.datetime(year + 1, 1, 1, tzinfo=tz) if quarter == 4
           else dt.datetime(year, 3 * quarter + 1, 1, tzinfo=tz))
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def quarter_dates(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """The quarter's first and last calendar day."""
    first = dt.date(year, 3 * quarter - 2, 1)
    last = (dt.date(year + 1, 1, 1) if quarter == 4
            else dt.date(year, 3 * quarter + 1, 1)) - dt.timedelta(days=1)
    return first, last


def week_days(day: dt.date) -> list[dt.date]:
    """Monday to Sunday of the week that holds ``day`` (ISO weeks, as Vietnam's calendars)."""
    monday = day - dt.timedelta(days=day.weekday())
    return [monday + dt.timedelta(days=i) for i in range(7)]


def month_days(year: int, month: int) -> list[dt.date]:
    """Every day of a month."""
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return [first + dt.timedelta(days=i) for i in range((nxt - first).days)]


def parse_week(text: str) -> dt.date:
    """``2026-W49`` (the HTML week input's value) or a date inside the week -> its Monday."""
    text = text.strip()
    if "-W" in text:
        year, week = text.split("-W", 1)
        return dt.date.fromisocalendar(int(year), int(week), 1)
    return week_days(dt.date.fromisoformat(text))[0]


def parse_month(text: str) -> tuple[int, int]:
    """``2026-12`` (the HTML month input's value) -> (2026, 12)."""
    year, month = text.strip().split("-")[:2]
    if not 1 <= int(month) <= 12:
        raise ValueError(f"month {month} is not 1-12")
    return int(year), int(month)


def person_key(user_id: int | None, name: str | None) -> str | None:
    """Who a booking names: the account when there is one, else the folded free-text name."""
    if user_id is not None:
        return f"user:{user_id}"
    folded = " ".join(nfc(name or "").casefold().split())
    return f"name:{folded}" if folded else None


@dataclass(frozen=True)
class Booking:
    """One person on one topic on one day, in one role."""

    topic_id: int
    day: dt.date
    person: str
    role: str  # reporter, camera or editor


def double_bookings(bookings: Iterable[Booking]) -> dict[tuple[str, dt.date], list[Booking]]:
    """Every (person, day) with two or more different topics, and those bookings.

    One person in two roles on the same topic (a reporter who also holds the camera) is
    one booking, not a double one; two topics the same day are, whatever the roles.
    """
    by_day: dict[tuple[str, dt.date], list[Booking]] = defaultdict(list)
    for booking in bookings:
        by_day[(booking.person, booking.day)].append(booking)
    return {key: sorted(found, key=lambda b: (b.topic_id, b.role))
            for key, found in sorted(by_day.items())
            if len({b.topic_id for b in found}) > 1}


def flagged_topics(bookings: Iterable[Booking]) -> set[int]:
    """The topics that share a person with another topic on the same day."""
    return {b.topic_id for found in double_bookings(bookings).values() for b in found}
