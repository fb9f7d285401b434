"""Schedule exports: a registry of name -> (writer, extension, mimetype), not an if/elif chain.

Every writer has the same shape, ``write(slots, channel, day=None, **options) -> bytes``,
takes one channel's ``SlotItem``s and returns the file's bytes; the playlists and the day
sheet need the broadcast day, the calendar feed and the CSV take every slot given when
``day`` is None. ``ffplayout``, ``m3u`` and ``ffconcat`` need the channel's filler
(``filler_source``, ``filler_duration_s``) and play the sources they are given. The CLI's
``--format`` and the web's export links read ``EXPORTS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from schedule.exports import csv, daysheet, ffconcat, ffplayout, ical, m3u
from schedule.items import ChannelFacts, SlotItem
from station.registry import Registry

Writer = Callable[..., bytes]


class Export(NamedTuple):
    """A registered export: its writer, file extension and HTTP content type."""

    write: Writer
    extension: str
    mimetype: str


EXPORTS: Registry[Export] = Registry("Unknown export format {name}; use one of {names}", entries={
    "ffplayout": Export(ffplayout.write, "json", "application/json"),
    "m3u": Export(m3u.write, "m3u", "audio/x-mpegurl; charset=utf-8"),
    "ffconcat": Export(ffconcat.write, "ffconcat", "text/plain; charset=utf-8"),
    "ics": Export(ical.write, "ics", "text/calendar; charset=utf-8"),
    "csv": Export(csv.write, "csv", "text/csv; charset=utf-8"),
    "daysheet": Export(daysheet.write, "html", "text/html; charset=utf-8"),
})


def get(name: str) -> Export:
    """The export called ``name``, or a message listing the ones there are."""
    return EXPORTS.lookup(name)


def export(name: str, slots: Sequence[SlotItem], channel: ChannelFacts,
           day: dt.date | None = None, **options: Any) -> bytes:
    """Run the export called ``name``."""
    return get(name).write(slots, channel, day, **options)


# The playlists a playout reads for one day: they need the channel's playout settings.
PLAYLISTS = ("ffplayout", "m3u", "ffconcat")


def filename(name: str, channel: ChannelFacts, day: dt.date | None = None) -> str:
    """A download name: ASCII channel code and the broadcast day, e.g. VTV4_2026-12-07.m3u.

    An ffplayout playlist is named as ffplayout looks for it, ``2026-12-07.json`` (it goes
    in the playout's ``YYYY/MM`` folder, docs/playout.md).
    """
    if name == "ffplayout" and day is not None:
        return f"{day.isoformat()}.json"
    stem = channel.code if day is None else f"{channel.code}_{day.isoformat()}"
    return f"{stem}.{get(name).extension}"
