"""JSON for the pages' live parts (job progress); the partner API comes with delivery."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify
from werkzeug.wrappers import Response

from station.i18n import translate
from station.jobs import JobRun
from web.app import db
from web.auth.access import STAFF, roles_required
from web.i18n import current_language

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/jobs/<int:job_id>")
@roles_required(*STAFF)
def job(job_id: int) -> Response:
    row = db().get(JobRun, job_id)
    if row is None:
        abort(404)
    data = row.as_dict()
    lang = current_language()
    data["status_label"] = translate(row.status, lang)
    data["step_label"] = translate(row.step, lang) if row.step else ""
    data["error"] = row.error_message(lang)
    return jsonify(data)

