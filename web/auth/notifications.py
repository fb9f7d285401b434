"""The bell and the notifications page; the account's e-mail preference.

Thin routes over ``station.notifications``: each reads the signed-in person's own rows only
(someone else's notification is a 404), and changes commit once. The routes join the
``auth`` blueprint, which already holds the account pages.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from station import notifications
from station.errors import StationError
from web.app import commit, db, runtime
from web.auth.routes import bp
from web.i18n import current_language, gettext


@bp.app_context_processor
def bell() -> dict[str, Any]:
    """The unread count for the header of every page (one COUNT on an index)."""
    if not getattr(current_user, "is_authenticated", False):
        return {"unread_notifications": 0}
    try:
        return {"unread_notifications": notifications.unread_count(db(), current_user.id)}
    except SQLAlchemyError:  # an error page while the database is down must still render
        db().rollback()
        return {"unread_notifications": 0}


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 1_000_000 else 1


@bp.get("/notifications")
@login_required
def notification_list() -> str:
    """Newest first, 50 a page; unread ones stand out and can be marked read."""
    unread_only = request.args.get("unread") == "1"
    page = _page()
    rows, total = notifications.recent(db(), current_user.id, page=page,
                                       unread_only=unread_only)
    lang, zone = current_language(), runtime().settings.timezone
    items = [{"row": r, "text": r.text(lang, zone), "title": notifications.subject(r.kind, lang)}
             for r in rows]
    pages = max(1, -(-total // notifications.PAGE_SIZE))
    return render_template("auth/notifications.html", items=items, total=total, page=page,
                           pages=pages, unread_only=unread_only)


@bp.get("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int) -> Response:
    """Open what a notification is about, marking it read (like opening an e-mail: harmless
    to repeat, so a plain link does it)."""
    row = notifications.get_own(db(), current_user.id, notification_id)
    if row is None:
        abort(404)
    link = row.safe_link
    notifications.mark_read(db(), current_user.id, [notification_id])
    commit()
    return redirect(link or url_for("auth.notification_list"))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read_notification(notification_id: int) -> Response:
    if notifications.get_own(db(), current_user.id, notification_id) is None:
        abort(404)
    notifications.mark_read(db(), current_user.id, [notification_id])
    commit()
    return redirect(url_for("auth.notification_list"))


@bp.post("/notifications/read-all")
@login_required
def read_all_notifications() -> Response:
    count = notifications.mark_read(db(), current_user.id)
    commit()
    flash(gettext("{n} notifications marked read", n=count), "ok")
    return redirect(url_for("auth.notification_list"))


@bp.get("/notifications/count")
@login_required
def notification_count() -> Response:
    """The bell's number for the page script (assets/js/notifications.js)."""
    response = jsonify(unread=notifications.unread_count(db(), current_user.id))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/email")
@login_required
def set_email() -> Response:
    """The address notification e-mails go to, and whether to send them."""
    try:
        notifications.set_email(db(), current_user,  # type: ignore[arg-type]
                                request.form.get("email", ""),
                                notifications=request.form.get("email_notifications") == "1")
        commit()
    except StationError as exc:
        db().rollback()
        flash(exc.message(current_language()), "error")
        return redirect(url_for("auth.account"))
    flash(gettext("Saved"), "ok")
    return redirect(url_for("auth.account"))
