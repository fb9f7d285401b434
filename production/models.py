"""Production data: channels, reports, their history and their media assets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from production.workflow import STATUSES
from station.accounts import User
from station.db import Audited, Base, UTCDateTime, Versioned, utcnow

REPORT_KINDS = ("tv_report", "radio_programme", "news")
ASSET_ROLES = ("master", "proxy", "audio", "poster", "waveform", "peaks")

# Subtitle rules per channel; defaults from docs/standards.md "Subtitle rules" (Netflix Timed
# Text Style Guide, BBC Subtitle Guidelines v1.2.5), frames at 25 fps.
DEFAULT_SUBTITLE_RULES: dict[str, Any] = {
    "max_chars_per_line": 42,
    "max_lines": 2,
    "max_chars_per_second": 17,
    "min_duration_ms": 833,  # 21 frames
    "max_duration_ms": 7000,  # 175 frames
    "min_gap_ms": 80,  # 2 frames
    "frame_rate": "25",
    # Shot changes (docs/subtitles.md "Shot changes"): snap in/out points within 7 frames of a
    # cut onto it, else keep them at least 2 frames away (Netflix general; BBC).
    "shot_snap_frames": 7,
    "shot_min_distance_frames": 2,
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


report_channel = Table(
    "report_channel",
    Base.metadata,
    Column("report_id", ForeignKey("report.id", ondelete="CASCADE"), primary_key=True),
    Column("channel_id", ForeignKey("channel.id", ondelete="RESTRICT"), primary_key=True),
)


class Channel(Base):
    """A channel the station broadcasts on or delivers to, with its rules and targets."""

    __tablename__ = "channel"
    __table_args__ = (
        CheckConstraint("kind IN ('tv','radio')", name="kind"),
        CheckConstraint("owner IN ('station','partner')", name="owner"),
        CheckConstraint("day_start_hour >= 0 AND day_start_hour <= 23", name="day_start_hour"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(8))
    owner: Mapped[str] = mapped_column(String(10))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    day_start_hour: Mapped[int] = mapped_column(default=0)
    required_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    subtitle_rules: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=lambda: dict(DEFAULT_SUBTITLE_RULES)
    )
    # EBU R 128 as adopted by QCVN 115:2017/BTTTT (docs/standards.md "Loudness").
    loudness_target_lufs: Mapped[float] = mapped_column(default=-23.0)
    loudness_tolerance_lu: Mapped[float] = mapped_column(default=0.5)
    true_peak_max_dbtp: Mapped[float] = mapped_column(default=-1.0)

    def loudness_verdict(self, integrated: float | None, true_peak: float | None) -> str | None:
        """"pass"/"fail" of a measured asset against this channel's target (None: unmeasured)."""
        if integrated is None or true_peak is None:
            return None
        within = abs(integrated - self.loudness_target_lufs) <= self.loudness_tolerance_lu
        return "pass" if within and true_peak <= self.true_peak_max_dbtp else "fail"


class Report(Audited, Versioned, Base):
    """A piece of work from assignment to air: a TV report, a radio programme or news."""

    __tablename__ = "report"
    __table_args__ = (
        CheckConstraint(_in("kind", REPORT_KINDS), name="kind"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("planned_duration_s IS NULL OR planned_duration_s > 0",
                        name="planned_duration"),
        Index("ix_report_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    original_language: Mapped[str] = mapped_column(String(35), default="vi")
    reporter: Mapped[str | None] = mapped_column(String(120))
    editor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    planned_duration_s: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    # Folded title/tags/reporter (no diacritics, lowercase) so search ignores accents.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    channels: Mapped[list[Channel]] = relationship(
        secondary=report_channel, order_by=Channel.code, lazy="selectin"
    )
    editor: Mapped[User | None] = relationship(foreign_keys=[editor_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys="Report.updated_by_id")
    events: Mapped[list[ReportEvent]] = relationship(
        back_populates="report",
        cascade="all, delete-orphan",
        order_by="ReportEvent.at.desc(), ReportEvent.id.desc()",
    )
    assets: Mapped[list[MediaAsset]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="MediaAsset.role"
    )

    @property
    def is_radio(self) -> bool:
        return self.kind == "radio_programme"

    def asset(self, role: str) -> MediaAsset | None:
        """The report's current asset in ``role`` (master, proxy, ...)."""
        return next((a for a in self.assets if a.role == role), None)


class ReportEvent(Base):
    """One line of a report's history: who did what, when, and why."""

    __tablename__ = "report_event"
    __table_args__ = (
        CheckConstraint("kind IN ('created','edited','status','media')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"),
                                           index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(10))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")

    report: Mapped[Report] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class MediaAsset(Base):
    """Metadata of one stored media file; the file itself lives content-addressed on disk."""

    __tablename__ = "media_asset"
    __table_args__ = (
        CheckConstraint(_in("role", ASSET_ROLES), name="role"),
        CheckConstraint("size_bytes >= 0", name="size"),
        UniqueConstraint("report_id", "role"),
        Index("ix_media_asset_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(String(200))  # path under the media root
    original_name: Mapped[str | None] = mapped_column(String(300))
    container: Mapped[str | None] = mapped_column(String(80))
    duration_ms: Mapped[int | None]
    bit_rate: Mapped[int | None] = mapped_column(BigInteger)
    video_codec: Mapped[str | None] = mapped_column(String(40))
    width: Mapped[int | None]
    height: Mapped[int | None]
    frame_rate: Mapped[str | None] = mapped_column(String(20))  # exact, "25/1", "30000/1001"
    field_order: Mapped[str | None] = mapped_column(String(20))
    audio_codec: Mapped[str | None] = mapped_column(String(40))
    sample_rate: Mapped[int | None]
    channels: Mapped[int | None]
    # EBU R 128 measured with ffmpeg's ebur128 filter (integrated, true peak, range).
    loudness_lufs: Mapped[float | None]
    true_peak_dbtp: Mapped[float | None]
    loudness_range_lu: Mapped[float | None]
    # The master's shot changes in ms, found in ingest's decode (ffmpeg scene score): None = not
    # looked for (no picture, or ingested before detection existed), [] = one continuous shot.
    shot_changes_ms: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    report: Mapped[Report] = relationship(back_populates="assets")

    @property
    def resolution(self) -> str | None:
        return f"{self.width}x{self.height}" if self.width and self.height else None
