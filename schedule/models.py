"""Schedule data: slots on a channel's days, weekly templates, and as-run log entries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from production.models import Channel, Report
from station.accounts import User
from station.db import Audited, Base, UTCDateTime, Versioned, utcnow
from station.tokens import BearerToken

SLOT_KINDS = ("report", "programme", "filler", "live")
SLOT_STATUSES = ("planned", "published", "aired", "missed")


class SlotTemplate(Base):
    """A weekly (or nth-weekday-of-the-month) recurrence that makes slots."""

    __tablename__ = "slot_template"
    __table_args__ = (
        CheckConstraint("duration_s > 0", name="duration"),
        CheckConstraint("kind IN ('report','programme','filler','live')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(12), default="programme")
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)  # 0 = Monday
    monthly_nth: Mapped[list[int] | None] = mapped_column(JSON)  # [1, 6] = first Sunday
    local_time: Mapped[str] = mapped_column(String(5))  # "19:00", channel's zone
    duration_s: Mapped[int]
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    exceptions: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates skipped
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"))
    rerun_of_template_id: Mapped[int | None] = mapped_column(
        ForeignKey("slot_template.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    channel: Mapped[Channel] = relationship()


class Slot(Audited, Versioned, Base):
    """One thing on air at a time on one channel; times in UTC, shown in the channel's zone."""

    __tablename__ = "slot"
    __table_args__ = (
        CheckConstraint("duration_s > 0", name="duration"),
        CheckConstraint("end_at > start_at", name="times"),
        CheckConstraint("kind IN ('report','programme','filler','live')", name="kind"),
        CheckConstraint("status IN ('planned','published','aired','missed')", name="status"),
        CheckConstraint("kind != 'report' OR report_id IS NOT NULL", name="report_kind"),
        Index("ix_slot_channel_start", "channel_id", "start_at"),
        Index("ix_slot_channel_end", "channel_id", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    start_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Stored (start + duration) so the overlap query is a plain indexed comparison.
    end_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    duration_s: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(12), default="report")
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"),
                                                  index=True)
    rerun_of_id: Mapped[int | None] = mapped_column(ForeignKey("slot.id", ondelete="SET NULL"))
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("slot_template.id", ondelete="SET NULL"))
    notes: Mapped[str] = mapped_column(Text, default="")
    # What the playout engine plays for a programme/filler/live slot (a path or an input URL);
    # report slots play the report's file.
    source: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default="planned")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    channel: Mapped[Channel] = relationship()
    report: Mapped[Report | None] = relationship()
    updated_by: Mapped[User | None] = relationship()


class AsRunEntry(Base):
    """What the playout actually aired, imported after air and matched to the plan."""

    __tablename__ = "as_run_entry"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('as_planned','late','short','unplanned')", name="outcome"),
        Index("ix_as_run_channel_start", "channel_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    duration_s: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    external_id: Mapped[str | None] = mapped_column(String(120))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slot.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(12))
    delay_s: Mapped[int | None]
    import_batch: Mapped[str] = mapped_column(String(40))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlayoutToken(BearerToken, Base):
    """The key a channel's playout engine sends with each played clip (its task hook).

    Scoped to one channel: it records as-run lines for that channel and opens nothing else.
    Not delivery's ApiToken, which belongs to a partner channel and opens the partner API;
    only the SHA-256 is stored, the secret is shown once."""

    __tablename__ = "playout_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"),
                                            index=True)

    channel: Mapped[Channel] = relationship()


PLAYOUT_LAYOUTS = ("tree", "single")


class ChannelPlayout(Audited, Base):
    """How a channel's playout is reached: its media folder, filler, day start and playlists.

    One row per channel (schedule.playout.PlayoutSettings is its plain-data form; what each
    field means for ffplayout is in docs/playout.md). Empty strings are "not set": an export
    refuses, naming the missing setting, instead of guessing a path.
    """

    __tablename__ = "channel_playout"
    __table_args__ = (
        CheckConstraint("layout IN ('tree','single')", name="layout"),
        CheckConstraint("filler_ms IS NULL OR filler_ms > 0", name="filler_ms"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"),
                                            unique=True)
    folder: Mapped[str] = mapped_column(String(500), default="")  # Station's side
    storage: Mapped[str] = mapped_column(String(500), default="")  # the playout's side
    filler: Mapped[str] = mapped_column(String(500), default="")
    filler_ms: Mapped[int | None]
    day_start: Mapped[str] = mapped_column(String(8), default="")  # HH:MM:SS
    timezone: Mapped[str] = mapped_column(String(64), default="")
    layout: Mapped[str] = mapped_column(String(8), default="tree")
    playlists: Mapped[str] = mapped_column(String(500), default="")

    channel: Mapped[Channel] = relationship()
