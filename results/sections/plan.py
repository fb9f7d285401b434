"""The plan section: the year's external-information plan against what was done.

The figures are the plan page's own (``planning.plans.progress``: target, planned, assigned,
produced, aired per theme and quarter), summed over the quarters the period touches, so the
review and the plan page never disagree. Quarters are whole: a month's review shows its
quarter's plan. No plan for the period's years: no section.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from planning import plans
from planning.models import Plan
from results.sql import Scope, totals
from results.types import Column, Table
from station.i18n import N_ as _

FIGURES = ("target_count", "target_minutes", "planned", "assigned", "produced", "aired")


def _quarters(scope: Scope, year: int) -> list[int]:
    first, last = scope.period.start, scope.period.end
    return [q for q in plans.QUARTERS
            if (year, 3 * q) >= (first.year, first.month) and
            (year, 3 * q - 2) <= (last.year, last.month)]


def build(session: Session, scope: Scope) -> list[Table]:
    rows = []
    for year in range(scope.period.start.year, scope.period.end.year + 1):
        if session.query(Plan.id).filter(Plan.year == year).first() is None:
            continue
        quarters = _quarters(scope, year)
        _plan, found = plans.progress(session, year)
        for progress in found:
            row = {"key": f"{year}-{progress.theme.id}", "theme": progress.theme.name,
                   "year": year, **dict.fromkeys(FIGURES, 0)}
            for q in quarters:
                figures = progress.quarters[q]
                for name in FIGURES:
                    row[name] += getattr(figures, name)
            row["done"] = (round(100 * row["produced"] / row["target_count"], 1)
                           if row["target_count"] else None)
            rows.append(row)
    if not rows:
        return []
    return [Table(
        "plan_by_theme", "plan", _("Plan against targets, per theme"),
        (Column("theme", _("Theme"), "text"),
         Column("target_count", _("Target (reports)"), "count"),
         Column("target_minutes", _("Target (minutes)"), "count"),
         Column("planned", _("Topics planned"), "count"),
         Column("assigned", _("Topics assigned"), "count"),
         Column("produced", _("Reports produced"), "count"),
         Column("aired", _("Airings"), "count"),
         Column("done", _("Of the target"), "percent")),
        rows, totals(rows, list(FIGURES)))]
