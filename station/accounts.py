"""People who sign in: roles, hashed passwords, the languages a translator works in.

Accounts are shared by every domain (editors, translators, partner channels), so they live
in the kernel; the partner's channel is a foreign key to the production domain's table.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from station.db import Base, UTCDateTime, utcnow
from station.errors import NotFound, PermissionDenied, ValidationError
from station.text import nfc

ROLES = ("admin", "editor", "translator", "partner")
MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")


class User(Base):
    """An account; a partner account is bound to exactly one partner channel."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('admin','editor','translator','partner')", name="role"),
        CheckConstraint(
            "(role = 'partner') = (channel_id IS NOT NULL)", name="partner_has_channel"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel.id", ondelete="RESTRICT")
    )
    active: Mapped[bool] = mapped_column(default=True)
    # A translator who may also approve tracks in their languages (editors always may).
    can_review: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def set_password(self, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValidationError(
                "A password needs at least {n} characters", n=MIN_PASSWORD_LENGTH
            )
        self.password_hash = generate_password_hash(password)

    # Flask-Login reads these; they are plain properties, no Flask import here.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def reviews(self, language: str) -> bool:
        """May approve or send back a track in ``language``."""
        if self.role in ("admin", "editor"):
            return True
        return self.role == "translator" and self.can_review and language in (self.languages or [])

    @property
    def is_staff(self) -> bool:
        """Station staff (not a partner channel's account)."""
        return self.role in ("admin", "editor", "translator")


def require_role(actor: User | None, *roles: str) -> User:
    """Refuse the action unless the acting user has one of ``roles``."""
    if actor is None or not actor.active or actor.role not in roles:
        raise PermissionDenied("Your role may not do this")
    return actor


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    languages: list[str] | None = None,
    channel_id: int | None = None,
    can_review: bool = False,
) -> User:
    """Create an account, checking what the database would otherwise reject less clearly."""
    username = nfc(username).lower()
    if not _USERNAME.match(username):
        raise ValidationError(
            "User names are 2-40 lowercase letters, digits, '.', '_' or '-': {name}",
            name=username,
        )
    if role not in ROLES:
        raise ValidationError("Unknown role {role}; use one of {roles}", role=role,
                              roles=", ".join(ROLES))
    if role == "partner" and channel_id is None:
        raise ValidationError("A partner account needs its partner channel")
    if role != "partner":
        channel_id = None
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationError("User name {name} is taken", name=username)
    user = User(
        username=username,
        display_name=nfc(display_name) or username,
        role=role,
        languages=[nfc(x) for x in (languages or []) if nfc(x)],
        channel_id=channel_id,
        can_review=can_review and role == "translator",
    )
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for both mistakes)."""
    user = session.scalar(select(User).where(User.username == nfc(username).lower()))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == nfc(username).lower()))
    if user is None:
        raise NotFound("No user {name}", name=username)
    return user
