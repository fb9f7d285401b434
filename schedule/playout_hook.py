"""The playout's own as-run: a token per channel, and one as-run line per clip it reports.

ffplayout runs its "external task" (``task.path``) at the start of every clip with the clip's
JSON (see ``schedule.asrun.parse_task_payload``); a small script POSTs that JSON to Station
with the channel's playout token. Each call is reconciled with the plan as an imported log
line is (``services._match``, the same outcomes), and a repeated call for the same clip
returns the line already recorded instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from production import services as production
from schedule import asrun, expanders, services
from schedule.models import AsRunEntry, PlayoutToken, Slot
from station import tokens
from station.accounts import User, require_role
from station.db import utcnow
from station.errors import StationError

TOKEN_PREFIX = "stp_"
HOOK_BATCH = "playout"  # import_batch of the lines the playout reported itself
SAME_CLIP_S = 15  # a call within this of a recorded line with the same title is that line


class Unauthorized(StationError):
    """A hook call without a valid playout token (missing, unknown, revoked, other channel)."""

    http_status = 401


def create_token(session: Session, channel_code: str, name: str, *,
                 actor: User) -> tuple[PlayoutToken, str]:
    """A new token for one channel's playout; the secret is returned once, never stored."""
    require_role(actor, "admin")
    channel = production.get_channel(session, channel_code)
    secret = tokens.new_secret(TOKEN_PREFIX)
    token = tokens.fill(PlayoutToken(channel_id=channel.id, channel=channel), secret, name,
                        actor.id)
    session.add(token)
    session.flush()
    return token, secret


def revoke_token(session: Session, token_id: int, *, actor: User) -> PlayoutToken:
    require_role(actor, "admin")
    return tokens.revoke(session, PlayoutToken, token_id,
                         missing="No playout token #{token_id}")


def list_tokens(session: Session) -> list[PlayoutToken]:
    return list(session.scalars(select(PlayoutToken).options(
        selectinload(PlayoutToken.channel)).order_by(PlayoutToken.id.desc())))


def authenticate(session: Session, secret: str, channel_code: str) -> PlayoutToken:
    """The active token for ``secret`` if it belongs to ``channel_code``; else Unauthorized.

    A token of another channel is refused like an unknown one (401): a playout reports only
    its own channel's air."""
    if not secret.startswith(TOKEN_PREFIX):
        raise Unauthorized("Send the channel's playout token: Authorization: Bearer stp_...")
    token = tokens.find(session, PlayoutToken, secret)
    if token is None:
        raise Unauthorized("Unknown playout token")
    if token.revoked_at is not None:
        raise Unauthorized("This playout token was revoked")
    if token.channel.code != channel_code:
        raise Unauthorized("This playout token is for {channel}, not {other}",
                           channel=token.channel.code, other=channel_code)
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        token.last_used_at = now
    return token


@dataclass
class Recorded:
    entry: AsRunEntry
    created: bool  # False: the same clip was reported before; nothing was added


def record_played(session: Session, token: PlayoutToken, played: asrun.Played) -> Recorded:
    """One as-run line for a clip the playout started, reconciled with the plan at once."""
    channel = token.channel
    start = played.started
    near = session.scalars(select(AsRunEntry).where(
        AsRunEntry.channel_id == channel.id, AsRunEntry.import_batch == HOOK_BATCH,
        AsRunEntry.started_at >= start - dt.timedelta(seconds=SAME_CLIP_S),
        AsRunEntry.started_at <= start + dt.timedelta(seconds=SAME_CLIP_S)))
    slots = services.slots_between(session, channel, start - dt.timedelta(hours=1),
                                   start + dt.timedelta(hours=1))
    planned = expanders.expand(session, slots)  # a bulletin's lines, each matchable
    owners = {s.id: s for s in slots}
    (line,) = asrun.name_sources([played], [
        asrun.PlannedSource(s.id, s.start_at, services._source(s), s.title) for s in planned])
    for entry in near:
        if entry.title == line.title:
            return Recorded(entry, False)
    # Taken already: a slot with an as-run line; a bulletin's line whose title its slot's
    # as-run lines hold (the bulletin's other lines are still to come).
    titles = {(slot_id, title) for slot_id, title in session.execute(
        select(AsRunEntry.slot_id, AsRunEntry.title).where(
            AsRunEntry.slot_id.in_([s.id for s in slots])))}
    aired = {slot_id for slot_id, _title in titles}
    free = [s for s in planned if (s.id > 0 and s.id not in aired) or
            (s.id < 0 and (expanders.owner_id(s.id), s.title) not in titles)]
    match = services._match(free, set(), start, line.title, line.external)
    entry, owner = services.as_run_entry(channel.id, match, owners, start, line.duration_s,
                                         line.title, line.external, HOOK_BATCH)
    session.add(entry)
    session.flush()
    _move_report(session, match if match is owner else None, start, token)
    return Recorded(entry, True)


def _move_report(session: Session, slot: Slot | None, started: dt.datetime,
                 token: PlayoutToken) -> None:
    """A scheduled report that went out moves to aired, as an imported log line does.

    The workflow wants an acting user: the admin who made the token answers for it."""
    if slot is None or slot.report is None or slot.report.status != "scheduled":
        return
    actor = session.get(User, token.created_by_id) if token.created_by_id else None
    if actor is None:
        return  # the token's maker is gone; the slot is still marked aired
    production.move_report(session, slot.report.id, "aired", actor=actor,
                           comment=services._aired_label(slot, started, "playout"))
