"""The review of a period: every section's tables and the headline figures, in one call.

``compute(session, period, filters)`` resolves the scope once, lets each chosen section
(``results.sections``) build its tables in SQL, and reads the headline figures from the
tables' totals, so the summary and the tables cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from results.sections import BUILDERS
from results.sql import Scope
from results.types import SECTIONS, Filters, Period, Results, Table
from station.errors import ValidationError


def compute(session: Session, period: Period, filters: Filters | None = None, *,
            sections: Iterable[str] | None = None, as_of: dt.date | None = None) -> Results:
    """The period's figures (every section unless ``sections`` names some)."""
    filters = filters or Filters()
    chosen = list(SECTIONS if sections is None else sections)
    for name in chosen:
        if name not in BUILDERS:
            raise ValidationError("Unknown results section {name}; use one of {names}",
                                  name=name, names=", ".join(SECTIONS))
    scope = Scope.make(session, period, filters, as_of)
    tables: dict[str, Table] = {}
    for name in SECTIONS:
        if name in chosen:
            for table in BUILDERS[name](session, scope):
                tables[table.name] = table
    return Results(period=period, filters=filters, as_of=scope.as_of,
                   generated_at=dt.datetime.now(dt.UTC), tables=tables,
                   summary=_summary(tables),
                   channel_names={code: name for code, name, _o in scope.channels.values()})


def _summary(tables: dict[str, Table]) -> dict[str, Any]:
    def total(table: str, key: str) -> Any:
        t = tables.get(table)
        return (t.total or {}).get(key) if t is not None else None

    groups = {r["key"]: r["minutes"] for r in tables["subtitled_by_group"].rows} \
        if "subtitled_by_group" in tables else {}
    qc = tables.get("qc_by_language")
    return {
        "reports_produced": total("produced_by_month", "total"),
        "reports_due": total("ontime_by_month", "due"),
        "on_time_rate": total("ontime_by_month", "rate"),
        "minutes_subtitled": total("subtitled_by_group", "minutes"),
        "minutes_subtitled_vi": groups.get("vi"),
        "minutes_subtitled_foreign": groups.get("foreign"),
        "minutes_subtitled_minority": groups.get("minority"),
        "minutes_aired": total("aired_by_channel", "minutes"),
        "airings": total("aired_by_channel", "airings"),
        "reruns": total("aired_by_channel", "reruns"),
        "packages_delivered": total("delivery_by_partner", "packages"),
        "downloads": total("delivery_by_partner", "downloads"),
        "qc_errors": total("qc_by_language", "errors"),
        "qc_findings": (qc.total or {}).get("errors", 0) + (qc.total or {}).get("warnings", 0)
        if qc is not None else None,
    }
