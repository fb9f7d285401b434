"""Security events (lockouts, password changes, revoked sessions): who, what, from where, when.

A minimal append-only table in the kernel so every domain and the CLI can write to it; an
admin's reading page and more event kinds can be added without changing its shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from station.db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """One security event; ``detail`` holds what the kind needs (scope, counts, user name)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(session: Session, kind: str, *, user_id: int | None = None,
           address: str | None = None, **detail: Any) -> AuditEvent:
    """Add an event to the caller's unit of work (it is kept when the caller commits)."""
    event = AuditEvent(kind=kind, user_id=user_id, address=(address or "")[:64] or None,
                       detail=detail, at=utcnow())
    session.add(event)
    return event
