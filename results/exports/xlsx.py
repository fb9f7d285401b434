"""The review's raw figures as an Excel workbook (openpyxl): a summary sheet, then one sheet
per table, numbers stored as numbers (minutes as decimals, rates as fractions shown in %)."""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from results.labels import column_label, filters_text, label, text
from results.types import SUMMARY_FIELDS, Column, Results, Table
from station.i18n import N_ as _

FORMATS = {"count": "#,##0", "minutes": "#,##0.0", "percent": "0.0%", "bytes": "#,##0",
           "number": "#,##0.0"}
LABELS = ("month", "kind", "channel", "group", "language", "outcome", "text")
HEADER_FILL = PatternFill("solid", fgColor="E8EEF7")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# Short sheet names (Excel allows 31 characters); the sheet's first line has the full title.
SHEETS = {
    "produced_by_month": "Reports by month",
    "produced_by_channel": "Reports by channel",
    "produced_by_kind": "Reports by kind",
    "ontime_by_month": "Due dates by month",
    "subtitled_by_group": "Subtitles by group",
    "subtitled_by_language": "Subtitles by language",
    "subtitled_by_month": "Subtitles by month",
    "aired_by_channel": "Aired by channel",
    "aired_by_month": "Aired by month",
    "delivery_by_partner": "Delivery by partner",
    "qc_by_language": "QC by language",
    "qc_by_month": "QC by month",
}


def _sheet_name(index: int, title: str, used: set[str]) -> str:
    """Excel's limits: 31 characters, none of []:*?/\\, unique in the workbook."""
    base = _BAD_SHEET_CHARS.sub(" ", f"{index}. {title}")[:31].rstrip()
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _value(column: Column, value: Any, lang: str) -> Any:
    if column.kind in LABELS:
        return label(column.kind, value, lang)
    if column.kind == "bytes" and value is not None:
        return int(value)
    return value


def _write_table(ws: Any, table: Table, lang: str) -> None:
    columns = table.columns
    ws.append([text(table.title, lang)])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append([])
    ws.append([column_label(c, lang) + (" (B)" if c.kind == "bytes" else "") for c in columns])
    for cell_ in ws[3]:
        cell_.font = Font(bold=True)
        cell_.fill = HEADER_FILL
        cell_.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in table.rows:
        ws.append([_value(c, row.get(c.key), lang) for c in columns])
    if table.total:
        ws.append([text(_("Total (row)"), lang) if i == 0 else
                   (_value(c, table.total.get(c.key), lang) if c.key in table.total else None)
                   for i, c in enumerate(columns)])
        for cell_ in ws[ws.max_row]:
            cell_.font = Font(bold=True)
    for i, column in enumerate(columns, start=1):
        letter = get_column_letter(i)
        if column.kind in FORMATS:
            for (cell_,) in ws.iter_rows(min_row=4, min_col=i, max_col=i):
                cell_.number_format = FORMATS[column.kind]
        width = max([len(str(c.value or "")) for (c,) in ws.iter_rows(min_row=3, min_col=i,
                                                                    max_col=i)] + [8])
        ws.column_dimensions[letter].width = min(width + 2, 48)
    ws.freeze_panes = "B4"


def write(results: Results, lang: str = "vi", **_options: Any) -> bytes:
    """The XLSX file's bytes."""
    wb = Workbook()
    summary = wb.active
    used: set[str] = set()
    summary.title = _sheet_name(0, text("Summary", lang), used)
    period = results.period
    summary.append([text("Results", lang) + " — " + period.label(lang)])
    summary["A1"].font = Font(bold=True, size=13)
    summary.append([period.dates_label(lang)])
    summary.append([text("Filters", lang), filters_text(results, lang) or text("none", lang)])
    summary.append([text("Generated", lang),
                    results.generated_at.astimezone(period.zone).strftime("%d/%m/%Y %H:%M")])
    summary.append([])
    summary.append([text("Figure", lang), text("Value", lang)])
    for cell_ in summary[summary.max_row]:
        cell_.font = Font(bold=True)
        cell_.fill = HEADER_FILL
    for key, english, kind, _section in SUMMARY_FIELDS:
        value = results.summary.get(key)
        summary.append([text(english, lang), value])
        if kind in FORMATS:
            summary.cell(summary.max_row, 2).number_format = FORMATS[kind]
    summary.column_dimensions["A"].width = 46
    summary.column_dimensions["B"].width = 18

    for index, table in enumerate(results.tables.values(), start=1):
        ws = wb.create_sheet(_sheet_name(index, text(SHEETS.get(table.name, table.title), lang),
                                         used))
        _write_table(ws, table, lang)
    wb.properties.creator = "Station"
    wb.properties.title = text("Results", lang) + " " + period.label(lang)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
