"""The rundown editor's page and JSON API (docs/planning.md): thin over planning.services.

Every write sends the rundown ``version`` the page saw; the answer is the whole rundown
again (lines, clock, readiness), so the page redraws from the server's timing and never
computes a back time of its own. A stale version answers 409 with the current rundown, so
the editor sees the other person's change and nothing of theirs or hers is lost.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WResponse

from planning import script, services, timing
from planning.services import ItemInput
from production import services as production
from station.errors import Conflict, ValidationError
from station.i18n import N_, translate
from station.timecode import parse_duration_s, zone
from web.app import attempt, commit, db
from web.auth.access import roles_required
from web.i18n import current_language, gettext, language_name

bp = Blueprint("rundown", __name__, template_folder="templates")




EDITORS = services.EDITORS


def _document(rundown_id: int) -> dict[str, Any]:
    session = db()
    return script.document(services.timed(session, services.get_rundown(session, rundown_id)))


def _whole(value: Any, field: str) -> int:
    """A whole number the page sent, else a 400 naming the field."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,12}", value):
        return int(value)
    raise ValidationError("Send {field} as a whole number, not {value}", field=field,
                          value=str(value)[:20])


def _optional(value: Any, field: str) -> int | None:
    return None if value in (None, "") else _whole(value, field)


def _item_input(data: dict[str, Any]) -> ItemInput:
    return ItemInput(kind=str(data.get("kind", "")), title=str(data.get("title", "")),
                     report_id=_optional(data.get("report_id"), "report_id"),
                     anchor_text=str(data.get("anchor_text", "")),
                     estimate_s=_optional(data.get("estimate_s"), "estimate_s"),
                     anchor=str(data.get("anchor", "")))


def _change(rundown_id: int, step: Callable[[int], Any],
            status: int = 200) -> tuple[Response, int]:
    """Run a versioned change (``step(version)``), commit, answer the rundown; or 409 with
    the rundown as it now is."""
    data = request.get_json(silent=True) or {}
    version = _whole(data.get("version", -1), "version")
    try:
        step(version)
        commit()
    except Conflict as exc:
        db().rollback()
        db().expire_all()
        return jsonify(error=exc.message(current_language()), status=409,
                       rundown=_document(rundown_id)), 409
    return jsonify(rundown=_document(rundown_id)), status


# Labels the page's script needs to redraw the running order from the API's answer, in the
# page's language (sent as a JSON data block: the CSP allows no inline script).
PAGE_STRINGS = {
    "over": N_("{length} over"), "under": N_("{length} under"), "on_time": N_("on time"),
    "approved": N_("approved"), "not_approved": N_("not approved"),
    "loudness_pass": N_("loudness ok"), "loudness_fail": N_("loudness off target"),
    "loudness_none": N_("loudness not measured"), "changed": N_("changed after approval"),
    "move_up": N_("Move up"), "move_down": N_("Move down"), "edit": N_("Edit"),
    "delete": N_("Delete"), "save": N_("Save"), "cancel": N_("Cancel"),
    "estimate": N_("Estimate (m:ss)"), "text": N_("Text to read"), "title": N_("Title"),
    "anchor": N_("Anchor"), "saved": N_("Saved"), "bad_length": N_(
        "Type a length as m:ss or seconds"), "failed": N_("The change was not saved"),
    "drag": N_("Drag to move"),
}


def _strings(rundown_id: int, lang: str) -> dict[str, Any]:
    """Everything the script shows, translated once: labels, kinds, sources, languages."""
    channel = services.get_rundown(db(), rundown_id).channel
    return {
        "labels": {key: translate(text, lang) for key, text in PAGE_STRINGS.items()},
        "kinds": {key: translate(text, lang) for key, text in script.KIND_LABELS.items()},
        "sources": {key: translate(text, lang) for key, text in script.SOURCE_LABELS.items()},
        "statuses": {key: translate(text, lang) for key, text in script.STATUS_LABELS.items()},
        "subtitles": {key: translate(text, lang)
                      for key, text in script.SUBTITLE_LABELS.items()},
        "languages": {code: language_name(code) for code in
                      (channel.required_languages or [])},
    }


def _page_context(rundown_id: int) -> dict[str, Any]:
    lang = current_language()
    doc = _document(rundown_id)
    zone = services.get_rundown(db(), rundown_id).channel.timezone
    return {"doc": doc, "zone": zone, "kind_labels": script.KIND_LABELS,
            "source_labels": script.SOURCE_LABELS, "status_labels": script.STATUS_LABELS,
            "subtitle_labels": script.SUBTITLE_LABELS, "over_under": script.over_under(doc, lang)}


@bp.get("/rundowns")
@roles_required(*EDITORS)
def index() -> str:
    """Every rundown by on-air time, with its channel and status."""
    session = db()
    rows = [(rundown, script.document(services.timed(session, rundown)))
            for rundown in services.list_rundowns(session)]
    channels = production.list_channels(session)
    return render_template("editors/rundowns.html", rows=rows,
                           status_labels=script.STATUS_LABELS, channels=channels,
                           rates={c.code: services.reading_rates(session, c) for c in channels},
                           default_rate=timing.DEFAULT_WORDS_PER_MINUTE,
                           today=dt.datetime.now(zone()).date())


def _on_air(form: Any) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(f"{form.get('date', '')}T{form.get('time', '')}")
    except ValueError as exc:
        raise ValidationError("Give the bulletin a date and an on-air time (HH:MM)") from exc


