"""iCalendar (RFC 5545) feed of a channel's schedule, for people and partners who subscribe.

Written with the ``icalendar`` library. Choices:

- UID ``slot-<id>@station.laichau``: stable for the slot's life, so a client that refreshes
  the feed replaces the event instead of adding a second one (RFC 5545 §3.8.4.7). A slot
  not saved yet has no id and is refused.
- SEQUENCE is the slot's version counter minus one: SQLAlchemy's counter starts at 1, RFC 5545
  §3.8.7.4 starts at 0, and every saved change raises both.
- DTSTART/DTEND in UTC ("Z" form, §3.3.5 form 2), not TZID=Asia/Ho_Chi_Minh: a UTC time
  needs no VTIMEZONE block, cannot be misread by a client with an old zone database, and is
  what partners abroad (VTV4's viewers are abroad) want anyway: their client shows it in
  their own zone. Vietnam has no daylight saving, so nothing a TZID would carry is lost. The
  local wall time is still written in DESCRIPTION for people reading the raw text.
- iCalendar times have whole seconds; slot starts are whole seconds in practice, and a
  fraction would be dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import icalendar

from schedule.days import day_window, for_channel, local_time, sort_slots
from schedule.items import ChannelFacts, SlotItem
from station.errors import ValidationError
from station.i18n import translate

PRODID = "-//Lai Chau Radio-Television//Station schedule//EN"
UID_DOMAIN = "station.laichau"
# How a slot's status reads to a subscriber (RFC 5545 §3.8.1.11 STATUS for VEVENT).
EVENT_STATUS = {"planned": "TENTATIVE", "published": "CONFIRMED", "aired": "CONFIRMED",
                "missed": "CANCELLED"}


def uid(slot_id: int) -> str:
    """The event UID of a slot: the same for every export of it, so updates replace events."""
    return f"slot-{slot_id}@{UID_DOMAIN}"


def calendar(slots: Sequence[SlotItem], channel: ChannelFacts, *, day: dt.date | None = None,
             now: dt.datetime | None = None, lang: str = "en",
             name: str | None = None) -> icalendar.Calendar:
    """A VCALENDAR with one VEVENT per slot (only the broadcast day's when ``day`` is given)."""
    chosen = for_channel(slots, channel)
    if day is not None:
        start, end = day_window(day, channel)
        chosen = [s for s in chosen if start <= s.start < end]
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name or channel.code)
    for slot in sort_slots(chosen):
        cal.add_component(_event(slot, channel, stamp, lang))
    return cal


def _event(slot: SlotItem, channel: ChannelFacts, stamp: dt.datetime,
           lang: str) -> icalendar.Event:
    if slot.id is None:
        raise ValidationError("Save “{title}” before exporting it: a calendar event needs "
                              "the slot's id", title=slot.title)
    event = icalendar.Event()
    event.add("uid", uid(slot.id))
    event.add("dtstamp", stamp)
    event.add("dtstart", slot.start.replace(microsecond=0))
    event.add("dtend", slot.end.replace(microsecond=0))
    event.add("sequence", max(slot.version - 1, 0))
    event.add("summary", slot.title)
    event.add("description", _description(slot, channel, lang))
    event.add("status", EVENT_STATUS[slot.status])
    event.add("categories", [slot.kind])
    event.add("location", channel.code)
    return event


def _description(slot: SlotItem, channel: ChannelFacts, lang: str) -> str:
    """Channel, local wall time and kind for people; then the editor's notes."""
    label = translate("{channel}, {start}–{end} ({zone}), {kind}", lang)
    text = label.format(channel=channel.code, zone=channel.timezone,
                        start=local_time(slot.start, channel, with_date=True),
                        end=local_time(slot.end, channel), kind=translate(slot.kind, lang))
    return f"{text}\n\n{slot.notes}" if slot.notes else text


def write(slots: Sequence[SlotItem], channel: ChannelFacts, day: dt.date | None = None,
          **options: Any) -> bytes:
    """The feed as RFC 5545 bytes (UTF-8, CRLF, folded lines: the library does that)."""
    return calendar(slots, channel, day=day, **options).to_ical()
