"""A channel's playout settings page (admins): where its media go, its filler, its day start.

Thin on purpose: the form is parsed here and ``schedule.exporting.set_playout`` checks and
saves it; the page also shows the ffplayout settings the channel needs (docs/playout.md).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WResponse

from production import services as production
from schedule import exporting
from schedule.playout import LAYOUTS
from web.app import attempt, db
from web.auth.access import roles_required
from web.i18n import gettext

bp = Blueprint("playout", __name__, url_prefix="/schedule", template_folder="templates")


@bp.get("/<code>/playout")
@roles_required("admin")
def settings(code: str) -> str:
    channel = production.get_channel(db(), code)
    found = exporting.playout_settings(db(), channel)
    return render_template("editors/playout.html", channel=channel, settings=found,
                           layouts=LAYOUTS, missing=found.missing(),
                           ffplayout=found.ffplayout_settings())


@bp.post("/<code>/playout")
@roles_required("admin")
def save(code: str) -> WResponse:
    form = request.form
    duration = form.get("filler_duration", "").strip().replace(",", ".")
    values = {key: form.get(key, "") for key in ("folder", "storage", "filler", "day_start",
                                                  "timezone", "layout", "playlists")}
    try:
        filler_ms = round(float(duration) * 1000) if duration else None
    except ValueError:
        filler_ms = -1  # refused by the service with its message
    attempt(lambda: exporting.set_playout(db(), code, actor=current_user, filler_ms=filler_ms,
                                         **values),
            lambda _: gettext("Playout settings saved"))
    return redirect(url_for("playout.settings", code=code))

