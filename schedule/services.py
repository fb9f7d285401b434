"""Schedule use cases: slots, templates, readiness, publishing, exports and as-run logs.

Rows become the pure modules' dataclasses here (``schedule.items``), so the same rules and
exports serve the web grid, the CLI and the tests. Times are UTC in the database and the
channel's local time at the edges.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from production import services as production
from production.models import Channel, Report
from schedule import asrun, days, expanders, recurrence, rules
from schedule.items import ChannelFacts, ReportFacts, SlotItem
from schedule.models import AsRunEntry, Slot, SlotTemplate
from station.accounts import User, require_role
from station.db import utcnow
from station.errors import Conflict, NotFound, ValidationError
from station.text import nfc
from subtitles.readiness import track_readiness

EDITORS = ("admin", "editor")


def channel_facts(channel: Channel) -> ChannelFacts:
    return ChannelFacts(
        code=channel.code, timezone=channel.timezone, day_start_hour=channel.day_start_hour,
        required_languages=tuple(channel.required_languages or ()),
        loudness_target_lufs=channel.loudness_target_lufs,
        loudness_tolerance_lu=channel.loudness_tolerance_lu,
        true_peak_max_dbtp=channel.true_peak_max_dbtp, kind=channel.kind)


def slot_item(slot: Slot) -> SlotItem:
    return SlotItem(id=slot.id, channel=slot.channel.code, start=slot.start_at,
                    duration_s=slot.duration_s, title=slot.title, kind=slot.kind,
                    report_id=slot.report_id, rerun_of=slot.rerun_of_id, status=slot.status,
                    source=_source(slot), version=slot.version, notes=slot.notes)


def _source(slot: Slot) -> str | None:
    """The file the playout engine plays: the slot's own source, else the report's master
    (delivery renditions come with partner delivery)."""
    if slot.source or slot.report is None:
        return slot.source
    master = slot.report.asset("master")
    return f"media/{master.storage_key}" if master else None


# ---- slots -----------------------------------------------------------------------------

@dataclass
class SlotInput:
    channel: str
    start: dt.datetime  # aware (UTC or local), or naive = the channel's local time
    duration_s: int | None = None  # default: the report's master, rounded up to a second
    title: str = ""
    kind: str = "report"
    report_id: int | None = None
    rerun_of_id: int | None = None
    notes: str = ""
    source: str | None = None


def _aware(moment: dt.datetime, channel: Channel) -> dt.datetime:
    from station.timecode import local_to_utc

    return local_to_utc(moment, channel.timezone) if moment.tzinfo is None else moment.astimezone(
        dt.UTC)


def _apply(session: Session, slot: Slot, data: SlotInput) -> None:
    channel = production.get_channel(session, data.channel)
    report = None
    if data.report_id is not None:
        report = session.get(Report, data.report_id)
        if report is None:
            raise NotFound("No report #{report_id}", report_id=data.report_id)
    duration = data.duration_s
    if duration is None and report is not None:
        master = report.asset("master")
        duration = (-(-master.duration_ms // 1000) if master and master.duration_ms
                    else report.planned_duration_s)
    if not duration or duration <= 0:
        raise ValidationError("Give the slot a duration in seconds")
    if data.kind == "report" and report is None:
        raise ValidationError("A report slot needs its report")
    title = nfc(data.title) or (report.title if report else "")
    if not title:
        raise ValidationError("A slot needs a title")
    if data.rerun_of_id is not None and session.get(Slot, data.rerun_of_id) is None:
        raise NotFound("No slot #{slot_id}", slot_id=data.rerun_of_id)
    start = _aware(data.start, channel)
    slot.channel_id, slot.channel = channel.id, channel
    slot.start_at, slot.duration_s = start, int(duration)
    slot.end_at = start + dt.timedelta(seconds=int(duration))
    slot.title, slot.kind, slot.report_id = title[:300], data.kind, data.report_id
    slot.rerun_of_id, slot.notes = data.rerun_of_id, nfc(data.notes)
    slot.source = nfc(data.source) or None


def add_slot(session: Session, data: SlotInput, *, actor: User) -> Slot:
    """A planned slot; overlaps and readiness are findings, shown at once, that block
    publishing (never a silent refusal while planning)."""
    require_role(actor, *EDITORS)
    slot = Slot(status="planned", updated_by_id=actor.id)
    _apply(session, slot, data)
    session.add(slot)
    session.flush()
    return slot


def update_slot(session: Session, slot_id: int, data: SlotInput, *, actor: User,
                version: int) -> Slot:
    require_role(actor, *EDITORS)
    slot = get_slot(session, slot_id)
    if slot.version != version:
        who = slot.updated_by.display_name if slot.updated_by else "?"
        raise Conflict("{who} changed this slot after you opened it; reload to see it",
                       who=who)
    _apply(session, slot, data)
    if slot.status == "published":
        slot.status = "planned"  # a changed slot must be published again
    slot.updated_by_id = actor.id
    session.flush()
    return slot


def delete_slot(session: Session, slot_id: int, *, actor: User) -> None:
    require_role(actor, *EDITORS)
    slot = get_slot(session, slot_id)
    if slot.status == "aired":
        raise Conflict("An aired slot stays in the record")
    session.delete(slot)
    session.flush()


def get_slot(session: Session, slot_id: int) -> Slot:
    slot = session.get(Slot, slot_id)
    if slot is None:
        raise NotFound("No slot #{slot_id}", slot_id=slot_id)
    return slot


def slots_between(session: Session, channel: Channel, start: dt.datetime,
                  end: dt.datetime) -> list[Slot]:
    """Slots touching [start, end): the grid's query (indexed on channel, start and end)."""
    return list(session.scalars(
        select(Slot).where(Slot.channel_id == channel.id, Slot.start_at < end,
                           Slot.end_at > start).order_by(Slot.start_at, Slot.id)
        .options(selectinload(Slot.report).selectinload(Report.assets))))