@bp.post("/rundowns")
@roles_required(*EDITORS)
def create() -> WResponse:
    """A new draft bulletin: channel, title, on-air time (the channel's local time), length."""
    form = request.form

    def make() -> Any:
        planned = parse_duration_s(form.get("planned", ""))
        if planned is None:
            raise ValidationError("Give the bulletin's length (m:ss or h:mm:ss)")
        return services.create_rundown(db(), actor=current_user, channel=form.get("channel", ""),
                                       title=form.get("title", ""), starts_at=_on_air(form),
                                       planned_s=planned)

    made = attempt(make, lambda r: gettext("Rundown “{title}” created", title=r.title))
    return redirect(url_for("rundown.page", rundown_id=made.id) if made
                    else url_for("rundown.index"))


@bp.post("/rundowns/<int:rundown_id>/place")
@roles_required(*EDITORS)
def place(rundown_id: int) -> WResponse:
    """The bulletin into its channel's schedule as one slot, which the playout expands."""
    attempt(lambda: services.place_in_schedule(db(), rundown_id, actor=current_user),
            lambda slot: gettext("In the schedule as slot #{slot_id}", slot_id=slot.id))
    return redirect(url_for("rundown.page", rundown_id=rundown_id))


@bp.post("/rundowns/rates")
@roles_required("admin")
def set_rate() -> WResponse:
    """A channel's reading rate, or one anchor's (every reader line is retimed by it)."""
    form = request.form

    def save() -> Any:
        text = form.get("words_per_minute", "").strip()
        if not text.isascii() or not text.isdigit():
            raise ValidationError("Give the reading rate in words a minute")
        wpm = int(text)
        return services.set_reading_rate(db(), form.get("channel", ""), wpm,
                                         actor=current_user, anchor=form.get("anchor", ""))

    attempt(save, lambda _row: gettext("Saved"))
    return redirect(url_for("rundown.index"))


@bp.get("/rundowns/<int:rundown_id>")
@roles_required(*EDITORS)
def page(rundown_id: int) -> str:
    """The editor: the running order, timed by the server, changed through the API."""
    context = _page_context(rundown_id)
    return render_template("editors/rundown.html", **context,
                           strings=_strings(rundown_id, current_language()),
                           can_approve=current_user.role in services.APPROVERS)


@bp.get("/rundowns/<int:rundown_id>/print")
@roles_required(*EDITORS)
def printable(rundown_id: int) -> str:
    """The running order with its timings, for paper (a print stylesheet)."""
    return render_template("editors/rundown_print.html", **_page_context(rundown_id))


@bp.get("/rundowns/<int:rundown_id>/script")
@roles_required(*EDITORS)
def anchor_script(rundown_id: int) -> str:
    """The anchor's script: each line's time and the words to read, large."""
    return render_template("editors/rundown_script.html", **_page_context(rundown_id))


@bp.get("/rundowns/<int:rundown_id>/prompter")
@roles_required(*EDITORS)
def prompter(rundown_id: int) -> str:
    """Full screen, the words to read in running order, scrolling at the operator's speed."""
    return render_template("editors/rundown_prompter.html", **_page_context(rundown_id))


@bp.get("/api/rundowns/<int:rundown_id>")
@roles_required(*EDITORS)
def show(rundown_id: int) -> Response:
    return jsonify(rundown=_document(rundown_id))


@bp.post("/api/rundowns/<int:rundown_id>/items")
@roles_required(*EDITORS)
def add(rundown_id: int) -> tuple[Response, int]:
    data = request.get_json(silent=True) or {}
    position = _optional(data.get("position"), "position")
    return _change(rundown_id, lambda version: services.add_item(
        db(), rundown_id, _item_input(data), actor=current_user, version=version,
        position=position), status=201)


@bp.patch("/api/rundowns/<int:rundown_id>/items/<int:item_id>")
@roles_required(*EDITORS)
def update(rundown_id: int, item_id: int) -> tuple[Response, int]:
    """Change or retime a line: the whole line as the page has it."""
    data = request.get_json(silent=True) or {}
    return _change(rundown_id, lambda version: services.update_item(
        db(), item_id, _item_input(data), actor=current_user, version=version))


@bp.delete("/api/rundowns/<int:rundown_id>/items/<int:item_id>")
@roles_required(*EDITORS)
def delete(rundown_id: int, item_id: int) -> tuple[Response, int]:
    return _change(rundown_id, lambda version: services.delete_item(
        db(), item_id, actor=current_user, version=version))


@bp.put("/api/rundowns/<int:rundown_id>/order")
@roles_required(*EDITORS)
def reorder(rundown_id: int) -> tuple[Response, int]:
    """The whole new order after a drag: every line id once."""
    data = request.get_json(silent=True) or {}
    order = data.get("order")
    if not isinstance(order, list):
        raise ValidationError("Send the new order as a list of line ids")
    ids = [_whole(value, "order") for value in order]
    return _change(rundown_id, lambda version: services.reorder(
        db(), rundown_id, ids, actor=current_user, version=version))


@bp.post("/api/rundowns/<int:rundown_id>/approve")
@roles_required("admin")
def approve(rundown_id: int) -> tuple[Response, int]:
    return _change(rundown_id, lambda version: services.approve(
        db(), rundown_id, actor=current_user, version=version))
