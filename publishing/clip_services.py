"""Social clips' use cases: cut one from an approved report, list a report's clips, hand out
a clip's file (docs/publishing.md "Social clips").

The rules are those of everything that leaves Station: the report must be approved (or past
approval), and subtitles burned into a clip must be an approved, QC-clean track, asked of
subtitles/readiness.py like every other reader of a track's state. A clip is at most 90 s
and lies inside the media. The picture is rendered by a worker (publishing/clip_tasks.py);
its files are handed out only while the clip is ready: a withdrawn clip (its report was
unpublished) or a report stepped back from approval refuses the download.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from production.models import MediaAsset, Report
from production.storage import MediaStore
from production.workflow import EDITORS
from publishing import clips
from publishing.models import CLIP_ASPECTS, SocialClip
from publishing.services import PUBLISHABLE, check_publishable, get_publication
from station.accounts import User, require_role
from station.errors import NotFound, StationError, ValidationError
from station.i18n import N_
from station.jobs import JobRun, create_job, enqueue_after_commit
from station.text import nfc
from subtitles.models import Track
from subtitles.readiness import track_readiness

CLIP_JOB = "publishing.social_clip"
TITLE_MAX = 300  # SocialClip.title
# Codes pages show by their label: the clip's own statuses and its job's kind.
LABELS = (N_("rendering"), N_("withdrawn"), N_("publishing.social_clip"))


class ClipUnavailable(StationError):
    """A clip whose file may not be handed out now (not rendered yet, or failed)."""

    http_status = 409


class ClipWithdrawn(ClipUnavailable):
    """A clip of a report taken off the public site: its files no longer leave Station."""

    http_status = 410


@dataclass(frozen=True)
class ClipInput:
    """What an editor chooses: the points (ms), the burned language (None: no subtitles),
    the title on the card (empty: the report's title) and the shapes."""

    in_ms: int
    out_ms: int
    language: str | None = None
    title: str = ""
    aspects: Sequence[str] = field(default_factory=lambda: list(CLIP_ASPECTS))


@dataclass(frozen=True)
class ClipFile:
    """One rendered shape of a clip, ready to send."""

    path: Path
    download_name: str
    size: int
    sha256: str


def get_report(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound("No report #{report_id}", report_id=report_id)
    return report


def picture_asset(report: Report) -> MediaAsset:
    """The file a clip is cut from: the master (full quality), else the web proxy; a report
    without a picture (radio) has no clip to cut."""
    for role in ("master", "proxy"):
        asset = report.asset(role)
        if asset is not None and asset.video_codec:
            return asset
    raise ValidationError("Report #{report_id} has no picture: social clips are cut from "
                          "video", report_id=report.id)


def clip_languages(session: Session, report_id: int) -> list[str]:
    """The languages whose subtitles may be burned in: approved tracks without QC errors,
    the report's own language first (the form's default), then Vietnamese, then the rest."""
    original = session.scalar(select(Report.original_language).where(Report.id == report_id))
    languages = sorted(session.scalars(select(Track.language).where(
        Track.report_id == report_id, Track.status == "approved")),
        key=lambda lang: (lang != original, lang != "vi", lang))
    return [lang for lang, ready in track_readiness(session, report_id, languages).items()
            if ready.ok]


def check_language(session: Session, report_id: int, language: str) -> None:
    """Refuse a language whose track is missing, unapproved or failing QC, saying which."""
    ready = track_readiness(session, report_id, [language])[language]
    if not ready.ok:
        raise ValidationError("The {language} subtitles cannot be burned into a clip: "
                              "{reasons}", language=language, reasons=ready.problems())


def _title(data: ClipInput, report: Report) -> str:
    title = " ".join(nfc(data.title).split()) or report.title
    if len(title) > TITLE_MAX:
        raise ValidationError("The title is {length} characters; at most {limit}",
                              length=len(title), limit=TITLE_MAX)
    return title


def create_clip(session: Session, report_id: int, data: ClipInput, *,
                actor: User) -> SocialClip:
    """Check the request and queue the worker that renders the clip (after the commit)."""
    require_role(actor, *EDITORS)
    report = get_report(session, report_id)
    check_publishable(report)
    publication = get_publication(session, report_id)
    if publication is not None and publication.status == "withdrawn":
        raise ValidationError("Report #{report_id} was withdrawn from the public site: "
                              "publish it again before cutting clips", report_id=report_id)
    asset = picture_asset(report)
    clips.check_span(data.in_ms, data.out_ms, asset.duration_ms)
    aspects = clips.check_aspects(data.aspects)
    language = (data.language or "").strip() or None
    if language is not None:
        check_language(session, report_id, language)
    clip = SocialClip(report_id=report_id, language=language, in_ms=data.in_ms,
                      out_ms=data.out_ms, title=_title(data, report), aspects=aspects,
                      status="queued", outputs={}, error="", created_by_id=actor.id)
    session.add(clip)
    session.flush()
    # The report is the job's subject, so the report page's recent jobs show the render too.
    job = create_job(session, CLIP_JOB, {"clip_id": clip.id}, actor_id=actor.id,
                     subject=("report", report_id), dedupe_key=f"social_clip:{clip.id}")
    clip.job_id = job.id
    session.flush()
    enqueue_after_commit(session, job)
    return clip


def get_clip(session: Session, clip_id: int) -> SocialClip:
    clip = session.get(SocialClip, clip_id)
    if clip is None:
        raise NotFound("No social clip #{clip_id}", clip_id=clip_id)
    return clip


def list_clips(session: Session, report_id: int) -> list[SocialClip]:
    """The report's clips, newest first."""
    return list(session.scalars(select(SocialClip).where(SocialClip.report_id == report_id)
                                .order_by(SocialClip.id.desc())))


def clip_jobs(session: Session, found: Sequence[SocialClip]) -> dict[int, JobRun]:
    """Each clip's job (progress, step, error), by clip id."""
    ids = [c.job_id for c in found if c.job_id is not None]
    jobs = {j.id: j for j in session.scalars(select(JobRun).where(JobRun.id.in_(ids)))}
    return {c.id: jobs[c.job_id] for c in found if c.job_id in jobs}


def clip_file(session: Session, clip_id: int, aspect: str, media_root: Path) -> ClipFile:
    """The file of one shape, refused unless the clip is ready and its report still approved."""
    clip = get_clip(session, clip_id)
    if clip.status == "withdrawn":
        raise ClipWithdrawn(N_("Social clip #{clip_id} was withdrawn with its report: it can "
                               "no longer be downloaded"), clip_id=clip_id)
    if clip.status != "ready":
        raise ClipUnavailable(N_("Social clip #{clip_id} is {status}: only a ready clip can "
                                 "be downloaded"), clip_id=clip_id, status=clip.status)
    if clip.report.status not in PUBLISHABLE:
        raise ClipWithdrawn(N_("Report #{report_id} is {status}: its clips leave Station "
                               "only while it is approved"), report_id=clip.report_id,
                            status=clip.report.status)
    entry = clip.outputs.get(aspect)
    if entry is None:
        raise NotFound("Social clip #{clip_id} has no {aspect} file", clip_id=clip_id,
                       aspect=aspect)
    path = MediaStore(media_root).path(entry["key"])
    if not path.is_file():
        raise NotFound("The file of social clip #{clip_id} is missing from the media store",
                       clip_id=clip_id)
    return ClipFile(path, clips.output_name(clip.title, aspect), int(entry["bytes"]),
                    str(entry.get("sha256") or ""))
