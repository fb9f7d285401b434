"""As-run readers (pure): what the playout aired, from a CSV, an ffplayout log or its task hook.

Each reader turns its input into ``Played`` lines that ``services.import_as_run`` reconciles
with the plan; none of them touches a database, so each is tested on text alone.

ffplayout's formats, as its Rust source writes them (github.com/ffplayout/ffplayout):

- The player logs each clip as it starts it, in ``engine/src/player/output/mod.rs``
  (``play``, just before it spawns the task runner and the clip's decoder):
  ``info!("Play for <span class=\\"log-number\\">{}</span>: <span class=\\"log-addr\\">{}</span>",
  sec_to_time(node.out - node.seek), node.source)``; older releases wrote the same words with
  ``<yellow>``/``<b><magenta>`` tags; debug builds add `` (i/n)`` after the length, and some
  releases write the audio file after the source, two spaces apart. ``sec_to_time``
  (``engine/src/player/utils/mod.rs``) writes ``HH:MM:SS.mmm``.
- The file logger (``engine/src/utils/logging.rs``, ``file_formatter``) prefixes every line
  with ``<span class="log-gray">[%Y-%m-%d %H:%M:%S%.6f%:z]</span>`` and the level,
  ``<span class="level-info">[ INFO]</span>``. Markup and ANSI colours are stripped before
  reading, and a time written without its offset is read in the channel's zone.
- The "external task" (``engine/src/utils/task_runner.rs``) runs ``task.path`` with one
  argument, ``get_data_map``'s JSON: ``{"index", "ingest", "mode", "shift", "elapsed",
  "media": {"in", "out", "duration", "category", "source"[, "title"]}}`` where ``elapsed`` is
  the seconds played of the current clip (``engine/src/player/utils/mod.rs``).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from station.errors import ValidationError
from station.text import fold, nfc


@dataclass(frozen=True)
class Played:
    """One clip the playout aired. ``started`` is aware, or naive in the channel's zone."""

    started: dt.datetime
    duration_s: int
    title: str
    external: str | None = None  # the plan's slot id when the playout knows it
    source: str | None = None  # the file or input played (ffplayout names no title)


def parse_csv(text: str) -> list[Played]:
    """The station's as-run CSV: columns start, duration, title and optionally id."""
    reader = csv.DictReader(io.StringIO(text))
    need = {"start", "duration", "title"}
    if not reader.fieldnames or not need <= {f.strip().lower() for f in reader.fieldnames}:
        raise ValidationError("The as-run CSV needs the columns start, duration, title "
                              "(and optionally id)")
    out = []
    for line, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        try:
            started = dt.datetime.fromisoformat(row["start"])
            duration = int(float(row["duration"]))
        except ValueError as exc:
            raise ValidationError("Line {line}: bad start or duration ({start}, {duration})",
                                  line=line, start=row.get("start"),
                                  duration=row.get("duration")) from exc
        out.append(Played(started, duration, nfc(row["title"]), row.get("id") or None))
    return out


_TAG = re.compile(r"<[^>]*>")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_PLAY = re.compile(
    r"^\[(?P<time>\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\]"
    r"\s*\[\s*INFO\s*\]\s*Play for (?P<length>\d+:\d{2}:\d{2}(?:\.\d+)?)"
    r"(?:\s*\(\d+/\d+\))?: (?P<source>.+?)\s*$")


def _length_s(value: str) -> float:
    hours, minutes, seconds = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _moment(value: str) -> dt.datetime:
    value = value.replace("T", " ")
    if re.search(r"[+-]\d{4}$", value):  # +0700: Python before 3.11 wanted the colon
        value = f"{value[:-2]}:{value[-2:]}"
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def parse_ffplayout_log(text: str) -> list[Played]:
    """The clips an ffplayout log says it started ("Play for HH:MM:SS.mmm: SOURCE").

    Only those lines count; everything else (ffmpeg's output, validation warnings, the
    server's lines) is skipped. The time of the line is when the clip went to the decoder,
    its length what ffplayout was told to play (out - in). The title is the file's name
    without extension (the log has no title); matching to the plan uses the source."""
    out = []
    for raw in text.splitlines():
        line = _ANSI.sub("", _TAG.sub("", raw)).strip()
        match = _PLAY.match(line)
        if match is None:
            continue
        # Newer releases append the audio file after two spaces (empty when none).
        source = re.split(r"\s{2,}", match["source"])[0].strip()
        try:
            started = _moment(match["time"])
        except ValueError:
            continue  # a torn line; the next clip's line still counts
        length = _length_s(match["length"])
        out.append(Played(started.replace(microsecond=0) if started.microsecond < 500_000
                          else started.replace(microsecond=0) + dt.timedelta(seconds=1),
                          max(1, math.floor(length + 0.5)), clip_title(source),
                          source=nfc(source)))
    if not out and text.strip():
        raise ValidationError("No “Play for” line in this file: is it an ffplayout log?")
    # A clip ends when the next one starts: skipped on the playout's control page, or cut at
    # the playlist's end, it aired less than it was told to play ("short" when reconciled).
    for index, (line, after) in enumerate(itertools.pairwise(list(out))):
        if (line.started.tzinfo is None) == (after.started.tzinfo is None):
            aired = int((after.started - line.started).total_seconds())
            if 0 < aired < line.duration_s:
                out[index] = dataclasses.replace(line, duration_s=aired)
    return out


