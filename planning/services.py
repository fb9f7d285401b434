"""Rundown use cases: build a bulletin's running order, time it, approve it, air it.

Every change to a rundown's items takes the rundown ``version`` the editor saw: the rundown
row is the lock for the whole order, so two editors dragging lines of one bulletin never lose
an item. A stale version is a ``Conflict`` naming who changed the rundown; nothing is
applied and the editor reloads (the same rule as the translator workspace's cues,
subtitles/editing.py). Two saves racing past that check still meet the row's
``version_id_col``: the second matches no row and is turned into the same conflict.

Who may do what (docs/planning.md "Roles"): editors and admins build rundowns; the
editor-in-chief approves, and in Station's roles the editor-in-chief is an ``admin``
(``APPROVERS``). A change after approval keeps the approval but is marked, on the line and
on the rundown, until the rundown is approved again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from planning import timing
from planning.models import ITEM_KINDS, ReadingRate, Rundown, RundownItem
from production import services as production
from production.models import Channel, Report
from schedule import services as schedule
from schedule.items import AIRABLE_REPORT_STATUSES
from schedule.models import Slot
from station.accounts import User, require_role
from station.db import utcnow
from station.errors import Conflict, NotFound, ValidationError
from station.text import nfc
from station.timecode import local_to_utc
from subtitles.readiness import track_readiness

EDITORS = ("admin", "editor")
APPROVERS = ("admin",)  # the editor-in-chief
MAX_PLANNED_S = 6 * 3600


# ---- rundowns --------------------------------------------------------------------------

def create_rundown(session: Session, *, actor: User, channel: str, title: str,
                   starts_at: dt.datetime, planned_s: int) -> Rundown:
    """A draft bulletin: ``starts_at`` aware, or naive in the channel's local time."""
    require_role(actor, *EDITORS)
    chan = production.get_channel(session, channel)
    title = nfc(title).strip()
    if not title:
        raise ValidationError("A rundown needs a title")
    if not 0 < planned_s <= MAX_PLANNED_S:
        raise ValidationError("A bulletin lasts between 1 second and 6 hours, not {seconds} s",
                              seconds=planned_s)
    start = (local_to_utc(starts_at, chan.timezone) if starts_at.tzinfo is None
             else starts_at.astimezone(dt.UTC))
    rundown = Rundown(channel_id=chan.id, channel=chan, title=title[:300], starts_at=start,
                      planned_s=planned_s, status="draft", updated_by_id=actor.id)
    session.add(rundown)
    session.flush()
    return rundown


def get_rundown(session: Session, rundown_id: int) -> Rundown:
    rundown = session.get(Rundown, rundown_id, options=[
        selectinload(Rundown.items).selectinload(RundownItem.report)
        .selectinload(Report.assets)])
    if rundown is None:
        raise NotFound("No rundown #{rundown_id}", rundown_id=rundown_id)
    return rundown


def list_rundowns(session: Session, channel: str | None = None,
                  since: dt.datetime | None = None) -> list[Rundown]:
    """Rundowns by on-air time, optionally of one channel and from a moment on."""
    stmt = select(Rundown).order_by(Rundown.starts_at, Rundown.id)
    if channel:
        stmt = stmt.where(Rundown.channel_id == production.get_channel(session, channel).id)
    if since is not None:
        stmt = stmt.where(Rundown.starts_at >= since)
    return list(session.scalars(stmt))


def _check_version(rundown: Rundown, version: int) -> None:
    if rundown.version != version:
        who = rundown.updated_by.display_name if rundown.updated_by else "?"
        raise Conflict("{who} changed this rundown after you opened it; reload to see it",
                       who=who, current_version=rundown.version)


def _touch(rundown: Rundown, actor: User) -> None:
    """Record the change on the rundown row, so its version moves with any item's."""
    rundown.updated_by_id = actor.id
    rundown.updated_at = utcnow()
    if rundown.status == "approved":
        rundown.changed_after_approval = True


