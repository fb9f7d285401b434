"""The figures of a periodic review (sơ kết / tổng kết), computed in SQL from Station's tables.

One query layer for the web page, the CLI and the exports: ``compute(session, period,
filters)`` returns ``Results`` (tables of plain values), ``drill(...)`` the reports behind one
figure. Aggregation happens in the database (GROUP BY over the period's rows); Python only
reshapes the grouped rows (months x kinds, channels...), never loops over reports, cues,
slots or downloads. Subtitle QC is read from the verdict each track was approved with
(``Track.qc_errors/qc_warnings/qc_infos``, frozen at approval by ``subtitles.review``), so the
review counts what was approved and does not change when the glossary changes later.

What counts (the exports print these notes too):

* **Produced**: a report is produced when it is first approved (the workflow's gates check
  media, loudness and subtitles) by someone other than its creator and its editor, or by an
  admin's recorded override, and is still approved or later (scheduled, aired, archived);
  dated by that approval event (``ReportEvent.at``). A self-approval or an approval stepped
  back from does not count.
* **On time**: of the reports whose due date falls in the period, on time when the local
  date of that first "approved or later" event is on or before the due date; late when
  after; overdue when not produced and the due date has passed (as of ``as_of``, today by
  default); pending when not produced and not yet due. The on-time rate is on time /
  (on time + late + overdue).
* **Subtitled**: approved tracks only (a draft or a track in review is work in progress,
  not subtitles a viewer will see), dated by ``Track.approved_at``. Minutes = the sum of the
  cues' durations (time with text on screen); the masters' durations (programme time
  covered) are shown beside them. Language groups compare the primary subtag: ``vi``, Lai
  Châu's minority languages (docs/standards.md "Channels and languages"), and every other tag is
  foreign, Lao included (VOV5's Lao service is for listeners in Laos).
* **Aired**: as-run entries (what the playout says went out, imported or an editor's
  "mark aired" naming the slot and time) that started in the period; a report's status alone
  never counts;
  minutes = their durations; a rerun is an entry whose slot is a rerun (``Slot.rerun_of_id``).
* **Delivered**: packages in status "ready" whose ``ready_at`` is in the period, per partner
  channel. **Downloaded**: download rows with ``range_start == 0`` (a resumed download is
  the same download), per partner; also the distinct packages downloaded and all bytes sent.
* **QC**: the QC verdict each of the period's approved tracks was approved with, per language
  and local month of approval; "findings" are errors + warnings (info notes are for
  awareness only). A track approved before Station kept verdicts is checked when read.

Filters: channel codes keep reports made for one of those channels (a report made for two
channels counts once in totals and under each channel in "by channel"), as-run entries on
those channels and packages/downloads of those partners; report kinds keep reports of those
kinds, and as-run entries and packages of such reports (so programme slots without a report
drop out when a kind is chosen).

Times are stored in UTC and grouped by the station's local calendar (Asia/Ho_Chi_Minh).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    distinct,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String

from delivery.models import Package, PackageDownload
from production.models import (
    REPORT_KINDS,
    Channel,
    MediaAsset,
    Report,
    ReportEvent,
    report_channel,
)
from production.workflow import OVERRIDE_MARK, STATUSES
from schedule.models import AsRunEntry, Slot
from station.errors import NotFound, ValidationError
from station.i18n import translate
from station.timecode import LOCAL_TZ_NAME
from subtitles.models import CueRow, Track

log = logging.getLogger(__name__)

# A report is "produced" once it reaches approved or any status after it in the workflow.
DONE_STATUSES = STATUSES[STATUSES.index("approved"):]
OUTCOMES = ("on_time", "late", "overdue", "pending")
LANGUAGE_GROUPS = ("vi", "foreign", "minority")
# Lai Châu's minority languages, by primary subtag (docs/standards.md "Channels and languages").
MINORITY_TAGS = frozenset({
    "blt", "twh", "hnj", "mww", "hmv", "hmn", "ium", "mji", "hni", "khb", "pcc", "kjg", "lhu",
    "zng", "cnc", "slt", "kjm",
})
SECTIONS = ("production", "subtitles", "broadcast", "delivery", "qc")
MAX_PERIOD_DAYS = 3_700  # about ten years: a review, not the station's whole history
QUARTERS = ("I", "II", "III", "IV")


def language_group(tag: str) -> str:
    """"vi", "minority" or "foreign" for a BCP-47 tag, by its primary subtag."""
    primary = tag.split("-", 1)[0].strip().lower()
    if primary == "vi":
        return "vi"
    return "minority" if primary in MINORITY_TAGS else "foreign"


# ---- the period and the filters --------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both local calendar days, inclusive."""

    start: dt.date
    end: dt.date
    tz: str = LOCAL_TZ_NAME

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError("The period ends ({end}) before it starts ({start})",
                                  start=self.start.isoformat(), end=self.end.isoformat())
        if (self.end - self.start).days > MAX_PERIOD_DAYS:
            raise ValidationError("A period spans at most ten years")
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError("Unknown time zone {tz}", tz=self.tz) from exc

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = dt.date(year, month, 1)
        return cls(first, _next_month(first) - dt.timedelta(days=1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = dt.date(year, 3 * quarter - 2, 1)
        return cls(first, _add_months(first, 3) - dt.timedelta(days=1))

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        first = dt.date(year, 1 if half == 1 else 7, 1)
        return cls(first, _add_months(first, 6) - dt.timedelta(days=1))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def utc_start(self) -> dt.datetime:
        """The first instant of the period (local midnight of ``start``), in UTC."""
        return _local_midnight(self.start, self.zone)

    @property
    def utc_end(self) -> dt.datetime:
        """The first instant after the period (local midnight after ``end``), in UTC."""
        return _local_midnight(self.end + dt.timedelta(days=1), self.zone)

    def months(self) -> list[str]:
        """The period's local months as "YYYY-MM", in order (partial months included)."""
        out, month = [], self.start.replace(day=1)
        while month <= self.end:
            out.append(f"{month.year:04d}-{month.month:02d}")
            month = _next_month(month)
        return out

    def offset_minutes(self) -> int:
        """The zone's UTC offset, which must be the same over the whole period.

        SQL groups by local month by shifting UTC times by this fixed offset (portable to
        SQLite and PostgreSQL). Asia/Ho_Chi_Minh has had no daylight saving since 1975, so
        the shift is exact there; a zone whose offset changes inside the period is refused
        rather than grouped wrongly near its changes."""
        zone = self.zone
        probes = {self.start, self.end}
        month = self.start.replace(day=1)
        while month <= self.end:
            probes.update((month, month.replace(day=15)))
            month = _next_month(month)
        offsets = {int((dt.datetime.combine(day, dt.time(12), zone).utcoffset()
                        or dt.timedelta()).total_seconds() // 60) for day in probes}
        if len(offsets) != 1:
            raise ValidationError(
                "The time zone {tz} changes its UTC offset during the period; choose a "
                "period without a daylight-saving change", tz=self.tz)
        return offsets.pop()

    @property
    def kind(self) -> str:
        """"month", "quarter", "half", "year" or "range": how the period is named."""
        s, e = self.start, self.end
        if s.day != 1 or _next_month(e.replace(day=1)) - dt.timedelta(days=1) != e:
            return "range"
        months = (e.year - s.year) * 12 + e.month - s.month + 1
        if months == 1:
            return "month"
        if months == 3 and s.month in (1, 4, 7, 10):
            return "quarter"
        if months == 6 and s.month in (1, 7):
            return "half"
        if months == 12 and s.month == 1:
            return "year"
        return "range"

    def label(self, lang: str = "vi") -> str:
        """The period as a report title names it: "quý I năm 2026", "Q1 2026"."""
        s, kind = self.start, self.kind
        vi = lang == "vi"
        if kind == "month":
            return f"tháng {s.month} năm {s.year}" if vi else s.strftime("%B %Y")
        if kind == "quarter":
            q = QUARTERS[(s.month - 1) // 3]
            return f"quý {q} năm {s.year}" if vi else f"Q{(s.month - 1) // 3 + 1} {s.year}"
        if kind == "half":
            if vi:
                return f"6 tháng {'đầu' if s.month == 1 else 'cuối'} năm {s.year}"
            return f"{'first' if s.month == 1 else 'second'} half of {s.year}"
        if kind == "year":
            return f"năm {s.year}" if vi else str(s.year)
        return self.dates_label(lang)

    def dates_label(self, lang: str = "vi") -> str:
        """"từ ngày 01/01/2026 đến ngày 31/03/2026" (or the English)."""
        a, b = self.start.strftime("%d/%m/%Y"), self.end.strftime("%d/%m/%Y")
        return f"từ ngày {a} đến ngày {b}" if lang == "vi" else f"from {a} to {b}"

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "tz": self.tz,
                "kind": self.kind}


def _next_month(day: dt.date) -> dt.date:
    return _add_months(day.replace(day=1), 1)


def _add_months(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), zone).astimezone(dt.UTC)


@dataclass(frozen=True)
class Filters:
    """Channel codes and report kinds to keep (empty: everything)."""

    channels: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        codes = tuple(sorted({c.strip().upper() for c in self.channels if c and c.strip()}))
        kinds = tuple(sorted({k.strip() for k in self.kinds if k and k.strip()}))
        for kind in kinds:
            if kind not in REPORT_KINDS:
                raise ValidationError("Unknown report kind {kind}; use one of {kinds}",
                                      kind=kind, kinds=", ".join(REPORT_KINDS))
        object.__setattr__(self, "channels", codes)
        object.__setattr__(self, "kinds", kinds)

    def __bool__(self) -> bool:
        return bool(self.channels or self.kinds)

    def as_dict(self) -> dict[str, Any]:
        return {"channels": list(self.channels), "kinds": list(self.kinds)}


# ---- the tables ------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column: its key in the rows, an English label, how to show it, what it opens.

    ``kind`` is one of: month, kind, channel, group, language, outcome (row labels), text,
    count, minutes, percent, bytes, number. ``drill`` names the figure whose reports a
    non-zero cell lists (the row's key is the drill key)."""

    key: str
    label: str
    kind: str = "count"
    drill: str | None = None


@dataclass
class Table:
    """A table of figures: one row per month, channel, language... with its drill-down."""

    name: str
    section: str
    title: str  # English; translated when shown
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] | None = None
    drill: str | None = None  # the figure a row's label opens (key = row["key"])

    @property
    def empty(self) -> bool:
        """No figure in the table is above zero."""
        values = [r.get(c.key) for r in self.rows for c in self.columns[1:]
                  if c.kind in ("count", "minutes", "bytes")]
        return not any(values)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "section": self.section, "title": self.title,
                "columns": [{"key": c.key, "label": c.label, "kind": c.kind}
                            for c in self.columns],
                "rows": self.rows, "total": self.total}


# (key, English label, value kind, section) of the headline figures.
SUMMARY_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("reports_produced", "Reports produced", "count", "production"),
    ("on_time_rate", "On-time rate", "percent", "production"),
    ("minutes_subtitled", "Minutes subtitled", "minutes", "subtitles"),
    ("minutes_subtitled_minority", "Minutes subtitled in minority languages", "minutes",
     "subtitles"),
    ("minutes_aired", "Minutes aired", "minutes", "broadcast"),
    ("reruns", "Reruns aired", "count", "broadcast"),
    ("packages_delivered", "Packages delivered", "count", "delivery"),
    ("downloads", "Downloads by partners", "count", "delivery"),
    ("qc_findings", "QC findings (errors + warnings)", "count", "qc"),
)

SECTION_TITLES = {
    "production": "Production of reports",
    "subtitles": "Subtitles",
    "broadcast": "Broadcast",
    "delivery": "Delivery to partners",
    "qc": "Subtitle quality control",
}


@dataclass
class Results:
    """Everything one review shows: the period, the filters, tables and headline figures."""

    period: Period
    filters: Filters
    as_of: dt.date
    generated_at: dt.datetime
    tables: dict[str, Table]
    summary: dict[str, Any]
    channel_names: dict[str, str] = field(default_factory=dict)

    def sections(self) -> list[tuple[str, list[Table]]]:
        """(section, its tables) in the review's order, sections without tables left out."""
        out = []
        for section in SECTIONS:
            tables = [t for t in self.tables.values() if t.section == section]
            if tables:
                out.append((section, tables))
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"period": self.period.as_dict(), "filters": self.filters.as_dict(),
                "as_of": self.as_of.isoformat(),
                "generated_at": self.generated_at.isoformat(timespec="seconds"),
                "summary": self.summary,
                "tables": {name: t.as_dict() for name, t in self.tables.items()}}


