"""Sign in and out, and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from station import accounts, audit
from station.errors import StationError, ValidationError
from station.i18n import LANGUAGES
from web.app import SESSION_TOKEN, commit, db
from web.auth.access import roles_required
from web.i18n import current_language, gettext

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
    # Browsers read "/\\evil.example" and "/<tab>/evil.example" as "//evil.example": another
    # site. A local path has no backslash, control character or white space.
    if "\\" in target or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")
        try:
            user = accounts.sign_in(db(), username, request.form.get("password", ""),
                                    address=request.remote_addr)
        except accounts.TooManyAttempts as exc:
            commit()
            page = render_template("auth/login.html", error=exc.message(current_language()),
                                   username=username)
            return page, 429, {"Retry-After": str(exc.retry_after)}  # type: ignore[return-value]
        except StationError as exc:
            commit()  # the failed try counts towards the throttle
            return render_template("auth/login.html", error=exc.message(current_language()),
                                   username=username), 401
        token = accounts.open_session(db(), user, address=request.remote_addr,
                                      user_agent=request.user_agent.string)
        commit()
        lang = session.get("lang")
        session.clear()  # a fresh session on sign-in (no fixation)
        if lang:
            session["lang"] = lang
        session[SESSION_TOKEN] = token
        login_user(user)
        return redirect(_safe_next(request.args.get("next")) or home_for(user))
    return render_template("auth/login.html", error=None, username=username), 200


@bp.post("/logout")
def logout() -> Response:
    accounts.end_session(db(), session.get(SESSION_TOKEN))
    commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.get("/account")
@login_required
def account() -> str:
    rows = accounts.live_sessions(db(), current_user)  # type: ignore[arg-type]
    token = session.get(SESSION_TOKEN)
    from web.app import runtime

    return render_template("auth/account.html", sessions=rows,
                           current=[r.id for r in rows if accounts.is_token_of(r, token)],
                           smtp_enabled=bool(runtime().settings.smtp_host))


@bp.post("/account/password")
@login_required
def change_password() -> Response:
    new = request.form.get("new_password", "")
    try:
        if new != request.form.get("repeat_password", ""):
            raise ValidationError("The two new passwords differ")
        ended = accounts.change_password(
            db(), current_user, request.form.get("current_password", ""),  # type: ignore[arg-type]
            new, keep_token=session.get(SESSION_TOKEN), address=request.remote_addr)
        commit()
    except StationError as exc:
        db().rollback()
        flash(exc.message(current_language()), "error")
        return redirect(url_for("auth.account"))
    flash(gettext("Password changed; {n} other sessions were signed out", n=ended), "ok")
    return redirect(url_for("auth.account"))


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere() -> Response:
    accounts.logout_everywhere(db(), current_user,  # type: ignore[arg-type]
                               address=request.remote_addr)
    commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.get("/admin/audit")
@roles_required("admin")
def audit_log() -> str:
    """Security events for administrators: newest first, by kind, 100 a page."""
    kind = request.args.get("kind", "").strip() or None
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and 0 < int(page) < 1_000_000 else 1
    rows, total = audit.events(db(), kind=kind, page=number)
    pages = max(1, -(-total // audit.PAGE_SIZE))
    return render_template("auth/audit.html", rows=rows, total=total, page=number,
                           pages=pages, kind=kind, kinds=audit.kinds(db()))


@bp.get("/lang/<code>")
def set_language(code: str) -> Response:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")) or url_for("editors.index"))


# The bell and the notifications page join this blueprint (they import ``bp`` above).
from web.auth import notifications as _notifications  # noqa: E402, F401
