"""Plain data the pure schedule modules work on: slots, report facts, channel facts.

The services turn database rows into these frozen dataclasses, so rules, conflicts, days and
exports are tested without a database (STYLE.md "Which way imports go"). Times are aware UTC
datetimes; a naive one is refused, because a naive time was how peers shipped playlists
taken from the wrong date (docs/standards.md "Time").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from station.timecode import LOCAL_TZ_NAME

SLOT_KINDS = ("report", "programme", "filler", "live")
SLOT_STATUSES = ("planned", "published", "aired", "missed")
CHANNEL_KINDS = ("tv", "radio")
# A report may air once it is approved; later statuses are its life after approval.
AIRABLE_REPORT_STATUSES = frozenset({"approved", "scheduled", "aired", "archived"})
# Per-language subtitle states a service reports in ReportFacts.languages_ok.
LANGUAGE_STATES = ("ok", "missing", "qc_failed", "not_approved")


def _utc(moment: dt.datetime, what: str) -> dt.datetime:
    """The same instant in UTC; naive input is a bug upstream, so fail loudly."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} is a naive datetime: Station keeps aware UTC datetimes")
    return moment.astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class SlotItem:
    """One slot of a channel's schedule, as the rules and exports see it."""

    id: int | None
    channel: str
    start: dt.datetime  # aware; normalised to UTC
    duration_s: int
    title: str
    kind: str = "programme"  # report | programme | filler | live
    report_id: int | None = None
    rerun_of: int | None = None  # the slot id of the first airing
    status: str = "planned"  # planned | published | aired | missed
    source: str | None = None  # the delivery rendition's path, played by the playout engine
    category: str | None = None  # ffplayout's category, e.g. "advertisement"
    version: int = 1  # the row's optimistic-lock counter; iCalendar SEQUENCE follows it
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _utc(self.start, "Slot start"))
        if self.duration_s <= 0:
            raise ValueError(f"slot duration must be positive, got {self.duration_s}")
        if self.kind not in SLOT_KINDS:
            raise ValueError(f"unknown slot kind {self.kind!r}")
        if self.status not in SLOT_STATUSES:
            raise ValueError(f"unknown slot status {self.status!r}")

    @property
    def end(self) -> dt.datetime:
        """The first instant after the slot (intervals are half-open)."""
        return self.start + dt.timedelta(seconds=self.duration_s)


@dataclass(frozen=True, slots=True)
class ReportFacts:
    """What readiness needs to know about a report, gathered by the services."""

    report_id: int
    title: str
    status: str  # the workflow status (production.workflow.STATUSES)
    duration_ms: int | None = None  # the master's duration; None before ingest
    loudness_lufs: float | None = None  # integrated loudness of the delivery audio
    true_peak_dbtp: float | None = None
    languages_ok: Mapping[str, str] = field(default_factory=dict)  # lang -> LANGUAGE_STATES
    first_channel: str | None = None  # embargo: the partner channel promised first air
    first_air_at: dt.datetime | None = None  # that partner's first airing, if scheduled

    def __post_init__(self) -> None:
        if self.first_air_at is not None:
            object.__setattr__(self, "first_air_at", _utc(self.first_air_at, "First airing"))


@dataclass(frozen=True, slots=True)
class ChannelFacts:
    """A channel's clock and technical targets (defaults as production.models.Channel)."""

    code: str
    timezone: str = LOCAL_TZ_NAME
    day_start_hour: int = 0  # the broadcast day starts here, local time (ffplayout day_start)
    required_languages: tuple[str, ...] = ()
    # EBU R 128 as adopted by QCVN 115:2017/BTTTT
    # (docs/standards.md "Loudness and technical delivery")
    loudness_target_lufs: float = -23.0
    loudness_tolerance_lu: float = 0.5
    true_peak_max_dbtp: float = -1.0
    kind: str = "tv"  # tv | radio

    def __post_init__(self) -> None:
        object.__setattr__(self, "required_languages", tuple(self.required_languages))
        if not 0 <= self.day_start_hour <= 23:
            raise ValueError(f"day_start_hour must be 0..23, got {self.day_start_hour}")
        if self.kind not in CHANNEL_KINDS:
            raise ValueError(f"unknown channel kind {self.kind!r}")
        ZoneInfo(self.timezone)  # an unknown zone fails here, not in the middle of an export

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
