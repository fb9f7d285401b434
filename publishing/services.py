"""Publishing's use cases: publish and unpublish a report, its history, what is on the site.

Only approved work leaves Station (docs/publishing.md "What may be published"): the report
must be approved (or scheduled, aired, archived: each of those was approved first) and have
its picture or sound; the subtitles shown are the approved tracks, read at each export. Every
change asks for a fresh export of the public site after the commit, so unpublishing removes
the report's pages, media and feed entries from the exported site, the only copy Station
controls outside its own network.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from production.models import Report
from production.workflow import EDITORS, STATUSES
from publishing.models import Publication, PublicationEvent, SocialClip
from station.accounts import User, require_role
from station.db import utcnow
from station.errors import Conflict, NotFound, ValidationError
from station.jobs import JobRun, create_job, enqueue_after_commit
from station.text import ascii_slug, nfc

EXPORT_JOB = "publishing.export"
# Statuses a report passes only after its approval.
PUBLISHABLE = frozenset(STATUSES[STATUSES.index("approved"):])
MEDIA_ROLES = ("proxy", "master", "audio")


class NotPublishable(ValidationError):
    """A report that may not go on the public site, and why."""


@dataclass(frozen=True)
class PublishInput:
    """What an editor may set when publishing: the summaries and, for radio, the podcast."""

    summary: str = ""
    summary_en: str = ""
    programme: str | None = None


def get_publication(session: Session, report_id: int) -> Publication | None:
    """The report's publication, published or withdrawn (None: never published)."""
    return session.scalar(select(Publication).where(Publication.report_id == report_id)
                          .options(selectinload(Publication.events)))


def check_publishable(report: Report) -> None:
    """Refuse a report that is not approved or has nothing to play."""
    if report.status not in PUBLISHABLE:
        raise NotPublishable(
            "Report #{report_id} is {status}: only approved work is published",
            report_id=report.id, status=report.status)
    if not any(report.asset(role) for role in MEDIA_ROLES):
        raise NotPublishable("Report #{report_id} has no media to publish yet",
                             report_id=report.id)


def _slug(report: Report) -> str:
    """A readable address from the title without diacritics, unique by the report's id."""
    base = ascii_slug(report.title, sep="-", max_length=80) or "report"
    return f"{base}-{report.id}"


def _check_version(publication: Publication, version: int | None) -> None:
    if version is not None and version != publication.version:
        who = publication.updated_by.display_name if publication.updated_by else "?"
        raise Conflict("{who} changed this publication at {when} after you opened it; reload "
                       "and try again", who=who,
                       when=publication.updated_at.strftime("%Y-%m-%d %H:%M UTC"))


def publish(session: Session, report_id: int, data: PublishInput, *, actor: User,
            version: int | None = None) -> Publication:
    """Put an approved report on the public site (again, when it was withdrawn)."""
    require_role(actor, *EDITORS)
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound("No report #{report_id}", report_id=report_id)
    check_publishable(report)
    publication = get_publication(session, report_id)
    now = utcnow()
    if publication is None:
        publication = Publication(report=report, slug=_slug(report), created_at=now)
        session.add(publication)
        action = "publish"
    else:
        _check_version(publication, version)
        action = "update" if publication.status == "published" else "publish"
    publication.summary = nfc(data.summary).strip()
    publication.summary_en = nfc(data.summary_en).strip()
    publication.programme = nfc(data.programme or "").strip() or None
    if action == "publish":
        publication.status = "published"
        publication.published_at = now
        publication.published_by_id = actor.id
        publication.withdrawn_at = None
    publication.updated_by_id = actor.id
    publication.updated_at = now
    publication.events.append(PublicationEvent(action=action, actor_id=actor.id, at=now))
    session.flush()
    request_export(session, actor=actor)
    return publication


def unpublish(session: Session, report_id: int, *, actor: User, note: str = "",
              version: int | None = None) -> Publication:
    """Withdraw a report from the public site, its feeds and its social clips' downloads."""
    require_role(actor, *EDITORS)
    publication = get_publication(session, report_id)
    if publication is None or publication.status != "published":
        raise NotFound("Report #{report_id} is not published", report_id=report_id)
    _check_version(publication, version)
    now = utcnow()
    publication.status = "withdrawn"
    publication.withdrawn_at = now
    publication.updated_by_id = actor.id
    publication.updated_at = now
    publication.events.append(PublicationEvent(action="unpublish", actor_id=actor.id, at=now,
                                               note=nfc(note).strip()))
    for clip in session.scalars(select(SocialClip).where(SocialClip.report_id == report_id,
                                                         SocialClip.status == "ready")):
        clip.status = "withdrawn"
    session.flush()
    request_export(session, actor=actor)
    return publication


def history(session: Session, report_id: int) -> list[PublicationEvent]:
    """Who published, changed and withdrew the report, oldest first."""
    publication = get_publication(session, report_id)
    return list(publication.events) if publication else []


def on_site(session: Session) -> list[Publication]:
    """The publications the public site shows now: published, and the report still approved.

    A report stepped back from "approved" stays published in the history but drops out of
    the site until it is approved again.
    """
    return list(session.scalars(
        select(Publication).join(Report, Report.id == Publication.report_id)
        .where(Publication.status == "published", Report.status.in_(PUBLISHABLE))
        .options(selectinload(Publication.report).selectinload(Report.assets),
                 selectinload(Publication.report).selectinload(Report.channels))
        .order_by(Publication.published_at.desc(), Publication.id.desc())))


def request_export(session: Session, *, actor: User | None = None) -> JobRun | None:
    """Ask the workers for a fresh export of the public site after this commit.

    One waiting export is enough: it reads the database when it starts, so it sees every
    change made before then. An export already running may have read too early, so a new
    one queues behind it (exports of one folder take turns: publishing/site/files.py).
    """
    waiting = session.scalar(select(JobRun).where(JobRun.kind == EXPORT_JOB,
                                                  JobRun.status == "queued").limit(1))
    if waiting is not None:
        return None
    job = create_job(session, EXPORT_JOB, {}, actor_id=actor.id if actor else None)
    enqueue_after_commit(session, job)
    return job

