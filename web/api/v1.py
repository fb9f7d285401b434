"""The partner API (/api/v1): JSON for a partner's own systems, described by the OpenAPI
document that web/api/spec.py builds from these routes.

Only a bearer token opens it (a signed-in browser session does not), so a web page cannot make
a partner's browser call it: no CSRF exposure, and CSRF tokens are not needed here.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request, url_for
from werkzeug.wrappers import Response

from delivery import portal, services
from delivery.models import Package
from station.errors import ValidationError
from station.timecode import check_day, zone
from web import downloads
from web.api import playout
from web.api.ratelimit import Limiter, Verdict
from web.app import commit, db, runtime
from web.i18n import current_language

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
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


def route(rule: str) -> Any:
    """A GET route of the API. Slashes are not merged: ``//packages`` is a JSON 404, not an
    HTML redirect page a client cannot read."""
    return bp.get(rule, merge_slashes=False)


@bp.before_request
def authenticate() -> Response | None:
    if request.endpoint in PUBLIC:
        return None
    limit = runtime().settings.api_rate_limit
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    try:
        if request.endpoint in playout.ENDPOINTS:  # a playout token, not a partner's
            playout.authenticate()
            token = g.token
        else:
            if scheme.lower() != "bearer" or not secret.strip():
                raise services.Unauthorized(
                    "Send a partner API token: Authorization: Bearer stn_...")
            token = services.authenticate_token(db(), secret.strip(),
                                                address=request.remote_addr)
    except (services.Unauthorized, playout.playout_hook.Unauthorized):
        commit()  # the audit entry of a revoked or expired token
        # Requests without a valid token count per address, with the same limit and headers
        # as a token's: guessing tokens is slowed down, and every answer carries the limit.
        g.rate = _limiter().hit(f"address:{request.remote_addr}", limit)
        if not g.rate.allowed:
            return _too_many(g.rate)
        raise
    kind = "playout" if request.endpoint in playout.ENDPOINTS else "token"
    verdict = _limiter().hit(f"{kind}:{token.id}", limit)
    g.rate = verdict
    commit()  # last_used_at
    if not verdict.allowed:
        return _too_many(verdict)
    g.token = token
    return None


def _too_many(verdict: Verdict) -> Response:
    from web.i18n import gettext

    return _error(gettext("Too many requests: at most {limit} a minute; try again in "
                          "{seconds} s", limit=verdict.limit, seconds=verdict.reset_s),
                  429, verdict.headers())


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
    return portal.package_for(db(), package_id, channel_id=g.token.channel_id)


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


# RFC 3339 date-time (section 5.6), ASCII digits only, with its offset: what the document
# declares (format: date-time), so a generated client's value always passes.
_RFC3339 = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
                      r"(?:\.([0-9]{1,9}))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))", re.ASCII)


def parse_rfc3339(raw: str) -> dt.datetime:
    """An aware UTC time from an RFC 3339 date-time within the years Station keeps
    (station.timecode.EARLIEST_DAY..LATEST_DAY); a ValidationError (400) otherwise."""
    match = _RFC3339.fullmatch(raw)
    moment = None
    if match is not None:
        y, mo, d, h, mi, s, frac, z, sign, oh, om = match.groups()
        try:
            offset = dt.timedelta(0) if z else (1 if sign == "+" else -1) * dt.timedelta(
                hours=int(oh), minutes=int(om))
            # A leap second (:60) is a valid RFC 3339 time; Python's clock has no such second.
            moment = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), min(int(s), 59),
                                 int((frac or "0")[:6].ljust(6, "0")),
                                 tzinfo=dt.timezone(offset)).astimezone(dt.UTC)
        except (ValueError, OverflowError):  # 2026-02-30, hour 24, offset 24:00, year 1-1h
            moment = None
    if moment is None:
        raise ValidationError("since must be an RFC 3339 time with its offset, e.g. "
                              "2026-11-01T00:00:00Z or 2026-11-01T07:00:00+07:00, not {value}",
                              value=raw[:60])
    check_day(moment)
    return moment


def _since() -> dt.datetime | None:
    if "since" not in request.args:
        return None
    return parse_rfc3339(request.args["since"])


@route("/packages")
def packages() -> Response:
    rows = portal.partner_packages(db(), g.token.channel_id, since=_since())
    return jsonify(packages=[services.package_summary(p) for p in rows],
                   now=dt.datetime.now(dt.UTC).isoformat())


@route("/packages/<int:package_id>")
def package(package_id: int) -> Response:
    return jsonify(_detail(_package(package_id)))


@route("/packages/<int:package_id>/manifest")
def manifest(package_id: int) -> Response:
    return jsonify(_package(package_id).manifest)


@route("/packages/<int:package_id>/download")
def download(package_id: int) -> Response:
    row = _package(package_id)
    name = services.archive_name(row)
    if name is None:
        raise ValidationError("This package is delivered as a folder: download its files")
    return downloads.serve(row, name, token=g.token)


@route("/packages/<int:package_id>/files/<path:name>")
def file(package_id: int, name: str) -> Response:
    return downloads.serve(_package(package_id), name, token=g.token)


@route("/upcoming")
def upcoming() -> Response:
    channel = g.token.channel
    today = dt.datetime.now(zone()).date()
    items = [{"report": {"id": u.report.id, "title": u.report.title,
                         "title_en": u.report.title_en, "kind": u.report.kind},
              "expected": u.expected.isoformat() if u.expected else None,
              "first_slot": u.slot_start.isoformat() if u.slot_start else None,
              "languages": u.languages}
             for u in portal.upcoming(db(), channel, today=today)]
    return jsonify(upcoming=items)


@route("/openapi.json")
def openapi() -> Response:
    from web.api import spec

    server = url_for("api_v1.packages", _external=True).rsplit("/", 1)[0]
    return jsonify(spec.document(current_app, server))  # type: ignore[arg-type]


playout.register(bp)  # POST /playout/played: the playout's as-run hook (web/api/playout.py)