def _flush(session: Session) -> None:
    """Flush; a save that lost the race on the version column is the usual conflict."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict("Someone changed this rundown at the same moment; reload to see it"
                       ) from exc


def _locked(session: Session, rundown_id: int, actor: User, version: int) -> Rundown:
    require_role(actor, *EDITORS)
    rundown = get_rundown(session, rundown_id)
    _check_version(rundown, version)
    return rundown


# ---- items -----------------------------------------------------------------------------

@dataclass
class ItemInput:
    """One line as the editor typed it."""

    kind: str
    title: str = ""
    report_id: int | None = None
    anchor_text: str = ""
    estimate_s: int | None = None
    anchor: str = ""


def _apply(session: Session, item: RundownItem, data: ItemInput) -> None:
    if data.kind not in ITEM_KINDS:
        raise ValidationError("Unknown item kind {name}; use one of {names}", name=data.kind,
                              names=", ".join(ITEM_KINDS))
    report = None
    if data.report_id is not None:
        report = session.get(Report, data.report_id)
        if report is None:
            raise NotFound("No report #{report_id}", report_id=data.report_id)
    if data.kind == "package" and report is None:
        raise ValidationError("A packaged report needs its report")
    if data.estimate_s is not None and not 0 <= data.estimate_s <= MAX_PLANNED_S:
        raise ValidationError("An estimate is between 0 and 6 hours, not {seconds} s",
                              seconds=data.estimate_s)
    title = nfc(data.title).strip() or (report.title if report else "")
    if not title:
        raise ValidationError("A rundown line needs a title")
    item.kind, item.title, item.report_id, item.report = data.kind, title[:300], \
        data.report_id, report
    item.anchor_text = nfc(data.anchor_text).strip()
    item.estimate_s = data.estimate_s
    item.anchor = nfc(data.anchor).strip()[:120]


def add_item(session: Session, rundown_id: int, data: ItemInput, *, actor: User,
             version: int, position: int | None = None) -> RundownItem:
    """A new line, at ``position`` (0 = first) or at the end."""
    rundown = _locked(session, rundown_id, actor, version)
    items = list(rundown.items)
    at = len(items) if position is None else max(0, min(position, len(items)))
    item = RundownItem(position=at, changed_after_approval=rundown.status == "approved")
    _apply(session, item, data)
    items.insert(at, item)
    rundown.items.append(item)
    _renumber(items)
    _touch(rundown, actor)
    _flush(session)
    return item


def _item(session: Session, item_id: int) -> RundownItem:
    item = session.get(RundownItem, item_id)
    if item is None:
        raise NotFound("No rundown line #{item_id}", item_id=item_id)
    return item


def update_item(session: Session, item_id: int, data: ItemInput, *, actor: User,
                version: int) -> RundownItem:
    """Change a line (kind, title, report, text, estimate, anchor); retiming is this too."""
    item = _item(session, item_id)
    rundown = _locked(session, item.rundown_id, actor, version)
    _apply(session, item, data)
    if rundown.status == "approved":
        item.changed_after_approval = True
    _touch(rundown, actor)
    _flush(session)
    return item


def delete_item(session: Session, item_id: int, *, actor: User, version: int) -> None:
    item = _item(session, item_id)
    rundown = _locked(session, item.rundown_id, actor, version)
    rundown.items.remove(item)
    _renumber(list(rundown.items))
    _touch(rundown, actor)
    _flush(session)


def reorder(session: Session, rundown_id: int, order: Sequence[int], *, actor: User,
            version: int) -> Rundown:
    """Put the lines in ``order`` (every line's id, once): the editor's whole new order.

    The whole order, not "move line 7 up", so a drag is one change that either applies as
    the editor saw it or not at all: the version check refuses an order made on a rundown
    someone has changed since, and an order that leaves out or adds a line is refused too.
    """
    rundown = _locked(session, rundown_id, actor, version)
    by_id = {item.id: item for item in rundown.items}
    if sorted(order) != sorted(by_id):
        raise Conflict("The new order does not hold this rundown's lines; reload to see them")
    approved = rundown.status == "approved"
    for position, item_id in enumerate(order):
        item = by_id[item_id]
        if item.position != position and approved:
            item.changed_after_approval = True
        item.position = position
    rundown.items.sort(key=lambda i: i.position)
    _touch(rundown, actor)
    _flush(session)
    return rundown


def _renumber(items: list[RundownItem]) -> None:
    for position, item in enumerate(items):
        item.position = position


# ---- approval --------------------------------------------------------------------------

def approve(session: Session, rundown_id: int, *, actor: User, version: int) -> Rundown:
    """The editor-in-chief approves the running order as it stands; marks are cleared."""
    require_role(actor, *APPROVERS)
    rundown = get_rundown(session, rundown_id)
    _check_version(rundown, version)
    if not rundown.items:
        raise ValidationError("An empty rundown cannot be approved")
    rundown.status = "approved"
    rundown.approved_by_id, rundown.approved_at = actor.id, utcnow()
    rundown.changed_after_approval = False
    for item in rundown.items:
        item.changed_after_approval = False
    rundown.updated_by_id, rundown.updated_at = actor.id, utcnow()
    _flush(session)
    return rundown


# ---- reading rates ---------------------------------------------------------------------

def set_reading_rate(session: Session, channel: str, words_per_minute: int, *, actor: User,
                     anchor: str = "") -> ReadingRate:
    """A channel's reading rate, or one anchor's on it (admins: it changes every timing)."""
    require_role(actor, "admin")
    chan = production.get_channel(session, channel)
    if not timing.MIN_WORDS_PER_MINUTE <= words_per_minute <= timing.MAX_WORDS_PER_MINUTE:
        raise ValidationError("A reading rate is between {low} and {high} words a minute",
                              low=timing.MIN_WORDS_PER_MINUTE, high=timing.MAX_WORDS_PER_MINUTE)
    anchor = nfc(anchor).strip()[:120]
    row = session.scalar(select(ReadingRate).where(ReadingRate.channel_id == chan.id,
                                                   ReadingRate.anchor == anchor))
    if row is None:
        row = ReadingRate(channel_id=chan.id, anchor=anchor)
        session.add(row)
    row.words_per_minute = words_per_minute
    session.flush()
    return row


def reading_rates(session: Session, channel: Channel) -> dict[str, int]:
    """anchor -> words per minute on ``channel`` ("" is the channel's own rate)."""
    return {r.anchor: r.words_per_minute for r in session.scalars(
        select(ReadingRate).where(ReadingRate.channel_id == channel.id))}


def rate_for(rates: dict[str, int], anchor: str) -> int:
    """The anchor's rate, else the channel's, else the default."""
    return rates.get(anchor) or rates.get("") or timing.DEFAULT_WORDS_PER_MINUTE


# ---- timing and readiness --------------------------------------------------------------

@dataclass(frozen=True)
class Readiness:
    """A packaged report's state on the rundown line: may it air, are its subtitles and its
    loudness right for this channel."""

    report_status: str
    approved: bool
    subtitles: dict[str, str] = field(default_factory=dict)  # language -> readiness state
    loudness: str | None = None  # "pass" | "fail" | None (not measured yet)
    has_media: bool = False

    @property
    def ready(self) -> bool:
        return (self.approved and self.has_media and self.loudness == "pass"
                and all(state == "ok" for state in self.subtitles.values()))


def readiness(session: Session, report: Report, channel: Channel) -> Readiness:
    """One report's readiness for the channel, from the same answers the schedule uses."""
    master = report.asset("master")
    languages = {lang: ready.state for lang, ready in track_readiness(
        session, report.id, channel.required_languages or []).items()}
    return Readiness(
        report_status=report.status, approved=report.status in AIRABLE_REPORT_STATUSES,
        subtitles=languages, has_media=master is not None,
        loudness=channel.loudness_verdict(master.loudness_lufs, master.true_peak_dbtp)
        if master else None)


def item_facts(item: RundownItem, rates: dict[str, int]) -> timing.ItemFacts:
    master = item.report.asset("master") if item.report is not None else None
    return timing.ItemFacts(
        kind=item.kind, media_ms=master.duration_ms if master else None,
        text=item.anchor_text, words_per_minute=rate_for(rates, item.anchor),
        estimate_s=item.estimate_s)


@dataclass(frozen=True)
class TimedRundown:
    """The rundown with its clock and each packaged report's readiness, line by line."""

    rundown: Rundown
    timing: timing.Timing
    readiness: dict[int, Readiness]  # item id -> readiness (lines with a report)
    rates: dict[str, int]


def timed(session: Session, rundown: Rundown) -> TimedRundown:
    rates = reading_rates(session, rundown.channel)
    facts = [item_facts(item, rates) for item in rundown.items]
    ready = {item.id: readiness(session, item.report, rundown.channel)
             for item in rundown.items if item.report is not None}
    return TimedRundown(rundown, timing.time_rundown(facts, rundown.starts_at,
                                                     rundown.planned_s), ready, rates)


# ---- the schedule ----------------------------------------------------------------------

def place_in_schedule(session: Session, rundown_id: int, *, actor: User,
                      slot_id: int | None = None) -> Slot:
    """The bulletin as one slot of its channel's schedule: a new programme slot at its
    on-air time for its planned length, or (``slot_id``) a slot already planned there, such
    as the one a weekly template made. The playout expands it (planning/playout.py)."""
    require_role(actor, *EDITORS)
    rundown = get_rundown(session, rundown_id)
    if rundown.slot_id is not None:
        raise Conflict("The rundown already airs in slot #{slot}", slot=rundown.slot_id)
    if slot_id is None:
        slot = schedule.add_slot(session, schedule.SlotInput(
            channel=rundown.channel.code, start=rundown.starts_at,
            duration_s=rundown.planned_s, title=rundown.title, kind="programme"), actor=actor)
    else:
        slot = schedule.get_slot(session, slot_id)
        if slot.channel_id != rundown.channel_id or slot.start_at != rundown.starts_at:
            raise ValidationError("Slot #{slot} is not at the bulletin's channel and time",
                                  slot=slot_id)
        if slot.kind == "report":
            raise ValidationError("Slot #{slot} airs a single report", slot=slot_id)
    holder = session.scalar(select(Rundown).where(Rundown.slot_id == slot.id))
    if holder is not None and holder.id != rundown.id:
        raise Conflict("Slot #{slot} already airs the rundown “{title}”", slot=slot.id,
                       title=holder.title)
    rundown.slot_id, rundown.slot = slot.id, slot
    rundown.updated_by_id, rundown.updated_at = actor.id, utcnow()
    _flush(session)
    return slot
