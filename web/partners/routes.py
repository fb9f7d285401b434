"""The partner channels' portal: their own channel only, never an internal page."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template
from flask_login import current_user

from production.models import Channel
from schedule import services as schedule_services
from station.timecode import to_local
from web.app import db
from web.auth.access import roles_required

bp = Blueprint("partners", __name__, url_prefix="/partner", template_folder="templates")


@bp.get("/")
@roles_required("partner")
def home() -> str:
    channel = db().get(Channel, current_user.channel_id)
    now = dt.datetime.now(dt.UTC)
    upcoming = [s for s in schedule_services.slots_between(db(), channel, now,
                                                           now + dt.timedelta(days=14))
                if s.status in ("published", "aired")]
    return render_template("partners/home.html", channel=channel, upcoming=upcoming,
                           to_local=lambda m: to_local(m, channel.timezone))
