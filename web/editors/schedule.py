"""The scheduling desk: a channel's week grid, slots, publishing, exports, templates, as-run."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as WResponse

from production import services as production
from schedule import days, exporting, placing, services
from schedule import week as schedule_week
from station.errors import Conflict, StationError, ValidationError
from station.timecode import PAL_FPS, check_day, parse_day, parse_duration_s, to_local
from web.app import attempt, commit, db
from web.auth.access import EDITORS, STAFF, roles_required
from web.i18n import current_language, gettext
from web.limits import FORM_SLACK, limit, read_upload

bp = Blueprint("schedule", __name__, url_prefix="/schedule", template_folder="templates")


def _date(value: str | None, default: dt.date) -> dt.date:
    """The day asked for (a 400 naming it when it is not a plausible day), else default."""
    return parse_day(value) or default


@bp.get("/")
@roles_required(*STAFF)
def index() -> WResponse:
    return redirect(url_for("schedule.week", code="VTV4"))


@bp.get("/<code>")
@roles_required(*STAFF)
def week(code: str) -> str:
    grid = schedule_week.week(db(), code, parse_day(request.args.get("week")) if
                              request.args.get("week") else None)
    lang = current_language()
    first = grid.first_day
    return render_template(
        "editors/schedule.html", channel=grid.channel, columns=grid.days, today=grid.today,
        findings={k: [{"severity": f.severity, "message": f.text(lang)} for f in v]
                  for k, v in grid.findings.items()},
        prev_week=first - dt.timedelta(days=7), next_week=first + dt.timedelta(days=7),
        channels=production.list_channels(db()), reports=grid.placeable, asrun=grid.asrun,
        templates=grid.templates,
        to_local=lambda m: to_local(m, grid.channel.timezone),
        can_edit=current_user.role in EDITORS)


def _slot_input(code: str) -> services.SlotInput:
    form = request.form
    try:
        start = dt.datetime.fromisoformat(f"{form.get('date', '')}T{form.get('time', '')}")
    except ValueError as exc:
        raise ValidationError("Give the slot a date and a time (HH:MM)") from exc
    check_day(start)
    report_id = form.get("report_id", "")
    duration = _duration_s(code)
    return services.SlotInput(
        channel=code, start=start, duration_s=duration, title=form.get("title", ""),
        kind=form.get("kind") or ("report" if report_id else "programme"),
        report_id=int(report_id) if report_id.isdigit() else None,
        rerun_of_id=int(form["rerun_of"]) if form.get("rerun_of", "").isdigit() else None,
        notes=form.get("notes", ""), source=form.get("source") or None)


def _duration_s(code: str) -> int | None:
    """The slot length typed in ``duration`` (90, 1:30, 00:01:30, 00:01:30:12 in the
    channel's frames), in whole seconds; None when empty (the report's length).

    Scripts written before issue 13 send ``duration_min`` in minutes: still read as such."""
    form = request.form
    if "duration" not in form and form.get("duration_min", "").strip():
        minutes = form["duration_min"].strip()
        try:
            return round(float(minutes) * 60)
        except (ValueError, OverflowError) as exc:
            raise ValidationError("The duration is a number of minutes: {value}",
                                  value=minutes[:40]) from exc
    channel = production.get_channel(db(), code)
    rate = (channel.subtitle_rules or {}).get("frame_rate") or PAL_FPS
    return parse_duration_s(form.get("duration"), Fraction(str(rate)))


def _back(code: str) -> WResponse:
    return redirect(url_for("schedule.week", code=code, week=request.form.get("week")))


@bp.post("/<code>/slots")
@roles_required(*EDITORS)
def add(code: str) -> WResponse:
    attempt(lambda: services.add_slot(db(), _slot_input(code), actor=current_user),
            lambda slot: gettext("Slot #{slot_id} planned", slot_id=slot.id))
    return _back(code)


# ---- placing by hand (assets/js/schedule.js): the same services, rules and checks --------

def _json_body() -> dict:  # type: ignore[type-arg]
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError("Send the placing as JSON")
    return data


def _whole(data: dict, name: str, low: int, high: int) -> int:  # type: ignore[type-arg]
    """A whole number field of a drag, within [low, high] (a 400 naming it otherwise)."""
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError("{field} must be a whole number from {low} to {high}",
                              field=name, low=low, high=high)
    return value


def _placed(slot_id: int, message: str) -> Response:
    commit()
    flash(message, "ok")
    return jsonify(ok=True, slot_id=slot_id, message=message)


@bp.post("/<code>/slots/drop")
@roles_required(*EDITORS)
def drop(code: str) -> Response:
    """A report dragged onto a day's lane: a slot at that time, its length the report's."""
    data = _json_body()
    slot = placing.drop_report(db(), code, parse_day(str(data.get("day") or "")) or None,
                               _whole(data, "offset_min", 0, 7 * 1440),
                               _whole(data, "report_id", 1, 2**63 - 1), actor=current_user)
    return _placed(slot.id, gettext("Slot #{slot_id} planned", slot_id=slot.id))


@bp.post("/<code>/slots/<int:slot_id>/length")
@roles_required(*EDITORS)
def length(code: str, slot_id: int) -> Response:
    """A slot's lower edge dragged: its new length, refused when someone changed it first."""
    data = _json_body()
    placing.drag_length(db(), code, slot_id, _whole(data, "duration_s", 1, 7 * 86400),
                        version=_whole(data, "version", 0, 2**31 - 1), actor=current_user)
    return _placed(slot_id, gettext("Saved"))


