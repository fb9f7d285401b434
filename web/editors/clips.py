"""Social clips in the browser: a page per report to pick the in and out points on the
report's player, the subtitles and the shapes, and the report's clips with their progress
and downloads (docs/publishing.md "Social clips").

The routes only parse the form and call publishing/clip_services.py; a refusal (a span
over 90 s, an unapproved language, a withdrawn clip) is shown as its message with the
user's input kept, never as a 500.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from publishing import clip_services, clips
from publishing.models import CLIP_ASPECTS
from station.errors import StationError
from station.timecode import clock
from web.app import commit, db, runtime
from web.auth.access import EDITORS, STAFF, roles_required
from web.editors.routes import bp
from web.i18n import current_language, gettext

# The shapes in URLs (a colon is awkward in a path and a file name).
SLUGS = {aspect: aspect.replace(":", "x") for aspect in CLIP_ASPECTS}


def _page(report_id: int, form: Any = None, error: str | None = None) -> str:
    report = clip_services.get_report(db(), report_id)
    found = clip_services.list_clips(db(), report_id)
    return render_template(
        "editors/clips.html", report=report, proxy=report.asset("proxy"),
        clip_langs=clip_services.clip_languages(db(), report_id), clips=found,
        jobs=clip_services.clip_jobs(db(), found), slugs=SLUGS, aspects=CLIP_ASPECTS,
        form=form, error=error, point=clock, max_s=clips.CLIP_MAX_MS // 1000,
        can_edit=current_user.role in EDITORS, lang=current_language())


@bp.get("/reports/<int:report_id>/clips")
@roles_required(*STAFF)
def clips_page(report_id: int) -> str:
    return _page(report_id)


def _input() -> clip_services.ClipInput:
    form = request.form
    return clip_services.ClipInput(
        in_ms=clips.parse_point(form.get("in"), name="in"),
        out_ms=clips.parse_point(form.get("out"), name="out"),
        language=form.get("language") or None, title=form.get("title", ""),
        aspects=form.getlist("aspect"))


@bp.post("/reports/<int:report_id>/clips")
@roles_required(*EDITORS)
def create_clip(report_id: int) -> BaseResponse | tuple[str, int]:
    try:
        clip = clip_services.create_clip(db(), report_id, _input(), actor=current_user)
        commit()
    except StationError as exc:
        db().rollback()
        # Shown again with everything the user typed: nothing is lost.
        return _page(report_id, request.form, exc.message(current_language())), \
            exc.http_status
    flash(gettext("Social clip #{clip_id} is being rendered", clip_id=clip.id), "ok")
    return redirect(url_for("editors.clips_page", report_id=report_id) + "#clips")


@bp.get("/clips/<int:clip_id>/<slug>.mp4")
@roles_required(*STAFF)
def clip_download(clip_id: int, slug: str) -> BaseResponse:
    """A ready clip's file, resumable (HTTP Range) for slow links; refused with the reason
    when the clip was withdrawn or is not ready."""
    aspect = next((a for a, s in SLUGS.items() if s == slug), slug)
    found = clip_services.clip_file(db(), clip_id, aspect, runtime().settings.media_path)
    return send_file(found.path, mimetype="video/mp4", conditional=True,
                     as_attachment=request.args.get("inline") != "1",
                     download_name=found.download_name, etag=found.sha256 or True,
                     max_age=0)


@bp.get("/reports/clips.js")
@roles_required(*STAFF)
def clips_script() -> Response:
    """The page's script ("set in"/"set out" from the player), served from the template
    folder because the page's policy allows scripts from this site only."""
    response = make_response(render_template("editors/clips.js"))
    response.mimetype = "text/javascript"
    response.headers["Cache-Control"] = "max-age=3600"
    return response
