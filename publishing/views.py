"""View counts from the public site's logs: import a log into `PageView` rows, read them back.

The web server that serves the exported site keeps the only record of who watched; Station
reads it back as counts per report, local day and kind (``publishing.viewlogs``), and keeps
nothing else: no address, no user agent, no cookie (docs/publishing.md "View counts"). A log
file is known by its SHA-256, so giving the same file twice (a cron job run again, a rotated
file sent once plain and once gzipped is two files) never counts it twice.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from production.models import Report
from production.workflow import EDITORS
from publishing import viewlogs
from publishing.models import VIEW_KINDS, PageView, Publication, ViewLogImport
from publishing.services import EXPORT_JOB
from station.accounts import User, require_role
from station.db import utcnow
from station.errors import Conflict, NotFound, ValidationError
from station.jobs import JobRun
from station.text import nfc
from station.timecode import LOCAL_TZ_NAME, to_local

CHUNK = 1 << 20


@dataclass
class ImportResult:
    """What one log file added: lines read, views counted, and what could not be placed."""

    name: str
    lines: int
    counted: int
    malformed: int
    malformed_lines: list[int]
    ignored: int
    unknown: int  # views of slugs no publication has (an old site, a typo'd address)
    by_kind: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"file": self.name, "lines": self.lines, "counted": self.counted,
                "malformed": self.malformed, "malformed_lines": self.malformed_lines,
                "ignored": self.ignored, "unknown": self.unknown, "by_kind": self.by_kind}


@dataclass(frozen=True)
class ReportViews:
    """One report's views in a period."""

    report_id: int
    title: str
    slug: str | None
    page: int = 0
    play: int = 0
    download: int = 0


def public_url(site_url: str, slug: str) -> str:
    """A report's page on the public site (the export writes it at r/<slug>/)."""
    return site_url.rstrip("/") + f"/r/{slug}/"


@dataclass(frozen=True)
class Listed:
    """A publication on the desk's list: its report, who published it, its views."""

    publication: Publication
    views: dict[str, int]

    def url(self, site_url: str) -> str:
        """The report's page on the public site (the export writes it at r/<slug>/)."""
        return public_url(site_url, self.publication.slug)

    def as_dict(self, site_url: str, tz: str = LOCAL_TZ_NAME) -> dict[str, object]:
        p = self.publication

        def local(moment: dt.datetime | None) -> str | None:
            return to_local(moment, tz).strftime("%Y-%m-%d %H:%M") if moment else None

        return {"report": p.report_id, "title": p.report.title, "slug": p.slug,
                "status": p.status, "url": self.url(site_url),
                "published_at": local(p.published_at),
                "published_by": p.published_by.display_name if p.published_by else None,
                "withdrawn_at": local(p.withdrawn_at), "report_status": p.report.status,
                "version": p.version, "views": self.views}


def publications(session: Session) -> list[Listed]:
    """Every publication, published first, then newest first, with its views so far."""
    rows = list(session.scalars(
        select(Publication).options(selectinload(Publication.report),
                                    selectinload(Publication.published_by))
        .order_by(Publication.status, Publication.published_at.desc(), Publication.id.desc())))
    counts = totals_by_report(session, [p.report_id for p in rows])
    return [Listed(p, counts[p.report_id]) for p in rows]


def last_export(session: Session) -> JobRun | None:
    """The newest export of the public site (queued, running or done), for the desk's page."""
    return session.scalar(select(JobRun).where(JobRun.kind == EXPORT_JOB)
                          .order_by(JobRun.id.desc()).limit(1))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_new(session: Session, paths: list[Path]) -> list[tuple[Path, str]]:
    """Each file with its hash; refuse a missing file or one already counted, before any row
    changes (one refusal leaves every file for the next run)."""
    out: list[tuple[Path, str]] = []
    seen: dict[str, Path] = {}
    for path in paths:
        if not path.is_file():
            raise NotFound("No log file {name}", name=str(path))
        sha = file_sha256(path)
        if sha in seen:
            raise ValidationError("{name} is the same file as {other}: it is counted once",
                                  name=path.name, other=seen[sha].name)
        seen[sha] = path
        done = session.scalar(select(ViewLogImport).where(ViewLogImport.sha256 == sha))
        if done is not None:
            raise ValidationError(
                "{name} was already imported on {when} (as {was}); its views are counted",
                name=path.name, was=done.name,
                when=to_local(done.imported_at).strftime("%Y-%m-%d %H:%M"))
        out.append((path, sha))
    return out


