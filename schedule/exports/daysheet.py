"""A printable day sheet: one self-contained HTML page (no assets) with the day's slots.

Staff print it or save it as PDF from the browser (A4, print CSS). Pure string building:
every value goes through ``html.escape``, because titles and notes are typed by people and
a "<" in a title must print as "<", not open a tag. Times are the channel's wall clock.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence
from typing import Any

from schedule.days import day_window, local_time, slots_of_day
from schedule.items import ChannelFacts, SlotItem
from schedule.rules import Finding, by_slot
from station.errors import ValidationError
from station.i18n import translate
from station.timecode import format_duration

_STYLE = """
body { font-family: "Noto Sans", "Noto Sans Tai Viet", Arial, sans-serif; font-size: 11pt;
       margin: 1.5cm; color: #000; }
h1 { font-size: 16pt; margin: 0 0 .2em; }
p.meta { margin: 0 0 1em; color: #333; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #888; padding: .25em .4em; text-align: left; vertical-align: top; }
th { background: #eee; }
td.time, td.duration { white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.error td.readiness { font-weight: bold; }
tr.error { background: #fdd; }
tr.warning { background: #ffd; }
ul { margin: 0; padding-left: 1.1em; }
@page { size: A4; margin: 1.5cm; }
@media print { body { margin: 0; } tr { break-inside: avoid; } th { background: #eee; } }
""".strip()


def render(slots: Sequence[SlotItem], channel: ChannelFacts, day: dt.date, *,
           findings: Iterable[Finding] | None = None, lang: str = "vi",
           now: dt.datetime | None = None, channel_name: str | None = None) -> str:
    """The day sheet as an HTML string; readiness per slot when ``findings`` are given."""
    def t(text: str) -> str:
        return html.escape(translate(text, lang))

    start, end = day_window(day, channel)
    readiness = None if findings is None else by_slot(findings)
    heading = f"{channel_name or channel.code} · {day.isoformat()}"
    window = (f"{local_time(start, channel, with_date=True)} – "
              f"{local_time(end, channel, with_date=True)} ({channel.timezone})")
    meta = f"{t('Broadcast day')}: {html.escape(window)}"
    if now is not None:
        meta += f" · {t('Printed')}: {html.escape(local_time(now, channel, with_date=True))}"
    rows = [_row(slot, channel, readiness, lang) for slot in slots_of_day(slots, day, channel)]
    if not rows:
        rows.append(f'<tr><td colspan="6">{t("No slots on this day")}</td></tr>')
    headers = "".join(f"<th>{t(label)}</th>" for label in
                      ("Time", "Duration", "Title", "Kind", "Status", "Readiness"))
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{html.escape(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{html.escape(heading)}</title>",
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{html.escape(heading)}</h1>",
        f'<p class="meta">{meta}</p>',
        "<table>",
        f"<thead><tr>{headers}</tr></thead>",
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        "</body>",
        "</html>",
        "",
    ])


def _row(slot: SlotItem, channel: ChannelFacts,
         readiness: dict[int | None, list[Finding]] | None, lang: str) -> str:
    problems = [] if readiness is None or slot.id is None else readiness.get(slot.id, [])
    if readiness is None:
        ready, css = "", ""
    elif not problems:
        ready, css = html.escape(translate("Ready", lang)), "ready"
    else:
        css = "error" if any(f.severity == "error" for f in problems) else "warning"
        items = "".join(
            f"<li>{html.escape(translate(f.severity, lang))}: {html.escape(f.text(lang))}</li>"
            for f in problems)
        ready = f"<ul>{items}</ul>"
    cells = [
        ("time", html.escape(local_time(slot.start, channel))),
        ("duration", html.escape(format_duration(slot.duration_s * 1000))),
        ("title", html.escape(slot.title)),
        ("kind", html.escape(translate(slot.kind, lang))),
        ("status", html.escape(translate(slot.status, lang))),
        ("readiness", ready),
    ]
    tds = "".join(f'<td class="{name}">{value}</td>' for name, value in cells)
    attrs = f' class="{css}"' if css else ""
    return f'<tr{attrs} data-slot="{"" if slot.id is None else slot.id}">{tds}</tr>'


def write(slots: Sequence[SlotItem], channel: ChannelFacts, day: dt.date | None = None,
          **options: Any) -> bytes:
    """The day sheet as UTF-8 HTML bytes."""
    if day is None:
        raise ValidationError("A day sheet is made for one broadcast day; give the date")
    return render(slots, channel, day, **options).encode("utf-8")
