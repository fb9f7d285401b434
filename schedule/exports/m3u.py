"""Extended M3U for radio automation (AzuraCast and LibreTime import it), and its reader.

``#EXTM3U`` then, per item, ``#EXTINF:<seconds>,<title>`` and the file's path. An M3U carries
no start times: the automation plays the list back to back, so gaps become filler entries
exactly as in the ffplayout playlist. Written as UTF-8 without a BOM: Vietnamese titles need
it, and the importers read UTF-8 (a BOM would glue itself to ``#EXTM3U``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schedule.days import local_time, timeline
from schedule.items import ChannelFacts, SlotItem
from station.errors import ValidationError
from station.text import nfc

FILLER_SOURCE = "filler"
MIN_ITEM_S = 1  # EXTINF counts whole seconds


@dataclass(frozen=True)
class Entry:
    """One item of an extended M3U: seconds (-1 when unknown), title, path or URL."""

    duration_s: int
    title: str
    path: str


def entries(slots: Sequence[SlotItem], channel: ChannelFacts, day: dt.date, *,
            filler_source: str = FILLER_SOURCE, fill_gaps: bool = True,
            media_durations: Mapping[int, float] | None = None) -> list[Entry]:
    """The day's items in play order, gaps as filler entries (when ``fill_gaps``).

    ``media_durations`` (slot id -> seconds) are the files' real lengths: the automation
    plays a whole file, so a shorter one is followed by filler up to its slot's end. An M3U
    has no out point to cut a longer one; the rules refuse publishing such a day.
    """
    lengths = media_durations or {}
    found: list[Entry] = []
    for segment in timeline(slots, day, channel, fill_to_end=fill_gaps):
        seconds = round(segment.seconds)
        if segment.slot is None:
            if fill_gaps and seconds >= MIN_ITEM_S:
                found.append(Entry(seconds, "Filler", filler_source))
            continue
        slot = segment.slot
        if not slot.source and slot.kind != "filler":
            raise ValidationError(
                "“{title}” at {at} has no file to play; deliver the report's rendition "
                "for {channel} first", title=slot.title, channel=channel.code,
                at=local_time(slot.start, channel))
        media = lengths.get(slot.id) if slot.id is not None else None
        played = slot.duration_s if media is None else round(media)
        found.append(Entry(played, _one_line(slot.title), slot.source or filler_source))
        rest = slot.duration_s - played
        if fill_gaps and rest >= MIN_ITEM_S:
            found.append(Entry(rest, "Filler", filler_source))
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
