"""Conditional and range requests on a downloadable file, as RFC 9110 orders them.

Partners resume multi-gigabyte downloads with download managers and generated clients, so the
answer to every combination of ``If-Match``, ``If-Unmodified-Since``, ``If-None-Match``,
``If-Modified-Since``, ``If-Range`` and ``Range`` must be the one the standard gives
(RFC 9110 §13.2.2 for the order, §14 for ranges; docs/delivery.md "Downloads"):

* a failed ``If-Match``/``If-Unmodified-Since`` is 412, before anything else;
* a matching ``If-None-Match`` (weak comparison), or an unmodified ``If-Modified-Since``, is
  304 even when a ``Range`` is sent;
* ``If-Range`` uses the *strong* comparison: a weak tag never matches, and a date matches only
  the exact ``Last-Modified``; no match means the whole file (200);
* ``Range`` in another unit than bytes is ignored (200), so is a multi-range request (Station
  serves one range per request, which is what resuming needs); one bytes range is 206, or 416
  when it is malformed or lies outside the file.

Pure: it reads header values and a file's validators, and says what to answer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from werkzeug.http import parse_date

OK, PARTIAL, NOT_MODIFIED, PRECONDITION_FAILED, RANGE_NOT_SATISFIABLE = 200, 206, 304, 412, 416
_ENTITY_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')
_BYTE_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


@dataclass(frozen=True)
class Validators:
    """What identifies one version of a file: its strong entity tag (without quotes), its
    modification time (whole seconds, as HTTP dates carry) and its size in bytes."""

    etag: str
    last_modified: dt.datetime
    size: int


@dataclass(frozen=True)
class Decision:
    status: int
    start: int = 0  # the first byte sent (206)
    end: int = -1  # the last byte sent, inclusive (206)

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def _tags(value: str) -> list[tuple[bool, str]] | None:
    """An ``If-Match``/``If-None-Match``/``If-Range`` list as (weak, opaque tag) pairs; None
    for "*"; malformed members are skipped (they can match nothing)."""
    if value.strip() == "*":
        return None
    return [(bool(m.group(1)), m.group(2)[1:-1]) for m in _ENTITY_TAG.finditer(value)]


def _strong_match(value: str, etag: str) -> bool:
    tags = _tags(value)
    return tags is None or any(not weak and tag == etag for weak, tag in tags)


def _weak_match(value: str, etag: str) -> bool:
    tags = _tags(value)
    return tags is None or any(tag == etag for _weak, tag in tags)


def _date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    moment = parse_date(value)
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _seconds(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _if_range_holds(value: str, file: Validators) -> bool:
    value = value.strip()
    if value.startswith(('"', "W/")):
        tags = _tags(value)
        return bool(tags) and tags is not None and len(tags) == 1 and not tags[0][0] \
            and tags[0][1] == file.etag
    moment = _date(value)
    return moment is not None and _seconds(moment) == _seconds(file.last_modified)


def _byte_range(value: str, size: int) -> Decision | None:
    """The answer to a ``Range`` header: None to ignore it (another unit, several ranges),
    else 206 with the bytes, or 416."""
    unit, sep, spec = value.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    if "," in spec:
        return None  # several ranges: served whole rather than as multipart/byteranges
    match = _BYTE_RANGE.match(spec)
    if match is None or (not match.group(1) and not match.group(2)):
        return Decision(RANGE_NOT_SATISFIABLE)
    first, last = match.group(1), match.group(2)
    if not first:  # "-N": the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return Decision(RANGE_NOT_SATISFIABLE)
        return Decision(PARTIAL, max(0, size - suffix), size - 1)
    start = int(first)
    if last and int(last) < start:
        return Decision(RANGE_NOT_SATISFIABLE)
    if start >= size:
        return Decision(RANGE_NOT_SATISFIABLE)
    end = min(int(last), size - 1) if last else size - 1
    return Decision(PARTIAL, start, end)


def evaluate(method: str, headers: Mapping[str, str], file: Validators) -> Decision:
    """What to answer a request for ``file`` (RFC 9110 §13.2.2, steps 1 to 6)."""
    safe = method in ("GET", "HEAD")
    if_match = headers.get("If-Match")
    if if_match is not None:
        if not _strong_match(if_match, file.etag):
            return Decision(PRECONDITION_FAILED)
    else:
        since = _date(headers.get("If-Unmodified-Since"))
        if since is not None and _seconds(file.last_modified) > _seconds(since):
            return Decision(PRECONDITION_FAILED)
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        if _weak_match(if_none_match, file.etag):
            return Decision(NOT_MODIFIED if safe else PRECONDITION_FAILED)
    elif safe:
        modified_since = _date(headers.get("If-Modified-Since"))
        if modified_since is not None and \
                _seconds(file.last_modified) <= _seconds(modified_since):
            return Decision(NOT_MODIFIED)
    range_value = headers.get("Range")
    if method == "GET" and range_value is not None:
        if_range = headers.get("If-Range")
        if if_range is None or _if_range_holds(if_range, file):
            decision = _byte_range(range_value, file.size)
            if decision is not None:
                return decision
    return Decision(OK, 0, file.size - 1)
