"""People who sign in: roles, hashed passwords, the languages a translator works in.

Accounts are shared by every domain (editors, translators, partner channels), so they live
in the kernel; the partner's channel is a foreign key to the production domain's table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from station import audit
from station.db import Base, UTCDateTime, utcnow
from station.errors import NotFound, PermissionDenied, StationError, ValidationError
from station.text import nfc

ROLES = ("admin", "editor", "translator", "partner")
# NIST SP 800-63B: at least 8 characters, long ones allowed, a blocklist, no composition rules.
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
# Words a guesser tries first here; a password equal to one of them is refused (containing
# one is fine: "laichau2026" is allowed, "laichau" is not).
SERVICE_WORDS = frozenset({"station", "laichau", "lai chau", "lai châu", "laichautv", "lctv",
                           "ptthlaichau", "daiptthlaichau"})
# Throttling: failures counted per submitted user name and per client address in a window.
LOGIN_WINDOW = dt.timedelta(minutes=15)
LOGIN_FAILURES_PER_ACCOUNT = 5
LOGIN_FAILURES_PER_ADDRESS = 20
# A sign-in session unused this long is refused (the browser cookie itself ends on close).
SESSION_IDLE_LIMIT = dt.timedelta(days=7)
SESSION_TOUCH_EVERY = dt.timedelta(minutes=5)
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
    # Where notification e-mails go, and whether the person wants them (station/notifications.py).
    email: Mapped[str | None] = mapped_column(String(254))
    email_notifications: Mapped[bool] = mapped_column(default=False)

    def check_password(self, password: str) -> bool:
        """Compare in NFC, so a Vietnamese password typed by any input method matches."""
        normal = _normal_password(password)
        if check_password_hash(self.password_hash, normal):
            return True
        # Hashes made before passwords were normalised took the text as typed.
        return normal != password and check_password_hash(self.password_hash, password)

    def set_password(self, password: str) -> None:
        check_password_rule(password, username=self.username)
        self.password_hash = generate_password_hash(_normal_password(password))

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
    audit.record(session, "user.added", user_id=user.id, username=username, role=role,
                 channel_id=channel_id)
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer and same work for all).

    An unknown or inactive name still costs one password hash check, so the answer time does
    not tell real user names from unknown ones.
    """
    user = session.scalar(select(User).where(User.username == nfc(username).lower()))
    if user is None:
        check_password_hash(_dummy_hash(), _normal_password(password))
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == nfc(username).lower()))
    if user is None:
        raise NotFound("No user {name}", name=username)
    return user


# ---- password rule (NIST SP 800-63B) ------------------------------------------------------

def active_users(session: Session, *roles: str) -> list[User]:
    """The active people holding any of ``roles``, by name (e.g. editors to assign a report to)."""
    return list(session.scalars(select(User).where(User.role.in_(roles), User.active)
                                .order_by(User.display_name)))


def _normal_password(password: str) -> str:
    """NFC without trimming: spaces are part of a passphrase, the form of a letter is not."""
    return unicodedata.normalize("NFC", password)


