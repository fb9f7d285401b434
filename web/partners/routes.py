"""The partner channels' portal: their own channel only, never an internal page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from production.models import Channel
from web.app import db
from web.auth.access import roles_required

bp = Blueprint("partners", __name__, url_prefix="/partner", template_folder="templates")


@bp.get("/")
@roles_required("partner")
def home() -> str:
    channel = db().get(Channel, current_user.channel_id)
    return render_template("partners/home.html", channel=channel)
