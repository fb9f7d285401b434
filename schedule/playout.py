"""A channel's playout: its settings, the media handed to it, and the paths it reads.

Kept free of the database (plain data in, files and data out) so the exporters, the services
and the tests share it. What it mirrors of ffplayout (read in ffplayout/ffplayout,
``engine/src/player/utils/json_serializer.rs``, ``json_validate.rs`` and the ``Storage`` and
``Playlist`` config structs; see docs/playout.md):

- ffplayout reads ``<playlists>/YYYY/MM/YYYY-MM-DD.json`` when its playlist path is a folder,
  and that one file whatever the date when the path is a file (``read_json``);
- a relative ``source`` is joined to the channel's storage path (``validate_playlist``), an
  absolute one or an ``http(s)`` URL is played as is;
- the playlist starts at ``playlist.day_start`` on the channel's ``timezone`` and must fill
  ``playlist.length`` (ffplayout logs "not long enough" when it falls 1.2 s short).

Station hands the playout a folder it can read (``folder`` on Station's side, ``storage``
on the playout's side: the same folder through a mount, or the same path on one machine).
Every file in it is named once and never rewritten: a replaced master gets a new name, so a
playlist already loaded keeps playing the file it names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from station.errors import ValidationError
from station.text import ascii_slug

LAYOUTS = ("tree", "single")  # YYYY/MM/YYYY-MM-DD.json, or one file ffplayout always reads
SINGLE_FILE = "playlist.json"
DAY_LENGTH = "24:00:00"  # ffplayout's playlist.length; Station writes exactly that much
_DAY_START_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PlayoutSettings:
    """What a channel's playout needs from Station, and what Station needs to know of it.

    ``folder``: where Station puts the playout's media (Station's side);
    ``storage``: that folder as the playout server sees it (ffplayout's storage path);
    ``filler``: the filler clip, relative to ``folder`` or an absolute path;
    ``filler_ms``: its length, probed when it was set;
    ``day_start``/``timezone``: the playout's ``playlist.day_start`` and channel time zone;
    ``layout``: ``tree`` or ``single``; ``playlists``: the playout's playlist path (shown to
    whoever configures it; Station writes the files with ``--out``).
    """

    channel: str
    folder: str = ""
    storage: str = ""
    filler: str = ""
    filler_ms: int | None = None
    day_start: str = ""
    timezone: str = ""
    layout: str = "tree"
    playlists: str = ""

    def missing(self) -> list[str]:
        """The settings an export cannot do without, by their CLI option names."""
        needed = {"--folder": self.folder, "--storage": self.storage, "--filler": self.filler,
                  "--day-start": self.day_start, "--timezone": self.timezone}
        found = [name for name, value in needed.items() if not value]
        if self.filler and not self.filler_ms:
            found.append("--filler-duration")
        return found

    def require(self) -> None:
        """Refuse an export while a setting is missing, naming it and the command that sets it."""
        missing = self.missing()
        if missing:
            raise ValidationError(
                "{channel} has no playout setting {names}; set it with "
                "“station schedule playout set {channel} {first} …” or on its playout page",
                channel=self.channel, names=", ".join(missing), first=missing[0])

    def filler_local(self) -> Path:
        """The filler clip on Station's side (to probe it, and to check it exists)."""
        path = Path(self.filler)
        return path if path.is_absolute() else Path(self.folder) / path

    def filler_source(self) -> str:
        """The filler clip as the playout opens it."""
        return playout_path(self.storage, self.filler)

    def playlist_file(self, day: dt.date) -> str:
        """The day's playlist path relative to ffplayout's playlist path."""
        return playlist_path(day) if self.layout == "tree" else SINGLE_FILE

    def ffplayout_settings(self) -> dict[str, str]:
        """The ffplayout settings this channel needs, by ffplayout's own names (docs/playout.md);
        an empty value is one not set yet (the playlist path is wherever ``--out`` writes)."""
        return {
            "channel.storage": self.storage,
            "channel.playlists": self.playlists and (
                self.playlists + ("" if self.layout == "tree" else f"/{SINGLE_FILE}")),
            "channel.timezone": self.timezone,
            "playlist.day_start": self.day_start,
            "playlist.length": DAY_LENGTH,
            "playlist.infinit": "false",
            "storage.filler": self.filler_source(),
        }