@cache
def _dummy_hash() -> str:
    """A hash made the same way as real ones, checked when the user name is unknown."""
    return generate_password_hash(secrets.token_urlsafe(16))


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common and leaked passwords, lowercased."""
    text = resources.files("station").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def _is_sequence(text: str) -> bool:
    """One character repeated, or a run like 12345678 / abcdefgh / 98765432."""
    if len(set(text)) == 1:
        return True
    steps = {ord(b) - ord(a) for a, b in pairwise(text)}
    return len(steps) == 1 and steps <= {1, -1}


def check_password_rule(password: str, *, username: str | None = None) -> None:
    """Refuse short, common or guessable passwords; any letters, digits or spaces are fine."""
    normal = _normal_password(password)
    if len(normal) < MIN_PASSWORD_LENGTH:
        raise ValidationError("A password needs at least {n} characters", n=MIN_PASSWORD_LENGTH)
    if len(normal) > MAX_PASSWORD_LENGTH:
        raise ValidationError("A password may have at most {n} characters",
                              n=MAX_PASSWORD_LENGTH)
    folded = normal.strip().lower()
    if username and folded == nfc(username).lower():
        raise ValidationError("A password may not be the user name")
    if folded in SERVICE_WORDS:
        raise ValidationError("A password may not be the station's name")
    if folded in common_passwords() or _is_sequence(folded):
        raise ValidationError(
            "This password is one of the most common ones; choose another "
            "(a few unrelated words make a good one)"
        )


def change_password(session: Session, user: User, current: str, new: str, *,
                    keep_token: str | None = None, address: str | None = None) -> int:
    """Set a new password after checking the current one; every other session is signed out."""
    if not user.check_password(current):
        raise ValidationError("The current password is wrong")
    user.set_password(new)
    ended = revoke_sessions(session, user, keep_token=keep_token)
    audit.record(session, "password.changed", user_id=user.id, address=address,
                 sessions_ended=ended)
    session.flush()
    return ended


def reset_password(session: Session, user: User, new: str, *, actor: str = "cli") -> int:
    """An administrator sets the password: every session of the account is signed out."""
    user.set_password(new)
    ended = revoke_sessions(session, user)
    audit.record(session, "password.reset", user_id=user.id, by=actor, sessions_ended=ended)
    session.flush()
    return ended


def change_role(session: Session, user: User, role: str, *, channel_id: int | None = None,
                can_review: bool | None = None, actor: str = "cli") -> None:
    """Give an account another role (and a partner its channel, a translator the right to
    review). Rights are read from the account on every request, so the change holds at once
    in its open sessions; the security log keeps what it was and what it became."""
    if role not in ROLES:
        raise ValidationError("Unknown role {role}; use one of {roles}", role=role,
                              roles=", ".join(ROLES))
    if role == "partner" and channel_id is None:
        raise ValidationError("A partner account needs its partner channel")
    before = {"role": user.role, "channel_id": user.channel_id, "can_review": user.can_review}
    user.role = role
    user.channel_id = channel_id if role == "partner" else None
    if can_review is not None or role != "translator":
        user.can_review = bool(can_review) and role == "translator"
    after = {"role": user.role, "channel_id": user.channel_id, "can_review": user.can_review}
    if after != before:
        audit.record(session, "user.role_changed", user_id=user.id, by=actor,
                     before=before, after=after)
    session.flush()


def set_active(session: Session, user: User, active: bool, *, actor: str = "cli") -> None:
    """Deactivate (signing out every session at once) or reactivate an account."""
    user.active = active
    ended = 0 if active else revoke_sessions(session, user)
    audit.record(session, "user.activated" if active else "user.deactivated",
                 user_id=user.id, by=actor, sessions_ended=ended)
    session.flush()


# ---- sessions: one row per signed-in browser, so each can be ended on the server ----------

class UserSession(Base):
    """A signed-in browser; its cookie holds the token, the table only the token's digest."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User, *, address: str | None = None,
                 user_agent: str | None = None) -> str:
    """Start a session for ``user``; the returned token goes into the browser's cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(UserSession(token_hash=_digest(token), user_id=user.id, created_at=now,
                            last_seen_at=now, address=(address or "")[:64] or None,
                            user_agent=(user_agent or "")[:200] or None))
    session.flush()
    return token


def session_user(session: Session, user_id: int, token: str | None,
                 now: dt.datetime | None = None) -> tuple[User, UserSession] | None:
    """The active user behind a live session token, or None (ended, idle, deactivated)."""
    if not token:
        return None
    now = now or utcnow()
    row = session.scalar(select(UserSession).where(UserSession.token_hash == _digest(token)))
    if (row is None or row.user_id != user_id or row.revoked_at is not None
            or now - row.last_seen_at > SESSION_IDLE_LIMIT):
        return None
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return user, row


def touch_session(session: Session, session_id: int, now: dt.datetime | None = None) -> None:
    """Note that a session is in use (callers limit this to once every few minutes)."""
    session.execute(update(UserSession).where(UserSession.id == session_id)
                    .values(last_seen_at=now or utcnow()))


def end_session(session: Session, token: str | None) -> None:
    """Sign out one browser: its cookie, even if copied, no longer signs anyone in."""
    if token:
        session.execute(update(UserSession)
                        .where(UserSession.token_hash == _digest(token),
                               UserSession.revoked_at.is_(None))
                        .values(revoked_at=utcnow()))


def revoke_sessions(session: Session, user: User, *, keep_token: str | None = None) -> int:
    """End every live session of ``user`` (but the caller's own, if given); how many ended."""
    stmt = (update(UserSession)
            .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow()))
    if keep_token:
        stmt = stmt.where(UserSession.token_hash != _digest(keep_token))
    return session.execute(stmt).rowcount or 0  # type: ignore[attr-defined]


