"""Exact times and the station's clock: integer milliseconds, exact frame rates, local time.

Times are stored in UTC and shown in Asia/Ho_Chi_Minh (UTC+07:00, no daylight saving;
docs/standards.md "Time"). A channel's broadcast day may start at a configured hour, so a 01:30
programme belongs to the previous broadcast day.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from fractions import Fraction
from zoneinfo import ZoneInfo

LOCAL_TZ_NAME = "Asia/Ho_Chi_Minh"
PAL_FPS = Fraction(25)  # Vietnam broadcasts at 25 fps (docs/standards.md, subtitle rules)


def zone(name: str = LOCAL_TZ_NAME) -> ZoneInfo:
    return ZoneInfo(name)


# The days Station plans, schedules and reviews: wide enough for any archive or plan, narrow
# enough that a week, a month or a time zone added to them stays a valid date (9999-12-31 + 7
# days overflows Python's date and was a 500 page).
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2999, 12, 31)


def parse_day(text: str | None) -> dt.date | None:
    """A YYYY-MM-DD day people or clients typed, None when empty; anything else, or a day
    outside EARLIEST_DAY..LATEST_DAY, is a ValidationError (HTTP 400) naming the value."""
    from station.errors import ValidationError

    value = (text or "").strip()
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValidationError("{value} is not a day between {first} and {last} (YYYY-MM-DD)",
                              value=value[:40], first=EARLIEST_DAY.isoformat(),
                              last=LATEST_DAY.isoformat())
    return day


def check_day(moment: dt.datetime | dt.date) -> None:
    """Refuse a time outside EARLIEST_DAY..LATEST_DAY (see parse_day) with a ValidationError."""
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        parse_day(day.isoformat())


def parse_rate(text: str | None) -> Fraction | None:
    """An exact frame rate from ffprobe's "25/1" or "30000/1001" (None when unknown)."""
    if not text or text in {"0/0", "N/A"}:
        return None
    try:
        rate = Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None
    return rate if rate > 0 else None


def frames_to_ms(frames: int, fps: Fraction = PAL_FPS) -> int:
    """Milliseconds of a whole number of frames, rounded to the nearest ms."""
    return round(Fraction(frames * 1000) / fps)


def ms_to_frames(ms: int, fps: Fraction = PAL_FPS) -> int:
    """Whole frames in ``ms`` milliseconds (floor)."""
    return int(Fraction(ms) * fps / 1000)


# Durations people type (docs/standards.md "Time"): 90 (seconds), 1:30 or 01:30 (m:ss),
# 00:01:30 (h:mm:ss), 00:01:30:12 (h:mm:ss:ff, frames at the channel's rate).
_DURATION = re.compile(r"[0-9]+(?::[0-9]+){0,3}")
MAX_DURATION_MS = 24 * 3_600_000  # nothing Station plans lasts longer than a day


def parse_duration(text: str | None, fps: Fraction | int | str = PAL_FPS,
                   *, max_ms: int = MAX_DURATION_MS) -> int | None:
    """Milliseconds of a duration as people type it, None when empty.

    "90" is seconds, "1:30" and "01:30" are m:ss, "00:01:30" h:mm:ss and "00:01:30:12"
    h:mm:ss:ff with ``fps`` frames a second (exact: 12 frames at 25 fps are 480 ms).
    Anything else is a ValidationError (HTTP 400) that names the value and the part that is
    wrong, so a form can say "seconds must be under 60" instead of "invalid"."""
    from station.errors import ValidationError

    value = (text or "").strip()
    if not value:
        return None
    shown = value[:40]
    if not _DURATION.fullmatch(value):
        raise ValidationError("\u201c{value}\u201d is not a duration: write 90 (seconds), "
                              "1:30, 00:01:30 or 00:01:30:12 (frames)", value=shown)
    rate = Fraction(fps)
    parts = [int(p) for p in value.split(":")]
    frames = parts.pop() if len(parts) == 4 else 0
    if len(parts) > 1 and parts[-1] >= 60:
        raise ValidationError("\u201c{value}\u201d: seconds must be under 60 (here {seconds})",
                              value=shown, seconds=parts[-1])
    if len(parts) == 3 and parts[1] >= 60:
        raise ValidationError("\u201c{value}\u201d: minutes must be under 60 after the hours "
                              "(here {minutes})", value=shown, minutes=parts[1])
    per_second = math.ceil(rate)
    if frames >= per_second:
        raise ValidationError("\u201c{value}\u201d: frames must be under {limit} at {fps} fps "
                              "(here {frames})", value=shown, limit=per_second,
                              fps=_rate_text(rate), frames=frames)
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    ms = seconds * 1000 + frames_to_ms(frames, rate)
    if ms > max_ms:
        raise ValidationError("\u201c{value}\u201d is longer than {limit}", value=shown,
                              limit=format_duration(max_ms))
    return ms


def parse_duration_s(text: str | None, fps: Fraction | int | str = PAL_FPS) -> int | None:
    """Whole seconds of a typed duration (see parse_duration), None when empty.

    Frames round up to the next second: a slot or a plan stored in seconds must hold every
    frame that was asked for (as a slot holds its master's length, rounded up)."""
    ms = parse_duration(text, fps)
    return None if ms is None else -(-ms // 1000)


def _rate_text(rate: Fraction) -> str:
    """25, or 29.97 for 30000/1001: a frame rate the way people say it."""
    return str(rate.numerator) if rate.denominator == 1 else f"{float(rate):.3f}".rstrip("0")


def format_duration(ms: int | None) -> str:
    """H:MM:SS or M:SS for people; "–" when unknown."""
    if ms is None:
        return "–"
    seconds = round(ms / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def clock(ms: int) -> str:
    """HH:MM:SS.mmm, the way subtitle tools show cue times."""
    hours, rest = divmod(int(ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Half-open intervals [start, end) overlap."""
    return a_start < b_end and b_start < a_end


def to_local(moment: dt.datetime, tz: str = LOCAL_TZ_NAME) -> dt.datetime:
    """An aware UTC datetime shown in the station's zone."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: Station keeps aware UTC datetimes")
    return moment.astimezone(zone(tz))


def local_to_utc(moment: dt.datetime, tz: str = LOCAL_TZ_NAME) -> dt.datetime:
    """A wall-clock time typed in the station's zone, as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(tz))
    return moment.astimezone(dt.UTC)


def broadcast_day(moment: dt.datetime, *, day_start_hour: int = 0,
                  tz: str = LOCAL_TZ_NAME) -> dt.date:
    """The broadcast day a moment belongs to: before day_start_hour it is still yesterday."""
    local = to_local(moment, tz)
    return (local - dt.timedelta(hours=day_start_hour)).date()
