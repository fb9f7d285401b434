"""The publishing section: reports put on the public site and withdrawn, and their views.

A report counts as **published** in the period for each "publish" event in it (a report
withdrawn and published again counts twice: two publications), **withdrawn** for each
"unpublish" event; both dated by the event (``PublicationEvent.at``), grouped by local
month. **Page views**, **plays** and **downloads** are the counts read back from the site's
web server logs (``station publish import-logs``) for the period's local days: counts only,
no address, user agent or cookie is kept (docs/publishing.md "View counts"). The filters
keep reports of the chosen channels and kinds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from production.models import Report
from publishing.models import PageView, Publication, PublicationEvent
from results.sql import Scope, month_of, totals
from results.types import Column, Table
from station.i18n import N_ as _

TOP = 10  # reports in "most viewed"


def event_rows(scope: Scope) -> Any:
    """(month, action, report_id) of the period's publish and unpublish events."""
    month = scope.month(PublicationEvent.at)
    return (select(month.label("month"), PublicationEvent.action.label("action"),
                   Publication.report_id.label("report_id"))
            .join(Publication, Publication.id == PublicationEvent.publication_id)
            .where(scope.in_period(PublicationEvent.at),
                   PublicationEvent.action.in_(("publish", "unpublish")),
                   *scope.report_filters(Publication.report_id)))


def view_rows(scope: Scope) -> Any:
    """(day, kind, count, report_id) of the period's counted views."""
    return (select(PageView.day.label("day"), PageView.kind.label("kind"),
                   PageView.count.label("count"), PageView.report_id.label("report_id"))
            .where(PageView.day >= scope.period.start, PageView.day <= scope.period.end,
                   *scope.report_filters(PageView.report_id)))


def _by_month(session: Session, scope: Scope) -> Table:
    events = event_rows(scope).subquery()
    published = {m: (p, w) for m, p, w in session.execute(
        select(events.c.month,
               func.sum(case((events.c.action == "publish", 1), else_=0)),
               func.sum(case((events.c.action == "unpublish", 1), else_=0)))
        .group_by(events.c.month)).all()}
    seen = view_rows(scope).subquery()
    month = month_of(seen.c.day)  # PageView.day is already the station's local day
    viewed: dict[str, dict[str, int]] = {}
    for m, kind, n in session.execute(
            select(month, seen.c.kind, func.sum(seen.c.count)).group_by(month, seen.c.kind)):
        viewed.setdefault(m, {})[kind] = int(n or 0)
    rows = []
    for m in scope.period.months():
        p, w = published.get(m, (0, 0))
        kinds = viewed.get(m, {})
        rows.append({"key": m, "month": m, "published": int(p or 0), "withdrawn": int(w or 0),
                     "page": kinds.get("page", 0), "play": kinds.get("play", 0),
                     "download": kinds.get("download", 0)})
    return Table(
        "publishing_by_month", "publishing", _("Published on the public site and viewed"),
        (Column("month", _("Month"), "month"),
         Column("published", _("Reports published"), "count"),
         Column("withdrawn", _("Reports withdrawn"), "count"),
         Column("page", _("Page views"), "count"),
         Column("play", _("Plays"), "count"),
         Column("download", _("Downloads"), "count")),
        rows, totals(rows, ["published", "withdrawn", "page", "play", "download"]))


def _top(session: Session, scope: Scope) -> Table:
    seen = view_rows(scope).subquery()
    page = func.sum(case((seen.c.kind == "page", seen.c.count), else_=0))
    play = func.sum(case((seen.c.kind == "play", seen.c.count), else_=0))
    found = session.execute(
        select(seen.c.report_id, Report.title, page.label("page"), play.label("play"))
        .join(Report, Report.id == seen.c.report_id)
        .group_by(seen.c.report_id, Report.title)
        .order_by(page.desc(), play.desc(), seen.c.report_id)
        .limit(TOP)).all()
    rows = [{"key": str(rid), "title": title, "page": int(pv or 0), "play": int(pl or 0)}
            for rid, title, pv, pl in found]
    return Table(
        "publishing_top_reports", "publishing", _("Most viewed reports on the public site"),
        (Column("title", _("Report"), "text"),
         Column("page", _("Page views"), "count"),
         Column("play", _("Plays"), "count")),
        rows)


def build(session: Session, scope: Scope) -> list[Table]:
    """Two tables: per month what was published, withdrawn and viewed; the most viewed."""
    return [_by_month(session, scope), _top(session, scope)]

