"""Readiness of a broadcast day (pure): a registry of named checks over slots and report facts.

Used by the week grid's badges, ``station schedule check``, and the publish gate, which
refuses a day with error-level findings. Like subtitles.qc, each finding carries an English
message template stating the values (and the limit) plus its parameters, so the web and the
CLI show it in Vietnamese through the Vietnamese catalogue (docs/i18n.md). Check ids are stable.

Errors would put something broken or forbidden on air (overlap, media cut at the next item,
an unapproved report, missing or failing subtitles a channel requires, loudness out of
EBU R 128, a rerun before its first airing, a broken partner embargo); warnings need a look
(media much shorter than its slot, unmeasured loudness, unknown duration).

Slots already over (aired, missed, or ended before ``now``) are history: they still count
as the other side of an overlap, but get no findings of their own.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from schedule.conflicts import overlapping_indices
from schedule.days import local_time, sort_slots
from schedule.items import AIRABLE_REPORT_STATUSES, ChannelFacts, ReportFacts, SlotItem
from station.findings import summary as findings_summary
from station.messages import render
from station.registry import Registry
from station.timecode import format_duration

log = logging.getLogger(__name__)

SEVERITIES = ("error", "warning")
DEFAULT_TOLERANCE_S = 30  # a report up to this much shorter than its slot needs no filler warning


@dataclass(frozen=True)
class Finding:
    """One problem of one slot (``slot_id`` is None for a slot not saved yet)."""

    check: str
    severity: str
    slot_id: int | None
    message: str  # English template
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` ("vi" gets Vietnamese words, labels and decimal commas)."""
        return render(self.message, lang, self.params)


@dataclass(frozen=True)
class DayContext:
    """What the checks read: the day's slots by start, their reports, the channel, the clock."""

    slots: list[SlotItem]
    reports: Mapping[int, ReportFacts]
    channel: ChannelFacts
    now: dt.datetime
    tolerance_s: int = DEFAULT_TOLERANCE_S
    originals: Mapping[int, dt.datetime] = field(default_factory=dict)  # slot id -> start

    def is_history(self, slot: SlotItem) -> bool:
        """Aired, missed or over: nothing left to fix, so no findings of its own."""
        return slot.status in ("aired", "missed") or slot.end <= self.now

    def current(self) -> Iterator[SlotItem]:
        return (slot for slot in self.slots if not self.is_history(slot))

    def with_report(self) -> Iterator[tuple[SlotItem, ReportFacts]]:
        """Current slots carrying a report whose facts are known."""
        for slot in self.current():
            if slot.report_id is not None and slot.report_id in self.reports:
                yield slot, self.reports[slot.report_id]

    def when(self, moment: dt.datetime) -> str:
        return local_time(moment, self.channel, with_date=True)


