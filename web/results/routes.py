"""The periodic review page: figures of a period in charts and tables, drill-down to the
reports behind a figure, and the review as DOCX, XLSX, PDF or JSON (editors and admins)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, render_template, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from production import services as production
from production.models import REPORT_KINDS
from results import charts, exports, labels, services
from results.exports.report import ROMAN
from results.labels import NOTES
from results.services import Query
from results.types import SECTION_TITLES, SUMMARY_FIELDS, Period
from web.app import db, runtime
from web.auth.access import EDITORS, roles_required
from web.i18n import current_language, gettext

bp = Blueprint("results", __name__, url_prefix="/results", template_folder="templates")


def _today() -> dt.date:
    return services.today(runtime().settings.timezone)


def parse_query(args: MultiDict[str, str]) -> Query:
    """Period (default: this year) and filters from the query string; bad parts fall back,
    their messages in the page's language (``query.messages``)."""
    return services.parse_query(db(), start=args.get("from"), end=args.get("to"),
                                channels=args.getlist("channel"), kinds=args.getlist("kind"),
                                tz=runtime().settings.timezone)


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
    results = services.review(db(), query.period, query.filters, actor=current_user)
    lang = current_language()
    return render_template(
        "results/index.html", results=results, query=query, args=query.args(), lang=lang,
        errors=[e.message(lang) for e in query.errors],
        charts=set(charts.available(results)), presets=presets(_today()),
        channels=production.list_channels(db()), kinds=REPORT_KINDS,
        exports=list(exports.EXPORTS), summary_fields=SUMMARY_FIELDS,
        section_titles=SECTION_TITLES, notes=NOTES, labels=labels,
        roman=ROMAN)


@bp.get("/chart/<name>.png")
@roles_required(*EDITORS)
def chart(name: str) -> Response:
    """One chart as PNG; cached by the browser per query string (and revalidated by ETag)."""
    query = parse_query(request.args)
    png = services.chart(db(), name, query.period, query.filters, actor=current_user,
                         lang=current_language())
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/export/<fmt>")
@roles_required(*EDITORS)
def export(fmt: str) -> Response:
    """The review as a file to download (DOCX, XLSX, PDF or JSON)."""
    lang = request.args.get("lang") if request.args.get("lang") in ("vi", "en") \
        else current_language()
    query = parse_query(request.args)
    file = services.export(db(), fmt, query.period, query.filters, actor=current_user,
                           lang=lang)
    return Response(file.data, mimetype=file.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{file.filename}"',
        "Cache-Control": "no-store"})


@bp.get("/drill")
@roles_required(*EDITORS)
def drill() -> str:
    """The reports behind one figure of the page."""
    query = parse_query(request.args)
    lang = current_language()
    found = services.drill_down(db(), request.args.get("figure", ""),
                                request.args.get("key", ""), query.period, query.filters,
                                actor=current_user, lang=lang)
    return render_template(
        "results/drill.html", query=query, args=query.args(), reports=found.reports,
        total=found.total, limit=found.limit, title=found.title, lang=lang,
        period_label=query.period.label(lang))
