"""What Station publishes, who published it, and what the public site's logs said back.

A `Publication` is a report's place on the public site: one row per report, published or
withdrawn, with the history in `PublicationEvent`. What the site shows is read afresh at
each export from the report and its approved subtitle tracks, so a report stepped back from
"approved", or a track sent back for changes, drops out of the next export by itself.

View counts come from the web server's logs (`station publish import-logs`) as counts per
report, day and kind: no address, no cookie, no user agent is kept (docs/publishing.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from production.models import Report
from station.accounts import User
from station.db import Audited, Base, UTCDateTime, Versioned, utcnow

PUBLICATION_STATUSES = ("published", "withdrawn")
PUBLICATION_ACTIONS = ("publish", "unpublish", "update")
# A social clip's picture shapes (docs/publishing.md "Social clips").
CLIP_ASPECTS = ("9:16", "1:1")
CLIP_STATUSES = ("queued", "rendering", "ready", "failed", "withdrawn")
CLIP_MAX_MS = 90_000
VIEW_KINDS = ("page", "play", "download")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(v) for v in values)})"


class Publication(Audited, Versioned, Base):
    """A report on the public site (or withdrawn from it); the slug never changes."""

    __tablename__ = "publication"
    __table_args__ = (CheckConstraint(_in("status", PUBLICATION_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"),
                                           unique=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="published")
    summary: Mapped[str] = mapped_column(Text, default="")  # Vietnamese
    summary_en: Mapped[str] = mapped_column(Text, default="")
    # The podcast a radio programme belongs to (one feed per programme and language).
    programme: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship()
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys="Publication.updated_by_id")
    events: Mapped[list[PublicationEvent]] = relationship(
        back_populates="publication", order_by="PublicationEvent.id",
        cascade="all, delete-orphan")


class PublicationEvent(Base):
    """One publish, unpublish or change of a publication: who, when, and why."""

    __tablename__ = "publication_event"
    __table_args__ = (CheckConstraint(_in("action", PUBLICATION_ACTIONS), name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publication.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    publication: Mapped[Publication] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class SocialClip(Base):
    """A short cut of a report for fan pages: in and out points, subtitles burned in, in
    one or both picture shapes, made by a worker (docs/publishing.md "Social clips")."""

    __tablename__ = "social_clip"
    __table_args__ = (
        CheckConstraint("out_ms > in_ms AND in_ms >= 0", name="span"),
        CheckConstraint(f"out_ms - in_ms <= {CLIP_MAX_MS}", name="length"),
        CheckConstraint(_in("status", CLIP_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"),
                                           index=True)
    language: Mapped[str | None] = mapped_column(String(35))  # burned subtitles; None: none
    in_ms: Mapped[int]
    out_ms: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    aspects: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job_run.id", ondelete="SET NULL"))
    # aspect -> {"key": storage key, "bytes": n, "duration_ms": n}
    outputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship()
    created_by: Mapped[User | None] = relationship()


class PageView(Base):
    """How many times the public site served a report's page, player media or download on
    one day (from the web server's logs; counts only)."""

    __tablename__ = "page_view"
    __table_args__ = (
        CheckConstraint(_in("kind", VIEW_KINDS), name="kind"),
        CheckConstraint("count >= 0", name="count"),
        UniqueConstraint("report_id", "day", "kind"),
        Index("ix_page_view_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)  # in Asia/Ho_Chi_Minh, the review's days
    kind: Mapped[str] = mapped_column(String(10))
    count: Mapped[int] = mapped_column(default=0)


class ViewLogImport(Base):
    """A log file already counted: the same file given twice is not counted twice."""

    __tablename__ = "view_log_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    lines: Mapped[int] = mapped_column(default=0)
    counted: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
