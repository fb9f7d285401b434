"""App factory: pure (no work at import, no migrations), one Runtime per app."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, g, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from station import accounts
from station.accounts import User
from station.config import Settings, load_settings
from station.db import utcnow
from station.runtime import Runtime

log = logging.getLogger(__name__)
T = TypeVar("T")
ASSETS = Path(__file__).resolve().parent.parent / "assets"
csrf = CSRFProtect()
# Everything from Station's own origin; pictures may be data: URLs (charts), media may be blob:
# (the player); nothing inline, nothing framed (docs/operations.md "Security headers").
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data: blob:; media-src 'self' blob:; "
                           "object-src 'none'; base-uri 'self'; form-action 'self'; "
                           "frame-ancestors 'none'")
# The largest row id the database holds (PostgreSQL's ``integer``, SQLite's is wider).
MAX_ROW_ID = 2**31 - 1
SESSION_TOKEN = "sid"  # key of the sign-in session's token in Flask's cookie session
login_manager = LoginManager()


class RowId(IntegerConverter):
    """Every ``<int:...>`` in a URL is a row id: ASCII digits only (Python's ``\\d`` also
    takes "１" and other scripts' digits), 1..MAX_ROW_ID, so a path no row can have is a
    plain 404 rather than an integer overflow in the database (a 500; issue 18)."""

    regex = r"[0-9]+"

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = 1,
                 max: int | None = MAX_ROW_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the web app for ``settings`` (default: loaded from the usual sources)."""
    settings = settings or load_settings(overrides or None)
    if overrides and settings is not None:
        settings = settings.replace(**overrides)
    station_runtime = Runtime(settings)
    settings = station_runtime.settings

    app = Flask(__name__, static_folder=str(ASSETS), static_url_path="/assets")
    app.url_map.converters["int"] = RowId  # before any route is added
    _configure(app, settings)
    app.extensions["station"] = station_runtime
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's own address, for sign-in throttling and the audit (not the proxy's).
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]

    from web import limits

    limits.init_app(app)  # first: CSRF's hook reads the form, so the limit must be set before
    csrf.init_app(app)
    _init_login(app, station_runtime)
    _add_hooks(app)
    _register_blueprints(app)
    return app


def _configure(app: Flask, settings: Settings) -> None:
    """Flask's own settings: the secret, body size limits, cookie flags, CSRF and caching."""
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # Flask refuses bigger bodies with 413 before they are read; the slack is the form.
        # This is the master upload's limit; every other route gets a smaller one (web/limits.py).
        MAX_CONTENT_LENGTH=settings.upload_max_bytes + 1_000_000,
        MAX_FORM_MEMORY_SIZE=2_000_000,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )


def _init_login(app: Flask, station_runtime: Runtime) -> None:
    """Flask-Login: who the session cookie belongs to, and what an anonymous request gets."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = ""

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The cookie alone is not enough: its session row must still be live (not logged
        # out, not ended by "log out everywhere", a password change or deactivation).
        from flask import session

        try:
            found = accounts.session_user(db(), int(user_id), session.get(SESSION_TOKEN))
        except ValueError:
            return None
        if found is None:
            return None
        user, row = found
        now = utcnow()
        if now - row.last_seen_at > accounts.SESSION_TOUCH_EVERY:
            # `station_runtime` is this app's Runtime, not the module's runtime() helper:
            # calling that answered 500 to every request of a session older than
            # SESSION_TOUCH_EVERY (found by benchmarks/load_faults.py).
            with station_runtime.session() as side:  # its own commit: GET pages do not commit
                accounts.touch_session(side, row.id, now)
                side.commit()
        return user

    @login_manager.unauthorized_handler
    def unauthorized() -> Any:
        from flask import jsonify, redirect
        from flask_login import login_url

        from web.i18n import gettext

        if wants_json():
            return jsonify(error=gettext("Your session has ended; sign in again"),
                           status=401), 401
        return redirect(login_url("auth.login", request.url))


def _add_hooks(app: Flask) -> None:
    """Security headers on every response, the request's session closed at its end, and the
    favicon route."""

    @app.after_request
    def security_headers(response: Any) -> Any:
        """No framing (clickjacking), no inline script or style (XSS defence in depth), no
        MIME sniffing, and no full URL leaked to other sites (issue 12)."""
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")  # older browsers: frame-ancestors
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        session = g.pop("db", None)
        if session is not None:
            session.close()

    @app.get("/favicon.ico")
    def favicon() -> Any:
        # Browsers ask for it on every visit; a 404 page here would rewrite the session.
        return app.send_static_file("img/favicon.svg")


def _register_blueprints(app: Flask) -> None:
    """Language and error handling, then every blueprint (imported here: they import this
    module's helpers)."""
    from web import errors, i18n
    from web.api.routes import bp as api_bp
    from web.api.v1 import bp as api_v1_bp
    from web.auth.routes import bp as auth_bp
    from web.editors.delivery import bp as delivery_bp
    from web.editors.plan import bp as plan_bp
    from web.editors.playout import bp as playout_bp
    from web.editors.publishing import bp as publishing_bp
    from web.editors.routes import bp as editors_bp
    from web.editors.rundown import bp as rundown_bp
    from web.editors.schedule import bp as schedule_bp
    from web.editors.uploads import bp as uploads_bp
    from web.partners.routes import bp as partners_bp
    from web.results.routes import bp as results_bp
    from web.translators.api import bp as workspace_api_bp
    from web.translators.routes import bp as translators_bp

    i18n.init_app(app)
    errors.init_app(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(editors_bp)
    app.register_blueprint(schedule_bp)
    app.register_blueprint(playout_bp)
    app.register_blueprint(rundown_bp)
    app.register_blueprint(plan_bp)
    app.register_blueprint(uploads_bp)
    app.register_blueprint(partners_bp)
    app.register_blueprint(translators_bp)
    app.register_blueprint(workspace_api_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_v1_bp)  # bearer tokens only, never cookies (see web/api/v1.py)
    app.register_blueprint(api_v1_bp)
    app.register_blueprint(delivery_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(publishing_bp)


def runtime() -> Runtime:
    """The current app's runtime (settings, sessions, queue)."""
    from flask import current_app

    return current_app.extensions["station"]  # type: ignore[no-any-return]


def db() -> Session:
    """The request's database session, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = runtime().session()
    return g.db  # type: ignore[no-any-return]


def commit() -> None:
    """End the request's unit of work; queued jobs are sent by the commit hook."""
    db().commit()


def attempt(action: Callable[[], T], success: Callable[[T], str]) -> T | None:
    """Run a service call and commit; a refusal is rolled back and flashed, never a 500."""
    from flask import flash

    from station.errors import StationError
    from web.i18n import current_language

    try:
        result = action()
        commit()
    except StationError as exc:
        db().rollback()
        flash(exc.message(current_language()), "error")
        return None
    flash(success(result), "ok")
    return result


def wants_json() -> bool:
    """An XHR/API caller gets JSON errors instead of pages."""
    return (
        request.path.startswith("/api/")
        or request.accept_mimetypes.best == "application/json"
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )
