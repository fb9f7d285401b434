"""Planning data: a news bulletin's running order (the rundown) and the anchors' reading rates.

A rundown is one bulletin ("Thời sự 19:00" on LCTV, 30 minutes) as an ordered list of items.
The rundown row carries the optimistic lock for the whole running order: every change to an
item (add, retime, delete, reorder) bumps the rundown's ``version``, so two editors working
on one bulletin never lose an item; a stale version is a conflict naming who changed it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
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
