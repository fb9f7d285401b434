"""A bulletin's slot as the playout plays it: its running order, item by item.

Registered into the schedule's slot expanders (schedule/expanders.py explains why a registry
and not an import or an event); found through the ``station.slot_expanders`` entry point.

Each line becomes one piece, back to back from the slot's start, as long as the rundown's
timing says: a packaged report plays its report's master (handed over to the playout like
any report slot, refused the same way while it is not approved); every other line (the
anchor in the studio, a live, a sound bite cut in the gallery) plays the slot's own source,
the studio or live input the schedule gives the bulletin, or, without one, the channel's
filler. Lines past the slot's end are cut there: the playlist keeps the slot's length.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from planning import services
from planning.models import Rundown, RundownItem
from production.models import Report
from schedule import expanders
from schedule.models import Slot


@expanders.register("rundown")
def expand(session: Session, slots: Sequence[Slot]) -> dict[int, list[Slot]]:
    """For each slot that airs a rundown, the slots its lines play as."""
    ids = [slot.id for slot in slots if slot.id is not None]
    if not ids:
        return {}
    rundowns = session.scalars(select(Rundown).where(Rundown.slot_id.in_(ids)).options(
        selectinload(Rundown.items).selectinload(RundownItem.report)
        .selectinload(Report.assets)))
    by_slot = {slot.id: slot for slot in slots}
    return {r.slot_id: pieces(session, r, by_slot[r.slot_id])
            for r in rundowns if r.slot_id is not None}


def pieces(session: Session, rundown: Rundown, slot: Slot) -> list[Slot]:
    """The slot's lines as unsaved slots, in running order, inside the slot."""
    timed = services.timed(session, rundown)
    out: list[Slot] = []
    start = slot.start_at
    for item, line in zip(rundown.items, timed.timing.lines, strict=True):
        seconds = min(math.ceil(line.duration_ms / 1000),
                      int((slot.end_at - start).total_seconds()))
        if seconds <= 0:
            continue
        out.append(_piece(slot, item, start, seconds, len(out)))
        start += dt.timedelta(seconds=seconds)
    return out


def _piece(slot: Slot, item: RundownItem, start: dt.datetime, seconds: int,
           index: int) -> Slot:
    plays_report = item.kind == "package" and item.report is not None
    kind = ("report" if plays_report else "filler" if not slot.source
            else "live" if item.kind == "live" else "programme")
    return Slot(
        id=expanders.piece_id(slot.id, index), channel_id=slot.channel_id,
        channel=slot.channel, start_at=start, duration_s=seconds,
        end_at=start + dt.timedelta(seconds=seconds), title=f"{slot.title}: {item.title}",
        kind=kind, report_id=item.report_id if plays_report else None,
        report=item.report if plays_report else None,
        source=None if plays_report else slot.source, status=slot.status, version=1,
        notes="", rerun_of_id=None, template_id=None)
