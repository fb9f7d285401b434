"""The broadcast section: what the as-run logs say went out, per channel and per month.

Only as-run entries count (imported from playout, or an editor's "mark aired" naming the
slot and time), never a report's status; a rerun is an entry whose slot is a rerun
(``Slot.rerun_of_id``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from results.sql import Scope, minutes, totals
from results.types import Column, Table
from schedule.models import AsRunEntry, Slot
from station.i18n import N_ as _


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


def build(session: Session, scope: Scope) -> list[Table]:
    """The section's tables: per channel, then per month."""
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
            "minutes": minutes(seconds * 1000), "reruns": reruns,
            "rerun_minutes": minutes(rerun_s * 1000), "report_airings": of_reports,
            "unplanned": unplanned})
    aired_by_channel = Table(
        "aired_by_channel", "broadcast", _("Aired per channel (as-run logs)"),
        (Column("channel", _("Channel"), "channel"),
         Column("airings", _("Airings"), "count"),
         Column("minutes", _("Minutes aired"), "minutes"),
         Column("reruns", _("Reruns"), "count", drill="reruns_channel"),
         Column("rerun_minutes", _("Rerun minutes"), "minutes"),
         Column("report_airings", _("Airings of reports"), "count", drill="aired_channel"),
         Column("unplanned", _("Unplanned"), "count")),
        channel_rows, {**totals(channel_rows, ["airings", "reruns", "report_airings",
                                                "unplanned"]),
                       "minutes": minutes(1000 * sum(v[1] for v in per_channel.values())),
                       "rerun_minutes": minutes(1000 * sum(v[3]
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
    month_rows = [{"key": m, "month": m, **{c: minutes(v[c] * 1000) for c in codes},
                   "total": minutes(sum(v.values()) * 1000)}
                  for m, v in sorted(months.items())]
    aired_by_month = Table(
        "aired_by_month", "broadcast", _("Minutes aired by month"),
        (Column("month", _("Month"), "month"), *(Column(c, c, "minutes") for c in codes),
         Column("total", _("Total"), "minutes", drill="aired_month")),
        month_rows, {**{c: minutes(1000 * sum(v[c] for v in months.values())) for c in codes},
                     "total": minutes(1000 * sum(sum(v.values()) for v in months.values()))},
        drill="aired_month")
    return [aired_by_channel, aired_by_month]