# ---- SQL: local dates and months, portable to SQLite and PostgreSQL --------------------

class local_date(FunctionElement[Any]):
    """The local calendar date of a UTC datetime column: ``local_date(column, minutes)``."""

    inherit_cache = True
    name = "local_date"


class month_of(FunctionElement[Any]):
    """"YYYY-MM" of a date (a Date column or ``local_date(...)``)."""

    type = String()
    inherit_cache = True
    name = "month_of"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    # UTCDateTime stores "YYYY-MM-DD HH:MM:SS.ffffff" in UTC; date() reads it and shifts.
    moment, minutes = list(element.clauses)
    return (f"date({compiler.process(moment, **kw)}, "
            f"{compiler.process(minutes, **kw)} || ' minutes')")


@compiles(local_date, "postgresql")
def _local_date_pg(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    moment, minutes = list(element.clauses)
    return (f"CAST(({compiler.process(moment, **kw)} AT TIME ZONE 'UTC') + "
            f"make_interval(mins => {compiler.process(minutes, **kw)}) AS DATE)")


@compiles(month_of, "sqlite")
def _month_of_sqlite(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


@compiles(month_of, "postgresql")
def _month_of_pg(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(local_date)
@compiles(month_of)
def _unsupported(element: Any, compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(f"results: no {element.name} for {compiler.dialect.name}")


# ---- the scope: period, filters and the station's channels -----------------------------

@dataclass
class Scope:
    """A period and filters resolved against the database once per computation."""

    period: Period
    filters: Filters
    as_of: dt.date
    offset: int  # minutes east of UTC, fixed over the period
    channels: dict[int, tuple[str, str, str]]  # id -> (code, name, owner)
    channel_ids: list[int] | None  # the filter's channels, None = every channel

    @classmethod
    def make(cls, session: Session, period: Period, filters: Filters,
             as_of: dt.date | None = None) -> Scope:
        offset = period.offset_minutes()
        rows = session.execute(select(Channel.id, Channel.code, Channel.name, Channel.owner)
                               .order_by(Channel.code)).all()
        channels = {r.id: (r.code, r.name, r.owner) for r in rows}
        ids = None
        if filters.channels:
            by_code = {code: cid for cid, (code, _n, _o) in channels.items()}
            for code in filters.channels:
                if code not in by_code:
                    raise NotFound("No channel {code}", code=code)
            ids = [by_code[c] for c in filters.channels]
        if as_of is None:
            as_of = dt.datetime.now(period.zone).date()
        return cls(period, filters, as_of, offset, channels, ids)

    def in_period(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.period.utc_start, column < self.period.utc_end)

    def local_date(self, column: Any) -> Any:
        # The offset is a literal, not a bound parameter: PostgreSQL must see the same
        # expression in SELECT and GROUP BY.
        return local_date(column, literal_column(str(int(self.offset))))

    def month(self, column: Any) -> Any:
        return month_of(self.local_date(column))

    def report_filters(self, report_id: Any, kind: Any = None) -> list[ColumnElement[bool]]:
        """Conditions keeping the filters' reports, on a report id (and kind) column."""
        conds = self.kind_filter(report_id, kind)
        if self.channel_ids is not None:
            conds.append(report_id.in_(
                select(report_channel.c.report_id)
                .where(report_channel.c.channel_id.in_(self.channel_ids))))
        return conds

    def kind_filter(self, report_id: Any, kind: Any = None) -> list[ColumnElement[bool]]:
        """The kinds filter alone (packages and airings filter channels on their own)."""
        if not self.filters.kinds:
            return []
        if kind is not None:
            return [kind.in_(self.filters.kinds)]
        return [report_id.in_(select(Report.id).where(Report.kind.in_(self.filters.kinds)))]

    def code(self, channel_id: int) -> str:
        return self.channels[channel_id][0]


# ---- the rows each figure counts (shared by the tables and the drill-downs) ------------

def _first_done() -> Any:
    """Per report, when it was first approved by someone responsible, if it still stands.

    The facts: an approval event ("approved" is the one gated move into the done statuses)
    whose actor is neither the report's creator nor its editor, or an admin's recorded
    override; and the report is still approved or later (an approval stepped back from is
    withdrawn). A report clicked through by its own author does not count.
    """
    created = aliased(ReportEvent)
    self_approved = and_(
        ReportEvent.actor_id.is_not(None),
        or_(and_(Report.editor_id.is_not(None),  # NULL would make the whole test NULL
                 ReportEvent.actor_id == Report.editor_id),
            select(created.id).where(created.report_id == ReportEvent.report_id,
                                     created.kind == "created",
                                     created.actor_id == ReportEvent.actor_id)
            .exists()))
    return (select(ReportEvent.report_id.label("report_id"),
                   func.min(ReportEvent.at).label("at"))
            .join(Report, Report.id == ReportEvent.report_id)
            .where(ReportEvent.kind == "status", ReportEvent.to_status == "approved",
                   Report.status.in_(DONE_STATUSES),
                   or_(~self_approved,
                       ReportEvent.comment.startswith(OVERRIDE_MARK, autoescape=True)))
            .group_by(ReportEvent.report_id)
            .subquery("first_done"))


def produced_rows(scope: Scope) -> Select[Any]:
    """(report_id, kind, month) of the reports produced in the period."""
    done = _first_done()
    return (select(Report.id.label("report_id"), Report.kind.label("kind"),
                   scope.month(done.c.at).label("month"))
            .join(done, done.c.report_id == Report.id)
            .where(scope.in_period(done.c.at), *scope.report_filters(Report.id, Report.kind)))


def due_rows(scope: Scope) -> Select[Any]:
    """(report_id, month, outcome) of the reports due in the period."""
    done = _first_done()
    outcome = case(
        (done.c.at.is_(None),
         case((Report.due_date < scope.as_of, "overdue"), else_="pending")),
        (scope.local_date(done.c.at) <= Report.due_date, "on_time"),
        else_="late")
    return (select(Report.id.label("report_id"), month_of(Report.due_date).label("month"),
                   outcome.label("outcome"))
            .outerjoin(done, done.c.report_id == Report.id)
            .where(Report.due_date >= scope.period.start, Report.due_date <= scope.period.end,
                   *scope.report_filters(Report.id, Report.kind)))


def track_rows(scope: Scope) -> Select[Any]:
    """(track_id, report_id, language, month) of the tracks approved in the period."""
    return (select(Track.id.label("track_id"), Track.report_id.label("report_id"),
                   Track.language.label("language"),
                   scope.month(Track.approved_at).label("month"))
            .where(Track.status == "approved", scope.in_period(Track.approved_at),
                   *scope.report_filters(Track.report_id)))


def airing_rows(scope: Scope) -> Select[Any]:
    """(channel_id, month, duration_s, rerun_of_id, report_id, outcome) of the period's
    as-run entries."""
    stmt = (select(AsRunEntry.channel_id.label("channel_id"),
                   scope.month(AsRunEntry.started_at).label("month"),
                   AsRunEntry.duration_s.label("duration_s"),
                   Slot.rerun_of_id.label("rerun_of_id"), Slot.report_id.label("report_id"),
                   AsRunEntry.outcome.label("outcome"))
            .select_from(AsRunEntry)
            .outerjoin(Slot, Slot.id == AsRunEntry.slot_id)
            .where(scope.in_period(AsRunEntry.started_at)))
    if scope.channel_ids is not None:
        stmt = stmt.where(AsRunEntry.channel_id.in_(scope.channel_ids))
    return stmt.where(*scope.kind_filter(Slot.report_id))


def package_rows(scope: Scope) -> Select[Any]:
    """(channel_id, package_id, report_id, size_bytes) of the packages ready in the period."""
    stmt = (select(Package.channel_id.label("channel_id"), Package.id.label("package_id"),
                   Package.report_id.label("report_id"),
                   Package.size_bytes.label("size_bytes"))
            .where(Package.status == "ready", scope.in_period(Package.ready_at)))
    if scope.channel_ids is not None:
        stmt = stmt.where(Package.channel_id.in_(scope.channel_ids))
    return stmt.where(*scope.kind_filter(Package.report_id))


def download_rows(scope: Scope, *, with_report: bool = True) -> Select[Any]:
    """(channel_id, package_id, range_start, bytes[, report_id]) of the period's downloads
    (the report id costs a join, which the per-partner figures do without)."""
    columns = [PackageDownload.channel_id.label("channel_id"),
               PackageDownload.package_id.label("package_id"),
               PackageDownload.range_start.label("range_start"),
               PackageDownload.bytes.label("bytes")]
    if with_report:
        stmt = (select(*columns, Package.report_id.label("report_id"))
                .join(Package, Package.id == PackageDownload.package_id))
    else:
        stmt = select(*columns)
    stmt = stmt.where(scope.in_period(PackageDownload.at))
    if scope.channel_ids is not None:
        stmt = stmt.where(PackageDownload.channel_id.in_(scope.channel_ids))
    if scope.filters.kinds:
        stmt = stmt.where(PackageDownload.package_id.in_(
            select(Package.id).where(*scope.kind_filter(Package.report_id))))
    return stmt


# ---- the sections ----------------------------------------------------------------------

def _minutes(ms: Any) -> float:
    """Minutes with one decimal, from milliseconds (PostgreSQL sums of sums are Decimal)."""
    return round(int(ms or 0) / 60_000, 1)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _production(session: Session, scope: Scope) -> list[Table]:
    produced = produced_rows(scope).subquery()
    by_month_kind = session.execute(
        select(produced.c.month, produced.c.kind, func.count())
        .group_by(produced.c.month, produced.c.kind)).all()
    counts: dict[str, dict[str, int]] = {m: dict.fromkeys(REPORT_KINDS, 0)
                                         for m in scope.period.months()}
    for month, kind, n in by_month_kind:
        counts.setdefault(month, dict.fromkeys(REPORT_KINDS, 0))[kind] = n
    kinds = [k for k in REPORT_KINDS if not scope.filters.kinds or k in scope.filters.kinds]
    month_rows = [{"key": m, "month": m, **{k: c[k] for k in kinds}, "total": sum(c.values())}
                  for m, c in sorted(counts.items())]
    produced_by_month = Table(
        "produced_by_month", "production", "Reports produced by month",
        (Column("month", "Month", "month"),
         *(Column(k, k, "count") for k in kinds),
         Column("total", "Total", "count", drill="produced_month")),
        month_rows, _totals(month_rows, [*kinds, "total"]), drill="produced_month")

    kind_rows = [{"key": k, "kind": k, "reports": sum(c[k] for c in counts.values())}
                 for k in kinds]
    produced_by_kind = Table(
        "produced_by_kind", "production", "Reports produced by kind",
        (Column("kind", "Kind", "kind"),
         Column("reports", "Reports", "count", drill="produced_kind")),
        kind_rows, _totals(kind_rows, ["reports"]), drill="produced_kind")

    stmt = (select(report_channel.c.channel_id, func.count(distinct(produced.c.report_id)))
            .select_from(produced)
            .join(report_channel, report_channel.c.report_id == produced.c.report_id)
            .group_by(report_channel.c.channel_id))
    if scope.channel_ids is not None:
        stmt = stmt.where(report_channel.c.channel_id.in_(scope.channel_ids))
    per_channel = dict(session.execute(stmt).all())
    channel_rows = [{"key": scope.code(cid), "channel": scope.code(cid),
                     "name": scope.channels[cid][1], "reports": per_channel.get(cid, 0)}
                    for cid in _shown_channels(scope, per_channel)]
    produced_by_channel = Table(
        "produced_by_channel", "production", "Reports produced by channel",
        (Column("channel", "Channel", "channel"), Column("name", "Name", "text"),
         Column("reports", "Reports", "count", drill="produced_channel")),
        channel_rows, None, drill="produced_channel")

    due = due_rows(scope).subquery()
    by_month_outcome = session.execute(
        select(due.c.month, due.c.outcome, func.count())
        .group_by(due.c.month, due.c.outcome)).all()
    months: dict[str, dict[str, int]] = {m: dict.fromkeys(OUTCOMES, 0)
                                         for m in scope.period.months()}
    for month, outcome, n in by_month_outcome:
        months.setdefault(month, dict.fromkeys(OUTCOMES, 0))[outcome] = n
    due_month_rows = []
    for month, c in sorted(months.items()):
        decided = c["on_time"] + c["late"] + c["overdue"]
        due_month_rows.append({"key": month, "month": month, "due": sum(c.values()), **c,
                               "rate": _rate(c["on_time"], decided)})
    totals = _totals(due_month_rows, ["due", *OUTCOMES])
    totals["rate"] = _rate(totals["on_time"],
                           totals["on_time"] + totals["late"] + totals["overdue"])
    ontime_by_month = Table(
        "ontime_by_month", "production", "Reports due by month and their outcome",
        (Column("month", "Month", "month"), Column("due", "Due", "count", drill="due_month"),
         Column("on_time", "on_time", "count", drill="ontime_month_on_time"),
         Column("late", "late", "count", drill="ontime_month_late"),
         Column("overdue", "overdue", "count", drill="ontime_month_overdue"),
         Column("pending", "pending", "count", drill="ontime_month_pending"),
         Column("rate", "On-time rate", "percent")),
        due_month_rows, totals, drill="due_month")
    return [produced_by_month, produced_by_channel, produced_by_kind, ontime_by_month]


def _subtitles(session: Session, scope: Scope) -> list[Table]:
    tracks = track_rows(scope).subquery()
    per_language_counts = {row[0]: row[1:] for row in session.execute(
        select(tracks.c.language, func.count(distinct(tracks.c.track_id)),
               func.count(distinct(tracks.c.report_id)))
        .group_by(tracks.c.language))}
    # Cues are summed per track first (one pass over the index), then per month and language.
    per_track = (select(CueRow.track_id.label("track_id"),
                        func.sum(CueRow.end_ms - CueRow.start_ms).label("ms"),
                        func.count(CueRow.id).label("n"))
                 .where(CueRow.track_id.in_(select(tracks.c.track_id)))
                 .group_by(CueRow.track_id).subquery())
    per_month = session.execute(
        select(tracks.c.month, tracks.c.language, func.coalesce(func.sum(per_track.c.ms), 0),
               func.coalesce(func.sum(per_track.c.n), 0))
        .select_from(tracks).outerjoin(per_track, per_track.c.track_id == tracks.c.track_id)
        .group_by(tracks.c.month, tracks.c.language)).all()
    sums: dict[str, list[int]] = {lang: [0, 0] for lang in per_language_counts}
    for _month, lang, ms, n in per_month:
        sums[lang][0] += int(ms or 0)
        sums[lang][1] += int(n or 0)
    per_language = [(lang, n_tracks, n_reports, sums[lang][0], sums[lang][1])
                    for lang, (n_tracks, n_reports) in per_language_counts.items()]
    master = aliased(MediaAsset)
    programme = dict(session.execute(
        select(tracks.c.language, func.coalesce(func.sum(master.duration_ms), 0))
        .select_from(tracks)
        .outerjoin(master, and_(master.report_id == tracks.c.report_id,
                                master.role == "master"))
        .group_by(tracks.c.language)).all())

    cue_ms = {lang: int(ms or 0) for lang, _t, _r, ms, _c in per_language}
    language_rows = sorted(
        ({"key": lang, "language": lang, "group": language_group(lang), "tracks": n_tracks,
          "reports": n_reports, "cues": n_cues, "minutes": _minutes(ms),
          "programme_minutes": _minutes(programme.get(lang))}
         for lang, n_tracks, n_reports, ms, n_cues in per_language),
        key=lambda r: (LANGUAGE_GROUPS.index(r["group"]), r["language"]))
    # Minutes are rounded once, from the exact milliseconds, in every row and total.
    group_ms = {g: sum(v for k, v in cue_ms.items() if language_group(k) == g)
                for g in LANGUAGE_GROUPS}
    group_programme = {g: sum(int(v or 0) for k, v in programme.items()
                              if language_group(k) == g) for g in LANGUAGE_GROUPS}
    subtitled_by_language = Table(
        "subtitled_by_language", "subtitles", "Approved subtitles by language",
        (Column("language", "Language", "language"), Column("group", "Group", "group"),
         Column("tracks", "Tracks", "count"),
         Column("reports", "Reports", "count", drill="subtitled_language"),
         Column("cues", "Cues", "count"), Column("minutes", "Minutes subtitled", "minutes"),
         Column("programme_minutes", "Programme minutes", "minutes")),
        language_rows, {**_totals(language_rows, ["tracks", "cues"]),
                        "minutes": _minutes(sum(group_ms.values())),
                        "programme_minutes": _minutes(sum(group_programme.values()))},
        drill="subtitled_language")

    # Distinct reports per group need SQL (a report may have two foreign tracks); the group
    # of each tag seen is known from the rows above.
    reports_per_group: dict[str, int] = {}
    tags = {g: [r["language"] for r in language_rows if r["group"] == g]
            for g in LANGUAGE_GROUPS}
    if language_rows:
        group_of = case(*[(tracks.c.language.in_(tags[g]), g) for g in LANGUAGE_GROUPS
                          if tags[g]], else_="foreign").label("grp")
        grouped = select(tracks.c.report_id, group_of).subquery()
        reports_per_group = dict(session.execute(
            select(grouped.c.grp, func.count(distinct(grouped.c.report_id)))
            .group_by(grouped.c.grp)).all())
    group_rows = []
    for group in LANGUAGE_GROUPS:
        mine = [r for r in language_rows if r["group"] == group]
        group_rows.append({
            "key": group, "group": group, "tracks": sum(r["tracks"] for r in mine),
            "reports": reports_per_group.get(group, 0),
            "minutes": _minutes(group_ms[group]),
            "programme_minutes": _minutes(group_programme[group])})
    subtitled_by_group = Table(
        "subtitled_by_group", "subtitles", "Minutes subtitled by language group",
        (Column("group", "Language group", "group"), Column("tracks", "Tracks", "count"),
         Column("reports", "Reports", "count", drill="subtitled_group"),
         Column("minutes", "Minutes subtitled", "minutes"),
         Column("programme_minutes", "Programme minutes", "minutes")),
        group_rows, {**_totals(group_rows, ["tracks"]),
                     "minutes": _minutes(sum(group_ms.values())),
                     "programme_minutes": _minutes(sum(group_programme.values()))},
        drill="subtitled_group")

    months: dict[str, dict[str, int]] = {m: dict.fromkeys(LANGUAGE_GROUPS, 0)
                                         for m in scope.period.months()}
    for month, lang, ms, _n in per_month:
        months.setdefault(month, dict.fromkeys(LANGUAGE_GROUPS, 0))[language_group(lang)] \
            += int(ms or 0)
    month_rows = [{"key": m, "month": m, **{g: _minutes(v[g]) for g in LANGUAGE_GROUPS},
                   "total": _minutes(sum(v.values()))} for m, v in sorted(months.items())]
    subtitled_by_month = Table(
        "subtitled_by_month", "subtitles", "Minutes subtitled by month",
        (Column("month", "Month", "month"),
         *(Column(g, g, "minutes") for g in LANGUAGE_GROUPS),
         Column("total", "Total", "minutes", drill="subtitled_month")),
        month_rows, {**{g: _minutes(group_ms[g]) for g in LANGUAGE_GROUPS},
                     "total": _minutes(sum(group_ms.values()))}, drill="subtitled_month")
    return [subtitled_by_group, subtitled_by_language, subtitled_by_month]


def _broadcast(session: Session, scope: Scope) -> list[Table]:
    airings = airing_rows(scope).subquery()
    rerun = airings.c.rerun_of_id.is_not(None)
    per_channel = {row[0]: row[1:] for row in session.execute(
        select(airings.c.channel_id, func.count(), func.coalesce(func.sum(airings.c.duration_s), 0),
               func.coalesce(func.sum(case((rerun, 1), else_=0)), 0),
               func.coalesce(func.sum(case((rerun, airings.c.duration_s), else_=0)), 0),
               func.count(airings.c.report_id),
               func.coalesce(func.sum(case((airings.c.outcome == "unplanned", 1), else_=0)), 0))
        .group_by(airings.c.channel_id)).all()}
    channel_rows = []
    for cid in sorted(per_channel, key=scope.code):
        n, seconds, reruns, rerun_s, of_reports, unplanned = per_channel[cid]
        channel_rows.append({
            "key": scope.code(cid), "channel": scope.code(cid), "airings": n,
            "minutes": _minutes(seconds * 1000), "reruns": reruns,
            "rerun_minutes": _minutes(rerun_s * 1000), "report_airings": of_reports,
            "unplanned": unplanned})
    aired_by_channel = Table(
        "aired_by_channel", "broadcast", "Aired per channel (as-run logs)",
        (Column("channel", "Channel", "channel"),
         Column("airings", "Airings", "count"),
         Column("minutes", "Minutes aired", "minutes"),
         Column("reruns", "Reruns", "count", drill="reruns_channel"),
         Column("rerun_minutes", "Rerun minutes", "minutes"),
         Column("report_airings", "Airings of reports", "count", drill="aired_channel"),
         Column("unplanned", "Unplanned", "count")),
        channel_rows, {**_totals(channel_rows, ["airings", "reruns", "report_airings",
                                                "unplanned"]),
                       "minutes": _minutes(1000 * sum(v[1] for v in per_channel.values())),
                       "rerun_minutes": _minutes(1000 * sum(v[3]
                                                            for v in per_channel.values()))},
        drill="aired_channel")

    per_month = session.execute(
        select(airings.c.month, airings.c.channel_id,
               func.coalesce(func.sum(airings.c.duration_s), 0))
        .group_by(airings.c.month, airings.c.channel_id)).all()
    codes = [r["channel"] for r in channel_rows]
    months: dict[str, dict[str, int]] = {m: dict.fromkeys(codes, 0)
                                         for m in scope.period.months()}
    for month, cid, seconds in per_month:
        months.setdefault(month, dict.fromkeys(codes, 0))[scope.code(cid)] = seconds
    month_rows = [{"key": m, "month": m, **{c: _minutes(v[c] * 1000) for c in codes},
                   "total": _minutes(sum(v.values()) * 1000)}
                  for m, v in sorted(months.items())]
    aired_by_month = Table(
        "aired_by_month", "broadcast", "Minutes aired by month",
        (Column("month", "Month", "month"), *(Column(c, c, "minutes") for c in codes),
         Column("total", "Total", "minutes", drill="aired_month")),
        month_rows, {**{c: _minutes(1000 * sum(v[c] for v in months.values())) for c in codes},
                     "total": _minutes(1000 * sum(sum(v.values()) for v in months.values()))},
        drill="aired_month")
    return [aired_by_channel, aired_by_month]


def _delivery(session: Session, scope: Scope) -> list[Table]:
    packages = package_rows(scope).subquery()
    ready = {row[0]: row[1:] for row in session.execute(
        select(packages.c.channel_id, func.count(), func.count(distinct(packages.c.report_id)),
               func.coalesce(func.sum(packages.c.size_bytes), 0))
        .group_by(packages.c.channel_id)).all()}
    downloads = download_rows(scope, with_report=False).subquery()
    first = downloads.c.range_start == 0
    taken = {row[0]: row[1:] for row in session.execute(
        select(downloads.c.channel_id,
               func.coalesce(func.sum(case((first, 1), else_=0)), 0),
               func.count(distinct(case((first, downloads.c.package_id)))),
               func.coalesce(func.sum(downloads.c.bytes), 0))
        .group_by(downloads.c.channel_id)).all()}
    partners = [cid for cid, (_c, _n, owner) in scope.channels.items()
                if owner == "partner" and (scope.channel_ids is None
                                           or cid in scope.channel_ids)]
    rows = []
    for cid in sorted(set(partners) | set(ready) | set(taken), key=scope.code):
        n_ready, n_reports, size = ready.get(cid, (0, 0, 0))
        n_downloads, n_packages, sent = taken.get(cid, (0, 0, 0))
        rows.append({"key": scope.code(cid), "channel": scope.code(cid),
                     "packages": n_ready, "reports": n_reports, "size_bytes": int(size),
                     "downloads": n_downloads, "packages_downloaded": n_packages,
                     "bytes_sent": int(sent)})
    delivery_by_partner = Table(
        "delivery_by_partner", "delivery", "Packages delivered and downloaded per partner",
        (Column("channel", "Partner", "channel"),
         Column("packages", "Packages ready", "count", drill="delivered_partner"),
         Column("reports", "Reports delivered", "count", drill="delivered_partner"),
         Column("size_bytes", "Size", "bytes"),
         Column("downloads", "Downloads", "count", drill="downloaded_partner"),
         Column("packages_downloaded", "Packages downloaded", "count",
                drill="downloaded_partner"),
         Column("bytes_sent", "Data sent", "bytes")),
        rows, _totals(rows, ["packages", "size_bytes", "downloads", "bytes_sent"]),
        drill="delivered_partner")
    return [delivery_by_partner]


def _qc(session: Session, scope: Scope) -> list[Table]:
    verdicts = qc_verdicts(session, scope)
    per_language: dict[str, dict[str, int]] = {}
    months: dict[str, dict[str, int]] = {m: dict.fromkeys(LANGUAGE_GROUPS, 0)
                                         for m in scope.period.months()}
    for v in verdicts:  # one row per approved track: already an aggregate of its cues
        row = per_language.setdefault(v.language, {"tracks": 0, "cues": 0, "error": 0,
                                                   "warning": 0, "info": 0})
        row["tracks"] += 1
        row["cues"] += v.cues
        for severity in ("error", "warning", "info"):
            row[severity] += v.counts.get(severity, 0)
        months.setdefault(v.month, dict.fromkeys(LANGUAGE_GROUPS, 0))[
            language_group(v.language)] += v.findings
    language_rows = []
    for lang in sorted(per_language, key=lambda t: (LANGUAGE_GROUPS.index(language_group(t)),
                                                    t)):
        r = per_language[lang]
        found = r["error"] + r["warning"]
        language_rows.append({
            "key": lang, "language": lang, "group": language_group(lang), "tracks": r["tracks"],
            "cues": r["cues"], "errors": r["error"], "warnings": r["warning"],
            "info": r["info"],
            "per_100_cues": round(100 * found / r["cues"], 1) if r["cues"] else None})
    qc_by_language = Table(
        "qc_by_language", "qc", "QC findings in approved subtitles by language",
        (Column("language", "Language", "language"), Column("group", "Group", "group"),
         Column("tracks", "Tracks", "count"), Column("cues", "Cues", "count"),
         Column("errors", "Errors", "count", drill="qc_language"),
         Column("warnings", "Warnings", "count", drill="qc_language"),
         Column("info", "Info notes", "count"),
         Column("per_100_cues", "Findings per 100 cues", "number")),
        language_rows, _totals(language_rows, ["tracks", "cues", "errors", "warnings", "info"]),
        drill="qc_language")
    month_rows = [{"key": m, "month": m, **v, "total": sum(v.values())}
                  for m, v in sorted(months.items())]
    qc_by_month = Table(
        "qc_by_month", "qc", "QC findings (errors + warnings) by month of approval",
        (Column("month", "Month", "month"), *(Column(g, g, "count") for g in LANGUAGE_GROUPS),
         Column("total", "Total", "count", drill="qc_month")),
        month_rows, _totals(month_rows, [*LANGUAGE_GROUPS, "total"]), drill="qc_month")
    return [qc_by_language, qc_by_month]


def _totals(rows: Sequence[dict[str, Any]], keys: Iterable[str]) -> dict[str, Any]:
    """Column sums of counts (minutes are summed from exact milliseconds by the callers)."""
    return {key: sum(r.get(key) or 0 for r in rows) for key in keys}


def _shown_channels(scope: Scope, counted: dict[int, int]) -> list[int]:
    """The filter's channels (all shown), else every channel with a figure."""
    ids = scope.channel_ids if scope.channel_ids is not None else [
        cid for cid in scope.channels if counted.get(cid)]
    return sorted(ids, key=scope.code)


BUILDERS: dict[str, Callable[[Session, Scope], list[Table]]] = {
    "production": _production,
    "subtitles": _subtitles,
    "broadcast": _broadcast,
    "delivery": _delivery,
    "qc": _qc,
}


def compute(session: Session, period: Period, filters: Filters | None = None, *,
            sections: Iterable[str] | None = None, as_of: dt.date | None = None) -> Results:
    """The period's figures (every section unless ``sections`` names some)."""
    filters = filters or Filters()
    chosen = list(SECTIONS if sections is None else sections)
    for name in chosen:
        if name not in BUILDERS:
            raise ValidationError("Unknown results section {name}; use one of {names}",
                                  name=name, names=", ".join(SECTIONS))
    scope = Scope.make(session, period, filters, as_of)
    tables: dict[str, Table] = {}
    for name in SECTIONS:
        if name in chosen:
            for table in BUILDERS[name](session, scope):
                tables[table.name] = table
    return Results(period=period, filters=filters, as_of=scope.as_of,
                   generated_at=dt.datetime.now(dt.UTC), tables=tables,
                   summary=_summary(tables),
                   channel_names={code: name for code, name, _o in scope.channels.values()})


def _summary(tables: dict[str, Table]) -> dict[str, Any]:
    def total(table: str, key: str) -> Any:
        t = tables.get(table)
        return (t.total or {}).get(key) if t is not None else None

    groups = {r["key"]: r["minutes"] for r in tables["subtitled_by_group"].rows} \
        if "subtitled_by_group" in tables else {}
    qc = tables.get("qc_by_language")
    return {
        "reports_produced": total("produced_by_month", "total"),
        "reports_due": total("ontime_by_month", "due"),
        "on_time_rate": total("ontime_by_month", "rate"),
        "minutes_subtitled": total("subtitled_by_group", "minutes"),
        "minutes_subtitled_vi": groups.get("vi"),
        "minutes_subtitled_foreign": groups.get("foreign"),
        "minutes_subtitled_minority": groups.get("minority"),
        "minutes_aired": total("aired_by_channel", "minutes"),
        "airings": total("aired_by_channel", "airings"),
        "reruns": total("aired_by_channel", "reruns"),
        "packages_delivered": total("delivery_by_partner", "packages"),
        "downloads": total("delivery_by_partner", "downloads"),
        "qc_errors": total("qc_by_language", "errors"),
        "qc_findings": (qc.total or {}).get("errors", 0) + (qc.total or {}).get("warnings", 0)
        if qc is not None else None,
    }


# ---- subtitle QC verdicts, as approved -------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    """The QC counts one approved track of the period was approved with."""

    track_id: int
    report_id: int
    language: str
    month: str
    cues: int
    counts: dict[str, int]

    @property
    def findings(self) -> int:
        return self.counts.get("error", 0) + self.counts.get("warning", 0)


def qc_verdicts(session: Session, scope: Scope) -> list[Verdict]:
    """QC counts of the period's approved tracks, read from the tracks (one query).

    A track approved before the verdict was stored (its columns are NULL) is checked now by
    the subtitle desk's own ``qc_counts``; there are only as many as were approved before
    that upgrade."""
    tracks = track_rows(scope).subquery()
    cues = (select(CueRow.track_id, func.count(CueRow.id).label("cues"))
            .where(CueRow.track_id.in_(select(tracks.c.track_id)))
            .group_by(CueRow.track_id).subquery())
    rows = session.connection().execute(
        select(tracks.c.track_id, tracks.c.report_id, tracks.c.language, tracks.c.month,
               func.coalesce(cues.c.cues, 0), Track.qc_errors, Track.qc_warnings,
               Track.qc_infos)
        .join(Track, Track.id == tracks.c.track_id)
        .outerjoin(cues, cues.c.track_id == tracks.c.track_id)).all()
    out = []
    for tid, rid, lang, month, n_cues, errors, warnings, infos in rows:
        if errors is None:
            from subtitles.services import qc_counts

            track = session.get(Track, tid)
            assert track is not None
            counts = qc_counts(session, track)
        else:
            counts = {"error": errors, "warning": warnings or 0, "info": infos or 0}
        out.append(Verdict(tid, rid, lang, month, int(n_cues), counts))
    return out


_CHUNK = 500  # ids per IN (...) list


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


# ---- drill-down: the reports behind a figure ---------------------------------------------

def _ids_where(rows: Select[Any], *conds: Any) -> Any:
    sub = rows.subquery()
    return select(sub.c.report_id).where(*[c(sub) for c in conds])


def _by_code(scope: Scope, code: str) -> int:
    for cid, (c, _n, _o) in scope.channels.items():
        if c == code:
            return cid
    return -1


def _drill_subtitled_group(session: Session, scope: Scope, key: str) -> Any:
    tracks = track_rows(scope).subquery()
    tags = [t for t in session.scalars(select(tracks.c.language).distinct())
            if language_group(t) == key]
    return select(tracks.c.report_id).where(tracks.c.language.in_(tags))


def _drill_qc(attribute: str) -> Callable[[Session, Scope, str], Any]:
    def ids(session: Session, scope: Scope, key: str) -> Any:
        return sorted({v.report_id for v in qc_verdicts(session, scope)
                       if v.findings and getattr(v, attribute) == key})

    return ids


def _ontime_cell(outcome: str) -> Callable[[Session, Scope, str], Any]:
    def ids(_session: Session, scope: Scope, key: str) -> Any:
        return _ids_where(due_rows(scope), lambda s: s.c.month == key,
                          lambda s: s.c.outcome == outcome)

    return ids


# figure -> (English title, function(session, scope, key) -> a select of report ids or ids)
DRILLS: dict[str, tuple[str, Callable[[Session, Scope, str], Any]]] = {
    "produced_month": ("Reports produced in {key}", lambda _s, sc, key: _ids_where(
        produced_rows(sc), lambda s: s.c.month == key)),
    "produced_kind": ("Reports produced: {key}", lambda _s, sc, key: _ids_where(
        produced_rows(sc), lambda s: s.c.kind == key)),
    "produced_channel": ("Reports produced for {key}", lambda _s, sc, key: _ids_where(
        produced_rows(sc), lambda s: s.c.report_id.in_(
            select(report_channel.c.report_id)
            .where(report_channel.c.channel_id == _by_code(sc, key))))),
    "ontime": ("Reports due in the period: {key}", lambda _s, sc, key: _ids_where(
        due_rows(sc), lambda s: s.c.outcome == key)),
    "due_month": ("Reports due in {key}", lambda _s, sc, key: _ids_where(
        due_rows(sc), lambda s: s.c.month == key)),
    **{f"ontime_month_{o}": (f"Reports due in {{key}}: {o}", _ontime_cell(o))
       for o in OUTCOMES},
    "subtitled_language": ("Reports with approved subtitles in {key}",
                           lambda _s, sc, key: _ids_where(
                               track_rows(sc), lambda s: s.c.language == key)),
    "subtitled_group": ("Reports with approved subtitles: {key}", _drill_subtitled_group),
    "subtitled_month": ("Reports whose subtitles were approved in {key}",
                        lambda _s, sc, key: _ids_where(
                            track_rows(sc), lambda s: s.c.month == key)),
    "aired_channel": ("Reports aired on {key}", lambda _s, sc, key: _ids_where(
        airing_rows(sc), lambda s: s.c.channel_id == _by_code(sc, key),
        lambda s: s.c.report_id.is_not(None))),
    "reruns_channel": ("Reports rerun on {key}", lambda _s, sc, key: _ids_where(
        airing_rows(sc), lambda s: s.c.channel_id == _by_code(sc, key),
        lambda s: s.c.rerun_of_id.is_not(None), lambda s: s.c.report_id.is_not(None))),
    "aired_month": ("Reports aired in {key}", lambda _s, sc, key: _ids_where(
        airing_rows(sc), lambda s: s.c.month == key, lambda s: s.c.report_id.is_not(None))),
    "delivered_partner": ("Reports delivered to {key}", lambda _s, sc, key: _ids_where(
        package_rows(sc), lambda s: s.c.channel_id == _by_code(sc, key))),
    "downloaded_partner": ("Reports downloaded by {key}", lambda _s, sc, key: _ids_where(
        download_rows(sc), lambda s: s.c.channel_id == _by_code(sc, key),
        lambda s: s.c.range_start == 0)),
    "qc_language": ("Reports with QC findings in {key}", _drill_qc("language")),
    "qc_month": ("Reports with QC findings, approved in {key}", _drill_qc("month")),
}


def drill(session: Session, period: Period, filters: Filters | None, figure: str, key: str,
          *, as_of: dt.date | None = None, limit: int | None = None) -> list[Report]:
    """The reports behind one figure (``figure`` from a table's drill names, ``key`` a row
    key: a month "YYYY-MM", a channel code, a kind, a language tag...), by id."""
    if figure not in DRILLS:
        raise ValidationError("Unknown figure {figure}", figure=figure)
    scope = Scope.make(session, period, filters or Filters(), as_of)
    ids = DRILLS[figure][1](session, scope, key)
    if isinstance(ids, list):
        found: list[Report] = []
        for chunk in _chunks(ids[:limit] if limit else ids):
            found.extend(session.scalars(select(Report).where(Report.id.in_(chunk))
                                         .order_by(Report.id)))
        return found
    stmt = select(Report).where(Report.id.in_(ids)).order_by(Report.id)
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def drill_count(session: Session, period: Period, filters: Filters | None, figure: str,
                key: str, *, as_of: dt.date | None = None) -> int:
    """How many reports ``drill`` would list (without loading them)."""
    if figure not in DRILLS:
        raise ValidationError("Unknown figure {figure}", figure=figure)
    scope = Scope.make(session, period, filters or Filters(), as_of)
    ids = DRILLS[figure][1](session, scope, key)
    if isinstance(ids, list):
        return len(ids)
    return int(session.scalar(select(func.count(distinct(Report.id)))
                              .where(Report.id.in_(ids))) or 0)


def drill_title(figure: str, key: str, lang: str = "en") -> str:
    """The heading of a drill-down list, in ``lang``."""
    template = DRILLS[figure][0] if figure in DRILLS else "{key}"
    kind = {"month": "month", "kind": "kind", "group": "group", "language": "language",
            "outcome": "outcome"}.get(_key_kind(figure), "text")
    return translate(template, lang).format(key=label(kind, key, lang))


def _key_kind(figure: str) -> str:
    if figure.endswith("_month") or figure.startswith("ontime_month"):
        return "month"
    if figure.endswith("_kind"):
        return "kind"
    if figure.endswith("_group"):
        return "group"
    if figure.endswith("_language"):
        return "language"
    if figure == "ontime":
        return "outcome"
    return "text"


# ---- showing the figures (shared by the page, the charts and the exports) --------------

GROUP_LABELS = {"vi": "Vietnamese", "foreign": "Foreign languages",
                "minority": "Minority languages"}
OUTCOME_LABELS = {"on_time": "On time", "late": "Late", "overdue": "Overdue",
                  "pending": "Not yet due"}
LANGUAGE_NAMES = {  # English names; Vietnamese in the catalogue
    "vi": "Vietnamese", "en": "English", "fr": "French", "zh": "Chinese", "ru": "Russian",
    "ja": "Japanese", "es": "Spanish", "lo": "Lao", "th": "Thai", "km": "Khmer",
    "id": "Indonesian", "de": "German", "ko": "Korean",
    "blt": "Tai Dam", "twh": "Tai Dón", "hnj": "Hmong", "mww": "White Hmong",
    "hmv": "Hmong Đô", "hmn": "Hmong", "ium": "Iu Mien (Dao)", "mji": "Kim Mun (Dao)",
    "hni": "Hani", "khb": "Lü", "pcc": "Bouyei (Giáy)", "kjg": "Khmu", "lhu": "Lahu",
    "zng": "Mang", "cnc": "Côông", "slt": "Sila", "kjm": "Kháng",
}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
             "Dec")


def text(english: str, lang: str) -> str:
    """A label in ``lang`` (Vietnamese from the catalog; codes get their English names)."""
    return translate(english, lang)


def label(kind: str, value: Any, lang: str = "vi", *, short: bool = False) -> str:
    """A row label (month, kind, group, language, outcome, channel) as people read it."""
    if value is None:
        return "–"
    if kind == "month":
        year, _, month = str(value).partition("-")
        if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
            return str(value)
        if lang == "vi":
            return f"T{int(month)}/{year}" if short else f"Tháng {int(month)}/{year}"
        return f"{MONTHS_EN[int(month) - 1]} {year}"
    if kind == "kind":
        return translate(str(value), lang)
    if kind == "group":
        return translate(GROUP_LABELS.get(str(value), str(value)), lang)
    if kind == "outcome":
        return translate(OUTCOME_LABELS.get(str(value), str(value)), lang)
    if kind == "language":
        primary = str(value).split("-", 1)[0].lower()
        name = LANGUAGE_NAMES.get(primary)
        return f"{translate(name, lang)} ({value})" if name else str(value)
    return str(value)


def number(value: float | int | None, lang: str = "vi", decimals: int = 0) -> str:
    """1.234,5 in Vietnamese, 1,234.5 in English."""
    if value is None:
        return "–"
    out = f"{value:,.{decimals}f}"
    if lang == "vi":
        out = out.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return out


def cell(column: Column, value: Any, lang: str = "vi") -> str:
    """One cell's text: labels named, numbers with the language's separators."""
    if column.kind in ("month", "kind", "group", "language", "outcome", "channel", "text"):
        return label(column.kind, value, lang)
    if value is None:
        return "–"
    if column.kind == "minutes":
        return number(value, lang, 1)
    if column.kind == "percent":
        return number(100 * value, lang, 1) + "\u00a0%"  # never "85,7" and "%" on two lines
    if column.kind == "bytes":
        return bytes_text(value, lang)
    if column.kind == "number":
        return number(value, lang, 1)
    return number(value, lang)


def bytes_text(value: int, lang: str = "vi") -> str:
    size, unit = float(value), "B"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            break
        size /= 1000
    return f"{number(size, lang, 0 if unit == 'B' else 1)} {unit}"


def column_label(column: Column, lang: str = "vi") -> str:
    """A column header: a kind, group, outcome or channel code named, else the label."""
    if column.label in GROUP_LABELS:
        return label("group", column.label, lang)
    if column.label in OUTCOME_LABELS:
        return label("outcome", column.label, lang)
    return translate(column.label, lang)


def summary_value(key: str, results: Results, lang: str = "vi") -> str:
    kind = next((k for f, _l, k, _s in SUMMARY_FIELDS if f == key), "count")
    return cell(Column(key, key, kind), results.summary.get(key), lang)


def filters_text(results: Results, lang: str = "vi") -> str:
    """"Kênh: LCTV, VTV4; thể loại: Tin tức" (empty without filters)."""
    parts = []
    if results.filters.channels:
        parts.append(f"{translate('Channels', lang)}: {', '.join(results.filters.channels)}")
    if results.filters.kinds:
        parts.append(f"{translate('Kind', lang)}: "
                     + ", ".join(translate(k, lang) for k in results.filters.kinds))
    return "; ".join(parts)


NOTES: tuple[str, ...] = (
    "Produced: the first approval by someone other than the report's author or editor "
    "(or an admin's recorded override), if it still stands; in local time.",
    "On time: produced on or before its due date; the rate counts on-time, late and overdue "
    "reports due in the period.",
    "Subtitled: approved tracks only, by date of approval; minutes are the cues' durations.",
    "Aired: the as-run logs (imported, or marked aired by an editor naming the slot and "
    "time); a rerun is an airing of a slot planned as a rerun.",
    "Downloaded: a download started from the first byte (a resumed download counts once).",
    "QC findings: errors and warnings of the subtitle checks on the approved tracks.",
)