@bp.get("/<code>/slots/<int:slot_id>")
@roles_required(*EDITORS)
def edit(code: str, slot_id: int) -> str:
    """One slot's form on its own page: the week grid stays light with hundreds of slots."""
    slot = services.get_slot(db(), slot_id)
    channel = production.get_channel(db(), code)
    if slot.channel_id != channel.id:
        abort(404)
    lang = current_language()
    problems = [{"severity": f.severity, "message": f.text(lang)}
                for f in services.check_slots(db(), channel, services.day_slots(
                    db(), channel, days.day_of(slot.start_at, services.channel_facts(channel))))
                if f.slot_id == slot.id]
    return render_template("editors/slot_edit.html", slot=slot, channel=channel,
                           problems=problems, week=request.args.get("week", ""),
                           to_local=lambda m: to_local(m, channel.timezone))


@bp.post("/<code>/slots/<int:slot_id>")
@roles_required(*EDITORS)
def update(code: str, slot_id: int) -> WResponse:
    def change() -> object:
        if request.form.get("delete"):
            return services.delete_slot(db(), slot_id, actor=current_user)
        version = request.form.get("version", "")
        return services.update_slot(db(), slot_id, _slot_input(code), actor=current_user,
                                    version=int(version) if version.isdigit() else -1)

    attempt(change, lambda _slot: gettext("Saved"))
    return _back(code)


@bp.post("/<code>/publish")
@roles_required(*EDITORS)
def publish(code: str) -> WResponse:
    day = _date(request.form.get("day"), dt.date.today())
    try:
        slots = services.publish_day(db(), code, day, actor=current_user)
        commit()
        flash(gettext("{day}: {n} slots published", day=day.strftime("%d/%m/%Y"),
                      n=len(slots)), "ok")
    except Conflict as exc:
        db().rollback()
        lang = current_language()
        flash(exc.message(lang).split(":")[0], "error")
        for finding in exc.params.get("findings", []):
            flash(finding.text(lang), "error")
    except StationError as exc:
        db().rollback()
        flash(exc.message(current_language()), "error")
    return _back(code)


@bp.get("/<code>/export/<fmt>")
@roles_required(*STAFF)
def export(code: str, fmt: str) -> Response:
    day_arg = request.args.get("day")
    day = _date(day_arg, dt.date.today()) if day_arg else None
    from web.app import runtime

    # a playlist hands the approved reports' files to the playout folder first (issue 17)
    data, name, mimetype = exporting.export_day(db(), code, day, fmt, lang=current_language(),
                                               media_root=runtime().settings.media_path)
    response = Response(data, mimetype=mimetype)
    if fmt != "daysheet":
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/<code>/templates")
@roles_required(*EDITORS)
def add_template(code: str) -> WResponse:
    form = request.form
    try:
        start = _date(form.get("start_date"), dt.date.today())
        end = _date(form.get("end_date"), start + dt.timedelta(days=27))
        weekdays = [int(d) for d in form.getlist("weekdays") if d.isdigit()]
        nth = form.get("monthly_nth", "")
        monthly = [int(x) for x in nth.split(",")] if nth else None
        duration = _duration_s(code) or 0
        report_id = form.get("report_id", "")
        row = services.add_template(
            db(), actor=current_user, channel=code, title=form.get("title", ""),
            local_time=form.get("time", ""), duration_s=duration, start_date=start,
            end_date=_date(form.get("end_date"), start) if form.get("end_date") else None,
            weekdays=weekdays, monthly_nth=monthly,
            kind="report" if report_id.isdigit() else "programme",
            report_id=int(report_id) if report_id.isdigit() else None)
        made = services.apply_template(db(), row.id, start, end, actor=current_user)
        commit()
        flash(gettext("Template saved: {n} slots made", n=len(made)), "ok")
    except (StationError, ValueError) as exc:
        db().rollback()
        message = exc.message(current_language()) if isinstance(exc, StationError) else str(exc)
        flash(message, "error")
    return _back(code)


@bp.post("/<code>/asrun")
@limit(services.MAX_AS_RUN_BYTES + FORM_SLACK, file=services.MAX_AS_RUN_BYTES)
@roles_required(*EDITORS)
def asrun(code: str) -> WResponse:
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationError("No file was sent")
        data = read_upload(upload, services.MAX_AS_RUN_BYTES)
        fmt = request.form.get("format") or "csv"
        if fmt == "auto":  # ffplayout's log names its lines "Play for"; anything else is CSV
            fmt = "ffplayout-log" if b"Play for" in data[:200_000] else "csv"
        result = services.import_as_run(db(), code, data, actor=current_user, fmt=fmt)
        commit()
        counts: dict[str, int] = {}
        for entry in result.entries:
            counts[entry.outcome] = counts.get(entry.outcome, 0) + 1
        summary = ", ".join(f"{gettext(k)}: {v}" for k, v in sorted(counts.items()))
        flash(gettext("As-run imported: {summary}; missed: {missed}", summary=summary,
                      missed=len(result.missed)), "ok")
    except StationError as exc:
        db().rollback()
        flash(exc.message(current_language()), "error")
    return _back(code)


@bp.get("/<code>/feed.ics")
@roles_required(*STAFF, "partner")
def feed(code: str) -> Response:
    """The published schedule as iCalendar (partners see only their own channel)."""
    channel = production.get_channel(db(), code)
    if current_user.role == "partner" and current_user.channel_id != channel.id:
        abort(403)
    data, name, mimetype = exporting.export_day(db(), code, None, "ics",
                                               lang=current_language(), published_only=True)
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response