def overlapping(session: Session, channel_id: int, start: dt.datetime, end: dt.datetime,
                exclude_id: int | None = None) -> list[Slot]:
    """SQL twin of the pure overlap rule: half-open intervals on one channel."""
    stmt = select(Slot).where(Slot.channel_id == channel_id, Slot.start_at < end,
                              Slot.end_at > start)
    if exclude_id is not None:
        stmt = stmt.where(Slot.id != exclude_id)
    return list(session.scalars(stmt))


# ---- readiness -------------------------------------------------------------------------

def report_facts(session: Session, report_ids: Iterable[int],
                 channel: Channel) -> dict[int, ReportFacts]:
    """What the rules need to know of each report airing on ``channel``."""
    out: dict[int, ReportFacts] = {}
    for report_id in set(report_ids):
        report = session.get(Report, report_id)
        if report is None:
            continue
        master = report.asset("master")
        languages = {lang: ready.state for lang, ready in track_readiness(
            session, report.id, channel.required_languages or []).items()}
        partner = next((c for c in report.channels if c.owner == "partner"), None)
        first_air = None
        if partner is not None:
            first_air = session.scalar(
                select(Slot.start_at).where(Slot.report_id == report.id,
                                            Slot.channel_id == partner.id)
                .order_by(Slot.start_at).limit(1))
        out[report_id] = ReportFacts(
            report_id=report.id, title=report.title, status=report.status,
            duration_ms=master.duration_ms if master else None,
            loudness_lufs=master.loudness_lufs if master else None,
            true_peak_dbtp=master.true_peak_dbtp if master else None,
            languages_ok=languages, first_channel=partner.code if partner else None,
            first_air_at=first_air)
    return out


def check_slots(session: Session, channel: Channel, slots: list[Slot]) -> list[rules.Finding]:
    items = [slot_item(s) for s in slots]
    facts = report_facts(session, [s.report_id for s in slots if s.report_id], channel)
    originals = {}
    for slot in slots:
        if slot.rerun_of_id:
            first = session.get(Slot, slot.rerun_of_id)
            if first is not None:
                originals[first.id] = first.start_at
    return rules.check_day(items, facts, channel_facts(channel), now=utcnow(),
                           originals=originals)


