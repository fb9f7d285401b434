"""The periodic review page: figures of a period in charts and tables, drill-down to the
reports behind a figure, and the review as DOCX, XLSX, PDF or JSON (editors and admins)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from werkzeug.datastructures import MultiDict

from production import services as production
from production.models import REPORT_KINDS
from results import charts, exports, stats
from results.stats import Filters, Period
from station.errors import NotFound, ValidationError
from station.timecode import parse_day, zone
from web.app import db, runtime
from web.auth.access import EDITORS, roles_required
from web.i18n import current_language, gettext

bp = Blueprint("results", __name__, url_prefix="/results", template_folder="templates")
DRILL_LIMIT = 500  # reports listed on one drill-down page
CACHE_SECONDS = 120  # the page's figures serve its chart images for this long
CACHE_SIZE = 16


@dataclass
class Query:
    """The period and filters asked for in the query string, with what was wrong in it."""

    period: Period
    filters: Filters
    errors: list[str] = field(default_factory=list)

    def args(self) -> dict[str, Any]:
        """The query string that asks for the same figures (for links)."""
        out: dict[str, Any] = {"from": self.period.start.isoformat(),
                               "to": self.period.end.isoformat()}
        if self.filters.channels:
            out["channel"] = list(self.filters.channels)
        if self.filters.kinds:
            out["kind"] = list(self.filters.kinds)
        return out


def _today() -> dt.date:
    return dt.datetime.now(zone(runtime().settings.timezone)).date()


def _date(value: str | None) -> dt.date | None:
    return parse_day(value)


def parse_query(args: MultiDict[str, str]) -> Query:
    """Period (default: this year) and filters from ``args``; bad parts fall back, noted."""
    lang, tz = current_language(), runtime().settings.timezone
    today = _today()
    default = Period(today.replace(month=1, day=1), today.replace(month=12, day=31), tz)
    errors: list[str] = []
    start, end = _date(args.get("from")), _date(args.get("to"))
    if (args.get("from") and start is None) or (args.get("to") and end is None):
        errors.append(gettext("Dates are written YYYY-MM-DD"))
    try:
        period = Period(start or default.start, end or (start.replace(month=12, day=31)
                                                         if start else default.end), tz)
    except ValidationError as exc:
        errors.append(exc.message(lang))
        period = default
    codes = [c for c in args.getlist("channel") if c]
    known = {c.code for c in production.list_channels(db())}
    for code in codes:
        if code.upper() not in known:
            errors.append(NotFound("No channel {code}", code=code).message(lang))
    kinds = [k for k in args.getlist("kind") if k in REPORT_KINDS]
    if len(kinds) != len([k for k in args.getlist("kind") if k]):
        errors.append(gettext("Unknown report kind ignored"))
    return Query(period, Filters(channels=tuple(c for c in codes if c.upper() in known),
                                 kinds=tuple(kinds)), errors)


_CACHE: OrderedDict[tuple[Any, ...], tuple[float, stats.Results]] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def figures(query: Query, *, fresh: bool = False) -> stats.Results:
    """The figures of ``query``: computed, or the page's own from the last two minutes (so
    the chart images a page asks for are drawn from the figures it shows)."""
    key = (runtime().settings.database_url, query.period, query.filters, _today())
    now = time.monotonic()
    if not fresh:
        with _CACHE_LOCK:
            hit = _CACHE.get(key)
            if hit is not None and now - hit[0] < CACHE_SECONDS:
                return hit[1]
    results = stats.compute(db(), query.period, query.filters, as_of=_today())
    with _CACHE_LOCK:
        _CACHE[key] = (now, results)
        _CACHE.move_to_end(key)
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return results


def presets(today: dt.date) -> list[tuple[str, Period]]:
    """Quick choices: this/last month, this quarter, the halves, this/last year."""
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    out = [(gettext("This month"), Period.month(today.year, today.month)),
           (gettext("Last month"), Period.month(last_month.year, last_month.month)),
           (gettext("This quarter"), Period.quarter(today.year, (today.month - 1) // 3 + 1)),
           (gettext("First six months"), Period.half(today.year, 1))]
    if today.month > 6:
        out.append((gettext("Last six months"), Period.half(today.year, 2)))
    out += [(gettext("This year"), Period.year(today.year)),
            (gettext("Last year"), Period.year(today.year - 1))]
    return out


@bp.get("/")
@roles_required(*EDITORS)
def index() -> str:
    query = parse_query(request.args)
    results = figures(query, fresh=True)
    lang = current_language()
    return render_template(
        "results/index.html", results=results, query=query, args=query.args(), lang=lang,
        charts=set(charts.available(results)), presets=presets(_today()),
        channels=production.list_channels(db()), kinds=REPORT_KINDS,
        exports=list(exports.EXPORTS), summary_fields=stats.SUMMARY_FIELDS,
        section_titles=stats.SECTION_TITLES, notes=stats.NOTES, stats=stats,
        roman=("I", "II", "III", "IV", "V", "VI"))


@bp.get("/chart/<name>.png")
@roles_required(*EDITORS)
def chart(name: str) -> Response:
    """One chart as PNG; cached by the browser per query string (and revalidated by ETag)."""
    if name not in charts.CHARTS:
        abort(404)
    results = figures(parse_query(request.args))
    table = results.tables.get(name)
    if table is None:
        abort(404)
    response = Response(charts.render(table, current_language()), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/export/<fmt>")
@roles_required(*EDITORS)
def export(fmt: str) -> Response:
    """The review as a file to download (DOCX, XLSX, PDF or JSON)."""
    spec = exports.get(fmt)
    lang = request.args.get("lang") if request.args.get("lang") in ("vi", "en") \
        else current_language()
    results = figures(parse_query(request.args), fresh=True)
    data = exports.export(fmt, results, lang)
    name = exports.filename(fmt, results, lang)
    return Response(data, mimetype=spec.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})


@bp.get("/drill")
@roles_required(*EDITORS)
def drill() -> str:
    """The reports behind one figure of the page."""
    figure, key = request.args.get("figure", ""), request.args.get("key", "")
    if figure not in stats.DRILLS:
        abort(404)
    query = parse_query(request.args)
    lang = current_language()
    total = stats.drill_count(db(), query.period, query.filters, figure, key, as_of=_today())
    reports = stats.drill(db(), query.period, query.filters, figure, key, as_of=_today(),
                          limit=DRILL_LIMIT)
    return render_template(
        "results/drill.html", query=query, args=query.args(), reports=reports, total=total,
        limit=DRILL_LIMIT, title=stats.drill_title(figure, key, lang), lang=lang,
        period_label=query.period.label(lang))
