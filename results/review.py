"""The review of a period: every section's tables and the headline figures, in one call.

``compute(session, period, filters)`` resolves the scope once, lets each chosen section
(``results.sections``) build its tables in SQL, and reads the headline figures from the
tables' totals, so the summary and the tables cannot disagree; ``results.drilldown`` lists
the reports behind one figure from the same rows.

Aggregation happens in the database (GROUP BY over the period's rows); Python only
reshapes the grouped rows (months x kinds, channels...), never loops over reports, cues,
slots or downloads. Subtitle QC is read from the verdict each track was approved with
(``Track.qc_errors/qc_warnings/qc_infos``, frozen at approval by ``subtitles.review``), so the
review counts what was approved and does not change when the glossary changes later.

What counts (the exports print these notes too):

* **Produced**: a report is produced when it is first approved (the workflow's gates check
  media, loudness and subtitles) by someone other than its creator and its editor, or by an
  admin's recorded override, and is still approved or later (scheduled, aired, archived);
  dated by that approval event (``ReportEvent.at``). A self-approval or an approval stepped
  back from does not count.
* **On time**: of the reports whose due date falls in the period, on time when the local
  date of that first "approved or later" event is on or before the due date; late when
  after; overdue when not produced and the due date has passed (as of ``as_of``, today by
  default); pending when not produced and not yet due. The on-time rate is on time /
  (on time + late + overdue).
* **Subtitled**: approved tracks only (a draft or a track in review is work in progress,
  not subtitles a viewer will see), dated by ``Track.approved_at``. Minutes = the sum of the
  cues' durations (time with text on screen); the masters' durations (programme time
  covered) are shown beside them. Language groups compare the primary subtag: ``vi``, Lai
  Châu's minority languages (docs/standards.md "Channels and languages"), and every other tag is
  foreign, Lao included (VOV5's Lao service is for listeners in Laos).
* **Aired**: as-run entries (what the playout says went out, imported or an editor's
  "mark aired" naming the slot and time) that started in the period; a report's status alone
  never counts;
  minutes = their durations; a rerun is an entry whose slot is a rerun (``Slot.rerun_of_id``).
* **Delivered**: packages in status "ready" whose ``ready_at`` is in the period, per partner
  channel. **Downloaded**: download rows with ``range_start == 0`` (a resumed download is
  the same download), per partner; also the distinct packages downloaded and all bytes sent.
* **QC**: the QC verdict each of the period's approved tracks was approved with, per language
  and local month of approval; "findings" are errors + warnings (info notes are for
  awareness only). A track approved before Station kept verdicts is checked when read.

Filters: channel codes keep reports made for one of those channels (a report made for two
channels counts once in totals and under each channel in "by channel"), as-run entries on
those channels and packages/downloads of those partners; report kinds keep reports of those
kinds, and as-run entries and packages of such reports (so programme slots without a report
drop out when a kind is chosen).

Times are stored in UTC and grouped by the station's local calendar (Asia/Ho_Chi_Minh).
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