def day_slots(session: Session, channel: Channel, day: dt.date) -> list[Slot]:
    start, end = days.day_window(day, channel_facts(channel))
    return [s for s in slots_between(session, channel, start, end) if s.start_at >= start]


def check_day(session: Session, channel_code: str, day: dt.date) -> list[rules.Finding]:
    channel = production.get_channel(session, channel_code)
    return check_slots(session, channel, day_slots(session, channel, day))


def publish_day(session: Session, channel_code: str, day: dt.date, *,
                actor: User) -> list[Slot]:
    """Publish a broadcast day: refused, with the list, while any error finding remains."""
    require_role(actor, *EDITORS)
    channel = production.get_channel(session, channel_code)
    slots = day_slots(session, channel, day)
    if not slots:
        raise ValidationError("{channel} has nothing planned on {day}", channel=channel.code,
                              day=day.isoformat())
    problems = rules.errors(check_slots(session, channel, slots))
    if problems:
        listing = "; ".join(f.text("en") for f in problems[:10])
        raise Conflict("The day cannot be published: {count} problem(s): {problems}",
                       count=len(problems), problems=listing, findings=problems)
    for slot in slots:
        if slot.status == "planned":
            slot.status = "published"
            slot.updated_by_id = actor.id
    session.flush()  # the gate reads the published slots
    for slot in slots:
        if slot.report is not None and slot.report.status == "approved":
            production.move_report(session, slot.report.id, "scheduled", actor=actor,
                                   comment=_slot_label(slot, "published"))
    session.flush()
    return slots


def _slot_label(slot: Slot, what: str) -> str:
    """A history line naming the slot: what happened, channel, local time, slot id."""
    local = slot.start_at.astimezone(channel_facts(slot.channel).zone)
    return f"{what}: {slot.channel.code} {local:%Y-%m-%d %H:%M} (slot #{slot.id})"


# ---- templates -------------------------------------------------------------------------

def template_of(row: SlotTemplate) -> recurrence.Template:
    hour, minute = (int(x) for x in row.local_time.split(":"))
    return recurrence.Template(
        title=row.title, channel=row.channel.code, weekdays=set(row.weekdays or []),
        local_time=dt.time(hour, minute), duration_s=row.duration_s,
        start_date=row.start_date, end_date=row.end_date,
        exceptions={dt.date.fromisoformat(d) for d in row.exceptions or []},
        monthly_nth=tuple(row.monthly_nth) if row.monthly_nth else None,  # type: ignore[arg-type]
        kind=row.kind, report_id=row.report_id)


def add_template(session: Session, *, actor: User, channel: str, title: str,
                 local_time: str, duration_s: int, start_date: dt.date,
                 weekdays: list[int] | None = None, monthly_nth: list[int] | None = None,
                 end_date: dt.date | None = None, exceptions: list[dt.date] | None = None,
                 kind: str = "programme", report_id: int | None = None) -> SlotTemplate:
    require_role(actor, *EDITORS)
    chan = production.get_channel(session, channel)
    try:
        hour, minute = (int(x) for x in local_time.split(":"))
        dt.time(hour, minute)
    except ValueError as exc:
        raise ValidationError("The time is HH:MM, e.g. 19:00: {value}",
                              value=local_time) from exc
    row = SlotTemplate(channel_id=chan.id, channel=chan, title=nfc(title), kind=kind,
                       weekdays=sorted(set(weekdays or [])), monthly_nth=monthly_nth,
                       local_time=f"{hour:02d}:{minute:02d}", duration_s=duration_s,
                       start_date=start_date, end_date=end_date, report_id=report_id,
                       exceptions=sorted(d.isoformat() for d in exceptions or []))
    template_of(row)  # validates the rule (weekdays xor monthly, ranges)
    session.add(row)
    session.flush()
    return row


