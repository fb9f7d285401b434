"""The partner API (/api/v1): JSON for a partner's own systems, documented in openapi.json.

Only a bearer token opens it (a signed-in browser session does not), so a web page cannot make
a partner's browser call it: no CSRF exposure, and CSRF tokens are not needed here.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request, url_for
from werkzeug.wrappers import Response

from delivery import services
from delivery.models import Package
from station.errors import ValidationError
from station.i18n import register_vi
from station.timecode import check_day, local_to_utc, zone
from web import downloads
from web.api.ratelimit import Limiter
from web.app import commit, db, runtime
from web.i18n import current_language

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
OPENAPI = Path(__file__).with_name("openapi.json")
PUBLIC = ("api_v1.openapi",)


def _limiter() -> Limiter:
    app: Flask = current_app  # type: ignore[assignment]
    limiter = app.extensions.get("station.limiter")
    if limiter is None:
        settings = runtime().settings
        limiter = Limiter(settings.redis_url, prefix=settings.queue_name)
        app.extensions["station.limiter"] = limiter
    return limiter  # type: ignore[no-any-return]


def _error(message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    response = jsonify(error=message, status=status)
    response.status_code = status
    response.headers.update(headers or {})
    return response


@bp.before_request
def authenticate() -> Response | None:
    if request.endpoint in PUBLIC:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise services.Unauthorized("Send a partner API token: Authorization: Bearer stn_...")
    try:
        token = services.authenticate_token(db(), secret.strip(), address=request.remote_addr)
    except services.Unauthorized:
        commit()  # the audit entry of a revoked or expired token
        raise
    verdict = _limiter().hit(f"token:{token.id}", runtime().settings.api_rate_limit)
    g.rate = verdict
    commit()  # last_used_at
    if not verdict.allowed:
        from web.i18n import gettext

        return _error(gettext("Too many requests: at most {limit} a minute; try again in "
                              "{seconds} s", limit=verdict.limit, seconds=verdict.reset_s),
                      429, verdict.headers())
    g.token = token
    return None


@bp.after_request
def rate_headers(response: Response) -> Response:
    verdict = g.get("rate")
    if verdict is not None:
        response.headers.update(verdict.headers())
    return response


@bp.errorhandler(services.Unauthorized)
def unauthorized(exc: services.Unauthorized) -> Response:
    return _error(exc.message(current_language()), 401,
                  {"WWW-Authenticate": 'Bearer realm="station"'})


def _package(package_id: int) -> Package:
    return services.package_for(db(), package_id, channel_id=g.token.channel_id)


def _detail(package: Package) -> dict[str, Any]:
    data = services.package_summary(package)
    data["files"] = [{**{k: f.get(k) for k in ("path", "size", "sha256", "role", "language",
                                                "format")},
                      "url": url_for("api_v1.file", package_id=package.id, name=f["path"],
                                     _external=True)} for f in package.files]
    data["download_url"] = (url_for("api_v1.download", package_id=package.id, _external=True)
                            if package.archive_key else None)
    data["manifest_url"] = url_for("api_v1.manifest", package_id=package.id, _external=True)
    return data


def _since() -> dt.datetime | None:
    raw = request.args.get("since", "").strip()
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("since must be an ISO 8601 time, e.g. 2026-11-01T00:00:00Z, "
                              "not {value}", value=raw) from None
    check_day(moment)
    return local_to_utc(moment)  # a time without an offset is the station's local time


@bp.get("/packages")
def packages() -> Response:
    rows = services.partner_packages(db(), g.token.channel_id, since=_since())
    return jsonify(packages=[services.package_summary(p) for p in rows],
                   now=dt.datetime.now(dt.UTC).isoformat())


@bp.get("/packages/<int:package_id>")
def package(package_id: int) -> Response:
    return jsonify(_detail(_package(package_id)))


@bp.get("/packages/<int:package_id>/manifest")
def manifest(package_id: int) -> Response:
    return jsonify(_package(package_id).manifest)


@bp.get("/packages/<int:package_id>/download")
def download(package_id: int) -> Response:
    row = _package(package_id)
    name = services.archive_name(row)
    if name is None:
        raise ValidationError("This package is delivered as a folder: download its files")
    return downloads.serve(row, name, token=g.token)


@bp.get("/packages/<int:package_id>/files/<path:name>")
def file(package_id: int, name: str) -> Response:
    return downloads.serve(_package(package_id), name, token=g.token)


@bp.get("/upcoming")
def upcoming() -> Response:
    channel = g.token.channel
    today = dt.datetime.now(zone()).date()
    items = [{"report": {"id": u.report.id, "title": u.report.title,
                         "title_en": u.report.title_en, "kind": u.report.kind},
              "expected": u.expected.isoformat() if u.expected else None,
              "first_slot": u.slot_start.isoformat() if u.slot_start else None,
              "languages": u.languages}
             for u in services.upcoming(db(), channel, today=today)]
    return jsonify(upcoming=items)


@bp.get("/openapi.json")
def openapi() -> Response:
    data = json.loads(OPENAPI.read_text(encoding="utf-8"))
    data["servers"] = [{"url": url_for("api_v1.packages", _external=True).rsplit("/", 1)[0]}]
    return jsonify(data)


register_vi({
    "Too many requests: at most {limit} a minute; try again in {seconds} s":
        "Quá nhiều yêu cầu: tối đa {limit} yêu cầu mỗi phút; thử lại sau {seconds} giây",
    "since must be an ISO 8601 time, e.g. 2026-11-01T00:00:00Z, not {value}":
        "since phải là thời điểm ISO 8601, ví dụ 2026-11-01T00:00:00Z, không phải {value}",
    "This package is delivered as a folder: download its files":
        "Gói này được giao dạng thư mục: hãy tải từng tệp",
})
