"""Background jobs of delivery: build a package, send a webhook (each try is one job)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import select

from delivery import builder, services, webhooks
from delivery.models import Package, WebhookAttempt, WebhookDelivery
from delivery.specs import spec_from_dict
from production.ffmpeg import FFmpegCancelled
from production.storage import MediaStore, sha256_file
from station import notifications
from station.db import utcnow
from station.errors import NotFound, ValidationError
from station.jobs import JobCancelled, JobContext, handler
from subtitles.cues import SubtitleDoc
from subtitles.models import Track
from subtitles.services import run_qc, stored_cues

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent.parent / "assets"
LOGO = ASSETS / "img" / "logo.png"


def packages_root(media_path: Path) -> Path:
    """Built packages live beside the media store, one folder per partner and report."""
    return media_path / "packages"


def _track_input(session: Any, track: Track) -> builder.TrackInput:
    doc = SubtitleDoc(track.language, stored_cues(session, track.id)[1],
                      track.report.title if track.report else "")
    return builder.TrackInput(
        language=track.language, doc=doc, findings=tuple(run_qc(session, track)),
        approved_by=track.approved_by.display_name if track.approved_by else None,
        approved_at=track.approved_at, fingerprint=builder.fingerprint(doc))


def _request(session: Any, package: Package, ffmpeg: str, ffprobe: str,
             media: MediaStore) -> builder.BuildRequest:
    """Everything the pure builder needs, read now (a track edited since queueing is taken
    as it is now, but it must still be approved)."""
    report = package.report
    own = [lang for lang, entry in package.languages.items()
           if entry.get("package") == package.number]
    tracks = []
    for lang in own:
        track = session.get(Track, package.languages[lang]["track_id"])
        if track is None or track.status != "approved":
            raise ValidationError("The {lang} track is no longer approved; build again",
                                  lang=lang)
        tracks.append(_track_input(session, track))
    master_path = None
    if package.kind == "full":
        master = report.asset("master")
        if master is None:
            raise ValidationError("The report has no ingested master media yet")
        if master.sha256 != package.master_sha256:
            raise ValidationError("The master media changed after the build was queued; "
                                  "build again")
        master_path = media.path(master.storage_key)
    creator = package.created_by.display_name if package.created_by else None
    return builder.BuildRequest(
        spec=spec_from_dict(package.spec), spec_version=package.spec_version,
        report=builder.ReportInfo(
            id=report.id, title=report.title, title_en=report.title_en, kind=report.kind,
            original_language=report.original_language, reporter=report.reporter,
            partner=package.channel.code, due_date=report.due_date),
        number=package.number, kind=package.kind,  # type: ignore[arg-type]
        base_number=package.base.number if package.base else None,
        master=master_path, tracks=tuple(tracks),
        carried={lang: int(entry["package"]) for lang, entry in package.languages.items()
                 if entry.get("package") != package.number},
        ffmpeg=ffmpeg, ffprobe=ffprobe, logo=LOGO if LOGO.is_file() else None, created_by=creator)


def _people(package: Package) -> list[int | None]:
    """Who hears about a package: the report's editor and whoever asked for the build."""
    return [package.report.editor_id, package.created_by_id]


def _about(package: Package) -> dict[str, Any]:
    return {"partner": package.channel.code, "report": package.report.title,
            "package": package.name or f"#{package.number}", "package_id": package.id}


# A failed build says so as "package_failed" (with the partner and report): the generic
# "job_failed" notification would tell the same people twice.
notifications.QUIET_JOB_KINDS.add("package")


def _package_failed(ctx: JobContext, exc: BaseException) -> None:
    with ctx.runtime.session() as session:
        package = session.get(Package, ctx.args["package_id"])
        if package is not None and package.status == "building":
            package.status = "failed"
            package.error = str(exc)[:2000]
            notifications.notify(session, _people(package), "package_failed",
                                 {**_about(package), "error": package.error},
                                 link=f"/reports/{package.report_id}")
            session.commit()


