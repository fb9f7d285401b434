"""Sign in and out, and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from station.accounts import authenticate
from station.i18n import LANGUAGES
from web.app import db
from web.i18n import gettext

bp = Blueprint("auth", __name__, template_folder="templates")


def home_for(user: object) -> str:
    """Where each kind of user starts: partners in their portal, staff at the reports."""
    if getattr(user, "role", None) == "partner":
        return url_for("partners.home")
    if getattr(user, "role", None) == "translator":
        return url_for("translators.queue")
    return url_for("editors.reports")


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths, so the login page cannot be used to send people elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")
        user = authenticate(db(), username, request.form.get("password", ""))
        if user is not None:
            lang = session.get("lang")
            session.clear()  # a fresh session on sign-in (no fixation)
            if lang:
                session["lang"] = lang
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
        error = gettext("Wrong user name or password")
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, username=username), status


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def set_language(code: str) -> Response:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")) or url_for("editors.index"))
