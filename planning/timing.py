"""A rundown's clock, pure: read times, item durations, front and back times, over/under.

No database and no session: the services hand in plain values and the same rules serve the
rundown page, ``station rundown show``, the anchor script and the tests (docs/planning.md
"Timing").

Words are Vietnamese-aware: Vietnamese is written one syllable per space-separated word
("Thời sự Lai Châu" is four), so after NFC normalisation a word is a run of characters
between spaces that holds at least one letter or digit (a lone dash or bullet is not read).
Times are integer milliseconds; a read time is rounded up to the whole second, because an
anchor never reads faster than the count says and a bulletin that runs short is the smaller
harm.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from station.text import nfc

# Vietnamese newsreaders read about 160-180 syllable-words a minute on air (the newsroom's
# working figure for a read-out bulletin: a calm, clear delivery for a provincial audience,
# several of them listening in a second language). 170 is the middle of that range; a channel
# or an anchor who reads faster or slower gets their own rate (planning.models.ReadingRate),
# so the default only has to be a fair first guess.
DEFAULT_WORDS_PER_MINUTE = 170
MIN_WORDS_PER_MINUTE = 60
MAX_WORDS_PER_MINUTE = 400

# How each kind of item gets its length (docs/planning.md "Timing").
MEDIA_KINDS = frozenset({"package"})  # the report's master
READ_KINDS = frozenset({"reader"})  # the anchor's text at the reading rate

# Where a duration came from, shown beside it so an estimate is never taken for a fact.
FROM_MEDIA = "media"
FROM_READ = "read"
FROM_ESTIMATE = "estimate"
UNTIMED = "untimed"


def count_words(text: str) -> int:
    """Spoken words of ``text``: NFC, split on whitespace, pieces with a letter or digit."""
    return sum(1 for piece in nfc(text or "").split() if any(ch.isalnum() for ch in piece))


def read_ms(text: str, words_per_minute: int = DEFAULT_WORDS_PER_MINUTE) -> int:
    """How long an anchor takes to read ``text``, rounded up to the whole second."""
    if not MIN_WORDS_PER_MINUTE <= words_per_minute <= MAX_WORDS_PER_MINUTE:
        raise ValueError(f"reading rate {words_per_minute} wpm is out of range "
                         f"{MIN_WORDS_PER_MINUTE}-{MAX_WORDS_PER_MINUTE}")
    words = count_words(text)
    return math.ceil(words * 60 / words_per_minute) * 1000


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """What timing needs of one line of the running order."""

    kind: str
    media_ms: int | None = None  # the linked report's master, once ingested
    text: str = ""  # anchor text
    words_per_minute: int = DEFAULT_WORDS_PER_MINUTE  # the reading anchor's (or channel's)
    estimate_s: int | None = None  # the editor's typed estimate


def item_duration(item: ItemFacts) -> tuple[int, str]:
    """The line's length in ms and where it came from.

    A package lasts as long as its report's media; a reader as long as its text takes to
    read; anything else (voice-over, sound bite, live, break, filler) what the editor typed.
    When the preferred source is not there yet (a report not ingested, a reader with no text
    so far) the typed estimate stands in; with nothing at all the line counts as 0, untimed.
    """
    if item.kind in MEDIA_KINDS and item.media_ms:
        return item.media_ms, FROM_MEDIA
    if item.kind in READ_KINDS and count_words(item.text):
        return read_ms(item.text, item.words_per_minute), FROM_READ
    if item.estimate_s is not None:
        return item.estimate_s * 1000, FROM_ESTIMATE
    return 0, UNTIMED


@dataclass(frozen=True, slots=True)
class Line:
    """One timed line: its length, where it starts in the bulletin and on the clock."""

    duration_ms: int
    source: str  # FROM_MEDIA | FROM_READ | FROM_ESTIMATE | UNTIMED
    offset_ms: int  # from the bulletin's start to this line's start
    cumulative_ms: int  # from the bulletin's start to this line's end
    front_time: dt.datetime  # when it goes on air, if everything before runs as timed
    back_time: dt.datetime  # when it must start for the bulletin to end at off-air


@dataclass(frozen=True, slots=True)
class Timing:
    """The whole running order against its slot."""

    lines: tuple[Line, ...]
    total_ms: int
    planned_ms: int
    on_air: dt.datetime
    off_air: dt.datetime

    @property
    def over_ms(self) -> int:
        """Positive: the bulletin runs over its slot by this much; negative: under."""
        return self.total_ms - self.planned_ms


def time_rundown(items: Sequence[ItemFacts], on_air: dt.datetime, planned_s: int) -> Timing:
    """Cumulative, front and back times of every line, and the over/under.

    Front time is on-air plus what runs before the line; back time is off-air minus the line
    and everything after it, the time a floor manager reads to know whether the bulletin
    will hit its off-air mark from here.
    """
    if on_air.tzinfo is None:
        raise ValueError("on-air time is a naive datetime: give an aware one")
    durations = [item_duration(item) for item in items]
    total = sum(ms for ms, _ in durations)
    off_air = on_air + dt.timedelta(seconds=planned_s)
    lines = []
    offset = 0
    for ms, source in durations:
        remaining = total - offset  # this line and everything after it
        lines.append(Line(
            duration_ms=ms, source=source, offset_ms=offset, cumulative_ms=offset + ms,
            front_time=on_air + dt.timedelta(milliseconds=offset),
            back_time=off_air - dt.timedelta(milliseconds=remaining)))
        offset += ms
    return Timing(lines=tuple(lines), total_ms=total, planned_ms=planned_s * 1000,
                  on_air=on_air, off_air=off_air)


def clock(ms: int) -> str:
    """A length as [-]M:SS or [-]H:MM:SS (whole seconds, rounded up: a timing never hides a
    part second)."""
    sign = "-" if ms < 0 else ""
    seconds = math.ceil(abs(ms) / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}" if hours else f"{sign}{minutes}:{secs:02d}"
