"""What a partner's portal shows of a package: what it holds, what to preview, what was taken.

The portal's pages and the API read these; the routes only check who asks (a partner sees
its own channel's ready packages, ``services.package_for``) and render.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from delivery.models import ApiToken, DeliverySpec, Package, PackageDownload
from delivery.services import spec_of
from production.models import Channel, Report
from station.accounts import User
from station.errors import NotFound, PermissionDenied
from subtitles.services import report_tracks

CAPTION_FORMATS = ("webvtt", "srt", "ttml")  # preferred order for the preview's captions


def downloaded_ids(session: Session, channel_id: int) -> set[int]:
    """The packages the channel has downloaded at least once (marked "taken" on its home)."""
    return set(session.scalars(select(PackageDownload.package_id).where(
        PackageDownload.channel_id == channel_id).distinct()))


def package_downloads(session: Session, package_id: int) -> tuple[int, dt.datetime | None]:
    """How many times a package was downloaded, and when last."""
    count, last = session.execute(
        select(func.count(PackageDownload.id), func.max(PackageDownload.at))
        .where(PackageDownload.package_id == package_id)).one()
    return int(count), last


def sibling(session: Session, package: Package, number: int) -> Package | None:
    """Another ready package of the same report for the same partner, by number."""
    if number == package.number:
        return package
    return session.scalar(select(Package).where(
        Package.report_id == package.report_id, Package.channel_id == package.channel_id,
        Package.number == number, Package.status == "ready"))


def preview_media(package: Package) -> tuple[Package, dict[str, Any]] | None:
    """The package holding the picture (or sound) to preview: itself, or for a supplemental
    one the full package it adds to."""
    holder = package if package.kind == "full" else package.base
    if holder is None:
        return None
    entry = next((f for f in holder.files if f["role"] == "video"), None) or \
        next((f for f in holder.files if f["role"] == "audio"), None)
    return (holder, entry) if entry else None


def caption_file(session: Session, package: Package,
                 language: str) -> tuple[Package, dict[str, Any]] | None:
    """The subtitle file a browser can show for ``language``, from whichever package of the
    partner's series carries that language now."""
    entry = package.languages.get(language)
    holder = sibling(session, package, int(entry["package"])) if entry else None
    if holder is None:
        return None
    files = [f for f in holder.files if f["role"] == "subtitle" and f["language"] == language]
    for fmt in CAPTION_FORMATS:
        found = next((f for f in files if f["format"] == fmt), None)
        if found:
            return holder, found
    return None


def caption_languages(session: Session, package: Package) -> list[str]:
    """The languages the preview player offers."""
    return [lang for lang in sorted(package.languages) if caption_file(session, package, lang)]


def partner_packages(session: Session, channel_id: int, *,
                     since: dt.datetime | None = None, limit: int = 500) -> list[Package]:
    """The channel's ready packages, newest first (superseded ones included, marked)."""
    stmt = (select(Package).where(Package.channel_id == channel_id, Package.status == "ready")
            .options(selectinload(Package.channel), selectinload(Package.report)))
    if since is not None:
        stmt = stmt.where(Package.ready_at > since)
    return list(session.scalars(stmt.order_by(Package.ready_at.desc(), Package.id.desc())
                                .limit(limit)))


def package_for(session: Session, package_id: int, *, actor: User | None = None,
                channel_id: int | None = None) -> Package:
    """A package the caller may read: staff any, a partner (user or token) only its own
    channel's ready packages. Someone else's package is "not found", never "forbidden", so
    ids cannot be probed."""
    package = session.get(Package, package_id)
    if actor is not None and actor.is_staff:
        if package is None:
            raise NotFound("No package #{package_id}", package_id=package_id)
        return package
    if actor is not None:
        channel_id = actor.channel_id
    if channel_id is None:
        raise PermissionDenied("Your role may not do this")
    if package is None or package.channel_id != channel_id or package.status != "ready":
        raise NotFound("No package #{package_id}", package_id=package_id)
    return package


def record_download(session: Session, package: Package, path: str, *, user: User | None,
                    token: ApiToken | None, range_start: int, size: int,
                    remote_addr: str | None) -> PackageDownload | None:
    """Log one download request of the partner (every one: whole file, resumed range, single
    file). Only the partner's own accounts and API tokens count: staff opening a package to
    check it are served but not logged, so the portal's "new" mark, the download history and
    the results' downloads per partner stay the partner's own."""
    if token is None and (user is None or user.role != "partner"
                          or user.channel_id != package.channel_id):
        return None
    row = PackageDownload(package_id=package.id, channel_id=package.channel_id,
                          user_id=user.id if user else None, token_id=token.id if token else None,
                          path=path[:300], range_start=range_start, bytes=size,
                          remote_addr=(remote_addr or "")[:64] or None)
    session.add(row)
    session.flush()
    return row


def download_history(session: Session, channel_id: int, limit: int = 200) -> list[PackageDownload]:
    return list(session.scalars(
        select(PackageDownload).where(PackageDownload.channel_id == channel_id)
        .options(selectinload(PackageDownload.package), selectinload(PackageDownload.user),
                 selectinload(PackageDownload.token))
        .order_by(PackageDownload.at.desc(), PackageDownload.id.desc()).limit(limit)))


@dataclass(frozen=True)
class Upcoming:
    """A report the partner can expect: when, and in which languages."""

    report: Report
    expected: dt.date | None
    languages: list[str]
    slot_start: dt.datetime | None


def upcoming(session: Session, channel: Channel, *, today: dt.date) -> list[Upcoming]:
    """Planned reports for the channel not yet delivered, with their due dates (or first
    published slot) and the languages the spec will carry."""
    from schedule.models import Slot

    row = session.scalar(select(DeliverySpec).where(DeliverySpec.channel_id == channel.id))
    spec = spec_of(row) if row is not None else None
    delivered = select(Package.report_id).where(Package.channel_id == channel.id,
                                                Package.status == "ready")
    reports = session.scalars(
        select(Report).where(Report.channels.any(Channel.id == channel.id),
                             Report.id.not_in(delivered),
                             Report.status.not_in(("aired", "archived")))
        .order_by(Report.due_date.is_(None), Report.due_date, Report.id).limit(100)).all()
    slots: dict[int, dt.datetime] = {}
    if reports:
        for report_id, start in session.execute(
                select(Slot.report_id, func.min(Slot.start_at))
                .where(Slot.channel_id == channel.id, Slot.status == "published",
                       Slot.report_id.in_([r.id for r in reports]))
                .group_by(Slot.report_id)):
            slots[report_id] = start
    out = []
    for report in reports:
        if report.due_date is not None and report.due_date < today - dt.timedelta(days=60):
            continue
        languages = list(spec.languages if spec else ())
        have = {t.language for t in report_tracks(session, report.id)}
        expected_languages = [lang for lang in languages
                              if lang in (spec.required_languages if spec else ()) or lang in have]
        out.append(Upcoming(report, report.due_date, expected_languages, slots.get(report.id)))
    return out
