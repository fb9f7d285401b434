"""Subtitle data: a track per language of a report, its cues, every cue edit, the glossary."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
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

TRACK_STATUSES = ("draft", "in_review", "approved")
TRACK_ROLES = ("original", "translation")
TRACK_ORIGINS = ("machine", "human")


class Track(Versioned, Base):
    """One language of a report's subtitles, cut to the rules it was made for."""

    __tablename__ = "track"
    __table_args__ = (
        CheckConstraint("status IN ('draft','in_review','approved')", name="status"),
        CheckConstraint("role IN ('original','translation')", name="role"),
        CheckConstraint("origin IN ('machine','human')", name="origin"),
        UniqueConstraint("report_id", "language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(35))  # BCP-47, script subtag kept
    role: Mapped[str] = mapped_column(String(12))
    source_track_id: Mapped[int | None] = mapped_column(
        ForeignKey("track.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(12), default="draft")
    origin: Mapped[str] = mapped_column(String(8))
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # snapshot at creation
    engine: Mapped[str | None] = mapped_column(String(120))  # e.g. "faster-whisper base int8 b5"
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The QC verdict the reviewer approved (None while not approved): frozen with the track,
    # so a period's review counts what was approved, and sums it in SQL.
    qc_errors: Mapped[int | None]
    qc_warnings: Mapped[int | None]
    qc_infos: Mapped[int | None]
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    report: Mapped[Report] = relationship()
    source: Mapped[Track | None] = relationship(remote_side=[id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    cues: Mapped[list[CueRow]] = relationship(
        back_populates="track", cascade="all, delete-orphan",
        order_by="(CueRow.start_ms, CueRow.id)",
    )


class CueRow(Audited, Versioned, Base):
    """One cue of a track, versioned so two people never overwrite each other silently."""

    __tablename__ = "cue"
    __table_args__ = (
        CheckConstraint("start_ms >= 0 AND end_ms > start_ms", name="times"),
        CheckConstraint("status IN ('open','confirmed')", name="status"),
        Index("ix_cue_track_start", "track_id", "start_ms"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("track.id", ondelete="CASCADE"))
    start_ms: Mapped[int]
    end_ms: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")  # NFC, lines split by "\n"
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)  # guards' doubts
    # Whisper's words: [[text, start_ms, end_ms, probability], ...] for highlighting.
    words: Mapped[list[list[Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="open")
    # When a source cue under this translation cue changed after it was written: set by the
    # source's edit, cleared when the translator rewrites the text or confirms it still holds
    # (docs/subtitles.md "Review loop"). Not a content change, so it does not bump the version.
    source_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    track: Mapped[Track] = relationship(back_populates="cues")
    updated_by: Mapped[User | None] = relationship()


class CueComment(Base):
    """A reviewer's remark on one cue, handed back with the track; resolved when fixed."""

    __tablename__ = "cue_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    cue_id: Mapped[int] = mapped_column(ForeignKey("cue.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("track.id", ondelete="CASCADE"),
                                          index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship()


class CueRevision(Base):
    """Who changed a cue, when, from what to what: the undo trail and the audit."""

    __tablename__ = "cue_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    cue_id: Mapped[int | None] = mapped_column(ForeignKey("cue.id", ondelete="SET NULL"),
                                               index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("track.id", ondelete="CASCADE"),
                                          index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # edit, split, merge, delete, import, fix, retime (to shot changes), status (a review
    # move, with its comment), confirm, source_ok (a translation still right after its
    # source changed)
    action: Mapped[str] = mapped_column(String(12))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()


class GlossaryTerm(Base):
    """A Vietnamese term (often a place name) with its approved forms and known misspellings."""

    __tablename__ = "glossary_term"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(200), unique=True)  # NFC Vietnamese
    translations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # lang -> term
    variants: Mapped[list[str]] = mapped_column(JSON, default=list)  # misspellings to fix
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
