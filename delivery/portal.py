"""What a partner's portal shows of a package: what it holds, what to preview, what was taken.

The portal's pages and the API read these; the routes only check who asks (a partner sees
its own channel's ready packages, ``services.package_for``) and render.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from delivery.models import Package, PackageDownload

CAPTION_FORMATS = ("webvtt", "srt", "ttml")  # preferred order for the preview's captions


def downloaded_ids(session: Session, channel_id: int) -> set[int]:
    """The packages the channel has downloaded at least once (marked "taken" on its home)."""
    return set(session.scalars(select(PackageDownload.package_id).where(
        PackageDownload.channel_id == channel_id).distinct()))


def download_history(session: Session, package_id: int) -> tuple[int, dt.datetime | None]:
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
