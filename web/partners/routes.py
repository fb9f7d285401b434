"""The partner channels' portal: their own channel's packages and schedule, never an internal
page. Station staff may open a package page too (to see what the partner sees)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user

from delivery import portal, services
from delivery.models import Package
from production.models import Channel
from schedule import services as schedule_services
from station.errors import StationError
from station.text import human_size
from station.timecode import to_local, zone
from subtitles import formats
from web import downloads
from web.app import db
from web.auth.access import STAFF, roles_required

bp = Blueprint("partners", __name__, url_prefix="/partner", template_folder="templates")


def _package(package_id: int) -> Package:
    return portal.package_for(db(), package_id, actor=current_user)


@bp.get("/")
@roles_required("partner")
def home() -> str:
    channel = db().get(Channel, current_user.channel_id)
    now = dt.datetime.now(dt.UTC)
    packages = portal.partner_packages(db(), channel.id)
    taken = portal.downloaded_ids(db(), channel.id)
    slots = [s for s in schedule_services.slots_between(db(), channel, now,
                                                        now + dt.timedelta(days=14))
             if s.status in ("published", "aired")]
    upcoming = portal.upcoming(db(), channel, today=dt.datetime.now(zone()).date())
    return render_template("partners/home.html", channel=channel, packages=packages,
                           taken=taken, upcoming=upcoming, slots=slots,
                           to_local=lambda m: to_local(m, channel.timezone))


@bp.get("/packages/<int:package_id>")
@roles_required("partner", *STAFF)
def package(package_id: int) -> str:
    row = _package(package_id)
    media = portal.preview_media(row)
    captions = portal.caption_languages(db(), row)
    downloads_count, last_download = portal.package_downloads(db(), row.id)
    return render_template("partners/package.html", package=row, media=media,
                           captions=captions, archive=services.archive_name(row),
                           downloads=downloads_count, last_download=last_download,
                           human_size=human_size, summary=services.package_summary(row))


@bp.get("/packages/<int:package_id>/download")
@roles_required("partner", *STAFF)
def download(package_id: int) -> Response:
    row = _package(package_id)
    name = services.archive_name(row)
    if name is None:
        abort(404)
    return downloads.serve(row, name, user=current_user)


@bp.get("/packages/<int:package_id>/files/<path:name>")
@roles_required("partner", *STAFF)
def file(package_id: int, name: str) -> Response:
    return downloads.serve(_package(package_id), name, user=current_user)


@bp.get("/packages/<int:package_id>/preview")
@roles_required("partner", *STAFF)
def preview(package_id: int) -> Response:
    media = portal.preview_media(_package(package_id))
    if media is None:
        abort(404)
    holder, entry = media
    return downloads.serve(holder, entry["path"], user=current_user, inline=True)


@bp.get("/packages/<int:package_id>/captions/<language>.vtt")
@roles_required("partner", *STAFF)
def captions(package_id: int, language: str) -> Response:
    """The language's subtitles as WebVTT for the preview player (converted when the partner
    takes SRT or TTML only)."""
    found = portal.caption_file(db(), _package(package_id), language)
    if found is None:
        abort(404)
    holder, entry = found
    path = downloads.package_path(holder, entry["path"])[0]
    if not path.is_file():
        abort(404)
    data = path.read_bytes()
    if entry["format"] != "webvtt":
        try:
            data = formats.write("webvtt", formats.read(entry["format"], data,
                                                        language=language).doc)
        except StationError:
            abort(404)
    return Response(data, mimetype="text/vtt")


@bp.get("/downloads")
@roles_required("partner")
def history() -> str:
    rows = portal.download_history(db(), current_user.channel_id)
    return render_template("partners/downloads.html", rows=rows, human_size=human_size)
