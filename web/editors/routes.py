"""The production desk in the browser: report list, report page, upload, workflow, jobs."""

from __future__ import annotations

import datetime as dt
import uuid
from fractions import Fraction
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from delivery import services as delivery_services
from planning import plans
from production import bulk, services, workflow
from production.models import REPORT_KINDS, MediaAsset
from production.storage import MediaStore
from schedule import services as schedule_services
from station import jobs
from station.accounts import active_users
from station.errors import MediaError, StationError, TooLarge, ValidationError
from station.text import file_name, human_size
from station.timecode import to_local
from subtitles import engines
from subtitles import services as subtitle_services
from web.app import attempt, commit, db, runtime, wants_json
from web.auth.access import EDITORS, STAFF, roles_required
from web.auth.routes import home_for
from web.editors.forms import frame_rate, report_filter, report_input
from web.i18n import current_language, gettext
from web.limits import UPLOAD, limit

bp = Blueprint("editors", __name__, template_folder="templates")
CHUNK = 1024 * 1024


@bp.get("/")
@login_required
def index() -> Response:
    return redirect(home_for(current_user))


@bp.get("/reports")
@roles_required(*STAFF)
def reports() -> str:
    flt, extra = report_filter(request.args)
    found = services.list_reports(db(), flt, actor=current_user)
    return render_template(
        "editors/reports.html",
        reports=found,
        flt=flt,
        filter_errors=[e.message(current_language()) for e in extra["errors"]],
        channels=services.list_channels(db()),
        statuses=workflow.STATUSES,
        counts=services.status_counts(db()),
        bulk=_bulk_context(),
        assignments=plans.assignments_for(db(), current_user.id, since=dt.date.today()),
    )


def _bulk_context() -> dict[str, object] | None:
    """What the list's action bar offers the user (None: their role has no bulk actions)."""
    if current_user.role not in EDITORS:
        return None
    editors = active_users(db(), *EDITORS)
    return {"targets": bulk.bulk_move_targets(current_user.role),
            "editors": editors, "back": request.full_path.rstrip("?")}


def _form_context(**extra: object) -> dict[str, object]:
    editors = active_users(db(), *EDITORS)
    return {"channels": services.list_channels(db()), "kinds": REPORT_KINDS,
            "editors": editors, **extra}


def _form_fps(form: MultiDict[str, str]) -> Fraction:
    """The frame rate of the report form's chosen channels (25 when they differ or none)."""
    return frame_rate(services.list_channels(db()), form.getlist("channels"))


