"""The subtitle QC section: the verdicts the period's approved tracks were approved with.

Read from ``Track.qc_errors/qc_warnings/qc_infos`` (frozen at approval by
``subtitles.review``), so the review counts what was approved and does not change when the
glossary changes later; "findings" are errors + warnings (info notes are for awareness).
A track approved before Station kept verdicts is checked when read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from results.sections.subtitles import track_rows
from results.sql import Scope, totals
from results.types import LANGUAGE_GROUPS, Column, Table, language_group
from station.i18n import N_ as _
from subtitles.models import CueRow, Track


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


def build(session: Session, scope: Scope) -> list[Table]:
    """QC findings per language and per month of approval, from the stored verdicts."""
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
        "qc_by_language", "qc", _("QC findings in approved subtitles by language"),
        (Column("language", _("Language"), "language"), Column("group", _("Group"), "group"),
         Column("tracks", _("Tracks"), "count"), Column("cues", _("Cues"), "count"),
         Column("errors", _("Errors"), "count", drill="qc_language"),
         Column("warnings", _("Warnings"), "count", drill="qc_language"),
         Column("info", _("Info notes"), "count"),
         Column("per_100_cues", _("Findings per 100 cues"), "number")),
        language_rows, totals(language_rows, ["tracks", "cues", "errors", "warnings", "info"]),
        drill="qc_language")
    month_rows = [{"key": m, "month": m, **v, "total": sum(v.values())}
                  for m, v in sorted(months.items())]
    qc_by_month = Table(
        "qc_by_month", "qc", _("QC findings (errors + warnings) by month of approval"),
        (Column("month", _("Month"), "month"), *(Column(g, g, "count") for g in LANGUAGE_GROUPS),
         Column("total", _("Total"), "count", drill="qc_month")),
        month_rows, totals(month_rows, [*LANGUAGE_GROUPS, "total"]), drill="qc_month")
    return [qc_by_language, qc_by_month]
