"""A day's schedule as files, and the playout's side of it: its settings, the media handed
over to it, and the playlists it reads (docs/playout.md).

Separate from ``schedule.services`` (slots, readiness, templates, as-run) because it is the
one part that writes outside the database: the playout's folder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from production import services as production
from production.models import Channel
from schedule import days, expanders, exports, playout
from schedule.items import SlotItem
from schedule.models import ChannelPlayout, Slot
from schedule.services import (
    channel_facts,
    check_slots,
    day_slots,
    slot_item,
    slots_between,
)
from station.accounts import User, require_role
from station.db import utcnow
from station.errors import ValidationError
from station.text import nfc


def export_day(session: Session, channel_code: str, day: dt.date | None, fmt: str, *,
               lang: str = "vi", published_only: bool = False,
               media_root: Path | None = None) -> tuple[bytes, str, str]:
    """A day's (or, for ics/csv with no day, the coming month's) schedule as a file.

    The playlists a playout reads (ffplayout, m3u, ffconcat) need the channel's playout
    settings and name the files as the playout opens them; with ``media_root`` (Station's
    media store) the approved reports' files are first handed to the playout's folder
    (:func:`hand_over_day`). Without a setting they need, they refuse, naming it.
    """
    channel = production.get_channel(session, channel_code)
    spec = exports.get(fmt)
    if day is None and fmt in exports.PLAYLISTS:
        raise ValidationError("A playlist is made for one broadcast day; give the date")
    if day is None:
        start = utcnow() - dt.timedelta(days=7)
        slots = slots_between(session, channel, start, start + dt.timedelta(days=60))
    else:
        slots = day_slots(session, channel, day)
    if published_only:
        slots = [s for s in slots if s.status in ("published", "aired")]
    items = [slot_item(s) for s in slots]
    options: dict[str, Any] = {"lang": lang} if fmt in ("daysheet", "ics", "csv") else {}
    if fmt in exports.PLAYLISTS:  # a bulletin's slot plays as its running order
        items, options = _playout_items(session, channel, expanders.expand(session, slots),
                                        media_root=media_root)
    if fmt == "daysheet" and day is not None:
        options["findings"] = check_slots(session, channel, slots)
        options["channel_name"] = channel.name
    facts = channel_facts(channel)
    data = spec.write(items, facts, day, **options)
    name = (exports.filename(fmt, facts, day) if day is not None
            else f"{channel.code}_schedule.{spec.extension}")
    return data, name, spec.mimetype


# ---- playout ---------------------------------------------------------------------------

PLAYOUT_FIELDS = ("folder", "storage", "filler", "filler_ms", "day_start", "timezone",
                  "layout", "playlists")


def playout_settings(session: Session, channel: Channel) -> playout.PlayoutSettings:
    """The channel's playout settings (all empty when never set)."""
    row = session.scalar(select(ChannelPlayout).where(ChannelPlayout.channel_id == channel.id))
    if row is None:
        return playout.PlayoutSettings(channel.code)
    return playout.PlayoutSettings(channel.code, **{f: getattr(row, f) for f in PLAYOUT_FIELDS})


def set_playout(session: Session, channel_code: str, *, actor: User,
                **changes: Any) -> playout.PlayoutSettings:
    """Change some of a channel's playout settings (admins only); None leaves one as it is.

    A new filler is probed with ffprobe on Station's side unless its length is given, so
    an export never writes a filler it cannot time.
    """
    require_role(actor, "admin")
    channel = production.get_channel(session, channel_code)
    row = session.scalar(select(ChannelPlayout).where(ChannelPlayout.channel_id == channel.id))
    if row is None:
        row = ChannelPlayout(channel_id=channel.id, channel=channel, folder="", storage="",
                             filler="", day_start="", timezone="", layout="tree",
                             playlists="")
        session.add(row)
    unknown = set(changes) - set(PLAYOUT_FIELDS)
    if unknown:
        raise ValueError(f"unknown playout settings {sorted(unknown)}")
    values = {k: (nfc(v).strip() if isinstance(v, str) else v)
              for k, v in changes.items() if v is not None}
    if values.get("day_start"):
        values["day_start"] = playout.parse_day_start(values["day_start"])
    if values.get("timezone"):
        playout.check_timezone(values["timezone"])
    if "layout" in values and values["layout"] not in playout.LAYOUTS:
        raise ValidationError("The playlist layout is “tree” or “single”, not {layout}",
                              layout=values["layout"])
    for key in ("folder", "storage"):
        if values.get(key) and not values[key].startswith("/"):
            raise ValidationError("{path} is not an absolute path", path=values[key])
    if "filler_ms" in values and values["filler_ms"] is not None and values["filler_ms"] < 1000:
        raise ValidationError("The filler clip must last at least 1 s, not {seconds} s",
                              seconds=values["filler_ms"] / 1000)
    for key, value in values.items():
        setattr(row, key, value)
    if "filler" in values and "filler_ms" not in values:
        row.filler_ms = _probe_ms(playout_settings_of(row).filler_local()) if row.filler else None
    row.updated_by_id = actor.id
    session.flush()
    return playout_settings_of(row)