@bp.route("/reports/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_report() -> str | Response | tuple[str, int]:
    form = request.form
    if request.method == "POST":
        try:
            report = services.create_report(db(), report_input(form, _form_fps(form)),
                                            actor=current_user)
            commit()
        except ValidationError as exc:
            db().rollback()
            # Re-show the form with everything the user typed: nothing is lost.
            return render_template("editors/report_form.html", form=form,
                                   error=exc.message(current_language()),
                                   **_form_context()), 422
        flash(gettext("Report created"), "ok")
        return redirect(url_for("editors.report", report_id=report.id))
    return render_template("editors/report_form.html", form=None, error=None,
                           **_form_context())


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_report(report_id: int) -> str | Response | tuple[str, int]:
    report = services.get_report(db(), report_id, actor=current_user)
    if request.method == "POST":
        try:
            version = int(request.form.get("version", "0"))
            services.update_report(db(), report_id,
                                   report_input(request.form, _form_fps(request.form)),
                                   actor=current_user, version=version)
            commit()
        except StationError as exc:
            db().rollback()
            report = services.get_report(db(), report_id, actor=current_user)
            return render_template("editors/report_form.html", form=request.form,
                                   report=report, error=exc.message(current_language()),
                                   **_form_context()), exc.http_status
        flash(gettext("Saved"), "ok")
        return redirect(url_for("editors.report", report_id=report_id))
    return render_template("editors/report_form.html", form=None, report=report, error=None,
                           **_form_context())


@bp.get("/reports/<int:report_id>")
@roles_required(*STAFF)
def report(report_id: int) -> str:
    item = services.get_report(db(), report_id, actor=current_user)
    master = item.asset("master")
    loudness = [
        (channel, channel.loudness_verdict(master.loudness_lufs, master.true_peak_dbtp))
        for channel in item.channels
    ] if master is not None and master.loudness_lufs is not None else []
    tracks = [(t, subtitle_services.severity_counts(subtitle_services.run_qc(db(), t)))
              for t in subtitle_services.report_tracks(db(), report_id)]
    return render_template(
        "editors/report.html",
        report=item,
        tracks=tracks,
        missing_languages=[lang for lang in subtitle_services.required_languages(item)
                           if lang not in {t.language for t, _ in tracks}],
        proxy=item.asset("proxy"),
        master=master,
        poster=item.asset("poster"),
        waveform=item.asset("waveform"),
        loudness=loudness,
        moves=[m for m in workflow.moves_from(item.status, current_user.role)
               if not m.automatic],
        gates=services.open_gates(db(), item, actor=current_user),
        confirm={m.target for m in workflow.moves_from(item.status, current_user.role)
                 if workflow.needs_confirmation(m, current_user.role)},
        back_targets=(workflow.back_targets(item.status)
                      if current_user.role == "admin" else []),
        airable=(schedule_services.airable_slots(db(), report_id)
                 if item.status == "scheduled" else []),
        override_of=workflow.parse_override,
        aired_default=_aired_default(report_id) if item.status == "scheduled" else "",
        jobs=services.report_jobs(db(), report_id),
        can_edit=current_user.role in EDITORS,
        delivery=delivery_services.delivery_status(db(), item),
        packages=delivery_services.report_packages(db(), report_id),
        lang=current_language(),
        engines=engines.options(item.original_language, runtime().settings),
    )


def _aired_default(report_id: int) -> str:
    """The first published slot's planned start in its channel's time, for the form."""
    slots = schedule_services.airable_slots(db(), report_id)
    if not slots:
        return ""
    local = to_local(slots[0].start_at, slots[0].channel.timezone)
    return local.strftime("%Y-%m-%dT%H:%M")


def _confirm(report_id: int, action: str, question: str) -> str:
    """A page asking once more before a move the user could not undo (no script needed)."""
    fields = [(k, v) for k, v in request.form.items(multi=True)
              if k not in ("csrf_token", "confirmed")]
    item = services.get_report(db(), report_id, actor=current_user)
    return render_template("editors/confirm_move.html", report=item, action=action,
                           question=question, fields=fields)


@bp.post("/reports/<int:report_id>/move")
@roles_required(*EDITORS)
def move(report_id: int) -> Response | str:
    version = request.form.get("version")
    target = request.form.get("target", "")
    item = services.get_report(db(), report_id, actor=current_user)
    step = workflow.transition(item.status, target)
    if (step is not None and workflow.needs_confirmation(step, current_user.role)
            and request.form.get("confirmed") != "1"):
        return _confirm(report_id, url_for("editors.move", report_id=report_id),
                        gettext("Move the report to {status}? You cannot undo this yourself.",
                                status=gettext(target)))
    attempt(lambda: services.move_report(
                db(), report_id, target, actor=current_user,
                comment=request.form.get("comment", ""),
                override=request.form.get("override", "")
                if current_user.role == "admin" else "",
                version=int(version) if version and version.isdigit() else None),
            lambda moved: gettext("Report moved to {status}", status=gettext(moved.status)))
    return redirect(url_for("editors.report", report_id=report_id))


@bp.post("/reports/<int:report_id>/aired")
@roles_required(*EDITORS)
def mark_aired(report_id: int) -> Response | str:
    """An explicit as-run line: the editor names the slot and when it went out."""
    form = request.form
    if form.get("confirmed") != "1":
        return _confirm(report_id, url_for("editors.mark_aired", report_id=report_id),
                        gettext("Mark the report aired at {time}? You cannot undo this "
                                "yourself.", time=form.get("started", "").replace("T", " ")))

    def mark() -> object:
        slot_id = form.get("slot", "")
        try:
            started = dt.datetime.fromisoformat(form.get("started", ""))
        except ValueError as exc:
            raise ValidationError("Give the time the slot went out") from exc
        if not slot_id.isdigit():
            raise ValidationError("Choose the slot that went out")
        return schedule_services.mark_aired(db(), report_id, int(slot_id), started,
                                            actor=current_user)

    attempt(mark, lambda _entry: gettext("Report moved to {status}", status=gettext("aired")))
    return redirect(url_for("editors.report", report_id=report_id))


def _receive_upload(dst: Path, limit: int) -> str:
    """Write the request body (raw stream or multipart field) to ``dst``; return the name."""
    if request.content_length is not None and request.content_length > limit + 1_000_000:
        raise TooLarge("The file is {size}, over the limit of {limit}",
                       size=human_size(request.content_length),
                       limit=human_size(limit))
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ValidationError("No file was sent")
        upload.save(dst)
        return upload.filename
    name = request.headers.get("X-File-Name", "")
    if not name:
        raise ValidationError("No file was sent")
    written = 0
    with open(dst, "wb") as out:
        while chunk := request.stream.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise TooLarge("The file is {size}, over the limit of {limit}",
                               size=f"> {human_size(limit)}", limit=human_size(limit))
            out.write(chunk)
    if request.content_length is not None and written != request.content_length:
        raise MediaError("The upload was interrupted; nothing was stored")
    from urllib.parse import unquote

    return unquote(name)


@bp.post("/reports/<int:report_id>/upload")
@limit(UPLOAD)  # the app's big MAX_CONTENT_LENGTH: masters are gigabytes, streamed to disk
@roles_required(*EDITORS)
def upload(report_id: int) -> Response | tuple[Response, int]:
    settings = runtime().settings
    services.get_report(db(), report_id, actor=current_user)  # 404 before reading a byte
    settings.upload_path.mkdir(parents=True, exist_ok=True)
    dst = settings.upload_path / f"{uuid.uuid4().hex}.upload"
    try:
        name = _receive_upload(dst, settings.upload_max_bytes)
        ingest_job = services.queue_ingest(db(), report_id, dst.name, actor=current_user,
                                           original_name=Path(name).name)
        commit()
    except BaseException:
        dst.unlink(missing_ok=True)
        raise
    message = gettext("Ingest queued: job #{job_id}", job_id=ingest_job.id)
    if wants_json():
        return jsonify(job=ingest_job.as_dict(), message=message), 202
    flash(message, "ok")
    return redirect(url_for("editors.report", report_id=report_id))


@bp.get("/media/<int:asset_id>")
@roles_required(*STAFF)
def media(asset_id: int) -> Response:
    """Serve a stored file with HTTP Range, so the player can seek."""
    asset = db().get(MediaAsset, asset_id)
    if asset is None:
        abort(404)
    path = MediaStore(runtime().settings.media_path).path(asset.storage_key)
    if not path.is_file():
        abort(404)
    mimetypes = {"proxy": "video/mp4" if path.suffix == ".mp4" else "audio/mp4",
                 "poster": "image/jpeg", "waveform": "image/png", "peaks": "application/json",
                 "audio": "audio/wav"}
    download = asset.role == "master"
    return send_file(path, mimetype=mimetypes.get(asset.role), conditional=True,
                     as_attachment=download,
                     # Cleaned again: names stored before cleaning may hold CR/LF or NUL.
                     download_name=file_name(asset.original_name, fallback=path.name),
                     etag=asset.sha256,
                     max_age=3600)


@bp.get("/jobs")
@roles_required(*STAFF)
def job_list() -> str:
    return render_template("editors/jobs.html", jobs=jobs.recent(db()))


def _back(job_id: int) -> Response:
    """Back to the job's report, or to the jobs page."""
    job = db().get(jobs.JobRun, job_id)
    if job is None:
        abort(404)
    if job.subject_type == "report" and job.subject_id:
        return redirect(url_for("editors.report", report_id=job.subject_id))
    return redirect(url_for("editors.job_list"))


@bp.post("/jobs/<int:job_id>/retry")
@roles_required(*EDITORS)
def job_retry(job_id: int) -> Response:
    attempt(lambda: jobs.retry(db(), job_id),
            lambda _job: gettext("Job #{job_id} queued again", job_id=job_id))
    return _back(job_id)


@bp.post("/jobs/<int:job_id>/cancel")
@roles_required(*EDITORS)
def job_cancel(job_id: int) -> Response:
    stale_after = runtime().settings.job_heartbeat_timeout
    attempt(lambda: jobs.cancel(db(), job_id, stale_after=stale_after),
            lambda _job: gettext("Job #{job_id} stopping", job_id=job_id))
    return _back(job_id)


from web.editors import bulk as _bulk  # noqa: E402,F401  (the list's bulk actions join bp)
from web.editors import clips as _clips  # noqa: E402,F401  (the social clip pages join bp)
