"""Results use cases: the review of a period, its charts, its drill-down and its exports.

What the web page (web/results), the CLI (`station results`) and tests call. Every function
takes the session and the acting user (an editor or an admin; ``PermissionDenied``
otherwise) and none reads Flask, so the page and the shell read the same figures the same
way. Nothing here writes: the review only reads Station's tables.

The figures a page shows are kept for two minutes (``FIGURES``, per database, period,
filters and day) so the chart images the page asks for right after are drawn from the very
figures it shows, without recomputing them once per image; the page itself, the exports and
the CLI always compute afresh.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from production import services as production
from production.models import REPORT_KINDS, Report
from production.workflow import EDITORS
from results import charts, exports
from results.drilldown import DRILLS, drill, drill_count, drill_title
from results.review import compute
from results.types import Filters, Period, Results
from station.accounts import User, require_role
from station.errors import NotFound, StationError, ValidationError
from station.timecode import parse_day, zone

CACHE_SECONDS = 120  # the page's figures serve its chart images for this long
CACHE_SIZE = 16
DRILL_LIMIT = 500  # reports listed on one drill-down page


# ---- what was asked for ------------------------------------------------------------------

@dataclass
class Query:
    """The period and filters asked for, with what was wrong in the asking (shown, not
    raised: a bad part falls back to its default and the page says so)."""

    period: Period
    filters: Filters
    errors: list[StationError] = field(default_factory=list)

    def args(self) -> dict[str, Any]:
        """The query string that asks for the same figures (for links)."""
        out: dict[str, Any] = {"from": self.period.start.isoformat(),
                               "to": self.period.end.isoformat()}
        if self.filters.channels:
            out["channel"] = list(self.filters.channels)
        if self.filters.kinds:
            out["kind"] = list(self.filters.kinds)
        return out


def today(tz: str) -> dt.date:
    """Today's local date in ``tz`` (the day overdue reports are counted on)."""
    return dt.datetime.now(zone(tz)).date()


def parse_query(session: Session, *, start: str | None, end: str | None,
                channels: Sequence[str] = (), kinds: Sequence[str] = (), tz: str,
                on: dt.date | None = None) -> Query:
    """Period (default: this year; ``end`` defaults to the end of ``start``'s year) and
    filters from text as a form or a query string gives them; bad parts fall back, noted."""
    day = on or today(tz)
    default = Period(day.replace(month=1, day=1), day.replace(month=12, day=31), tz)
    errors: list[StationError] = []
    first, last = parse_day(start), parse_day(end)
    if (start and first is None) or (end and last is None):
        errors.append(ValidationError("Dates are written YYYY-MM-DD"))
    try:
        period = Period(first or default.start,
                        last or (first.replace(month=12, day=31) if first else default.end), tz)
    except ValidationError as exc:
        errors.append(exc)
        period = default
    codes = [c for c in channels if c]
    known = {c.code for c in production.list_channels(session)}
    for code in codes:
        if code.upper() not in known:
            errors.append(NotFound("No channel {code}", code=code))
    chosen = [k for k in kinds if k in REPORT_KINDS]
    if len(chosen) != len([k for k in kinds if k]):
        errors.append(ValidationError("Unknown report kind ignored"))
    return Query(period, Filters(channels=tuple(c for c in codes if c.upper() in known),
                                 kinds=tuple(chosen)), errors)


# ---- the figures -------------------------------------------------------------------------

class FiguresCache:
    """The last few reviews computed, by (database, period, filters, day), for a while.

    Thread-safe (the web server's threads share it); bounded (``size`` reviews, oldest
    dropped); keyed by the database so two apps in one process (tests) never mix."""

    def __init__(self, seconds: float = CACHE_SECONDS, size: int = CACHE_SIZE) -> None:
        self.seconds, self.size = seconds, size
        self._items: OrderedDict[tuple[Any, ...], tuple[float, Results]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Results | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and time.monotonic() - hit[0] < self.seconds:
                return hit[1]
        return None

    def put(self, key: tuple[Any, ...], results: Results) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), results)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


FIGURES = FiguresCache()


def review(session: Session, period: Period, filters: Filters | None = None, *,
           actor: User | None, as_of: dt.date | None = None, reuse: bool = False) -> Results:
    """The period's figures, computed now (and kept for the page's charts); with ``reuse``,
    the same figures computed for this period, filters and day in the last two minutes."""
    require_role(actor, *EDITORS)
    filters = filters or Filters()
    as_of = as_of or today(period.tz)
    key = (str(session.get_bind().url), period, filters, as_of)
    if reuse:
        hit = FIGURES.get(key)
        if hit is not None:
            return hit
    results = compute(session, period, filters, as_of=as_of)
    FIGURES.put(key, results)
    return results


def chart(session: Session, name: str, period: Period, filters: Filters | None = None, *,
          actor: User | None, lang: str = "vi", as_of: dt.date | None = None) -> bytes:
    """One chart of the review as PNG, from the figures the page just showed if it did."""
    if name not in charts.CHARTS:
        raise NotFound("Page not found")
    results = review(session, period, filters, actor=actor, as_of=as_of, reuse=True)
    table = results.tables.get(name)
    if table is None:
        raise NotFound("Page not found")
    return charts.render(table, lang)


# ---- the reports behind a figure ---------------------------------------------------------

@dataclass
class Drill:
    """One drill-down list: its heading, how many reports there are, the first ``limit``."""

    title: str
    total: int
    reports: list[Report]
    limit: int


def drill_down(session: Session, figure: str, key: str, period: Period,
               filters: Filters | None = None, *, actor: User | None, lang: str = "vi",
               as_of: dt.date | None = None, limit: int = DRILL_LIMIT) -> Drill:
    """The reports behind one figure (``figure`` a drill name of the tables, ``key`` the
    row's key), counted in full and listed up to ``limit``."""
    require_role(actor, *EDITORS)
    if figure not in DRILLS:
        raise NotFound("Page not found")
    as_of = as_of or today(period.tz)
    total = drill_count(session, period, filters, figure, key, as_of=as_of)
    reports = drill(session, period, filters, figure, key, as_of=as_of, limit=limit)
    return Drill(drill_title(figure, key, lang), total, reports, limit)


# ---- the review as a file ----------------------------------------------------------------

@dataclass(frozen=True)
class Download:
    """An export ready to send or write: its ASCII file name, content type and bytes."""

    filename: str
    mimetype: str
    data: bytes


def export(session: Session, fmt: str, period: Period, filters: Filters | None = None, *,
           actor: User | None, lang: str = "vi", as_of: dt.date | None = None,
           results: Results | None = None) -> Download:
    """The review as DOCX, XLSX, PDF or JSON in ``lang`` (figures computed afresh unless the
    caller already has them)."""
    spec = exports.get(fmt)
    if results is None:
        results = review(session, period, filters, actor=actor, as_of=as_of)
    else:
        require_role(actor, *EDITORS)
    return Download(exports.filename(fmt, results, lang), spec.mimetype,
                    exports.export(fmt, results, lang))
