"""Planning data: a news bulletin's running order (the rundown) and the anchors' reading rates.

A rundown is one bulletin ("Thời sự 19:00" on LCTV, 30 minutes) as an ordered list of items.
The rundown row carries the optimistic lock for the whole running order: every change to an
item (add, retime, delete, reorder) bumps the rundown's ``version``, so two editors working
on one bulletin never lose an item; a stale version is a conflict naming who changed it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from production.models import Channel, Report
from schedule.models import Slot
from station.accounts import User
from station.db import Audited, Base, UTCDateTime, Versioned, utcnow

# What an item of a bulletin is (docs/planning.md "Items"). Order is the editor's menu.
ITEM_KINDS = ("package", "reader", "voice_over", "sound_bite", "live", "break", "filler")
RUNDOWN_STATUSES = ("draft", "approved")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(v) for v in values)})"


class Rundown(Audited, Versioned, Base):
    """One bulletin's running order on one channel, from its on-air time for its length."""

    __tablename__ = "rundown"
    __table_args__ = (
        CheckConstraint("planned_s > 0", name="planned"),
        CheckConstraint(_in("status", RUNDOWN_STATUSES), name="status"),
        Index("ix_rundown_channel_start", "channel_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # on-air time, UTC
    planned_s: Mapped[int]  # the bulletin's length; off air = starts_at + planned_s
    status: Mapped[str] = mapped_column(String(10), default="draft")
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Something changed (an item added, retimed, moved or dropped) since the approval.
    changed_after_approval: Mapped[bool] = mapped_column(default=False)
    # The schedule's slot the bulletin airs in (one slot; the playout expands it).
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slot.id", ondelete="SET NULL"),
                                                unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    channel: Mapped[Channel] = relationship()
    slot: Mapped[Slot | None] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys="Rundown.updated_by_id")
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    items: Mapped[list[RundownItem]] = relationship(
        back_populates="rundown", order_by="RundownItem.position",
        cascade="all, delete-orphan")

    @property
    def ends_at(self) -> dt.datetime:
        """Off air: the moment the bulletin's slot ends."""
        return self.starts_at + dt.timedelta(seconds=self.planned_s)


class RundownItem(Base):
    """One line of the running order: a packaged report, anchor text, a break...

    Not versioned on its own: the rundown's version guards the whole order (a reorder
    touches every line, and a line moved by one editor while another retimes it must be one
    conflict, not two half-applied changes).
    """

    __tablename__ = "rundown_item"
    __table_args__ = (
        CheckConstraint(_in("kind", ITEM_KINDS), name="kind"),
        CheckConstraint("position >= 0", name="position"),
        CheckConstraint("estimate_s IS NULL OR estimate_s >= 0", name="estimate"),
        Index("ix_rundown_item_rundown_position", "rundown_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rundown_id: Mapped[int] = mapped_column(ForeignKey("rundown.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(300))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"),
                                                  index=True)
    anchor_text: Mapped[str] = mapped_column(Text, default="")
    estimate_s: Mapped[int | None]  # the editor's typed estimate
    anchor: Mapped[str] = mapped_column(String(120), default="")  # who reads it
    changed_after_approval: Mapped[bool] = mapped_column(default=False)

    rundown: Mapped[Rundown] = relationship(back_populates="items")
    report: Mapped[Report | None] = relationship()


class ReadingRate(Base):
    """How fast a channel's anchors read, in Vietnamese words (syllables) per minute.

    ``anchor`` empty is the channel's rate; a named anchor's row overrides it for that
    anchor. Without any row the rate is ``planning.timing.DEFAULT_WORDS_PER_MINUTE``.
    """

    __tablename__ = "reading_rate"
    __table_args__ = (
        CheckConstraint("words_per_minute >= 60 AND words_per_minute <= 400", name="wpm"),
        UniqueConstraint("channel_id", "anchor", name="uq_reading_rate_channel_anchor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    anchor: Mapped[str] = mapped_column(String(120), default="")
    words_per_minute: Mapped[int]


# ---- the year's plan and its assignments (docs/planning.md "Plans and assignments") -----

class Plan(Base):
    """The year's editorial plan: its themes and their targets per quarter."""

    __tablename__ = "plan"
    __table_args__ = (
        CheckConstraint("year >= 2000 AND year <= 2100", name="year"),
        UniqueConstraint("year", name="uq_plan_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    themes: Mapped[list[Theme]] = relationship(
        back_populates="plan", order_by="Theme.position, Theme.id",
        cascade="all, delete-orphan")


class Theme(Base):
    """One line of the plan ("Chính sách đầu tư"): what the station promised to cover."""

    __tablename__ = "theme"
    __table_args__ = (UniqueConstraint("plan_id", "name", name="uq_theme_plan_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    plan: Mapped[Plan] = relationship(back_populates="themes")
    targets: Mapped[list[Target]] = relationship(
        back_populates="theme", order_by="Target.quarter, Target.id",
        cascade="all, delete-orphan")


class Target(Base):
    """How many reports and minutes a theme owes one channel (one language) in a quarter.

    ``language`` empty (NULL) is every language of the channel together.
    """

    __tablename__ = "plan_target"
    __table_args__ = (
        CheckConstraint("quarter >= 1 AND quarter <= 4", name="quarter"),
        CheckConstraint("count >= 0 AND minutes >= 0", name="amounts"),
        Index("ix_plan_target_theme_quarter", "theme_id", "quarter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    quarter: Mapped[int]
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    language: Mapped[str | None] = mapped_column(String(35))
    count: Mapped[int] = mapped_column(default=0)
    minutes: Mapped[int] = mapped_column(default=0)

    theme: Mapped[Theme] = relationship(back_populates="targets")
    channel: Mapped[Channel] = relationship()


class Topic(Audited, Versioned, Base):
    """A theme made concrete: one story to shoot, who goes, where, when, due when.

    Reporter and camera operator are accounts when the station has them, else free-text
    names (production's Report keeps its reporter as text too). ``report_id`` is set when
    work starts (``planning.plans.start_report``): planning links down to production, never
    the other way, so the Report model knows nothing of themes.
    """

    __tablename__ = "topic"
    __table_args__ = (
        CheckConstraint("due_date IS NULL OR shoot_date IS NULL OR due_date >= shoot_date",
                        name="dates"),
        Index("ix_topic_theme", "theme_id"),
        Index("ix_topic_shoot_date", "shoot_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    place: Mapped[str] = mapped_column(String(200), default="")
    shoot_date: Mapped[dt.date | None] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    reporter_name: Mapped[str] = mapped_column(String(120), default="")
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    camera_name: Mapped[str] = mapped_column(String(120), default="")
    camera_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    editor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("report.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    theme: Mapped[Theme] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    camera: Mapped[User | None] = relationship(foreign_keys=[camera_id])
    editor: Mapped[User | None] = relationship(foreign_keys=[editor_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys="Topic.updated_by_id")
    report: Mapped[Report | None] = relationship()

    @property
    def reporter_label(self) -> str:
        """The reporter as people read it: the account's name, else the typed name."""
        return self.reporter.display_name if self.reporter else self.reporter_name

    @property
    def camera_label(self) -> str:
        return self.camera.display_name if self.camera else self.camera_name