CheckFunc = Callable[[DayContext], Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    """A registered check: stable id, default severity, main message, function."""

    id: str
    severity: str
    message: str
    func: CheckFunc
    title: str = ""

    def finding(self, slot: SlotItem, message: str | None = None, /, *,
                severity: str | None = None, **params: Any) -> Finding:
        """A finding of this check on ``slot``; the title is always among the parameters."""
        params.setdefault("title", slot.title)
        return Finding(self.id, severity or self.severity, slot.id, message or self.message,
                       params)


CHECKS: Registry[Check] = Registry("Unknown schedule check: {name}")


def register(check_id: str, severity: str, message: str, *,
             title: str) -> Callable[[CheckFunc], CheckFunc]:
    """Add a check; the registry's order is the order a slot's findings are listed in."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")

    def decorate(func: CheckFunc) -> CheckFunc:
        CHECKS.add(check_id, Check(check_id, severity, message, func, title))
        return func

    return decorate


def check_day(slots: Sequence[SlotItem], reports: Mapping[int, ReportFacts],
              channel: ChannelFacts, *, now: dt.datetime,
              tolerance_s: int = DEFAULT_TOLERANCE_S,
              originals: Mapping[int, dt.datetime] | None = None,
              only: Iterable[str] | None = None) -> list[Finding]:
    """Run the checks (or ``only`` those ids) on one channel's slots; findings by slot start.

    ``originals`` maps the slot id of each rerun's first airing to its start, for originals
    outside ``slots`` (an earlier day); originals inside ``slots`` are found there.
    """
    if now.tzinfo is None:
        raise ValueError("now is a naive datetime: pass an aware UTC datetime")
    for slot in slots:
        if slot.channel != channel.code:
            raise ValueError(f"slot {slot.id} is on {slot.channel}, not {channel.code}")
    if isinstance(only, str):
        only = [only]
    ids = list(CHECKS) if only is None else list(dict.fromkeys(only))
    for check_id in ids:
        CHECKS.lookup(check_id)
    ordered = sort_slots(slots)
    known = dict(originals or {})
    known.update({s.id: s.start for s in ordered if s.id is not None})
    ctx = DayContext(ordered, reports, channel, now, tolerance_s, known)
    findings: list[Finding] = []
    for check_id in ids:
        findings.extend(CHECKS[check_id].func(ctx))
    by_id = {slot.id: n for n, slot in enumerate(ordered) if slot.id is not None}
    order = {check_id: n for n, check_id in enumerate(CHECKS)}
    findings.sort(key=lambda f: (by_id.get(f.slot_id, len(ordered)), order[f.check]))
    return findings


def errors(findings: Iterable[Finding]) -> list[Finding]:
    """The error-level findings: any of them refuses publishing the day."""
    return [f for f in findings if f.severity == "error"]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "warning"]


def by_slot(findings: Iterable[Finding]) -> dict[int | None, list[Finding]]:
    """Findings grouped per slot id, for the grid's readiness badges and the day sheet."""
    grouped: dict[int | None, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.slot_id, []).append(finding)
    return grouped


def summary(findings: Iterable[Finding]) -> dict[str, Any]:
    """Counts per severity (both always present) and per check id, for badges and the CLI."""
    return findings_summary(findings, SEVERITIES)


# ---- the checks ------------------------------------------------------------------------------


@register("overlap", "error",
          "Overlaps “{other_title}” ({other_start}–{other_end}) by {overlap}",
          title="Overlap")
def _check_overlap(ctx: DayContext) -> Iterator[Finding]:
    """Two items cannot air at once on a channel; [start, end), so back to back is fine.

    The other item's times carry seconds when it does not start and end on a whole minute
    ("19:00:00–19:00:20", never "19:00–19:00"), and the overlap is m:ss like every length."""
    me = CHECKS["overlap"]
    for i, j in overlapping_indices(ctx.slots):
        a, b = ctx.slots[i], ctx.slots[j]
        overlap_ms = round((min(a.end, b.end) - max(a.start, b.start)).total_seconds() * 1000)
        for slot, other in ((a, b), (b, a)):
            if ctx.is_history(slot):
                continue
            seconds = any(_off_minute(t, ctx.channel) for t in (other.start, other.end))
            yield me.finding(
                slot, other_id=other.id, other_title=other.title,
                other_start=local_time(other.start, ctx.channel, seconds=seconds),
                other_end=local_time(other.end, ctx.channel, seconds=seconds),
                overlap=format_duration(overlap_ms), overlap_s=overlap_ms // 1000)


def _off_minute(moment: dt.datetime, channel: ChannelFacts) -> bool:
    """True when a moment is not on a whole minute of the channel's clock."""
    local = moment.astimezone(channel.zone)
    return bool(local.second or local.microsecond)


@register("report_missing", "error", "Report #{report_id} was not found; it may have been deleted",
          title="Report")
def _check_report_missing(ctx: DayContext) -> Iterator[Finding]:
    """A slot pointing at a report the services could not load would air nothing."""
    me = CHECKS["report_missing"]
    for slot in ctx.current():
        if slot.report_id is not None and slot.report_id not in ctx.reports:
            yield me.finding(slot, report_id=slot.report_id)


@register("not_approved", "error",
          "Report #{report_id} is “{status}”; only an approved report may air",
          title="Approval")
def _check_not_approved(ctx: DayContext) -> Iterator[Finding]:
    """Only an approved report goes on air (production.workflow: approved and after)."""
    me = CHECKS["not_approved"]
    for slot, report in ctx.with_report():
        if report.status not in AIRABLE_REPORT_STATUSES:
            yield me.finding(slot, report_id=report.report_id, status=report.status)


@register("duration_unknown", "warning",
          "The report's duration is unknown (no master ingested yet); the {slot} slot "
          "cannot be checked", title="Duration")
def _check_duration_unknown(ctx: DayContext) -> Iterator[Finding]:
    """Without a master's duration nobody knows whether the report fits its slot."""
    me = CHECKS["duration_unknown"]
    for slot, report in ctx.with_report():
        if report.duration_ms is None:
            yield me.finding(slot, slot=format_duration(slot.duration_s * 1000))


@register("too_long", "error",
          "The report lasts {media}, {over_s} s longer than its {slot} slot; its end would be cut",
          title="Too long")
def _check_too_long(ctx: DayContext) -> Iterator[Finding]:
    """An overrun is cut at the next item by the playout engine (peers' users report this)."""
    me = CHECKS["too_long"]
    for slot, report in ctx.with_report():
        slot_ms = slot.duration_s * 1000
        if report.duration_ms is not None and report.duration_ms > slot_ms:
            over_ms = report.duration_ms - slot_ms
            yield me.finding(slot, media=format_duration(report.duration_ms),
                             slot=format_duration(slot_ms), over_s=_seconds(over_ms),
                             media_ms=report.duration_ms, slot_s=slot.duration_s)


@register("too_short", "warning",
          "The report lasts {media}, {under_s} s shorter than its {slot} slot "
          "(tolerance {tolerance_s} s); the rest will be filler",
          title="Too short")
def _check_too_short(ctx: DayContext) -> Iterator[Finding]:
    """A much shorter report leaves dead air or filler; within the tolerance it is normal."""
    me = CHECKS["too_short"]
    for slot, report in ctx.with_report():
        if report.duration_ms is None:
            continue
        under_ms = slot.duration_s * 1000 - report.duration_ms
        if under_ms > ctx.tolerance_s * 1000:
            yield me.finding(slot, media=format_duration(report.duration_ms),
                             slot=format_duration(slot.duration_s * 1000),
                             under_s=_seconds(under_ms), media_ms=report.duration_ms,
                             tolerance_s=ctx.tolerance_s)


_SUBTITLE_MESSAGES = {
    "missing": "No {language} subtitles; {channel} requires them",
    "qc_failed": "The {language} subtitles fail QC; {channel} requires them",
    "not_approved": "The {language} subtitles are not approved yet; {channel} requires them",
}


@register("subtitles", "error", _SUBTITLE_MESSAGES["missing"], title="Subtitles")
def _check_subtitles(ctx: DayContext) -> Iterator[Finding]:
    """Every language the channel requires (VTV4: eight) must be present, QC-passed, approved."""
    me = CHECKS["subtitles"]
    for slot, report in ctx.with_report():
        for language in ctx.channel.required_languages:
            state = report.languages_ok.get(language, "missing")
            if state == "ok":
                continue
            message = _SUBTITLE_MESSAGES.get(state, _SUBTITLE_MESSAGES["missing"])
            yield me.finding(slot, message, language=language, reason=state,
                             channel=ctx.channel.code)


@register("loudness", "error",
          "Integrated loudness is {measured} LUFS, outside {target} ± {tolerance} LU",
          title="Loudness")
def _check_loudness(ctx: DayContext) -> Iterator[Finding]:
    """EBU R 128 (QCVN 115:2017/BTTTT): -23 LUFS ± 0.5 LU, true peak at most -1 dBTP."""
    me = CHECKS["loudness"]
    channel = ctx.channel
    for slot, report in ctx.with_report():
        if report.loudness_lufs is None or report.true_peak_dbtp is None:
            yield me.finding(slot, "Loudness is not measured yet (target {target} LUFS)",
                             severity="warning", target=channel.loudness_target_lufs)
            continue
        deviation = abs(report.loudness_lufs - channel.loudness_target_lufs)
        if deviation > channel.loudness_tolerance_lu:
            yield me.finding(slot, measured=round(report.loudness_lufs, 1),
                             target=channel.loudness_target_lufs,
                             tolerance=channel.loudness_tolerance_lu)
        if report.true_peak_dbtp > channel.true_peak_max_dbtp:
            yield me.finding(slot, "True peak is {measured} dBTP, over the {limit} dBTP limit",
                             measured=round(report.true_peak_dbtp, 1),
                             limit=channel.true_peak_max_dbtp)


@register("rerun_before_first", "error",
          "This rerun airs at {rerun_at}, not after the first airing at {first_at}",
          title="Rerun order")
def _check_rerun(ctx: DayContext) -> Iterator[Finding]:
    """A rerun must follow its first airing; a lost original is worth a look, not a block."""
    me = CHECKS["rerun_before_first"]
    for slot in ctx.current():
        if slot.rerun_of is None:
            continue
        first = ctx.originals.get(slot.rerun_of)
        if first is None:
            yield me.finding(slot, "The first airing (slot #{original_id}) is not in the "
                             "schedule", severity="warning", original_id=slot.rerun_of)
        elif first >= slot.start:
            yield me.finding(slot, original_id=slot.rerun_of, rerun_at=ctx.when(slot.start),
                             first_at=ctx.when(first))


@register("embargo", "error",
          "Promised first to {partner}: it first airs there at {first_at}, after this "
          "slot at {slot_at}", title="Partner embargo")
def _check_embargo(ctx: DayContext) -> Iterator[Finding]:
    """A report promised first to a partner (VTV4) may not air elsewhere before it does there."""
    me = CHECKS["embargo"]
    for slot, report in ctx.with_report():
        partner = report.first_channel
        if not partner or partner == slot.channel:
            continue
        if report.first_air_at is None:
            yield me.finding(slot, "Promised first to {partner}, where it is not scheduled yet",
                             partner=partner)
        elif slot.start < report.first_air_at:
            yield me.finding(slot, partner=partner, first_at=ctx.when(report.first_air_at),
                             slot_at=ctx.when(slot.start))


def _seconds(ms: int) -> float:
    """A difference in seconds to a tenth ("100 s"): a clock-like 1:40 would read as a time."""
    return round(ms / 1000, 1)
