"""The drill-down: the reports behind one figure of the review.

Each figure a table's cell or row label opens is registered in ``DRILLS`` with the heading
of its list and a function ``(session, scope, key) -> ids`` built from the same row selects
the section counts (``results.sections``), so a list always holds what its figure counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from production.models import Report, report_channel
from results.labels import label
from results.sections.broadcast import airing_rows
from results.sections.delivery import download_rows, package_rows
from results.sections.production import due_rows, produced_rows
from results.sections.qc import qc_verdicts
from results.sections.subtitles import track_rows
from results.sql import Scope, chunks
from results.types import OUTCOMES, Filters, Period, language_group
from station.errors import ValidationError
from station.i18n import N_ as _
from station.i18n import translate


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
    "produced_month": (_("Reports produced in {key}"), lambda _s, sc, key: _ids_where(
        produced_rows(sc), lambda s: s.c.month == key)),
    "produced_kind": (_("Reports produced: {key}"), lambda _s, sc, key: _ids_where(
        produced_rows(sc), lambda s: s.c.kind == key)),
    "produced_channel": (_("Reports produced for {key}"), lambda _s, sc, key: _ids_where(
        produced_rows(sc), lambda s: s.c.report_id.in_(
            select(report_channel.c.report_id)
            .where(report_channel.c.channel_id == _by_code(sc, key))))),
    "ontime": (_("Reports due in the period: {key}"), lambda _s, sc, key: _ids_where(
        due_rows(sc), lambda s: s.c.outcome == key)),
    "due_month": (_("Reports due in {key}"), lambda _s, sc, key: _ids_where(
        due_rows(sc), lambda s: s.c.month == key)),
    **{f"ontime_month_{o}": (f"Reports due in {{key}}: {o}", _ontime_cell(o))
       for o in OUTCOMES},
    "subtitled_language": (_("Reports with approved subtitles in {key}"),
                           lambda _s, sc, key: _ids_where(
                               track_rows(sc), lambda s: s.c.language == key)),
    "subtitled_group": (_("Reports with approved subtitles: {key}"), _drill_subtitled_group),
    "subtitled_month": (_("Reports whose subtitles were approved in {key}"),
                        lambda _s, sc, key: _ids_where(
                            track_rows(sc), lambda s: s.c.month == key)),
    "aired_channel": (_("Reports aired on {key}"), lambda _s, sc, key: _ids_where(
        airing_rows(sc), lambda s: s.c.channel_id == _by_code(sc, key),
        lambda s: s.c.report_id.is_not(None))),
    "reruns_channel": (_("Reports rerun on {key}"), lambda _s, sc, key: _ids_where(
        airing_rows(sc), lambda s: s.c.channel_id == _by_code(sc, key),
        lambda s: s.c.rerun_of_id.is_not(None), lambda s: s.c.report_id.is_not(None))),
    "aired_month": (_("Reports aired in {key}"), lambda _s, sc, key: _ids_where(
        airing_rows(sc), lambda s: s.c.month == key, lambda s: s.c.report_id.is_not(None))),
    "delivered_partner": (_("Reports delivered to {key}"), lambda _s, sc, key: _ids_where(
        package_rows(sc), lambda s: s.c.channel_id == _by_code(sc, key))),
    "downloaded_partner": (_("Reports downloaded by {key}"), lambda _s, sc, key: _ids_where(
        download_rows(sc), lambda s: s.c.channel_id == _by_code(sc, key),
        lambda s: s.c.range_start == 0)),
    "qc_language": (_("Reports with QC findings in {key}"), _drill_qc("language")),
    "qc_month": (_("Reports with QC findings, approved in {key}"), _drill_qc("month")),
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
        for chunk in chunks(ids[:limit] if limit else ids):
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
