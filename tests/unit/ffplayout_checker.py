"""A strict reader of ffplayout playlists, written from ffplayout's own source, not from Station's.

What it mirrors (ffplayout/ffplayout, engine/src/player/utils):

- ``json_serializer.rs`` ``JsonPlaylist``: ``date`` (string) and ``program`` (array) are
  required, ``channel`` is a string defaulting to "Channel 1"; serde_json refuses a BOM, NaN
  and trailing commas; an empty ``program`` is replaced by a dummy clip (so it is refused
  here); the file is ``<playlists>/YYYY/MM/YYYY-MM-DD.json`` when the playlist path is a
  folder (``read_json``).
- ``mod.rs`` ``Media``: ``in``, ``out``, ``duration`` are required f64; ``source`` is a
  required string (null reads as ""); ``title`` an optional string; ``category`` and
  ``audio`` optional strings (null reads as ""); ``custom_filter`` an optional string (null
  is a type error, it has no ``null_string``).
- ``set_defaults``: each item begins where the last ended, ``begin += out - in``.
- ``json_validate.rs`` ``validate_playlist``: a relative source is joined to the storage
  path; the list is "not long enough" when ``length > begin + 1.2``.

Station's own rules, stricter than ffplayout's: ``0 <= in < out <= duration``, every source
non-empty, no field ffplayout would silently ignore, and (``exact``) the day adds up to its
``length`` to the millisecond.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import PurePosixPath
from typing import Any

TOP_KEYS = {"channel", "date", "program"}
ITEM_NUMBERS = ("in", "out", "duration")
ITEM_NULLABLE = ("source", "title", "category", "audio")  # Option / null_string fields
ITEM_KEYS = {*ITEM_NUMBERS, *ITEM_NULLABLE, "custom_filter"}
LENGTH_SLACK_S = 1.2  # json_validate.rs: `length > begin + 1.2`


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not JSON (serde_json refuses it)")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(
        value)


def problems(raw: bytes | str | dict[str, Any], *, path: str | None = None,
             length_s: float | None = 86400.0, exact: bool = False) -> list[str]:
    """Everything ffplayout (and Station's stricter reading) would object to; [] is a pass."""
    found: list[str] = []
    if isinstance(raw, bytes):
        if raw.startswith(b"\xef\xbb\xbf"):
            return ["starts with a BOM: serde_json reads no value at line 1 column 1"]
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return ["not UTF-8"]
    if isinstance(raw, str):
        try:
            doc = json.loads(raw, parse_constant=_no_constants)
        except ValueError as exc:
            return [f"not JSON: {exc}"]
    else:
        doc = raw
    if not isinstance(doc, dict):
        return ["the playlist is not a JSON object"]
    found += [f"unknown top-level key {k!r}" for k in sorted(set(doc) - TOP_KEYS)]
    if "channel" in doc and not isinstance(doc["channel"], str):
        found.append("channel is not a string")
    date = doc.get("date")
    if not isinstance(date, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        found.append("date is missing or not YYYY-MM-DD")
    else:
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            found.append(f"date {date} is not a calendar day")
        else:
            if path is not None and not path.endswith(
                    str(PurePosixPath(f"{day:%Y}", f"{day:%m}", f"{date}.json"))):
                found.append(f"{path} is not where ffplayout looks for {date}")
    program = doc.get("program")
    if not isinstance(program, list):
        return [*found, "program is missing or not an array"]
    if not program:
        found.append("program is empty: ffplayout plays a dummy clip instead")
    begin_ms = 0
    for n, item in enumerate(program):
        if not isinstance(item, dict):
            found.append(f"item {n} is not an object")
            continue
        found += [f"item {n}: unknown key {k!r}" for k in sorted(set(item) - ITEM_KEYS)]
        numbers_ok = True
        for key in ITEM_NUMBERS:
            if key not in item:
                found.append(f"item {n}: {key} is missing")
                numbers_ok = False
            elif not _number(item[key]):
                found.append(f"item {n}: {key} is not a number")
                numbers_ok = False
        for key in ITEM_NULLABLE:
            if key in item and item[key] is not None and not isinstance(item[key], str):
                found.append(f"item {n}: {key} is not a string")
        if "source" not in item:
            found.append(f"item {n}: source is missing")
        elif not item["source"]:
            found.append(f"item {n}: source is empty")
        if "custom_filter" in item and not isinstance(item["custom_filter"], str):
            found.append(f"item {n}: custom_filter is not a string")
        if numbers_ok:
            seek, out, duration = item["in"], item["out"], item["duration"]
            if not 0 <= seek < out <= duration + 1e-9:
                found.append(f"item {n}: in {seek} < out {out} <= duration {duration} fails")
            begin_ms += round(out * 1000) - round(seek * 1000)
    if length_s is not None and isinstance(program, list):
        if exact and begin_ms != round(length_s * 1000):
            found.append(f"the items add up to {begin_ms / 1000} s, not {length_s} s")
        elif length_s > begin_ms / 1000 + LENGTH_SLACK_S:
            found.append(f"not long enough: {length_s - begin_ms / 1000:.3f} s missing")
    return found
