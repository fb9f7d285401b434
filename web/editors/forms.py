"""Turn the report form into a service input, with a clear message for each bad field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from werkzeug.datastructures import MultiDict

from production.models import Channel
from production.services import ReportFilter, ReportInput
from production.workflow import STATUSES
from station.errors import ValidationError
from station.timecode import PAL_FPS, check_day, parse_duration_s


def _date(value: str | None) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError("The due date is not a date (YYYY-MM-DD): {value}",
                              value=value) from exc
    check_day(day)  # 9999-12-31 parses, but a plan that far out breaks date arithmetic
    return day


def _duration_s(value: str | None, fps: Fraction) -> int | None:
    """The planned duration as typed: 90, 1:30, 00:01:30 or 00:01:30:12 (station.timecode)."""
    return parse_duration_s(value, fps)


def frame_rate(channels: Iterable[Channel], codes: Iterable[str]) -> Fraction:
    """The frame rate a typed hh:mm:ss:ff counts in: the chosen channels' own when they
    agree, else Vietnam's 25 fps (a report for channels with two rates has no one answer)."""
    wanted = set(codes)
    rates = {Fraction(str((c.subtitle_rules or {}).get("frame_rate") or PAL_FPS))
             for c in channels if c.code in wanted}
    return rates.pop() if len(rates) == 1 else PAL_FPS


def report_input(form: MultiDict[str, str], fps: Fraction = PAL_FPS) -> ReportInput:
    """Parse the new/edit report form; ``fps`` counts the frames of a typed 00:01:30:12."""
    editor = form.get("editor_id") or ""
    return ReportInput(
        title=form.get("title", ""),
        kind=form.get("kind", "tv_report"),
        channel_codes=form.getlist("channels"),
        title_en=form.get("title_en") or None,
        original_language=form.get("original_language") or "vi",
        reporter=form.get("reporter") or None,
        editor_id=int(editor) if editor.isdigit() else None,
        due_date=_date(form.get("due_date")),
        planned_duration_s=_duration_s(form.get("planned_duration_s"), fps),
        notes=form.get("notes", ""),
        tags=[t.strip() for t in form.get("tags", "").split(",")],
    )


def report_filter(args: MultiDict[str, str]) -> tuple[ReportFilter, dict[str, Any]]:
    """Parse the list's filters; a bad date is ignored and reported, not a crash."""
    errors = []
    try:
        due_from = _date(args.get("due_from"))
    except ValidationError as exc:
        due_from, errors = None, [*errors, exc]
    try:
        due_to = _date(args.get("due_to"))
    except ValidationError as exc:
        due_to, errors = None, [*errors, exc]
    status = args.get("status") or None
    flt = ReportFilter(
        query=args.get("q", ""),
        channel=args.get("channel") or None,
        status=status if status in STATUSES else None,
        due_from=due_from,
        due_to=due_to,
    )
    return flt, {"errors": errors}
