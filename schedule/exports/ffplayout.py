"""ffplayout's daily JSON playlist (docs/standards.md "Playout and schedule interchange").

The document is ``{"channel", "date", "program": [{"in", "out", "duration", "source", ...}]}``
as in ffplayout's README and its ``JsonPlaylist``/``Media`` structs: ``in``/``out`` are the
seconds of the file to play, ``duration`` the file's whole length, ``source`` its path;
``title``, ``category``, ``audio`` and ``custom_filter`` are optional. ffplayout plays the
items back to back from its ``day_start`` (``begin += out - in``) and complains when the day
is shorter than its ``length``, so:

- ``date`` is the BROADCAST day (ffplayout picks yesterday's list before ``day_start``), never
  the UTC date, which flips at 07:00 in Vietnam;
- every gap (before the first slot, between slots, after a report shorter than its slot, and
  up to the day's end) becomes an explicit filler item, so later items keep their times;
- a report longer than its slot is cut at the slot's end (``out``), the rules having flagged it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from schedule.days import local_time, timeline
from schedule.items import ChannelFacts, SlotItem
from station.errors import ValidationError
from station.text import nfc

FILLER_SOURCE = "filler"  # ffplayout's storage: a filler clip, or a folder of them
FILLER_CATEGORY = "filler"
MIN_ITEM_S = 0.04  # one frame at 25 fps: a shorter gap is not worth an item
# ffplayout's documented playlist item fields (README; Media struct): required, then optional.
REQUIRED_FIELDS = ("in", "out", "duration", "source")
OPTIONAL_FIELDS = ("title", "category", "audio", "custom_filter")


def playlist(slots: Sequence[SlotItem], channel: ChannelFacts, day: dt.date, *,
             filler_source: str = FILLER_SOURCE, filler_duration_s: float | None = None,
             media_durations: Mapping[int, float] | None = None,
             fill_to_end: bool = True) -> dict[str, Any]:
    """The playlist of one broadcast day as ffplayout reads it.

    ``media_durations`` (slot id -> seconds) gives the real length of each file when known,
    so ffplayout's ``duration`` matches its probe; otherwise the slot's length is used.
    ``filler_duration_s`` is the filler clip's length: a longer gap repeats it (the last
    copy cut short); without it, one filler item spans each gap.
    """
    if filler_duration_s is not None and filler_duration_s < 1:
        raise ValidationError("The filler clip must last at least 1 s, not {seconds} s",
                              seconds=filler_duration_s)
    program: list[dict[str, Any]] = []
    lengths = media_durations or {}
    for segment in timeline(slots, day, channel, fill_to_end=fill_to_end):
        if segment.slot is None:
            program.extend(_filler(segment.seconds, filler_source, filler_duration_s))
            continue
        slot = segment.slot
        media_s = lengths.get(slot.id) if slot.id is not None else None
        program.append(_item(slot, channel, media_s))
        played = program[-1]["out"] - program[-1]["in"]
        program.extend(_filler(segment.seconds - played, filler_source, filler_duration_s))
    return {"channel": channel.code, "date": day.isoformat(), "program": program}


def _item(slot: SlotItem, channel: ChannelFacts, media_s: float | None) -> dict[str, Any]:
    if not slot.source:
        if slot.kind != "filler":
            raise ValidationError(
                "“{title}” at {at} has no file to play; deliver the report's rendition "
                "for {channel} first", title=slot.title, channel=channel.code,
                at=local_time(slot.start, channel))
        source = FILLER_SOURCE
    else:
        source = slot.source
    duration = float(slot.duration_s) if media_s is None else float(media_s)
    return {
        "in": 0.0,
        "out": _seconds(min(duration, slot.duration_s)),
        "duration": _seconds(duration),
        "source": source,
        "title": nfc(slot.title),
        "category": slot.category or slot.kind,
    }


def _filler(seconds: float, source: str, clip_s: float | None) -> list[dict[str, Any]]:
    """Items covering ``seconds`` of filler: one, or the clip repeated and the last cut."""
    items: list[dict[str, Any]] = []
    left = seconds
    while left >= MIN_ITEM_S:
        length = left if clip_s is None else float(clip_s)
        out = min(length, left)
        items.append({"in": 0.0, "out": _seconds(out), "duration": _seconds(length),
                      "source": source, "title": "Filler", "category": FILLER_CATEGORY})
        left -= out
    return items


def _seconds(value: float) -> float:
    """Milliseconds are the finest time ffplayout's items need (frames are 40 ms)."""
    return round(float(value), 3)


def playlist_path(day: dt.date) -> str:
    """Where ffplayout looks for the day's list in its playlist folder: YYYY/MM/YYYY-MM-DD.json."""
    return f"{day:%Y}/{day:%m}/{day.isoformat()}.json"


def write(slots: Sequence[SlotItem], channel: ChannelFacts, day: dt.date | None = None,
          **options: Any) -> bytes:
    """The playlist as UTF-8 JSON without a BOM (serde_json refuses one), titles unescaped."""
    if day is None:
        raise ValidationError("A playlist is made for one broadcast day; give the date")
    doc = playlist(slots, channel, day, **options)
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def segments_played(doc: Mapping[str, Any]) -> list[tuple[float, float, str]]:
    """(offset, seconds, source) of each item as ffplayout plays them, for checks and tests."""
    offset = 0.0
    played: list[tuple[float, float, str]] = []
    for item in doc["program"]:
        length = item["out"] - item["in"]
        played.append((offset, length, item["source"]))
        offset += length
    return played
