"""Placing by hand on the week grid: drop a report at a time, drag a slot's edge.

A drag goes through the form's own use cases (``services.add_slot``/``update_slot``: roles,
validation, the version check), plus one rule of its own: a drag never makes an overlap
appear or grow. The form may plan an overlap on purpose and sees it as a finding; a drag is
too quick a gesture for that, so it is refused with the overlap finding's own words and
nothing changes. Shortening a slot that already overlaps is a fix, and is kept.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from production import services as production
from production.models import Channel
from schedule import days, services
from schedule.models import Slot
from station.accounts import User
from station.errors import Conflict, NotFound, ValidationError
from station.messages import Message


def _overlaps(session: Session, channel: Channel, slot_id: int) -> dict[int, tuple[int, Message]]:
    """The slot's overlap findings: other slot id -> (seconds of overlap, the finding)."""
    slot = services.get_slot(session, slot_id)
    around = services.slots_between(session, channel, slot.start_at - dt.timedelta(days=1),
                                    slot.end_at + dt.timedelta(days=1))
    return {f.params["other_id"]: (f.params["overlap_s"], Message(f.message, **f.params))
            for f in services.check_slots(session, channel, around)
            if f.check == "overlap" and f.slot_id == slot_id}


def _no_worse(session: Session, channel: Channel, slot_id: int,
              before: dict[int, tuple[int, Message]]) -> None:
    worse = [finding for other, (seconds, finding) in _overlaps(session, channel, slot_id).items()
             if seconds > before.get(other, (0, None))[0]]
    if worse:
        raise Conflict("{reasons}", reasons=worse)


def drop_report(session: Session, channel_code: str, day: dt.date | None, offset_min: int,
                report_id: int, *, actor: User) -> Slot:
    """A report dropped on a day's lane, ``offset_min`` after the day's start: a slot there,
    as long as the report."""
    if day is None:
        raise ValidationError("Drop the report on a day")
    channel = production.get_channel(session, channel_code)
    day_start, day_end = days.day_window(day, services.channel_facts(channel))
    minutes = int((day_end - day_start).total_seconds() // 60)
    if not 0 <= offset_min < minutes:
        raise ValidationError("{field} must be a whole number from {low} to {high}",
                              field="offset_min", low=0, high=minutes - 1)
    slot = services.add_slot(session, services.SlotInput(
        channel=channel_code, start=day_start + dt.timedelta(minutes=offset_min),
        report_id=report_id, kind="report"), actor=actor)
    _no_worse(session, channel, slot.id, {})
    return slot


def drag_length(session: Session, channel_code: str, slot_id: int, duration_s: int, *,
                version: int, actor: User) -> Slot:
    """A slot's lower edge dragged to a new length; refused when someone changed it first."""
    channel = production.get_channel(session, channel_code)
    slot = services.get_slot(session, slot_id)
    if slot.channel_id != channel.id:
        raise NotFound("No slot #{slot_id}", slot_id=slot_id)
    before = _overlaps(session, channel, slot_id)
    services.update_slot(session, slot_id, services.SlotInput(
        channel=channel_code, start=slot.start_at, duration_s=duration_s, title=slot.title,
        kind=slot.kind, report_id=slot.report_id, rerun_of_id=slot.rerun_of_id,
        notes=slot.notes, source=slot.source), actor=actor, version=version)
    _no_worse(session, channel, slot_id, before)
    return slot
