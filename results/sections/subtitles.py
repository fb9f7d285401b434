"""The subtitles section: approved subtitles by language, language group and month.

Approved tracks only (a draft is work in progress), dated by ``Track.approved_at``; minutes
are the cues' durations, summed per track first (one pass over the cue index), with the
masters' durations (programme time covered) beside them. Language groups compare the
primary subtag (``results.types.language_group``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, distinct, func, select
from sqlalchemy.orm import Session, aliased

from production.models import MediaAsset
from results.sql import Scope, minutes, totals
from results.types import LANGUAGE_GROUPS, Column, Table, language_group
from station.i18n import N_ as _
from subtitles.models import CueRow, Track


def track_rows(scope: Scope) -> Select[Any]:
    """(track_id, report_id, language, month) of the tracks approved in the period."""
    return (select(Track.id.label("track_id"), Track.report_id.label("report_id"),
                   Track.language.label("language"),
                   scope.month(Track.approved_at).label("month"))
            .where(Track.status == "approved", scope.in_period(Track.approved_at),
                   *scope.report_filters(Track.report_id)))


@dataclass
class _Sums:
    """What the tables are made of: per language (tracks, reports, cue ms, cues), per month
    and language (ms, cues) and the masters' ms per language."""

    tracks: Any  # the period's approved tracks (a subquery of track_rows)
    per_language: list[tuple[str, int, int, int, int]]
    per_month: list[Any]
    programme: dict[str, Any]


def build(session: Session, scope: Scope) -> list[Table]:
    """The section's tables, in the review's order."""
    sums = _sums(session, scope)
    by_language, cue_ms = _by_language(sums)
    group_ms = {g: sum(v for k, v in cue_ms.items() if language_group(k) == g)
                for g in LANGUAGE_GROUPS}
    group_programme = {g: sum(int(v or 0) for k, v in sums.programme.items()
                              if language_group(k) == g) for g in LANGUAGE_GROUPS}
    by_group = _by_group(session, sums, by_language, group_ms, group_programme)
    return [by_group, by_language, _by_month(scope, sums, group_ms)]


def _sums(session: Session, scope: Scope) -> _Sums:
    """The grouped sums every table of the section reads (four queries)."""
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
    return _Sums(tracks, per_language, per_month, programme)


def _by_language(sums: _Sums) -> tuple[Table, dict[str, int]]:
    """Approved subtitles per language tag, and the exact cue milliseconds per tag."""
    per_language, programme = sums.per_language, sums.programme
    cue_ms = {lang: int(ms or 0) for lang, _t, _r, ms, _c in per_language}
    language_rows = sorted(
        ({"key": lang, "language": lang, "group": language_group(lang), "tracks": n_tracks,
          "reports": n_reports, "cues": n_cues, "minutes": minutes(ms),
          "programme_minutes": minutes(programme.get(lang))}
         for lang, n_tracks, n_reports, ms, n_cues in per_language),
        key=lambda r: (LANGUAGE_GROUPS.index(r["group"]), r["language"]))
    # Minutes are rounded once, from the exact milliseconds, in every row and total.
    subtitled_by_language = Table(
        "subtitled_by_language", "subtitles", _("Approved subtitles by language"),
        (Column("language", _("Language"), "language"), Column("group", _("Group"), "group"),
         Column("tracks", _("Tracks"), "count"),
         Column("reports", _("Reports"), "count", drill="subtitled_language"),
         Column("cues", _("Cues"), "count"), Column("minutes", _("Minutes subtitled"), "minutes"),
         Column("programme_minutes", _("Programme minutes"), "minutes")),
        language_rows, {**totals(language_rows, ["tracks", "cues"]),
                        "minutes": minutes(sum(cue_ms.values())),
                        "programme_minutes": minutes(sum(int(v or 0)
                                                         for v in programme.values()))},
        drill="subtitled_language")
    return subtitled_by_language, cue_ms


def _by_group(session: Session, sums: _Sums, by_language: Table, group_ms: dict[str, int],
              group_programme: dict[str, int]) -> Table:
    """Minutes subtitled per language group (distinct reports per group counted in SQL)."""
    tracks, language_rows = sums.tracks, by_language.rows
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
            "minutes": minutes(group_ms[group]),
            "programme_minutes": minutes(group_programme[group])})
    subtitled_by_group = Table(
        "subtitled_by_group", "subtitles", _("Minutes subtitled by language group"),
        (Column("group", _("Language group"), "group"), Column("tracks", _("Tracks"), "count"),
         Column("reports", _("Reports"), "count", drill="subtitled_group"),
         Column("minutes", _("Minutes subtitled"), "minutes"),
         Column("programme_minutes", _("Programme minutes"), "minutes")),
        group_rows, {**totals(group_rows, ["tracks"]),
                     "minutes": minutes(sum(group_ms.values())),
                     "programme_minutes": minutes(sum(group_programme.values()))},
        drill="subtitled_group")
    return subtitled_by_group


def _by_month(scope: Scope, sums: _Sums, group_ms: dict[str, int]) -> Table:
    """Minutes subtitled per month of approval and language group."""
    months: dict[str, dict[str, int]] = {m: dict.fromkeys(LANGUAGE_GROUPS, 0)
                                         for m in scope.period.months()}
    for month, lang, ms, _n in sums.per_month:
        months.setdefault(month, dict.fromkeys(LANGUAGE_GROUPS, 0))[language_group(lang)] \
            += int(ms or 0)
    month_rows = [{"key": m, "month": m, **{g: minutes(v[g]) for g in LANGUAGE_GROUPS},
                   "total": minutes(sum(v.values()))} for m, v in sorted(months.items())]
    subtitled_by_month = Table(
        "subtitled_by_month", "subtitles", _("Minutes subtitled by month"),
        (Column("month", _("Month"), "month"),
         *(Column(g, g, "minutes") for g in LANGUAGE_GROUPS),
         Column("total", _("Total"), "minutes", drill="subtitled_month")),
        month_rows, {**{g: minutes(group_ms[g]) for g in LANGUAGE_GROUPS},
                     "total": minutes(sum(group_ms.values()))}, drill="subtitled_month")
    return subtitled_by_month
