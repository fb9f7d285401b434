"""The broadcast day as ffmpeg's concat list (``ffconcat version 1.0``), for ffmpeg-based players.

ffmpeg's concat demuxer (ffmpeg-formats(1), "concat") reads ``file``, ``inpoint``,
``outpoint`` and ``duration`` directives; with ``duration`` on every file it knows the whole
list's length without opening each file, so ``ffprobe`` reports the day's 24 h. The pieces
are the ffplayout playlist's (:func:`schedule.exports.ffplayout.plan`): the same real files,
the filler clip repeated and the last copy cut with ``outpoint``, the day exact to the
millisecond. Paths are quoted the way ffmpeg's tokenizer reads them (a quote is ``'\\''``);
``-safe 0`` is needed for absolute paths. Every file must have the same streams (ffmpeg
concatenates packets), which the playout folder's renditions do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from schedule.exports.ffplayout import plan
from schedule.items import ChannelFacts, SlotItem
from station.errors import ValidationError

HEADER = "ffconcat version 1.0"


def quote(path: str) -> str:
    """A path as one ffconcat token: single-quoted, an inner quote closed, escaped, reopened."""
    if "\n" in path or "\r" in path or not path.strip():
        raise ValidationError("Not a playable path: {path}", path=path)
    return "'" + path.replace("'", "'\\''") + "'"


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.3f}"


def write(slots: Sequence[SlotItem], channel: ChannelFacts, day: dt.date | None = None,
          **options: Any) -> bytes:
    """The day's concat list as UTF-8 text."""
    if day is None:
        raise ValidationError("A playlist is made for one broadcast day; give the date")
    lines = [HEADER, f"# {channel.code} {day.isoformat()}"]
    for source, in_ms, out_ms, duration_ms, slot in plan(slots, channel, day, **options):
        title = "Filler" if slot is None else " ".join(slot.title.split())
        lines.append(f"# {title}")
        lines.append(f"file {quote(source)}")
        lines.append(f"duration {_seconds(out_ms - in_ms)}")
        if in_ms:
            lines.append(f"inpoint {_seconds(in_ms)}")
        if out_ms < duration_ms:
            lines.append(f"outpoint {_seconds(out_ms)}")
    return ("\n".join(lines) + "\n").encode("utf-8")
