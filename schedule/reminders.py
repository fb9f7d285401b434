"""Reminders of the schedule: a slot airing within 24 hours whose report is not ready.

Run by every worker on a timer (station/periodic.py); each slot reminds each person once
for a given air time (the notification's dedupe key holds the slot and its start), so the
check may run often and on several workers at once. Moving the slot to another time
reminds again, since that is a new deadline.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from schedule import services
from schedule.models import Slot
from station import notifications, periodic
from station.accounts import User
from station.db import utcnow

if TYPE_CHECKING:
    from station.runtime import Runtime

log = logging.getLogger(__name__)

AHEAD = dt.timedelta(hours=24)
EVERY_SECONDS = 300.0
# Overlaps are the schedule's own problem, not the report's readiness.
NOT_READINESS = frozenset({"overlap"})


def _plain(value: Any) -> Any:
    """A finding's parameter as JSON (times as ISO text, anything else odd as text)."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def recipients(session: Session, slot: Slot) -> list[int]:
    """The report's editor; a report nobody edits: every active editor."""
    if slot.report is not None and slot.report.editor_id is not None:
        return [slot.report.editor_id]
    return list(session.scalars(select(User.id).where(User.role == "editor", User.active)))


def check_upcoming(session: Session, *, now: dt.datetime | None = None,
                   ahead: dt.timedelta = AHEAD) -> list[notifications.Notification]:
    """Notify about each report slot starting within ``ahead`` with an error finding."""
    moment = now or utcnow()
    slots = list(session.scalars(
        select(Slot).where(Slot.report_id.is_not(None), Slot.start_at > moment,
                           Slot.start_at <= moment + ahead,
                           Slot.status.in_(("planned", "published")))
        .order_by(Slot.start_at, Slot.id)))
    made: list[notifications.Notification] = []
    for slot in slots:
        errors = [f for f in services.check_slots(session, slot.channel, [slot])
                  if f.severity == "error" and f.check not in NOT_READINESS]
        if not errors:
            continue
        first = errors[0]
        made += notifications.notify(
            session, recipients(session, slot), "slot_not_ready",
            {"report": slot.report.title if slot.report else slot.title,
             "channel": slot.channel.code, "start_at": slot.start_at.isoformat(),
             "reason": {"template": first.message,
                        "params": {k: _plain(v) for k, v in first.params.items()}},
             "problems": len(errors), "slot_id": slot.id},
            link=f"/reports/{slot.report_id}",
            dedupe_key=f"slot-not-ready:{slot.id}:{slot.start_at.isoformat()}")
    return made


@periodic.every("slot_not_ready", EVERY_SECONDS)
def remind(runtime: Runtime) -> int:
    """The worker's timer: one transaction per sweep; a race with another worker's identical
    reminder loses on the unique key and is simply dropped (theirs stands)."""
    with runtime.session() as session:
        try:
            made = check_upcoming(session)
            session.commit()
        except IntegrityError:
            session.rollback()
            log.info("slot reminders: another worker sent them first")
            return 0
    if made:
        log.info("slot reminders: %s notifications", len(made))
    return len(made)
