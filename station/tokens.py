"""Bearer tokens that machines send: a partner's media system calling the partner API, a
playout's hook reporting each clip it plays.

Each kind has its own table and its own secret prefix (a partner token never opens the
playout hook, nor the reverse), but they are made, stored, found and revoked alike, here:
the secret is 256 random bits shown once; only its SHA-256 is stored (enough for a random
secret, and a stolen database holds no usable token); its first characters stay readable
to tell tokens apart in lists; revoking is immediate and kept, never a delete.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TypeVar

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from station.db import UTCDateTime, utcnow
from station.errors import NotFound, ValidationError

PREFIX_SHOWN = 12  # "stn_Abc12345": enough to tell two tokens apart, useless to an attacker


class BearerToken:
    """The columns every token table has (the owning domain adds its scope, e.g. a channel)."""

    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


T = TypeVar("T", bound=BearerToken)


def hash_secret(secret: str) -> str:
    """Tokens are random (256 bits), so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_name(name: str) -> str:
    """The name a person gives a token (which system uses it), tidied; required."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the token a name (which system uses it)")
    return name[:120]


def fill(token: T, secret: str, name: str, actor_id: int | None) -> T:
    """Set the shared columns of a new token row from its secret."""
    token.name = token_name(name)
    token.prefix = secret[:PREFIX_SHOWN]
    token.token_hash = hash_secret(secret)
    token.created_by_id = actor_id
    return token


def find(session: Session, model: type[T], secret: str) -> T | None:
    """The row of ``model`` holding ``secret``, revoked or not (the caller says why not)."""
    return session.scalar(select(model).where(  # type: ignore[attr-defined]
        model.token_hash == hash_secret(secret)))


def revoke(session: Session, model: type[T], token_id: int, *, missing: str) -> T:
    """Revoke a token at once (revoking twice keeps the first time)."""
    token = session.get(model, token_id)
    if token is None:
        raise NotFound(missing, token_id=token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    session.flush()
    return token
