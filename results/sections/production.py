"""The production section: reports produced (by month, kind and channel) and their due dates.

What counts is in ``results.review``'s notes: a report is produced at its first approval by
someone other than its creator and its editor (or an admin's recorded override) if it still
stands; a report due in the period is on time, late, overdue or pending by that approval's
local date. ``produced_rows``/``due_rows`` are the rows the tables group and the drill-down
lists.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session, aliased

from production.models import REPORT_KINDS, Report, ReportEvent, report_channel
from production.workflow import OVERRIDE_MARK
from results.sql import Scope, month_of, rate, shown_channels, totals
from results.types import DONE_STATUSES, OUTCOMES, Column, Table
from station.i18n import N_ as _


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


def build(session: Session, scope: Scope) -> list[Table]:
    """The section's tables, in the review's order."""
    by_month, by_kind = _produced(session, scope)
    return [by_month, _produced_by_channel(session, scope), by_kind, _ontime(session, scope)]


def _produced(session: Session, scope: Scope) -> tuple[Table, Table]:
    """Reports produced by month (and kind) and by kind."""
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
        "produced_by_month", "production", _("Reports produced by month"),
        (Column("month", _("Month"), "month"),
         *(Column(k, k, "count") for k in kinds),
         Column("total", _("Total"), "count", drill="produced_month")),
        month_rows, totals(month_rows, [*kinds, "total"]), drill="produced_month")

    kind_rows = [{"key": k, "kind": k, "reports": sum(c[k] for c in counts.values())}
                 for k in kinds]
    produced_by_kind = Table(
        "produced_by_kind", "production", _("Reports produced by kind"),
        (Column("kind", _("Kind"), "kind"),
         Column("reports", _("Reports"), "count", drill="produced_kind")),
        kind_rows, totals(kind_rows, ["reports"]), drill="produced_kind")
    return produced_by_month, produced_by_kind


def _produced_by_channel(session: Session, scope: Scope) -> Table:
    """Reports produced per channel (a report made for two channels counts under each)."""
    produced = produced_rows(scope).subquery()
    stmt = (select(report_channel.c.channel_id, func.count(distinct(produced.c.report_id)))
            .select_from(produced)
            .join(report_channel, report_channel.c.report_id == produced.c.report_id)
            .group_by(report_channel.c.channel_id))
    if scope.channel_ids is not None:
        stmt = stmt.where(report_channel.c.channel_id.in_(scope.channel_ids))
    per_channel = dict(session.execute(stmt).all())
    channel_rows = [{"key": scope.code(cid), "channel": scope.code(cid),
                     "name": scope.channels[cid][1], "reports": per_channel.get(cid, 0)}
                    for cid in shown_channels(scope, per_channel)]
    produced_by_channel = Table(
        "produced_by_channel", "production", _("Reports produced by channel"),
        (Column("channel", _("Channel"), "channel"), Column("name", _("Name"), "text"),
         Column("reports", _("Reports"), "count", drill="produced_channel")),
        channel_rows, None, drill="produced_channel")
    return produced_by_channel


def _ontime(session: Session, scope: Scope) -> Table:
    """Reports due per month and their outcome, with the on-time rate."""
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
                               "rate": rate(c["on_time"], decided)})
    total = totals(due_month_rows, ["due", *OUTCOMES])
    total["rate"] = rate(total["on_time"],
                        total["on_time"] + total["late"] + total["overdue"])
    ontime_by_month = Table(
        "ontime_by_month", "production", _("Reports due by month and their outcome"),
        (Column("month", _("Month"), "month"), Column("due", _("Due"), "count", drill="due_month"),
         Column("on_time", "on_time", "count", drill="ontime_month_on_time"),
         Column("late", "late", "count", drill="ontime_month_late"),
         Column("overdue", "overdue", "count", drill="ontime_month_overdue"),
         Column("pending", "pending", "count", drill="ontime_month_pending"),
         Column("rate", _("On-time rate"), "percent")),
        due_month_rows, total, drill="due_month")
    return ontime_by_month
