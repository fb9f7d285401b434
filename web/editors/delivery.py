"""Delivery for station staff: build a report's packages, edit partners' specs (admins), API
tokens and the webhook delivery log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from delivery import services
from delivery.specs import AUDIO_MODES, CONTAINERS, SUBTITLE_FORMATS, VIDEO_MODES
from production.services import get_channel
from station.errors import ValidationError
from web.app import attempt, db, runtime
from web.auth.access import EDITORS, roles_required
from web.i18n import gettext

bp = Blueprint("delivery", __name__, url_prefix="/delivery")


@bp.post("/reports/<int:report_id>/build")
@roles_required(*EDITORS)
def build(report_id: int) -> Response:
    channel = request.form.get("channel", "")
    attempt(lambda: services.queue_build(db(), report_id, channel, actor=current_user,
                                         full=request.form.get("full") == "1"),
            lambda p: gettext("Package v{number} ({kind}) for {channel} is being built",
                              number=p.number, kind=gettext(p.kind), channel=channel))
    return redirect(url_for("editors.report", report_id=report_id) + "#delivery")


@bp.get("/")
@roles_required(*EDITORS)
def index() -> str:
    return render_template("editors/delivery.html", specs=services.partner_specs(db()),
                           tokens=services.list_tokens(db()),
                           hooks=services.webhook_log(db(), limit=50),
                           now=dt.datetime.now(dt.UTC), secret=None)


def _form_spec() -> dict[str, Any]:
    form = request.form

    def number(key: str) -> str:
        return form.get(key, "").strip().replace(",", ".")

    return {
        "name": form.get("name", ""),
        "video": form.get("video", "render"),
        "video_spec": {"width": number("width"), "height": number("height"),
                       "fps": number("fps"), "bitrate": form.get("bitrate", "").strip(),
                       "profile": form.get("profile", "high"), "level": form.get("level", "4.1"),
                       "audio_bitrate": form.get("audio_bitrate", "").strip(),
                       "preset": form.get("preset", "medium")},
        "audio": form.get("audio", "none"),
        "normalize": form.get("normalize") == "1",
        "loudness_i": number("loudness_i"),
        "loudness_tp": number("loudness_tp"),
        "required_languages": form.get("required_languages", ""),
        "optional_languages": form.get("optional_languages", ""),
        "subtitle_formats": form.getlist("subtitle_formats"),
        "burn_in_language": form.get("burn_in_language", ""),
        "name_pattern": form.get("name_pattern", ""),
        "unit": form.get("unit", ""),
        "title_card": form.get("title_card") == "1",
        "title_card_seconds": number("title_card_seconds") or 3,
        "logo": form.get("logo") == "1",
        "container": form.get("container", "zip"),
    }


@bp.route("/specs/<code>", methods=["GET", "POST"])
@roles_required("admin")
def spec(code: str) -> str | Response:
    channel = get_channel(db(), code)
    if request.method == "POST":
        try:
            version = int(request.form.get("version", ""))
        except ValueError:
            raise ValidationError("The form is incomplete; reload the page") from None
        saved = attempt(lambda: services.save_spec(
            db(), code, _form_spec(), actor=current_user, version=version,
            auto_build=request.form.get("auto_build") == "1",
            webhook_url=request.form.get("webhook_url", ""),
            allowed_addresses=runtime().settings.webhook_allowed_addresses),
            lambda _row: gettext("Saved"))
        if saved is not None:
            return redirect(url_for("delivery.index"))
    row = services.spec_row(db(), channel)
    return render_template("editors/delivery_spec.html", channel=channel, row=row,
                           spec=services.spec_of(row), video_modes=VIDEO_MODES,
                           audio_modes=AUDIO_MODES, containers=CONTAINERS,
                           formats=SUBTITLE_FORMATS)


@bp.post("/tokens")
@roles_required("admin")
def create_token() -> str | Response:
    days = request.form.get("expires_days", "").strip()
    created = attempt(lambda: services.create_token(
        db(), request.form.get("channel", ""), request.form.get("name", ""),
        actor=current_user, expires_days=int(days) if days.isdigit() else None),
        lambda pair: gettext("Token {prefix}… created", prefix=pair[0].prefix))
    if created is None:
        return redirect(url_for("delivery.index") + "#tokens")
    # The secret is shown on this one page and never again (only its hash is stored).
    return render_template("editors/delivery.html", specs=services.partner_specs(db()),
                           tokens=services.list_tokens(db()),
                           hooks=services.webhook_log(db(), limit=50),
                           now=dt.datetime.now(dt.UTC), secret=created[1])


@bp.post("/tokens/<int:token_id>/revoke")
@roles_required("admin")
def revoke_token(token_id: int) -> Response:
    attempt(lambda: services.revoke_token(db(), token_id, actor=current_user),
            lambda t: gettext("Token {prefix}… revoked", prefix=t.prefix))
    return redirect(url_for("delivery.index") + "#tokens")


@bp.post("/webhooks/<int:delivery_id>/redeliver")
@roles_required("admin")
def redeliver(delivery_id: int) -> Response:
    attempt(lambda: services.redeliver_webhook(db(), delivery_id, actor=current_user),
            lambda _d: gettext("Sent again"))
    return redirect(url_for("delivery.index") + "#webhooks")
