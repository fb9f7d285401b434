"""The week grid: a channel's seven broadcast days with their slots, findings and what can
be placed on them (docs/standards.md "Time": days start at the channel's day start, in its
zone). The web grid renders it; the CLI's ``schedule list`` reads one day of the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from production import services as production
from production.models import Channel, Report
from schedule import days, rules, services
from schedule.models import AsRunEntry, Slot, SlotTemplate

# Reports made for the channel that are (nearly) ready to air; long-aired ones stay out.
PLACEABLE_STATUSES = ("approved", "scheduled", "review", "editing")


@dataclass
class Day:
    """One broadcast day's column: its slots, its start, its length and its error count."""

    day: dt.date
    slots: list[Slot]
    start: dt.datetime
    minutes: int
    errors: int


@dataclass
class Week:
    channel: Channel
    today: dt.date
    days: list[Day]
    findings: dict[int | None, list[rules.Finding]]
    placeable: list[Report] = field(default_factory=list)
    asrun: list[AsRunEntry] = field(default_factory=list)
    templates: list[SlotTemplate] = field(default_factory=list)

    @property
    def first_day(self) -> dt.date:
        return self.days[0].day


def week(session: Session, channel_code: str, anchor: dt.date | None = None) -> Week:
    """The week holding ``anchor`` (today's by default) on the channel's grid."""
    channel = production.get_channel(session, channel_code)
    facts = services.channel_facts(channel)
    today = days.day_of(dt.datetime.now(dt.UTC), facts)
    week_days = days.week_days(anchor or today)
    start, _ = days.day_window(week_days[0], facts)
    _, end = days.day_window(week_days[-1], facts)
    slots = [s for s in services.slots_between(session, channel, start, end)
             if s.start_at >= start]
    findings = rules.by_slot(services.check_slots(session, channel, slots))
    columns = []
    for day in week_days:
        day_start, day_end = days.day_window(day, facts)
        items = [s for s in slots if day_start <= s.start_at < day_end]
        columns.append(Day(day, items, day_start,
                           int((day_end - day_start).total_seconds() // 60),
                           sum(1 for s in items for f in findings.get(s.id, [])
                               if f.severity == "error")))
    return Week(
        channel, today, columns, findings,
        placeable=list(session.scalars(select(Report).where(
            Report.status.in_(PLACEABLE_STATUSES),
            Report.channels.any(Channel.id == channel.id)).order_by(Report.title))),
        asrun=list(session.scalars(select(AsRunEntry).where(
            AsRunEntry.channel_id == channel.id, AsRunEntry.started_at >= start,
            AsRunEntry.started_at < end).order_by(AsRunEntry.started_at))),
        templates=list(session.scalars(select(SlotTemplate).where(
            SlotTemplate.channel_id == channel.id).order_by(SlotTemplate.id))))
