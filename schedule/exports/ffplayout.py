"""ffplayout's daily JSON playlist, as ffplayout reads it (docs/playout.md).

The document is ``{"channel", "date", "program": [{"in", "out", "duration", "source", ...}]}``
as ffplayout's ``JsonPlaylist`` and ``Media`` structs deserialise it
(ffplayout/ffplayout ``engine/src/player/utils/json_serializer.rs`` and ``utils/mod.rs``):
``in``/``out`` are the seconds of the file to play, ``duration`` the file's whole length (the
validator replaces a value more than 1.2 s off the probed one, ``json_validate.rs``),
``source`` a path or URL; ``title``, ``category``, ``audio`` and ``custom_filter`` are
optional. ffplayout plays the items back to back from its ``day_start``
(``set_defaults``: ``begin += out - in``) and logs "not long enough" when the sum falls short
of its ``length``. So:

- ``date`` is the BROADCAST day (ffplayout picks yesterday's list before ``day_start``), never
  the UTC date, which flips at 07:00 in Vietnam;
- ``duration`` is the media's own length and ``out`` where it stops: a file shorter than its
  slot plays once and the slot's rest is filler, never a loop of the programme;
- every gap is the channel's filler clip, a real file, repeated with explicit ``in``/``out``
  so the items add up to the day's length to the millisecond (the arithmetic is in integer
  milliseconds; a float sum of a thousand items drifts);
- an item still running at the next day start is cut there, so the day is exactly 24 h.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from schedule.days import day_window, local_time, timeline
from schedule.items import ChannelFacts, SlotItem
from schedule.playout import playlist_path
from station.errors import ValidationError
from station.text import nfc

FILLER_CATEGORY = "filler"
MIN_ITEM_MS = 40  # one frame at 25 fps: the shortest filler piece worth decoding
MIN_FILLER_MS = 1000
# ffplayout's playlist item fields (Media struct): required, then optional.
REQUIRED_FIELDS = ("in", "out", "duration", "source")
OPTIONAL_FIELDS = ("title", "category", "audio", "custom_filter")

__all__ = ["playlist", "playlist_path", "segments_played", "write"]


def plan(slots: Sequence[SlotItem], channel: ChannelFacts, day: dt.date, *,
         filler_source: str | None = None, filler_duration_s: float | None = None,
         media_durations: Mapping[int, float] | None = None,
         ) -> list[tuple[str, int, int, int, SlotItem | None]]:
    """The day as (source, in_ms, out_ms, duration_ms, slot) pieces that add up to its length.

    Shared by the JSON playlist and the ffconcat list. ``media_durations`` (slot id ->
    seconds) are the files' own lengths; a slot without one is taken to fill its slot.
    """
    if not filler_source:
        raise ValidationError("{channel} has no filler clip; a gap needs a real file to play",
                              channel=channel.code)
    if filler_duration_s is None or filler_duration_s * 1000 < MIN_FILLER_MS:
        raise ValidationError("The filler clip must last at least 1 s, not {seconds} s",
                              seconds=filler_duration_s)
    clip_ms = round(filler_duration_s * 1000)
    start, end = day_window(day, channel)
    day_ms = round((end - start).total_seconds() * 1000)
    lengths = media_durations or {}
    pieces: list[tuple[str, int, int, int, SlotItem | None]] = []
    gap_ms = 0
    used_ms = 0
    for segment in timeline(slots, day, channel, fill_to_end=True):
        seconds_ms = round(segment.seconds * 1000)
        if segment.slot is None:
            gap_ms += seconds_ms
            continue
        slot = segment.slot
        source = _source(slot, channel, filler_source)
        if source is None:  # a filler slot with no file of its own: the channel's filler
            gap_ms += seconds_ms
            continue
        media = lengths.get(slot.id) if slot.id is not None else None
        media_ms = round(media * 1000) if media else seconds_ms
        room = day_ms - used_ms - gap_ms
        play_ms = min(media_ms, seconds_ms, room)
        if play_ms <= 0:
            break
        pieces.extend(_filler(gap_ms, filler_source, clip_ms))
        used_ms += gap_ms
        pieces.append((source, 0, play_ms, media_ms, slot))
        used_ms += play_ms
        gap_ms = min(seconds_ms - play_ms, day_ms - used_ms)
    gap_ms = day_ms - used_ms
    pieces.extend(_filler(gap_ms, filler_source, clip_ms))
    return pieces


def _source(slot: SlotItem, channel: ChannelFacts, filler: str) -> str | None:
    if slot.source:
        return slot.source
    if slot.kind == "filler":
        return None
    raise ValidationError(
        "“{title}” at {at} has no file to play; deliver the report's rendition "
        "for {channel} first", title=slot.title, channel=channel.code,
        at=local_time(slot.start, channel))


def _filler(gap_ms: int, source: str, clip_ms: int) -> list[tuple[str, int, int, int, None]]:
    """The clip repeated over ``gap_ms``, the last copy cut (never a piece under a frame)."""
    if gap_ms <= 0:
        return []
    lengths = [clip_ms] * (gap_ms // clip_ms)
    rest = gap_ms - sum(lengths)
    if rest:
        if rest < MIN_ITEM_MS and lengths:  # take a frame from the copy before
            lengths[-1] -= MIN_ITEM_MS - rest
            rest = MIN_ITEM_MS
        lengths.append(rest)
    return [(source, 0, n, clip_ms, None) for n in lengths]


def playlist(slots: Sequence[SlotItem], channel: ChannelFacts, day: dt.date, *,
             filler_source: str | None = None, filler_duration_s: float | None = None,
             media_durations: Mapping[int, float] | None = None) -> dict[str, Any]:
    """The playlist of one broadcast day as ffplayout reads it."""
    program: list[dict[str, Any]] = []
    for source, in_ms, out_ms, duration_ms, slot in plan(
            slots, channel, day, filler_source=filler_source,
            filler_duration_s=filler_duration_s, media_durations=media_durations):
        item: dict[str, Any] = {"in": in_ms / 1000, "out": out_ms / 1000,
                                "duration": duration_ms / 1000, "source": source}
        if slot is None:
            item.update(title="Filler", category=FILLER_CATEGORY)
        else:
            item.update(title=nfc(slot.title), category=slot.category or slot.kind)
        program.append(item)
    return {"channel": channel.code, "date": day.isoformat(), "program": program}


def write(slots: Sequence[SlotItem], channel: ChannelFacts, day: dt.date | None = None,
          **options: Any) -> bytes:
    """The playlist as UTF-8 JSON without a BOM (serde_json refuses one), titles unescaped."""
    if day is None:
        raise ValidationError("A playlist is made for one broadcast day; give the date")
    doc = playlist(slots, channel, day, **options)
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def segments_played(doc: Mapping[str, Any]) -> list[tuple[float, float, str]]:
    """(offset, seconds, source) of each item as ffplayout plays them, for checks and tests."""
    offset_ms = 0
    played: list[tuple[float, float, str]] = []
    for item in doc["program"]:
        length_ms = round(item["out"] * 1000) - round(item["in"] * 1000)
        played.append((offset_ms / 1000, length_ms / 1000, item["source"]))
        offset_ms += length_ms
    return played
