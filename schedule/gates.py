"""Schedule's workflow gates: "scheduled" and "aired" are facts of the schedule, not clicks.

A report is scheduled when a published schedule holds it, and aired when an as-run line (an
imported log, or an editor's explicit "mark aired" naming the slot and time) matched one of
its slots. Imported through the ``station.gates`` entry point.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from production.models import Report
from production.workflow import Reason, Transition, register_gate
from schedule.models import AsRunEntry, Slot
from station.accounts import User


@register_gate("schedule.published", "scheduled")
def in_a_published_schedule(session: Session, report: Report, move: Transition,
                            actor: User) -> list[Reason]:
    """Only publishing a day that holds the report schedules it."""
    found = session.scalar(select(Slot.id).where(
        Slot.report_id == report.id, Slot.status.in_(("published", "aired"))).limit(1))
    if found is None:
        return [Reason("schedule.published",
                       "No published schedule holds this report: add it to a slot and "
                       "publish that day")]
    return []


@register_gate("schedule.as_run", "aired")
def matched_by_an_as_run_line(session: Session, report: Report, move: Transition,
                              actor: User) -> list[Reason]:
    """Only an as-run line matched to one of the report's slots says it went out."""
    found = session.scalar(
        select(AsRunEntry.id).join(Slot, Slot.id == AsRunEntry.slot_id)
        .where(Slot.report_id == report.id, Slot.status == "aired").limit(1))
    if found is None:
        return [Reason("schedule.as_run",
                       "No as-run line shows this report on air: import the channel's as-run "
                       "log or mark the slot aired with its time")]
    return []