def _count(path: Path, prefix: str, tz: str) -> viewlogs.LogCounts:
    try:
        return viewlogs.count_file(path, prefix=prefix, tz=tz)
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValidationError("{name} cannot be read to its end ({reason}); nothing was "
                              "counted from it", name=path.name, reason=str(exc)) from exc


def _add_counts(session: Session, counts: Counter[tuple[int, dt.date, str]]) -> None:
    """Add to the (report, day, kind) rows, creating the missing ones."""
    keys = list(counts)
    existing: dict[tuple[int, dt.date, str], PageView] = {}
    for start in range(0, len(keys), 300):
        part = keys[start:start + 300]
        for row in session.scalars(select(PageView).where(
                tuple_(PageView.report_id, PageView.day, PageView.kind).in_(part))):
            existing[(row.report_id, row.day, row.kind)] = row
    for key, n in counts.items():
        row = existing.get(key)
        if row is None:
            report_id, day, kind = key
            session.add(PageView(report_id=report_id, day=day, kind=kind, count=n))
        else:
            row.count += n


def import_logs(session: Session, paths: list[Path], *, actor: User, site_url: str,
                tz: str = LOCAL_TZ_NAME) -> list[ImportResult]:
    """Count the views in the site's access logs (Combined/Common, plain or gzip)."""
    require_role(actor, *EDITORS)
    if not paths:
        raise ValidationError("Give at least one log file")
    files = _check_new(session, paths)
    slugs = dict(session.execute(select(Publication.slug, Publication.report_id)).all())
    prefix = viewlogs.site_prefix(site_url)
    results = []
    for path, sha in files:
        found = _count(path, prefix, tz)
        placed: Counter[tuple[int, dt.date, str]] = Counter()
        unknown = 0
        for (slug, day, kind), n in found.counts.items():
            report_id = slugs.get(slug)
            if report_id is None:
                unknown += n
            else:
                placed[(report_id, day, kind)] += n
        _add_counts(session, placed)
        name = nfc(path.name)[:300]
        session.add(ViewLogImport(sha256=sha, name=name, lines=found.lines,
                                  counted=found.counted - unknown, imported_at=utcnow(),
                                  actor_id=actor.id))
        try:
            session.flush()
        except IntegrityError as exc:  # another import added the same rows first
            raise Conflict("Another import of the site's logs ran at the same time; nothing "
                           "was counted from {name}: run the import again", name=name) from exc
        results.append(ImportResult(name=name, lines=found.lines,
                                    counted=found.counted - unknown,
                                    malformed=found.malformed,
                                    malformed_lines=list(found.malformed_lines),
                                    ignored=found.ignored, unknown=unknown,
                                    by_kind=found.by_kind()))
    return results


def views_between(session: Session, start: dt.date, end: dt.date, *,
                  report_ids: list[int] | None = None) -> list[ReportViews]:
    """Each report's page views, plays and downloads from ``start`` to ``end`` (local days,
    inclusive), most viewed first."""
    stmt = (select(PageView.report_id, PageView.kind, func.sum(PageView.count))
            .where(PageView.day >= start, PageView.day <= end)
            .group_by(PageView.report_id, PageView.kind))
    if report_ids is not None:
        stmt = stmt.where(PageView.report_id.in_(report_ids))
    sums: dict[int, dict[str, int]] = {}
    for report_id, kind, n in session.execute(stmt).all():
        sums.setdefault(report_id, dict.fromkeys(VIEW_KINDS, 0))[kind] = int(n or 0)
    if not sums:
        return []
    names = {r.id: (r.title, r.slug) for r in session.execute(
        select(Report.id, Report.title, Publication.slug)
        .outerjoin(Publication, Publication.report_id == Report.id)
        .where(Report.id.in_(list(sums))))}
    rows = [ReportViews(report_id=rid, title=names.get(rid, ("?", None))[0],
                        slug=names.get(rid, ("?", None))[1], **kinds)
            for rid, kinds in sums.items()]
    return sorted(rows, key=lambda r: (-r.page, -r.play, r.report_id))


def totals_by_report(session: Session, report_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each report's views of every kind since its logs were first imported."""
    out = {rid: dict.fromkeys(VIEW_KINDS, 0) for rid in report_ids}
    if not report_ids:
        return out
    for rid, kind, n in session.execute(
            select(PageView.report_id, PageView.kind, func.sum(PageView.count))
            .where(PageView.report_id.in_(report_ids))
            .group_by(PageView.report_id, PageView.kind)).all():
        out[rid][kind] = int(n or 0)
    return out
