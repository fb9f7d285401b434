"""Every failure becomes a clear page or JSON message in the user's language, never a 500 trace."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from station.errors import StationError
from station.text import human_size
from web.i18n import current_language, gettext

log = logging.getLogger(__name__)


# What people read for the HTTP errors Station does not raise itself (routing, methods,
# ranges...), in their language; the status's own name otherwise.
HTTP_MESSAGES = {
    400: "The request is malformed",
    404: "Page not found",
    405: "This address does not take a {method} request; it takes {allowed}",
    406: "None of the formats this request accepts can be sent",
    412: "A condition of the request (If-Match or If-Unmodified-Since) is not met",
    415: "The request's content type is not accepted here",
    416: "The requested range is outside the file ({size} bytes)",
    428: "This request must be conditional",
    431: "The request's headers are too large",
    501: "This method is not supported",
}
# Headers an HTTP error must keep (RFC 9110): what may be retried, how, and when.
KEPT_HEADERS = ("Allow", "Content-Range", "WWW-Authenticate", "Retry-After", "Location",
                "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def error_response(message: str, status: int, title: str | None = None,
                   headers: Mapping[str, str] | None = None):  # type: ignore[no-untyped-def]
    """The one error answer: a page for people, ``{"error", "status"}`` for JSON callers, in
    the request's language, with the headers the status needs (``KEPT_HEADERS``)."""
    from web.app import db, wants_json

    try:
        db().rollback()
    except Exception:  # the session may already be unusable; the response matters more
        log.exception("rollback after error failed")
    kept = {k: v for k, v in (headers or {}).items() if k in KEPT_HEADERS}
    if wants_json():
        return jsonify(error=message, status=status), status, kept
    return render_template("error.html", message=message, status=status,
                           title=title or gettext("Error")), status, kept


def init_app(app: Flask) -> None:
    @app.errorhandler(StationError)
    def station_error(exc: StationError):  # type: ignore[no-untyped-def]
        return error_response(exc.message(current_language()), exc.http_status)

    @app.errorhandler(StaleDataError)
    def stale(_exc: StaleDataError):  # type: ignore[no-untyped-def]
        return error_response(gettext("This report was changed by someone else; reload the page"),
                              409)

    @app.errorhandler(CSRFError)
    def csrf_error(_exc: CSRFError):  # type: ignore[no-untyped-def]
        return error_response(
            gettext("The form expired or was sent twice; reload the page and try again."), 400
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_exc: RequestEntityTooLarge):  # type: ignore[no-untyped-def]
        from web import limits
        from web.app import runtime

        body = limits.body_limit()
        file = limits.file_limit()
        if file is None and body is None:
            file = runtime().settings.upload_max_bytes
        if file is not None:
            limit = human_size(file)
            return error_response(
                gettext("The file is {size}, over the limit of {limit}", size=f"> {limit}",
                        limit=limit), 413)
        return error_response(
            gettext("The request is over the limit of {limit} for this action; nothing was "
                    "saved", limit=human_size(body)), 413)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        code = exc.code or 500
        headers = dict(exc.get_headers())
        if code == 403:
            return error_response(gettext("Your role may not open this page"), 403,
                                  gettext("Not allowed"), headers)
        if code == 405:
            allowed = sorted(getattr(exc, "valid_methods", None) or ())
            return error_response(gettext(HTTP_MESSAGES[405], method=request.method,
                                          allowed=", ".join(allowed)), 405, None, headers)
        if code == 416:
            size = getattr(exc, "length", None)
            return error_response(gettext(HTTP_MESSAGES[416], size=size if size is not None
                                          else "?"), 416, None, headers)
        if code in HTTP_MESSAGES:
            return error_response(gettext(HTTP_MESSAGES[code]), code, None, headers)
        return error_response(exc.description or exc.name, code, None, headers)

    @app.errorhandler(Exception)
    def crash(exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error")
        return error_response(
            gettext("Something went wrong on our side; the error was logged."), 500
        )
