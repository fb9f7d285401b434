"""The year's plan and the assignments desk: the plan's table, a topic's form, the calendar.

Thin on purpose: each route parses the request, checks the role, calls one service of
``planning.plans`` and renders; the figures, the version check, the notifications and the
double-booking rule all live in the domain (docs/planning.md "Plans and assignments").
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as WResponse

from planning import assignments, plans
from planning.plans import TopicInput
from station.accounts import active_users
from station.timecode import zone
from web.app import attempt, db
from web.auth.access import roles_required
from web.i18n import gettext

bp = Blueprint("plan", __name__, template_folder="templates")
EDITORS = ("admin", "editor")


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _topic_input(form: MultiDict[str, str]) -> TopicInput:
    return TopicInput(
        title=form.get("title", ""), place=form.get("place", ""),
        shoot_date=_date(form.get("shoot_date")), due_date=_date(form.get("due_date")),
        reporter_id=_id(form.get("reporter_id")), reporter_name=form.get("reporter_name", ""),
        camera_id=_id(form.get("camera_id")), camera_name=form.get("camera_name", ""),
        editor_id=_id(form.get("editor_id")))


def _people() -> dict[str, object]:
    return {"staff": active_users(db(), "admin", "editor", "translator"),
            "editors": active_users(db(), *EDITORS)}


@bp.get("/plan")
@roles_required(*EDITORS)
def current() -> WResponse:
    """This year's plan (the nav's link), in the station's own calendar."""
    return redirect(url_for("plan.show", year=dt.datetime.now(zone()).year))


@bp.get("/plan/<int:year>")
@roles_required(*EDITORS)
def show(year: int) -> str:
    plan, rows = plans.progress(db(), year)
    topics = plans.upcoming_topics(db(), [p.theme.id for p in rows], dt.date.today())
    return render_template("editors/plan.html", plan=plan, rows=rows, topics=topics,
                           quarters=plans.QUARTERS)


@bp.get("/plan/themes/<int:theme_id>")
@roles_required(*EDITORS)
def theme(theme_id: int) -> str:
    """Every topic of one theme (the plan page shows the next few of each)."""
    found = plans.get_theme(db(), theme_id)
    return render_template("editors/plan_theme.html", theme=found,
                           topics=plans.list_topics(db(), theme_id))


@bp.post("/plan/import")
@roles_required("admin")
def import_file() -> WResponse:
    upload = request.files.get("file")
    text = upload.read().decode("utf-8", "replace") if upload else ""
    done = attempt(lambda: plans.import_plan(
        db(), plans.parse_plan_file(upload.filename or "" if upload else "", text),
        actor=current_user), lambda p: gettext("Plan {year} imported", year=p.year))
    year = done.year if done else dt.date.today().year
    return redirect(url_for("plan.show", year=year))


@bp.route("/plan/themes/<int:theme_id>/topics/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_topic(theme_id: int) -> str | WResponse:
    if request.method == "POST":
        done = attempt(lambda: plans.create_topic(db(), theme_id, _topic_input(request.form),
                                                  actor=current_user),
                       lambda t: gettext("Topic saved"))
        if done is not None:
            return redirect(url_for("plan.topic", topic_id=done.id))
    return render_template("editors/plan_topic.html", topic=None, theme_id=theme_id,
                           form=request.form, **_people())


@bp.route("/plan/topics/<int:topic_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def topic(topic_id: int) -> str | WResponse:
    if request.method == "POST":
        attempt(lambda: plans.update_topic(db(), topic_id, _topic_input(request.form),
                                           actor=current_user,
                                           version=_id(request.form.get("version")) or 0),
                lambda t: gettext("Topic saved"))
        return redirect(url_for("plan.topic", topic_id=topic_id))
    found = plans.get_topic(db(), topic_id)
    return render_template("editors/plan_topic.html", topic=found, theme_id=found.theme_id,
                           form=None, **_people())


@bp.post("/plan/topics/<int:topic_id>/start")
@roles_required(*EDITORS)
def start(topic_id: int) -> WResponse:
    done = attempt(lambda: plans.start_report(db(), topic_id, actor=current_user),
                   lambda r: gettext("Report #{report_id} started", report_id=r.id))
    if done is not None:
        return redirect(url_for("editors.report", report_id=done.id))
    return redirect(url_for("plan.topic", topic_id=topic_id))


@bp.get("/calendar")
@roles_required(*EDITORS)
def calendar() -> str:
    try:
        if request.args.get("month"):
            year, month = assignments.parse_month(request.args["month"])
            days, view = assignments.month_days(year, month), "month"
        else:
            monday = (assignments.parse_week(request.args["week"]) if request.args.get("week")
                      else dt.date.today())
            days, view = assignments.week_days(monday), "week"
    except ValueError:
        abort(400)
    found = plans.calendar(db(), days)
    first = days[0]
    return render_template(
        "editors/calendar.html", cal=found, view=view, today=dt.date.today(),
        week=f"{first.isocalendar()[0]}-W{first.isocalendar()[1]:02d}",
        month=f"{days[len(days) // 2]:%Y-%m}",
        prev=days[0] - dt.timedelta(days=1), next=days[-1] + dt.timedelta(days=1))
