"""CSV of a channel's slots in local time, for the station's own staff and their spreadsheets.

Written by the one CSV writer (station/csvfile.py: UTF-8 with a BOM, CRLF, free-text cells made
formula-safe). Times are the channel's wall clock, with the UTC offset in its own column so
the file stays unambiguous.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from schedule.days import day_of, day_window, for_channel, sort_slots
from schedule.items import ChannelFacts, SlotItem
from schedule.rules import Finding, by_slot
from station import csvfile
from station.i18n import translate
from station.text import nfc
from station.timecode import format_duration

COLUMNS = ("broadcast_day", "start_local", "end_local", "utc_offset", "duration",
           "duration_s", "channel", "title", "kind", "status", "readiness", "report_id",
           "rerun_of", "slot_id")
TEXT_COLUMNS = ("title", "readiness")  # what people typed or read: made formula-safe


def rows(slots: Sequence[SlotItem], channel: ChannelFacts, day: dt.date | None = None, *,
         findings: Iterable[Finding] | None = None,
         lang: str = "en") -> list[dict[str, str]]:
    """One row per slot (the broadcast day's, or all given), by start.

    ``readiness`` is "ready" or the findings of the slot; it stays empty when no findings
    were given, rather than claiming a slot nobody checked is ready.
    """
    chosen = for_channel(slots, channel)
    if day is not None:
        start, end = day_window(day, channel)
        chosen = [s for s in chosen if start <= s.start < end]
    readiness = None if findings is None else by_slot(findings)
    found: list[dict[str, str]] = []
    for slot in sort_slots(chosen):
        local_start = slot.start.astimezone(channel.zone)
        local_end = slot.end.astimezone(channel.zone)
        found.append({
            "broadcast_day": day_of(slot.start, channel).isoformat(),
            "start_local": f"{local_start:%Y-%m-%d %H:%M:%S}",
            "end_local": f"{local_end:%Y-%m-%d %H:%M:%S}",
            "utc_offset": _offset(local_start),
            "duration": format_duration(slot.duration_s * 1000),
            "duration_s": str(slot.duration_s),
            "channel": slot.channel,
            "title": nfc(slot.title),
            "kind": slot.kind,
            "status": slot.status,
            "readiness": _readiness(slot, readiness, lang),
            "report_id": "" if slot.report_id is None else str(slot.report_id),
            "rerun_of": "" if slot.rerun_of is None else str(slot.rerun_of),
            "slot_id": "" if slot.id is None else str(slot.id),
        })
    return found


def _readiness(slot: SlotItem, readiness: dict[int | None, list[Finding]] | None,
               lang: str) -> str:
    if readiness is None:
        return ""
    problems = readiness.get(slot.id, []) if slot.id is not None else []
    if not problems:
        return translate("ready", lang)
    return "; ".join(f"{translate(f.severity, lang)}: {f.text(lang)}" for f in problems)


def _offset(local: dt.datetime) -> str:
    """"+07:00": the UTC offset of a local time."""
    offset = local.strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def write(slots: Sequence[SlotItem], channel: ChannelFacts, day: dt.date | None = None,
          **options: Any) -> bytes:
    """The rows as UTF-8 CSV with a BOM and a header line."""
    return csvfile.write(rows(slots, channel, day, **options), COLUMNS,
                         text_columns=TEXT_COLUMNS)
