"""Subtitle tracks in the browser: view with QC, export, import, safe fixes, transcription.

The full translator workspace (editing, review) builds on these pages.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WResponse

from production import services as production
from station.errors import StationError, ValidationError
from subtitles import editing, memory, review, services
from web.app import attempt, commit, db
from web.auth.access import EDITORS, STAFF, roles_required
from web.i18n import current_language, gettext
from web.limits import FORM_SLACK, limit, read_upload

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
                           formats=EXPORT_FORMATS,
                           send_back=review.send_backs(db(), [item.id]).get(item.id),
                           history=review.history(db(), item))


@bp.get("/tracks/<int:track_id>/export/<fmt>")
@roles_required(*STAFF)
def export(track_id: int, fmt: str) -> Response:
    item = services.get_track(db(), track_id, actor=current_user)
    data, name, mimetype = services.export_track(item, fmt)
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/reports/<int:report_id>/tracks")
@limit(services.MAX_SUBTITLE_BYTES + FORM_SLACK, file=services.MAX_SUBTITLE_BYTES)
@roles_required(*STAFF)
def import_track(report_id: int) -> WResponse:
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationError("No file was sent")
        data = read_upload(upload, services.MAX_SUBTITLE_BYTES)
        item, notes = services.import_track(
            db(), report_id, request.form.get("language", ""), data,
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
    attempt(lambda: editing.autofix(db(), track_id, actor=current_user),
            lambda notes: gettext("Fixed automatically: {n} changes", n=len(notes)))
    return redirect(url_for("translators.track", track_id=track_id))


@bp.post("/tracks/<int:track_id>/retime-shots")
@roles_required(*STAFF)
def retime_shots(track_id: int) -> WResponse:
    """Time an imported (or older) track's cues to the master's shot changes."""
    attempt(lambda: editing.retime_to_shots(db(), track_id, actor=current_user),
            lambda moved: gettext("Retimed to shot changes: {n} cues moved", n=moved))
    return redirect(url_for("translators.track", track_id=track_id))


@bp.post("/reports/<int:report_id>/transcribe")
@roles_required(*EDITORS)
def transcribe(report_id: int) -> WResponse:
    attempt(lambda: services.queue_transcription(db(), report_id, actor=current_user,
                                                 language=request.form.get("language") or None,
                                                 engine=request.form.get("engine") or None),
            lambda job: gettext("Transcription queued: job #{job_id}", job_id=job.id))
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


# ---- the translator's day: queue, workspace, review ------------------------------------

@bp.get("/translate")
@roles_required(*STAFF)
def queue() -> str:
    """The person's work: to do apart from done, and what waits for their review; filtered
    by language and by words of the report's title."""
    language = request.args.get("language", "").strip()[:35]
    search = request.args.get("q", "").strip()[:200]
    work = review.work_queue(db(), current_user, language=language, search=search)
    return render_template("translators/queue.html", work=work, language=language,
                           search=search)


@bp.get("/tracks/<int:track_id>/edit")
@roles_required(*STAFF)
def workspace(track_id: int) -> str:
    item = services.get_track(db(), track_id, actor=current_user)
    return render_template("translators/workspace.html", track=item, report=item.report,
                           send_back=review.send_backs(db(), [item.id]).get(item.id))


@bp.post("/tracks/<int:track_id>/status")
@roles_required(*STAFF)
def set_status(track_id: int) -> WResponse:
    def move() -> Any:
        return review.move(db(), track_id, request.form.get("target", ""),
                           actor=current_user, comment=request.form.get("comment", ""))

    attempt(move, lambda _track: gettext("Saved"))
    return redirect(request.form.get("next") or url_for("translators.track", track_id=track_id))


@bp.get("/tracks/<int:track_id>/review.<fmt>")
@roles_required(*STAFF)
def review_report(track_id: int, fmt: str) -> Response | str:
    """Comments and QC findings of a track, to hand over (HTML to print, or CSV)."""
    item = services.get_track(db(), track_id, actor=current_user)
    rows = review.report_rows(db(), item, current_language())
    if fmt == "csv":
        from station.text import ascii_slug

        response = Response(review.report_csv(rows), mimetype="text/csv")
        name = f"review_{ascii_slug(item.report.title)}_{item.language}.csv"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    if fmt != "html":
        from flask import abort

        abort(404)
    return render_template("translators/review_report.html", track=item, report=item.report,
                           rows=rows)


@bp.route("/glossary", methods=["GET", "POST"])
@roles_required(*STAFF)
def glossary() -> str | WResponse:
    if request.method == "POST":
        try:
            if request.form.get("delete"):
                memory.delete_term(db(), int(request.form["delete"]), actor=current_user)
            else:
                translations = {k[3:]: v for k, v in request.form.items()
                                if k.startswith("tr_")}
                if request.form.get("new_lang") and request.form.get("new_value"):
                    translations[request.form["new_lang"]] = request.form["new_value"]
                term_id = request.form.get("term_id")
                memory.save_term(
                    db(), actor=current_user, term=request.form.get("term", ""),
                    translations=translations, notes=request.form.get("notes", ""),
                    variants=[v.strip() for v in request.form.get("variants", "").split(",")],
                    term_id=int(term_id) if term_id and term_id.isdigit() else None)
            commit()
            flash(gettext("Saved"), "ok")
        except StationError as exc:
            db().rollback()
            flash(exc.message(current_language()), "error")
        return redirect(url_for("translators.glossary"))
    can_edit = current_user.role in ("admin", "editor") or current_user.can_review
    return render_template("translators/glossary.html", terms=services.glossary(db()),
                           can_edit=can_edit)


@bp.post("/reports/<int:report_id>/voice-grid")
@roles_required(*EDITORS)
def voice_grid(report_id: int) -> WResponse:
    attempt(lambda: services.queue_voice_grid(db(), report_id, actor=current_user,
                                              language=request.form.get("language") or None),
            lambda job: gettext("Voice grid queued: job #{job_id}", job_id=job.id))
    return redirect(url_for("editors.report", report_id=report_id))


@bp.post("/reports/<int:report_id>/tracks/new")
@roles_required(*EDITORS)
def new_track(report_id: int) -> WResponse:
    """A track by hand in any BCP-47 language, on the original's grid when there is one."""
    try:
        report = production.get_report(db(), report_id, actor=current_user)
        original = services.track_for(db(), report_id, report.original_language)
        item = services.create_track(db(), report_id, request.form.get("language", ""),
                                     actor=current_user,
                                     source_track_id=original.id if original else None)
        commit()
    except StationError as exc:
        db().rollback()
        flash(exc.message(current_language()), "error")
        return redirect(url_for("editors.report", report_id=report_id))
    return redirect(url_for("translators.workspace", track_id=item.id))