def apply_template(session: Session, template_id: int, start: dt.date, end: dt.date, *,
                   actor: User) -> list[Slot]:
    """Make the template's slots between two dates (inclusive), skipping ones made before."""
    require_role(actor, *EDITORS)
    row = session.get(SlotTemplate, template_id)
    if row is None:
        raise NotFound("No template #{template_id}", template_id=template_id)
    made = []
    existing = set(session.scalars(select(Slot.start_at).where(Slot.template_id == row.id)))
    for moment in recurrence.occurrences(template_of(row), start, end, tz=row.channel.timezone):
        if moment in existing:
            continue
        slot = Slot(channel_id=row.channel_id, start_at=moment, duration_s=row.duration_s,
                    end_at=moment + dt.timedelta(seconds=row.duration_s), title=row.title,
                    kind=row.kind if row.report_id or row.kind != "report" else "programme",
                    report_id=row.report_id, template_id=row.id, updated_by_id=actor.id)
        session.add(slot)
        made.append(slot)
    session.flush()
    return made


# ---- as-run ----------------------------------------------------------------------------

LATE_S = 60  # started more than a minute late
SHORT_S = 30  # aired more than 30 s shorter than planned


@dataclass
class Reconciliation:
    entries: list[AsRunEntry]
    missed: list[Slot]


MAX_AS_RUN_BYTES = 2_000_000  # a month of a busy channel's log is about 300 KB


def import_as_run(session: Session, channel_code: str, data: bytes, *,
                  actor: User, fmt: str = "csv") -> Reconciliation:
    """An as-run log in the channel's local time, matched to the plan: the station's CSV
    (start, duration, title[, id]) or ffplayout's own log (``fmt="ffplayout-log"``, read by
    ``schedule.asrun``; its lines name files, matched to the slots playing them)."""
    require_role(actor, *EDITORS)
    channel = production.get_channel(session, channel_code)
    lines = _read_log(channel, data, fmt)
    batch = uuid.uuid4().hex[:12]
    parsed = [(p.started, p.duration_s, p.title, p.external) for p in lines]
    if not parsed:
        raise ValidationError("The as-run log has no entries")
    first = min(p[0] for p in parsed)
    last = max(p[0] + dt.timedelta(seconds=p[1]) for p in parsed)
    slots = slots_between(session, channel, first - dt.timedelta(hours=1),
                          last + dt.timedelta(hours=1))
    # A bulletin's slot plays its running order: each line is matched, and stands for it.
    planned = expanders.expand(session, slots)
    owners = {s.id: s for s in slots}
    if any(p.source for p in lines):
        parsed = [(p.started, p.duration_s, p.title, p.external) for p in asrun.name_sources(
            lines, [asrun.PlannedSource(s.id, s.start_at, _source(s), s.title)
                    for s in planned])]
    used: set[int] = set()
    entries = []
    for started, duration, title, external in parsed:
        match = _match(planned, used, started, title, external)
        entry, owner = as_run_entry(channel.id, match, owners, started, duration, title,
                                    external, batch)
        if match is not None and owner is not None:
            used |= {match.id, owner.id}
        session.add(entry)
        entries.append(entry)
        # A report's own slot moves it to aired; a line of a bulletin is not its slot.
        if match is not None and match is owner and match.report is not None \
                and match.report.status == "scheduled":
            session.flush()  # the gate reads the matched as-run line
            production.move_report(session, match.report.id, "aired", actor=actor,
                                   comment=_aired_label(match, started, "as-run"))
    missed = [s for s in slots if s.id not in used and first <= s.start_at <= last
              and s.status in ("planned", "published")]
    for slot in missed:
        slot.status = "missed"
    session.flush()
    return Reconciliation(entries, missed)


def as_run_entry(channel_id: int, match: Slot | None, owners: dict[int, Slot],
                 started: dt.datetime, duration_s: int, title: str, external: str | None,
                 batch: str) -> tuple[AsRunEntry, Slot | None]:
    """One as-run line reconciled with the planned slot (or bulletin line) it matched, and
    the slot it counts for, now aired: the same outcomes for an imported log and the
    playout's hook (as planned, late, short; unplanned without a match)."""
    outcome, delay, owner = "unplanned", None, None
    if match is not None:
        owner = owners.get(expanders.owner_id(match.id), match)
        delay = int((started - match.start_at).total_seconds())
        outcome = ("late" if delay > LATE_S else
                   "short" if duration_s < match.duration_s - SHORT_S else "as_planned")
        owner.status = "aired"
    return AsRunEntry(channel_id=channel_id, started_at=started, duration_s=duration_s,
                      title=title, external_id=external, slot_id=owner.id if owner else None,
                      outcome=outcome, delay_s=delay, import_batch=batch), owner


