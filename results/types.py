"""The review's value types: the period, the filters and the table model every section fills.

Plain data, no database: ``Period`` (local calendar days, named as a report title names
them), ``Filters`` (channel codes and report kinds), ``Column``/``Table`` (one table of
figures with its drill-down) and ``Results`` (everything one review shows). The web page,
the CLI, the charts and the exports all read these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from production.models import REPORT_KINDS
from production.workflow import STATUSES
from results import labels
from station.errors import ValidationError
from station.i18n import N_ as _
from station.timecode import LOCAL_TZ_NAME

# A report is "produced" once it reaches approved or any status after it in the workflow.
DONE_STATUSES = STATUSES[STATUSES.index("approved"):]
OUTCOMES = ("on_time", "late", "overdue", "pending")
LANGUAGE_GROUPS = ("vi", "foreign", "minority")
# Lai Châu's minority languages, by primary subtag (docs/standards.md "Channels and languages").
MINORITY_TAGS = frozenset({
    "blt", "twh", "hnj", "mww", "hmv", "hmn", "ium", "mji", "hni", "khb", "pcc", "kjg", "lhu",
    "zng", "cnc", "slt", "kjm",
})
SECTIONS = ("plan", "production", "subtitles", "broadcast", "delivery", "qc", "publishing")
MAX_PERIOD_DAYS = 3_700  # about ten years: a review, not the station's whole history


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
        return labels.period_label(self.kind, self.start, self.end, lang)

    def dates_label(self, lang: str = "vi") -> str:
        """"từ ngày 01/01/2026 đến ngày 31/03/2026" (or the English)."""
        return labels.dates_label(self.start, self.end, lang)

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
    ("reports_produced", _("Reports produced"), "count", "production"),
    ("on_time_rate", _("On-time rate"), "percent", "production"),
    ("minutes_subtitled", _("Minutes subtitled"), "minutes", "subtitles"),
    ("minutes_subtitled_minority", _("Minutes subtitled in minority languages"), "minutes",
     "subtitles"),
    ("minutes_aired", _("Minutes aired"), "minutes", "broadcast"),
    ("reruns", _("Reruns aired"), "count", "broadcast"),
    ("packages_delivered", _("Packages delivered"), "count", "delivery"),
    ("downloads", _("Downloads by partners"), "count", "delivery"),
    ("qc_findings", _("QC findings (errors + warnings)"), "count", "qc"),
)

SECTION_TITLES = {
    "plan": _("The external-information plan"),
    "production": _("Production of reports"),
    "subtitles": _("Subtitles"),
    "broadcast": _("Broadcast"),
    "delivery": _("Delivery to partners"),
    "qc": _("Subtitle quality control"),
    "publishing": _("The public site"),
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

