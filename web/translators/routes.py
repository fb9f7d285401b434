"""Subtitle tracks in the browser: view with QC, export, import, safe fixes, transcription.

The full translator workspace (editing, review) builds on these pages.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WResponse

from station.errors import StationError, ValidationError
from subtitles import services
from web.app import commit, db
from web.auth.access import EDITORS, STAFF, roles_required
from web.i18n import current_language, gettext

bp = Blueprint("translators", __name__, template_folder="templates")
EXPORT_FORMATS = ("srt", "vtt", "ttml", "txt", "docx")


@bp.get("/tracks/<int:track_id>")
@roles_required(*STAFF)
def track(track_id: int) -> str:
    item = services.get_track(db(), track_id, actor=current_user)
    findings = services.run_qc(db(), item)
    lang = current_language()
    by_cue: dict[int | None, list[dict[str, str]]] = {}
    for f in findings:
        by_cue.setdefault(f.cue_index, []).append(
            {"severity": f.severity, "check": f.check, "message": f.text(lang)})
    return render_template("translators/track.html", track=item, report=item.report,
                           by_cue=by_cue, counts=services.severity_counts(findings),
                           formats=EXPORT_FORMATS)


@bp.get("/tracks/<int:track_id>/export/<fmt>")
@roles_required(*STAFF)
def export(track_id: int, fmt: str) -> Response:
    item = services.get_track(db(), track_id, actor=current_user)
    data, name, mimetype = services.export_track(item, fmt)
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/reports/<int:report_id>/tracks")
@roles_required(*STAFF)
def import_track(report_id: int) -> WResponse:
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationError("No file was sent")
        item, notes = services.import_track(
            db(), report_id, request.form.get("language", ""), upload.read(),
            upload.filename, actor=current_user, fmt=request.form.get("format") or None)
        commit()
    except StationError as exc:
        db().rollback()
        flash(exc.message(current_language()), "error")
        return redirect(url_for("editors.report", report_id=report_id))
    flash(gettext("Imported {n} cues into track #{track_id}", n=len(item.cues),
                  track_id=item.id), "ok")
    for note in notes:
        flash(note.message(current_language()) if hasattr(note, "message") else str(note),
              "info")
    return redirect(url_for("translators.track", track_id=item.id))


@bp.post("/tracks/<int:track_id>/autofix")
@roles_required(*STAFF)
def autofix(track_id: int) -> WResponse:
    try:
        notes = services.autofix(db(), track_id, actor=current_user)
        commit()
    except StationError as exc:
        db().rollback()
        flash(exc.message(current_language()), "error")
    else:
        flash(gettext("Fixed automatically: {n} changes", n=len(notes)), "ok")
    return redirect(url_for("translators.track", track_id=track_id))


@bp.post("/reports/<int:report_id>/transcribe")
@roles_required(*EDITORS)
def transcribe(report_id: int) -> WResponse:
    try:
        job = services.queue_transcription(db(), report_id, actor=current_user,
                                           language=request.form.get("language") or None)
        commit()
    except StationError as exc:
        db().rollback()
        flash(exc.message(current_language()), "error")
    else:
        flash(gettext("Transcription queued: job #{job_id}", job_id=job.id), "ok")
    return redirect(url_for("editors.report", report_id=report_id))


@bp.post("/tracks/<int:track_id>/delete")
@roles_required(*EDITORS)
def delete(track_id: int) -> WResponse:
    item = services.get_track(db(), track_id, actor=current_user)
    report_id = item.report_id
    try:
        services.delete_track(db(), track_id, actor=current_user)
        commit()
    except StationError as exc:
        db().rollback()
        flash(exc.message(current_language()), "error")
    return redirect(url_for("editors.report", report_id=report_id))
