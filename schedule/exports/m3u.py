"""Extended M3U for radio automation (AzuraCast and LibreTime import it), and its reader.

``#EXTM3U`` then, per item, ``#EXTINF:<seconds>,<title>`` and the file's real path (the
playout's, as in the ffplayout playlist; docs/playout.md). An M3U carries no start times:
the automation plays the list back to back, so gaps become copies of the channel's filler
clip, a real file (a bare ``filler`` line is a file nobody has). Written as UTF-8 without a
BOM: Vietnamese titles need it, and the importers read UTF-8 (a BOM would glue itself to
``#EXTM3U``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schedule.exports.ffplayout import plan
from schedule.items import ChannelFacts, SlotItem
from station.errors import ValidationError
from station.text import nfc

MIN_ITEM_S = 1  # EXTINF counts whole seconds


@dataclass(frozen=True)
class Entry:
    """One item of an extended M3U: seconds (-1 when unknown), title, path or URL."""

    duration_s: int
    title: str
    path: str


def entries(slots: Sequence[SlotItem], channel: ChannelFacts, day: dt.date, *,
            filler_source: str | None = None, filler_duration_s: float | None = None,
            fill_gaps: bool = True,
            media_durations: Mapping[int, float] | None = None) -> list[Entry]:
    """The day's files in play order, gaps as copies of the real filler clip.

    Radio automation plays whole files and an M3U has no start times, so each programme is
    its whole file (``media_durations``, slot id -> seconds) and each gap as many whole
    filler copies as bring the list back to the plan's clock: the drift never exceeds half
    a filler clip (keep the radio filler short). A file longer than its slot cannot be cut
    here; the rules refuse publishing such a day.
    """
    pieces = plan(slots, channel, day, filler_source=filler_source or "-",
                  filler_duration_s=filler_duration_s if fill_gaps else 1.0,
                  media_durations=media_durations)
    found: list[Entry] = []
    clock_ms = 0  # where the plan is
    written_ms = 0  # where the automation will be
    for source, in_ms, out_ms, duration_ms, slot in pieces:
        clock_ms += out_ms - in_ms
        if slot is None:
            if not fill_gaps:
                written_ms = clock_ms
                continue
            copies = max(0, round((clock_ms - written_ms) / duration_ms))
            found.extend(Entry(round(duration_ms / 1000), "Filler", source)
                         for _ in range(copies))
            written_ms += copies * duration_ms
            continue
        found.append(Entry(max(MIN_ITEM_S, round(duration_ms / 1000)),
                           _one_line(slot.title), source))
        written_ms += duration_ms
    return found


def _one_line(text: str) -> str:
    """An EXTINF title ends at the line's end, so line breaks inside it would split the item."""
    return " ".join(nfc(text).split())


def dumps(items: Sequence[Entry], *, name: str | None = None) -> str:
    """The M3U text of ``items``; ``name`` goes in a ``#PLAYLIST:`` line."""
    lines = ["#EXTM3U"]
    if name:
        lines.append(f"#PLAYLIST:{_one_line(name)}")
    for item in items:
        if "\n" in item.path or "\r" in item.path or not item.path.strip():
            raise ValueError(f"not a playable path: {item.path!r}")
        lines.append(f"#EXTINF:{item.duration_s},{_one_line(item.title)}")
        lines.append(item.path)
    return "\n".join(lines) + "\n"


def write(slots: Sequence[SlotItem], channel: ChannelFacts, day: dt.date | None = None,
          **options: Any) -> bytes:
    """The broadcast day as UTF-8 extended M3U."""
    if day is None:
        raise ValidationError("A playlist is made for one broadcast day; give the date")
    items = entries(slots, channel, day, **options)
    return dumps(items, name=f"{channel.code} {day.isoformat()}").encode("utf-8")


def read(data: bytes | str) -> list[Entry]:
    """Entries of an (extended) M3U, as an importer reads it: BOM, CRLF and comments tolerated."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    found: list[Entry] = []
    pending: tuple[int, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#EXTINF:"):
            head, _, title = line[len("#EXTINF:"):].partition(",")
            seconds = head.split()[0] if head.split() else "-1"  # attributes may follow
            try:
                pending = (round(float(seconds)), title)
            except ValueError as exc:
                raise ValidationError("Not an M3U duration: {line}", line=line) from exc
        elif line.startswith("#"):
            continue  # #EXTM3U, #PLAYLIST and other directives
        else:
            duration, title = pending if pending is not None else (-1, "")
            found.append(Entry(duration, title, line))
            pending = None
    return found
