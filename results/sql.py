"""SQL for the review: local dates and months portable to SQLite and PostgreSQL, and the scope.

``local_date``/``month_of`` compile to each dialect's own date arithmetic, so every section
groups by the station's local calendar in the database. ``Scope`` is a period and filters
resolved against the database once per computation (the channels, the fixed UTC offset);
the sections and the drill-down build their selects from it. The small helpers at the end
(minutes, rates, totals, id chunks) are shared by the sections.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, literal_column, select
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String

from production.models import Channel, Report, report_channel
from results.types import Filters, Period
from station.errors import NotFound


class local_date(FunctionElement[Any]):
    """The local calendar date of a UTC datetime column: ``local_date(column, minutes)``."""

    inherit_cache = True
    name = "local_date"


class month_of(FunctionElement[Any]):
    """"YYYY-MM" of a date (a Date column or ``local_date(...)``)."""

    type = String()
    inherit_cache = True
    name = "month_of"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    # UTCDateTime stores "YYYY-MM-DD HH:MM:SS.ffffff" in UTC; date() reads it and shifts.
    moment, minutes = list(element.clauses)
    return (f"date({compiler.process(moment, **kw)}, "
            f"{compiler.process(minutes, **kw)} || ' minutes')")


@compiles(local_date, "postgresql")
def _local_date_pg(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    moment, minutes = list(element.clauses)
    return (f"CAST(({compiler.process(moment, **kw)} AT TIME ZONE 'UTC') + "
            f"make_interval(mins => {compiler.process(minutes, **kw)}) AS DATE)")


@compiles(month_of, "sqlite")
def _month_of_sqlite(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


@compiles(month_of, "postgresql")
def _month_of_pg(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(local_date)
@compiles(month_of)
def _unsupported(element: Any, compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(f"results: no {element.name} for {compiler.dialect.name}")


# ---- the scope: period, filters and the station's channels ----------------------------

@dataclass
class Scope:
    """A period and filters resolved against the database once per computation."""

    period: Period
    filters: Filters
    as_of: dt.date
    offset: int  # minutes east of UTC, fixed over the period
    channels: dict[int, tuple[str, str, str]]  # id -> (code, name, owner)
    channel_ids: list[int] | None  # the filter's channels, None = every channel

    @classmethod
    def make(cls, session: Session, period: Period, filters: Filters,
             as_of: dt.date | None = None) -> Scope:
        offset = period.offset_minutes()
        rows = session.execute(select(Channel.id, Channel.code, Channel.name, Channel.owner)
                               .order_by(Channel.code)).all()
        channels = {r.id: (r.code, r.name, r.owner) for r in rows}
        ids = None
        if filters.channels:
            by_code = {code: cid for cid, (code, _n, _o) in channels.items()}
            for code in filters.channels:
                if code not in by_code:
                    raise NotFound("No channel {code}", code=code)
            ids = [by_code[c] for c in filters.channels]
        if as_of is None:
            as_of = dt.datetime.now(period.zone).date()
        return cls(period, filters, as_of, offset, channels, ids)

    def in_period(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.period.utc_start, column < self.period.utc_end)

    def local_date(self, column: Any) -> Any:
        # The offset is a literal, not a bound parameter: PostgreSQL must see the same
        # expression in SELECT and GROUP BY.
        return local_date(column, literal_column(str(int(self.offset))))

    def month(self, column: Any) -> Any:
        return month_of(self.local_date(column))

    def report_filters(self, report_id: Any, kind: Any = None) -> list[ColumnElement[bool]]:
        """Conditions keeping the filters' reports, on a report id (and kind) column."""
        conds = self.kind_filter(report_id, kind)
        if self.channel_ids is not None:
            conds.append(report_id.in_(
                select(report_channel.c.report_id)
                .where(report_channel.c.channel_id.in_(self.channel_ids))))
        return conds

    def kind_filter(self, report_id: Any, kind: Any = None) -> list[ColumnElement[bool]]:
        """The kinds filter alone (packages and airings filter channels on their own)."""
        if not self.filters.kinds:
            return []
        if kind is not None:
            return [kind.in_(self.filters.kinds)]
        return [report_id.in_(select(Report.id).where(Report.kind.in_(self.filters.kinds)))]

    def code(self, channel_id: int) -> str:
        return self.channels[channel_id][0]


# ---- shared by the sections --------------------------------------------------------------

def minutes(ms: Any) -> float:
    """Minutes with one decimal, from milliseconds (PostgreSQL sums of sums are Decimal)."""
    return round(int(ms or 0) / 60_000, 1)


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def totals(rows: Sequence[dict[str, Any]], keys: Iterable[str]) -> dict[str, Any]:
    """Column sums of counts (minutes are summed from exact milliseconds by the callers)."""
    return {key: sum(r.get(key) or 0 for r in rows) for key in keys}


def shown_channels(scope: Scope, counted: dict[int, int]) -> list[int]:
    """The filter's channels (all shown), else every channel with a figure."""
    ids = scope.channel_ids if scope.channel_ids is not None else [
        cid for cid in scope.channels if counted.get(cid)]
    return sorted(ids, key=scope.code)


_CHUNK = 500  # ids per IN (...) list


def chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]
