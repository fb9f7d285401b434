"""Every failure becomes a clear page or JSON message in the user's language, never a 500 trace."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from station.errors import StationError
from station.text import human_size
from web.i18n import current_language, gettext

log = logging.getLogger(__name__)


def error_response(message: str, status: int, title: str | None = None):  # type: ignore[no-untyped-def]
    from web.app import db, wants_json

    try:
        db().rollback()
    except Exception:  # the session may already be unusable; the response matters more
        log.exception("rollback after error failed")
    if wants_json():
        return jsonify(error=message, status=status), status
    return render_template("error.html", message=message, status=status,
                           title=title or gettext("Error")), status


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
        if exc.code == 404:
            return error_response(gettext("Page not found"), 404)
        if exc.code == 403:
            return error_response(gettext("Your role may not open this page"), 403,
                                  gettext("Not allowed"))
        return error_response(exc.description or exc.name, exc.code or 500)

    @app.errorhandler(Exception)
    def crash(exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error")
        return error_response(
            gettext("Something went wrong on our side; the error was logged."), 500
        )