# Not repeatable: a build cut short leaves a half-written package folder and its finish
# supersedes packages and queues webhooks; a person retries it (the sweep fails it).
@handler("package", on_failure=_package_failed, repeatable=False)
def build_package(ctx: JobContext) -> dict[str, Any]:
    settings = ctx.runtime.settings
    media = MediaStore(settings.media_path)
    with ctx.runtime.session() as session:
        package = session.get(Package, ctx.args["package_id"])
        if package is None:
            raise NotFound("No package #{package_id}", package_id=ctx.args["package_id"])
        request = _request(session, package, settings.ffmpeg_binary, settings.ffprobe_binary,
                           media)
        out_dir = packages_root(settings.media_path) / package.channel.code / str(package.report_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx.progress(1, "Preparing the package")
    try:
        result = builder.build(request, out_dir, progress=lambda p, step: ctx.progress(p, step),
                               should_cancel=ctx.should_cancel)
    except FFmpegCancelled as exc:  # cancelled by a user, or past the job's time limit
        raise JobCancelled("Cancelled by a user") from exc
    ctx.progress(99, "Checking the package")
    with ctx.runtime.session() as session:
        package = session.get(Package, ctx.args["package_id"])
        assert package is not None
        root = settings.media_path
        package.name = result.name
        package.storage_key = result.bag_dir.relative_to(root).as_posix()
        package.files = [{"path": f.path, "size": f.size, "sha256": f.sha256, "role": f.role,
                          "language": f.language, "format": f.format} for f in result.files]
        package.manifest = result.manifest
        for track in request.tracks:  # as built (a track may have been edited since queueing)
            package.languages = {**package.languages, track.language: {
                **package.languages[track.language], "fingerprint": track.fingerprint}}
        if result.archive is not None:
            package.archive_key = result.archive.relative_to(root).as_posix()
            package.size_bytes = result.archive.stat().st_size
            package.sha256 = sha256_file(result.archive)
        else:
            package.size_bytes = sum(f.size for f in result.files)
        package.status = "ready"
        package.ready_at = utcnow()
        package.error = None
        superseded = services.finish_package(session, package)
        services.queue_webhooks(session, package)
        notifications.notify(session, _people(package), "package_ready", _about(package),
                             link=f"/reports/{package.report_id}")
        session.commit()
        log.info("package %s ready (%s), superseding %s", package.name, package.kind,
                 [p.number for p in superseded])
        return {"package_id": package.id, "name": package.name, "size": package.size_bytes}


@handler("webhook")
def send_webhook(ctx: JobContext) -> dict[str, Any]:
    """One try; a failure records its answer and schedules the next try with backoff."""
    settings = ctx.runtime.settings
    with ctx.runtime.session() as session:
        delivery = session.get(WebhookDelivery, ctx.args["delivery_id"])
        if delivery is None:
            raise NotFound("No webhook delivery #{delivery_id}",
                           delivery_id=ctx.args["delivery_id"])
        if delivery.status == "delivered":
            return {"status": "delivered"}
        row = session.scalar(select(services.DeliverySpec).where(
            services.DeliverySpec.channel_id == delivery.channel_id))
        secret = (row.webhook_secret if row is not None else None) or ""
        number = delivery.attempts + 1
        outcome = webhooks.post(delivery.url, delivery.payload, secret=secret,
                                event=delivery.event, delivery_id=delivery.id,
                                timeout=settings.webhook_timeout,
                                allowed=webhooks.parse_allowed(
                                    settings.webhook_allowed_addresses))
        delivery.attempts = number
        session.add(WebhookAttempt(delivery_id=delivery.id, number=number,
                                   status_code=outcome.status_code, error=outcome.error,
                                   duration_ms=outcome.duration_ms))
        if outcome.ok:
            delivery.status = "delivered"
            delivery.next_attempt_at = None
        elif number >= settings.webhook_max_attempts:
            delivery.status = "failed"
            delivery.next_attempt_at = None
        else:
            services.send_webhook_later(
                session, delivery, delay=webhooks.backoff(number, settings.webhook_backoff))
        session.commit()
        return {"status": delivery.status, "attempt": number,
                "status_code": outcome.status_code, "error": outcome.error}