def playlist_path(day: dt.date) -> str:
    """Where ffplayout looks for a day's list under its playlist folder (``read_json``)."""
    return f"{day:%Y}/{day:%m}/{day.isoformat()}.json"


def parse_day_start(value: str) -> str:
    """``5:00``, ``05:00`` or ``05:00:00`` as ``HH:MM:SS`` (ffplayout's ``day_start`` form)."""
    match = _DAY_START_RE.match(value.strip())
    if not match:
        raise ValidationError("{value} is not a time of day (HH:MM or HH:MM:SS)", value=value)
    hh, mm, ss = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if hh > 23 or mm > 59 or ss > 59:
        raise ValidationError("{value} is not a time of day (HH:MM or HH:MM:SS)", value=value)
    return f"{hh:02d}:{mm:02d}:{ss:02d}"


def check_timezone(value: str) -> str:
    """An IANA zone name (ffplayout's ``timezone`` is a chrono-tz name too)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("{value} is not a time zone name such as Asia/Ho_Chi_Minh",
                              value=value) from None
    return value


def check_agrees(settings: PlayoutSettings, *, day_start_hour: int, timezone: str) -> None:
    """The playlist starts at the channel's broadcast day; the playout must start it there too.

    A playout set to another day start or zone would air every item shifted (ffplayout's
    default day start 05:59:25 would put the 19:00 news at 19:59:25), so the export refuses.
    """
    if settings.day_start != f"{day_start_hour:02d}:00:00":
        raise ValidationError(
            "{channel}'s broadcast day starts at {hour}:00 but its playout day start is "
            "{day_start}; make them agree", channel=settings.channel,
            hour=f"{day_start_hour:02d}", day_start=settings.day_start)
    if settings.timezone != timezone:
        raise ValidationError(
            "{channel} runs on {zone} but its playout time zone is {playout}; make them agree",
            channel=settings.channel, zone=timezone, playout=settings.timezone)


def is_url(source: str) -> bool:
    return bool(_URL_RE.match(source))


def playout_path(storage: str, source: str) -> str:
    """A source as the playout opens it: URLs and absolute paths as given, else under storage."""
    if is_url(source) or source.startswith("/"):
        return source
    return str(PurePosixPath(storage) / source)


def local_path(settings: PlayoutSettings, source: str) -> Path | None:
    """Where Station finds a playout source on its side (None for URLs and foreign paths)."""
    if is_url(source):
        return None
    if source.startswith("/"):
        storage = settings.storage.rstrip("/")
        if storage and source.startswith(storage + "/"):
            return Path(settings.folder) / source[len(storage) + 1:]
        return Path(source)
    return Path(settings.folder) / source


def media_name(report_id: int, title: str, sha256: str, ext: str) -> str:
    """A stable, ASCII, never-reused name: ``<report id>-<slug>-<sha8>.<ext>``.

    The hash part makes a replaced master a new file, never an overwrite of the one a loaded
    playlist still names.
    """
    suffix = ext.lower().lstrip(".")
    suffix = suffix if suffix.isalnum() and len(suffix) <= 8 else "mp4"
    return f"{report_id}-{ascii_slug(title, sep='-', max_length=50)}-{sha256[:8]}.{suffix}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def hand_over(src: Path, folder: Path, name: str, sha256: str) -> Path:
    """Put ``src`` in the playout folder as ``name`` (a hard link, else a copy) with a sidecar.

    The sidecar ``<name>.sha256`` is in ``sha256sum`` form so the playout side can check it
    with ``sha256sum -c``. An existing file of that name is kept when its sidecar agrees, and
    refused when it differs: a file the playout may be reading is never rewritten.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    sidecar = folder / f"{name}.sha256"
    line = f"{sha256}  {name}\n"
    if target.exists():
        recorded = sidecar.read_text("utf-8").split()[0] if sidecar.exists() else None
        if recorded != sha256:
            raise ValidationError("The playout folder already has a different {name}; "
                                  "Station never overwrites a file the playout may be playing",
                                  name=name)
        return target
    tmp = folder / f".{name}.part"
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)
    except OSError:  # another file system, or links not allowed: copy
        shutil.copyfile(src, tmp)
        os.chmod(tmp, 0o644)
    if _sha256(tmp) != sha256:
        tmp.unlink(missing_ok=True)
        raise ValidationError("The stored file for {name} does not match its checksum",
                              name=name)
    sidecar.write_text(line, "utf-8")
    os.replace(tmp, target)
    return target
