"""Security events (lockouts, password changes, revoked sessions): who, what, from where, when.

A minimal append-only table in the kernel so every domain and the CLI can write to it; an
admin's reading page and more event kinds can be added without changing its shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, func, select
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


PAGE_SIZE = 100


def kinds(session: Session) -> list[str]:
    """Every kind of event recorded so far, for the reading page's filter."""
    return list(session.scalars(select(AuditEvent.kind).distinct().order_by(AuditEvent.kind)))


def events(session: Session, *, kind: str | None = None, page: int = 1,
           per_page: int = PAGE_SIZE) -> tuple[list[tuple[AuditEvent, str | None]], int]:
    """One page of events, newest first, each with its account's user name; and the total."""
    from station.accounts import User  # accounts imports this module

    where = [AuditEvent.kind == kind] if kind else []
    total = session.scalar(select(func.count(AuditEvent.id)).where(*where)) or 0
    rows = session.execute(
        select(AuditEvent, User.username).outerjoin(User, User.id == AuditEvent.user_id)
        .where(*where).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return [(event, username) for event, username in rows], total