def playout_settings_of(row: ChannelPlayout) -> playout.PlayoutSettings:
    return playout.PlayoutSettings(row.channel.code,
                                   **{f: getattr(row, f) for f in PLAYOUT_FIELDS})


def _probe_ms(path: Path) -> int:
    """A media file's length in ms, or a message saying why ffprobe could not tell it."""
    from production.ffmpeg import FFmpegError, probe

    if not path.is_file():
        raise ValidationError("{path} is not a file Station can read; give its length with "
                              "--filler-duration or put it in the playout folder", path=str(path))
    try:
        found = probe(path)
    except FFmpegError as exc:
        raise ValidationError("ffprobe cannot read {path}: {reason}", path=str(path),
                              reason=str(exc)) from exc
    if not found.duration_ms:
        raise ValidationError("ffprobe finds no duration in {path}", path=str(path))
    return found.duration_ms


def _playout_items(session: Session, channel: Channel, slots: list[Slot], *,
                   media_root: Path | None) -> tuple[list[SlotItem], dict[str, Any]]:
    """The slots with sources as the playout opens them, and the playlist writers' options."""
    settings = playout_settings(session, channel)
    handed = hand_over_day(settings, slots, media_root=media_root)  # names a missing file first
    settings.require()
    playout.check_agrees(settings, day_start_hour=channel.day_start_hour,
                         timezone=channel.timezone)
    items: list[SlotItem] = []
    durations: dict[int, float] = {}
    for slot in slots:
        item = slot_item(slot)
        source, seconds = handed.get(slot.id, (None, None))
        if source is None and slot.source:
            source = playout.playout_path(settings.storage, slot.source)
            seconds = _local_seconds(settings, slot.source)
        if seconds:
            durations[slot.id] = seconds
        items.append(replace(item, source=source))
    assert settings.filler_ms is not None  # require() checked it
    return items, {"filler_source": settings.filler_source(),
                   "filler_duration_s": settings.filler_ms / 1000,
                   "media_durations": durations}


def _local_seconds(settings: playout.PlayoutSettings, source: str) -> float | None:
    """A programme file's own length when Station can reach it, else None (its slot's)."""
    path = playout.local_path(settings, source) if settings.folder else None
    if path is None or not path.is_file():
        return None
    try:
        return _probe_ms(path) / 1000
    except ValidationError:
        return None


def hand_over_day(settings: playout.PlayoutSettings, slots: list[Slot], *,
                  media_root: Path | None) -> dict[int, tuple[str, float | None]]:
    """The report slots' files in the playout folder: slot id -> (source, seconds).

    The file is the report's master (the delivery package's renditions belong to the
    partner's own playout, and never the web proxy), named
    ``<report id>-<slug>-<sha8>.<ext>`` with a ``.sha256`` sidecar (schedule.playout). A
    report not approved yet, or with no master, is refused with its title and time.
    ``media_root`` None only names the files (nothing is copied).
    """
    from production.storage import MediaStore
    from schedule.items import AIRABLE_REPORT_STATUSES

    found: dict[int, tuple[str, float | None]] = {}
    for slot in slots:
        if slot.source or slot.report is None:
            continue
        report = slot.report
        what = {"title": slot.title, "at": days.local_time(
            slot.start_at, channel_facts(slot.channel), with_date=True)}
        master = report.asset("master")
        if master is None:
            raise ValidationError("“{title}” at {at} has no file to play; ingest its master "
                                  "first", **what)
        if report.status not in AIRABLE_REPORT_STATUSES:
            raise ValidationError("“{title}” at {at} is not approved; only approved reports "
                                  "go to the playout", **what)
        ext = Path(master.storage_key).suffix or ".mp4"
        name = playout.media_name(report.id, report.title, master.sha256, ext)
        if media_root is not None:
            if not settings.folder:
                settings.require()
            stored = MediaStore(media_root).path(master.storage_key)
            if not stored.is_file():
                raise ValidationError("The master of “{title}” at {at} is missing from the "
                                      "media store; ingest it again", **what)
            playout.hand_over(stored, Path(settings.folder), name, master.sha256)
        seconds = master.duration_ms / 1000 if master.duration_ms else None
        found[slot.id] = (playout.playout_path(settings.storage, name), seconds)
    return found
