"""Broadcast days: a channel's day starts at its local day-start hour, not at UTC midnight.

A 01:30 programme on a channel whose day starts at 05:00 belongs to the previous broadcast
day in every view and export (docs/standards.md "Time"; ffplayout's ``day_start``). Peers shipped
playlists taken from the UTC date, which flips at 07:00 in Vietnam: every function here
works from the channel's zone and hour, never from ``moment.date()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from schedule.items import ChannelFacts, SlotItem
from station.errors import ValidationError
from station.timecode import broadcast_day


def day_window(day: dt.date, channel: ChannelFacts) -> tuple[dt.datetime, dt.datetime]:
    """UTC [start, end) of a broadcast day: local day-start hour to the next day's one.

    The end is the next day's start, so consecutive days tile time with no gap or overlap;
    that is 24 h in Asia/Ho_Chi_Minh (no daylight saving) and 23 or 25 h where DST shifts.
    """
    return _day_start(day, channel), _day_start(day + dt.timedelta(days=1), channel)


def _day_start(day: dt.date, channel: ChannelFacts) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(channel.day_start_hour), tzinfo=channel.zone)
    return local.astimezone(dt.UTC)


def day_of(moment: dt.datetime, channel: ChannelFacts) -> dt.date:
    """The broadcast day a moment belongs to (before the day-start hour it is still yesterday)."""
    return broadcast_day(moment, day_start_hour=channel.day_start_hour, tz=channel.timezone)


def week_days(any_day: dt.date) -> list[dt.date]:
    """Monday to Sunday of the ISO week holding ``any_day``: the columns of the week grid."""
    monday = any_day - dt.timedelta(days=any_day.weekday())
    return [monday + dt.timedelta(days=n) for n in range(7)]


def week_window(any_day: dt.date, channel: ChannelFacts) -> tuple[dt.datetime, dt.datetime]:
    """UTC [start, end) of the broadcast week holding ``any_day``, for the grid's one query."""
    days = week_days(any_day)
    return day_window(days[0], channel)[0], day_window(days[-1], channel)[1]


def for_channel(slots: Iterable[SlotItem], channel: ChannelFacts) -> list[SlotItem]:
    """The slots, refusing any of another channel: mixing channels would fake overlaps."""
    chosen = list(slots)
    for slot in chosen:
        if slot.channel != channel.code:
            raise ValueError(f"slot {slot.id} is on {slot.channel}, not {channel.code}")
    return chosen


def slots_of_day(slots: Iterable[SlotItem], day: dt.date,
                 channel: ChannelFacts) -> list[SlotItem]:
    """The channel's slots starting in the broadcast day, sorted; a slot lives where it starts."""
    start, end = day_window(day, channel)
    chosen = [s for s in for_channel(slots, channel) if start <= s.start < end]
    chosen.sort(key=lambda s: (s.start, s.duration_s))
    return chosen


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of a broadcast day: a slot, or a gap (``slot is None``) a playout must fill."""

    start: dt.datetime
    end: dt.datetime
    slot: SlotItem | None

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def timeline(slots: Iterable[SlotItem], day: dt.date, channel: ChannelFacts, *,
             fill_to_end: bool = True) -> list[Segment]:
    """The day from its start as back-to-back segments, gaps made explicit.

    Playout engines play items one after another from the day start, so a gap left out would
    pull every later item early. Overlapping slots cannot be played back to back: refused.
    The last slot may run past the day's end (the engine trims it at the next day start).
    """
    start, end = day_window(day, channel)
    segments: list[Segment] = []
    cursor = start
    previous: SlotItem | None = None
    for slot in slots_of_day(slots, day, channel):
        if slot.start < cursor and previous is not None:
            raise ValidationError(
                "“{title}” at {at} starts before “{other}” ends; fix the overlap first",
                title=slot.title, other=previous.title,
                at=local_time(slot.start, channel, seconds=True))
        if slot.start > cursor:
            segments.append(Segment(cursor, slot.start, None))
        segments.append(Segment(slot.start, slot.end, slot))
        cursor = slot.end
        previous = slot
    if fill_to_end and cursor < end:
        segments.append(Segment(cursor, end, None))
    return segments


def local_time(moment: dt.datetime, channel: ChannelFacts, *, seconds: bool = False,
               with_date: bool = False) -> str:
    """A moment on the channel's wall clock for people: "19:00" or "2026-12-07 19:00"."""
    local = moment.astimezone(channel.zone)
    text = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{local:%Y-%m-%d} {text}" if with_date else text


def sort_slots(slots: Sequence[SlotItem]) -> list[SlotItem]:
    """Slots by start, shorter first on a tie: the order every view and check lists them in."""
    return sorted(slots, key=lambda s: (s.start, s.duration_s))