def _read_log(channel: Channel, data: bytes, fmt: str) -> list[asrun.Played]:
    """The log's lines with their starts made aware in the channel's zone."""
    if len(data) > MAX_AS_RUN_BYTES:
        from station.text import human_size

        raise ValidationError("An as-run log over {limit} is not an as-run log",
                              limit=human_size(MAX_AS_RUN_BYTES))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("The as-run log must be UTF-8 text") from exc
    return [asrun.Played(_aware(p.started, channel), p.duration_s, p.title, p.external,
                         p.source) for p in asrun.read(fmt, text)]


def _aired_label(slot: Slot, started: dt.datetime, what: str) -> str:
    """A history line naming the slot and when it really went out (channel's local time)."""
    local = started.astimezone(channel_facts(slot.channel).zone)
    return f"{_slot_label(slot, what)}, on air {local:%Y-%m-%d %H:%M}"


MANUAL_BATCH = "manual"  # import_batch of the as-run lines an editor typed ("mark aired")


def mark_aired(session: Session, report_id: int, slot_id: int, started: dt.datetime, *,
               actor: User, duration_s: int | None = None) -> AsRunEntry:
    """An editor's explicit as-run line: this slot of the report went out at ``started``.

    For when no as-run log comes (a live programme, a playout without logs): it names the slot
    and the time, is kept as an as-run line (``import_batch`` "manual") that the results count
    like an imported one, marks the slot aired and moves the report to aired.
    """
    require_role(actor, *EDITORS)
    report = production.get_report(session, report_id, actor=actor)
    slot = get_slot(session, slot_id)
    if slot.report_id != report.id:
        raise ValidationError("Slot #{slot} does not hold this report", slot=slot_id)
    if slot.status not in ("published", "aired"):
        raise ValidationError("Slot #{slot} is not in a published schedule", slot=slot_id)
    started = _aware(started, slot.channel)
    if started > utcnow() + dt.timedelta(minutes=5):
        raise ValidationError("A slot cannot be marked aired at a time still to come")
    if abs((started - slot.start_at).total_seconds()) > 12 * 3600:
        raise ValidationError("The time given is more than 12 hours from the slot's planned "
                              "start")
    duration = slot.duration_s if duration_s is None else duration_s
    if duration <= 0:
        raise ValidationError("The duration must be positive")
    delay = int((started - slot.start_at).total_seconds())
    outcome = ("late" if delay > LATE_S else
               "short" if duration < slot.duration_s - SHORT_S else "as_planned")
    entry = AsRunEntry(channel_id=slot.channel_id, started_at=started, duration_s=duration,
                       title=slot.title, external_id=str(slot.id), slot_id=slot.id,
                       outcome=outcome, delay_s=delay, import_batch=MANUAL_BATCH)
    session.add(entry)
    slot.status = "aired"
    slot.updated_by_id = actor.id
    session.flush()
    if report.status == "scheduled":
        production.move_report(session, report.id, "aired", actor=actor,
                               comment=_aired_label(slot, started, "mark aired"))
    return entry


def airable_slots(session: Session, report_id: int) -> list[Slot]:
    """The report's published slots, which "mark aired" may name."""
    return list(session.scalars(
        select(Slot).where(Slot.report_id == report_id, Slot.status == "published")
        .order_by(Slot.start_at)))


def _match(planned: list[Slot], used: set[int], started: dt.datetime, title: str,
           external: str | None) -> Slot | None:
    """The plan's slot this entry aired: by id when given, else by title near the time."""
    candidates = [s for s in planned if s.id not in used]
    if external and external.isdigit():
        by_id = next((s for s in candidates if s.id == int(external)), None)
        if by_id is not None:
            return by_id
    from station.text import fold

    near = [s for s in candidates if abs((s.start_at - started).total_seconds()) <= 3600
            and fold(s.title) == fold(title)]
    return min(near, key=lambda s: abs((s.start_at - started).total_seconds()), default=None)
