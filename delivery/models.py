"""Delivery data: each partner's spec, the packages built for it, who downloaded what, API
tokens and webhook deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from production.models import Channel, Report
from station.accounts import User
from station.db import Audited, Base, UTCDateTime, Versioned, utcnow
from station.tokens import BearerToken

PACKAGE_KINDS = ("full", "supplemental")
PACKAGE_STATUSES = ("building", "ready", "failed")
WEBHOOK_STATUSES = ("pending", "delivered", "failed")


class DeliverySpec(Audited, Versioned, Base):
    """A partner channel's delivery spec as data (see delivery.specs.Spec for the fields).

    ``version`` counts edits (SQLAlchemy's version counter, so two admins cannot overwrite each
    other); each package records the version it was built with, and a changed spec makes the
    next package a full one."""

    __tablename__ = "delivery_spec"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"),
                                            unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Build a package by itself once every required track is approved.
    auto_build: Mapped[bool] = mapped_column(Boolean, default=False)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    # Kept readable: it signs each webhook body (HMAC-SHA256), so it cannot be hashed.
    webhook_secret: Mapped[str | None] = mapped_column(String(100))

    channel: Mapped[Channel] = relationship()
    updated_by: Mapped[User | None] = relationship()


class Package(Base):
    """One built (or building) delivery of a report to a partner; numbered per report+partner.

    A full package carries the media and every subtitle file; a supplemental one only new or
    changed subtitle files and an updated manifest, on top of ``base``. A new full package marks
    every earlier one superseded; they stay downloadable."""

    __tablename__ = "package"
    __table_args__ = (
        CheckConstraint("kind IN ('full','supplemental')", name="kind"),
        CheckConstraint("status IN ('building','ready','failed')", name="status"),
        UniqueConstraint("report_id", "channel_id", "number"),
        Index("ix_package_channel_ready", "channel_id", "ready_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="RESTRICT"))
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(12))
    base_id: Mapped[int | None] = mapped_column(ForeignKey("package.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="building")
    spec_version: Mapped[int]
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)  # the spec as built, for the record
    master_sha256: Mapped[str | None] = mapped_column(String(64))
    # language -> {"fingerprint", "track_id", "package"}: what the partner has after this one.
    languages: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    name: Mapped[str | None] = mapped_column(String(120))  # the bag folder's ASCII name
    storage_key: Mapped[str | None] = mapped_column(String(300))  # bag folder under media root
    archive_key: Mapped[str | None] = mapped_column(String(300))  # the .zip, when zipped
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the .zip
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job_run.id", ondelete="SET NULL"))
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("package.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    ready_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    report: Mapped[Report] = relationship()
    channel: Mapped[Channel] = relationship()
    base: Mapped[Package | None] = relationship(remote_side=[id], foreign_keys=[base_id])
    superseded_by: Mapped[Package | None] = relationship(remote_side=[id],
                                                         foreign_keys=[superseded_by_id])
    created_by: Mapped[User | None] = relationship()

    @property
    def superseded(self) -> bool:
        return self.superseded_by_id is not None

    def file(self, path: str) -> dict[str, Any] | None:
        """The payload file entry named exactly ``path`` (never a file-system lookup)."""
        return next((f for f in self.files if f["path"] == path), None)


class PackageDownload(Base):
    """One download request of a package or one of its files, by a person or an API token."""

    __tablename__ = "package_download"
    __table_args__ = (Index("ix_package_download_package_at", "package_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("package.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id",
                                                           ondelete="SET NULL"))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id", ondelete="SET NULL"))
    path: Mapped[str] = mapped_column(String(300))  # the archive's name or a payload path
    range_start: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)  # what the response carries
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    package: Mapped[Package] = relationship()
    user: Mapped[User | None] = relationship()
    token: Mapped[ApiToken | None] = relationship()


class ApiToken(BearerToken, Base):
    """A partner system's key to /api/v1; only its SHA-256 is stored, the secret is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    channel: Mapped[Channel] = relationship()
    created_by: Mapped[User | None] = relationship()

    def state(self, now: dt.datetime) -> str:
        """"active", "expired" or "revoked"."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class WebhookDelivery(Base):
    """One event sent to a partner's webhook URL, retried with backoff until it is taken."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint("status IN ('pending','delivered','failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"),
                                            index=True)
    package_id: Mapped[int | None] = mapped_column(ForeignKey("package.id",
                                                              ondelete="SET NULL"))
    event: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    channel: Mapped[Channel] = relationship()
    package: Mapped[Package | None] = relationship()
    log: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery", cascade="all, delete-orphan",
        order_by="WebhookAttempt.number")


class WebhookAttempt(Base):
    """One try of a webhook delivery: when, what the partner answered, how long it took."""

    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_delivery.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(default=0)

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="log")