def live_sessions(session: Session, user: User) -> list[UserSession]:
    """The user's sessions that still sign in, newest first (for the account page)."""
    since = utcnow() - SESSION_IDLE_LIMIT
    return list(session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None),
               UserSession.last_seen_at > since)
        .order_by(UserSession.last_seen_at.desc())))


def is_token_of(row: UserSession, token: str | None) -> bool:
    return bool(token) and row.token_hash == _digest(token or "")


def logout_everywhere(session: Session, user: User, *, address: str | None = None) -> int:
    """End all of the user's sessions, this browser's included."""
    ended = revoke_sessions(session, user)
    audit.record(session, "sessions.revoked", user_id=user.id, address=address,
                 sessions_ended=ended)
    session.flush()
    return ended


# ---- sign-in throttling ---------------------------------------------------------------

class LoginAttempt(Base):
    """One sign-in try, by submitted name (known or not) and client address."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(default=False)


class TooManyAttempts(StationError):
    """Sign-in refused for a while after repeated failures, even with the right password."""

    http_status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many failed sign-ins; try again in {minutes} min",
                         minutes=max(1, math.ceil(retry_after / 60)))
        self.retry_after = retry_after


@dataclass(frozen=True)
class Lock:
    scope: str  # "account" or "address"
    failures: int
    retry_after: int  # seconds


def _login_key(username: str) -> str:
    return nfc(username).lower()[:80]


def login_locks(session: Session, username: str, address: str | None,
                now: dt.datetime | None = None) -> list[Lock]:
    """The locks in force for this name and address (empty: the sign-in may be tried)."""
    now = now or utcnow()
    key = _login_key(username)
    locks = []
    for scope, column, value, limit in (
        ("account", LoginAttempt.username, key, LOGIN_FAILURES_PER_ACCOUNT),
        ("address", LoginAttempt.address, address, LOGIN_FAILURES_PER_ADDRESS),
    ):
        if not value:
            continue
        since = now - LOGIN_WINDOW
        if scope == "account":
            # The owner signing in clears the count; an address's count only ages out.
            last_ok = session.scalar(select(func.max(LoginAttempt.at)).where(
                LoginAttempt.username == key, LoginAttempt.succeeded))
            if last_ok is not None and last_ok > since:
                since = last_ok
        times = list(session.scalars(
            select(LoginAttempt.at)
            .where(column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
            .order_by(LoginAttempt.at.desc()).limit(limit)))
        if len(times) >= limit:
            until = times[-1] + LOGIN_WINDOW
            locks.append(Lock(scope, len(times),
                              max(1, math.ceil((until - now).total_seconds()))))
    return locks


def sign_in(session: Session, username: str, password: str, *, address: str | None,
            now: dt.datetime | None = None) -> User:
    """Check credentials under the throttle; every try is recorded (the caller commits).

    Raises TooManyAttempts while locked (without looking at the password), and
    ValidationError for a wrong name or password; the failure that starts a lock writes an
    audit event.
    """
    now = now or utcnow()
    key = _login_key(username)
    address = (address or "")[:64] or None
    locks = login_locks(session, key, address, now)
    if locks:
        raise TooManyAttempts(max(lock.retry_after for lock in locks))
    user = authenticate(session, username, password)
    session.add(LoginAttempt(at=now, username=key, address=address, succeeded=user is not None))
    if user is not None:
        audit.record(session, "login.succeeded", user_id=user.id, address=address, username=key)
        session.flush()
        return user
    audit.record(session, "login.failed", address=address, username=key[:80])
    session.flush()
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - dt.timedelta(days=1)))
    for lock in login_locks(session, key, address, now):
        owner = session.scalar(select(User.id).where(User.username == key))
        audit.record(session, "login.locked", user_id=owner if lock.scope == "account" else None,
                     address=address, scope=lock.scope, username=key, failures=lock.failures,
                     retry_after=lock.retry_after)
    session.flush()
    raise ValidationError("Wrong user name or password")
