"""Resumable master uploads (production/uploads.py): open, send chunks, ask where it stands,
finish into ingest, cancel. JSON for the report page's script (session and CSRF token as for
every other call of the desk).

    POST   /reports/<id>/uploads      {"name", "size"}          -> 201 {"token", "offset", ...}
    GET    /uploads/<token>                                      -> {"offset", "size", ...}
    PUT    /uploads/<token>   Upload-Offset: N, body = the chunk  -> {"offset"} | 409 {"offset"}
           (optional X-Chunk-SHA256: hex digest of the chunk)
    POST   /uploads/<token>/finish    {"sha256"?}               -> 202 {"job", "sha256"}
    DELETE /uploads/<token>                                      -> 204
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user
from werkzeug.wrappers import Response

from production import services
from production import uploads as resumable
from station.errors import Conflict, ValidationError
from web.app import commit, db, runtime
from web.auth.access import EDITORS, roles_required
from web.i18n import current_language, gettext
from web.limits import limit

bp = Blueprint("uploads", __name__)


def _json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _path() -> Any:
    return runtime().settings.upload_path


def _answer(upload: resumable.Upload, status: int = 200) -> tuple[Response, int]:
    return jsonify(upload.as_dict()), status


@bp.post("/reports/<int:report_id>/uploads")
@roles_required(*EDITORS)
def start(report_id: int) -> tuple[Response, int]:
    services.get_report(db(), report_id, actor=current_user)  # 404 for an unknown report
    data = _json()
    size = data.get("size")
    if not isinstance(size, int) or isinstance(size, bool):
        raise ValidationError("Give the file's size in bytes")
    upload = resumable.start(_path(), report_id=report_id, user_id=current_user.id,
                             name=str(data.get("name") or ""), size=size,
                             max_bytes=runtime().settings.upload_max_bytes)
    return _answer(upload, 201)


@bp.get("/uploads/<token>")
@roles_required(*EDITORS)
def where(token: str) -> tuple[Response, int]:
    return _answer(resumable.status(_path(), token, user_id=current_user.id,
                                    admin=current_user.role == "admin"))


@bp.put("/uploads/<token>")
@limit(resumable.CHUNK_MAX + 1024)
@roles_required(*EDITORS)
def chunk(token: str) -> tuple[Response, int]:
    raw = request.headers.get("Upload-Offset", "")
    if not raw.isascii() or not raw.isdigit():
        raise ValidationError("Send the chunk's position in the Upload-Offset header")
    try:
        upload = resumable.append(_path(), token, int(raw), request.get_data(cache=False),
                                  user_id=current_user.id,
                                  sha256=request.headers.get("X-Chunk-SHA256"))
    except Conflict as exc:
        # The client continues from the server's offset: it is in the answer.
        have = resumable.status(_path(), token, user_id=current_user.id)
        return jsonify(error=exc.message(current_language()), status=409,
                       offset=have.offset), 409
    return _answer(upload)


@bp.post("/uploads/<token>/finish")
@roles_required(*EDITORS)
def finish(token: str) -> tuple[Response, int]:
    sha256 = _json().get("sha256")
    upload, staged, digest = resumable.finish(_path(), token, user_id=current_user.id,
                                              sha256=str(sha256) if sha256 else None)
    try:
        job = services.queue_ingest(db(), upload.report_id, staged, actor=current_user,
                                    original_name=upload.name)
        commit()
    except BaseException:
        resumable.restore(_path(), token, staged)  # e.g. an ingest already running: retry
        raise
    resumable.forget(_path(), token)
    return jsonify(job=job.as_dict(), sha256=digest,
                   message=gettext("Ingest queued: job #{job_id}", job_id=job.id)), 202


@bp.delete("/uploads/<token>")
@roles_required(*EDITORS)
def cancel(token: str) -> tuple[Response, int]:
    resumable.cancel(_path(), token, user_id=current_user.id,
                     admin=current_user.role == "admin")
    return Response(status=204), 204