def clip_title(source: str) -> str:
    """A readable name for a played file: its name without the folder and the extension."""
    path = PureWindowsPath(source) if "\\" in source else PurePosixPath(source)
    return nfc(path.stem or source)[:300]


def parse_task_payload(payload: Any, now: dt.datetime) -> Played:
    """The clip ffplayout's external task reports as playing, started ``elapsed`` s ago.

    ``now`` is aware; the start is rounded to the second, so a task run again for the same
    clip names the same moment."""
    if not isinstance(payload, dict) or not isinstance(payload.get("media"), dict):
        raise ValidationError("Send ffplayout's task JSON: an object with “media”")
    media = payload["media"]
    source = media.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ValidationError("The task JSON has no media source")
    numbers: dict[str, float] = {}
    for key, default in (("elapsed", 0.0), ("in", 0.0), ("out", None), ("duration", None)):
        holder = payload if key == "elapsed" else media
        value = holder.get(key, default)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value) or value < 0 or value > 7 * 86400:
            raise ValidationError("“{field}” must be a number of seconds", field=key)
        numbers[key] = float(value)
    length = (numbers["out"] - numbers["in"]) if "out" in numbers else numbers.get("duration")
    if not length or length <= 0:
        raise ValidationError("The task JSON gives no length for the clip (in, out)")
    started = (now - dt.timedelta(seconds=numbers["elapsed"])).astimezone(dt.UTC)
    started = started.replace(microsecond=0) + dt.timedelta(
        seconds=1 if started.microsecond >= 500_000 else 0)
    title = media.get("title")
    title = nfc(title.strip()) if isinstance(title, str) and title.strip() else \
        clip_title(source.strip())
    return Played(started, max(1, math.floor(length + 0.5)), title[:300],
                  source=nfc(source.strip())[:500])


READERS: dict[str, Callable[[str], list[Played]]] = {
    "csv": parse_csv,
    "ffplayout-log": parse_ffplayout_log,
}


def read(fmt: str, text: str) -> list[Played]:
    reader = READERS.get(fmt)
    if reader is None:
        raise ValidationError("Unknown as-run format {fmt}: {known}", fmt=fmt,
                              known=", ".join(READERS))
    return reader(text)


@dataclass(frozen=True)
class PlannedSource:
    """What source matching needs of a planned slot."""

    slot_id: int
    start: dt.datetime  # aware
    source: str | None
    title: str


def _same_file(played: str, planned: str) -> bool:
    """The playout's path and the plan's may differ by their root (storage folders)."""
    a, b = played.replace("\\", "/").rstrip("/"), planned.replace("\\", "/").rstrip("/")
    if a == b or a.endswith("/" + b.lstrip("/")) or b.endswith("/" + a.lstrip("/")):
        return True
    return fold(PurePosixPath(a).name) == fold(PurePosixPath(b).name)


def name_sources(lines: Sequence[Played], planned: Sequence[PlannedSource],
                 window_s: int = 3600) -> list[Played]:
    """Lines with a source but no slot id get the id and title of the planned slot playing
    the same file nearest in time (within ``window_s``), each slot used once; the rest are
    left as they are (reconciled by title, likely "unplanned")."""
    used: set[int] = set()
    out = []
    for line in lines:
        if line.external or not line.source:
            out.append(line)
            continue
        near = [p for p in planned if p.slot_id not in used and p.source
                and _same_file(line.source, p.source)
                and abs((p.start - line.started).total_seconds()) <= window_s]
        best = min(near, key=lambda p: abs((p.start - line.started).total_seconds()),
                   default=None)
        if best is None:
            out.append(line)
            continue
        used.add(best.slot_id)
        out.append(Played(line.started, line.duration_s, best.title, str(best.slot_id),
                          line.source))
    return out
