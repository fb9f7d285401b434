"""The year's plan and its assignments: themes, quarterly targets, topics, the calendar.

An admin enters the plan (themes and what each owes each channel per quarter, by hand or
imported from a file); editors turn a theme into topics and assign a reporter, a camera
operator and an editor, with a shoot date, a place and a due date. A topic becomes a report
when work starts (``start_report``), keeping its link: planning sits above production and
links down to it (``Topic.report_id``); production's Report knows nothing of themes.

The plan page's figures (``progress``) are SQL aggregates grouped by theme and quarter, so a
year of reports costs four queries. Quarters are the station's (Asia/Ho_Chi_Minh): stored
UTC moments are compared with each quarter's local-midnight bounds, computed in Python
(``planning.assignments.quarter_bounds``), so SQLite and PostgreSQL count alike.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from planning import assignments
from planning.models import Plan, Target, Theme, Topic
from production import services as production
from production.models import Report, ReportEvent
from schedule.models import AsRunEntry, Slot
from station import notifications
from station.accounts import User, require_role
from station.errors import Conflict, NotFound, ValidationError
from station.i18n import N_
from station.text import nfc

PLANNERS = ("admin",)  # who enters the year's plan
EDITORS = ("admin", "editor")  # who assigns topics and starts reports
# A report counts as produced once it reached one of these (its first such moment).
PRODUCED_STATUSES = ("approved", "scheduled", "aired", "archived")
QUARTERS = (1, 2, 3, 4)




# The role names a notification shows (translated when it is rendered).
ROLE_NAMES = {"reporter": N_("reporter"), "camera": N_("camera operator"),
              "editor": N_("editor")}


# ---- the plan --------------------------------------------------------------------------

def create_plan(session: Session, *, actor: User, year: int, title: str) -> Plan:
    """The year's plan (one a year); an existing year's plan is returned with the new title."""
    require_role(actor, *PLANNERS)
    if not 2000 <= year <= 2100:
        raise ValidationError("A plan's year is between 2000 and 2100, not {year}", year=year)
    title = nfc(title).strip() or f"Kế hoạch {year}"
    plan = session.scalar(select(Plan).where(Plan.year == year))
    if plan is None:
        plan = Plan(year=year, title=title[:300])
        session.add(plan)
    else:
        plan.title = title[:300]
    session.flush()
    return plan


def get_plan(session: Session, year: int) -> Plan:
    plan = session.scalar(select(Plan).where(Plan.year == year).options(
        selectinload(Plan.themes).selectinload(Theme.targets).selectinload(Target.channel)))
    if plan is None:
        raise NotFound("No plan for {year}", year=year)
    return plan


def add_theme(session: Session, plan_id: int, *, actor: User, name: str,
              description: str = "") -> Theme:
    """A theme of the plan; a theme of that name already there is updated, not doubled."""
    require_role(actor, *PLANNERS)
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound("No plan #{plan_id}", plan_id=plan_id)
    name = nfc(name).strip()
    if not name:
        raise ValidationError("A theme needs a name")
    theme = session.scalar(select(Theme).where(Theme.plan_id == plan.id, Theme.name == name))
    if theme is None:
        count = session.scalar(select(func.count()).where(Theme.plan_id == plan.id)) or 0
        theme = Theme(plan_id=plan.id, name=name[:200], position=count)
        session.add(theme)
    theme.description = nfc(description).strip()
    session.flush()
    return theme


def set_target(session: Session, theme_id: int, *, actor: User, quarter: int, channel: str,
               count: int, minutes: int, language: str | None = None) -> Target:
    """What a theme owes a channel (in one language, or all) in a quarter; replaces the old."""
    require_role(actor, *PLANNERS)
    if quarter not in QUARTERS:
        raise ValidationError("A quarter is 1, 2, 3 or 4, not {quarter}", quarter=quarter)
    if count < 0 or minutes < 0:
        raise ValidationError("A target's count and minutes cannot be negative")
    theme = session.get(Theme, theme_id)
    if theme is None:
        raise NotFound("No theme #{theme_id}", theme_id=theme_id)
    chan = production.get_channel(session, channel)
    language = nfc(language or "").strip() or None
    target = session.scalar(select(Target).where(
        Target.theme_id == theme.id, Target.quarter == quarter, Target.channel_id == chan.id,
        Target.language.is_(None) if language is None else Target.language == language))
    if target is None:
        target = Target(theme_id=theme.id, quarter=quarter, channel_id=chan.id,
                        channel=chan, language=language)
        session.add(target)
    target.count, target.minutes = count, minutes
    session.flush()
    return target


# ---- importing a plan ------------------------------------------------------------------

CSV_COLUMNS = ("year", "title", "theme", "description", "quarter", "channel", "language",
               "count", "minutes")


def _int(value: Any, what: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError("{what} must be a whole number, not “{value}”", what=what,
                              value=value) from None


def parse_plan_file(name: str, text: str) -> dict[str, Any]:
    """A plan file's content as the JSON shape (docs/planning.md "Importing a plan").

    JSON: ``{"year", "title", "themes": [{"name", "description", "targets": [{"quarter",
    "channel", "language", "count", "minutes"}]}]}``. CSV: one target a line with the
    columns of ``CSV_COLUMNS`` (a theme's first line carries its description).
    """
    text = text.lstrip("\ufeff")
    if name.lower().endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError("The plan file is not valid JSON: {error}",
                                  error=str(exc)) from None
        if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
            raise ValidationError("A JSON plan is an object with a year and a list of themes")
        return data
    if not name.lower().endswith(".csv"):
        raise ValidationError("A plan file is .csv or .json, not {name}", name=name)
    rows = list(csv.DictReader(io.StringIO(text)))
    missing = [c for c in CSV_COLUMNS if rows and c not in rows[0]]
    if not rows or missing:
        raise ValidationError("A CSV plan needs the columns {columns}",
                              columns=", ".join(CSV_COLUMNS))
    years = {r["year"].strip() for r in rows}
    if len(years) != 1:
        raise ValidationError("A plan file holds one year, not {years}",
                              years=", ".join(sorted(years)))
    themes: dict[str, dict[str, Any]] = {}
    for row in rows:
        theme = themes.setdefault(row["theme"].strip(), {
            "name": row["theme"].strip(), "description": "", "targets": []})
        theme["description"] = theme["description"] or (row["description"] or "").strip()
        if (row["quarter"] or "").strip():
            theme["targets"].append({k: row[k] for k in ("quarter", "channel", "language",
                                                         "count", "minutes")})
    return {"year": years.pop(), "title": rows[0]["title"], "themes": list(themes.values())}


def import_plan(session: Session, data: dict[str, Any], *, actor: User) -> Plan:
    """Create or update a year's plan from a file's content; importing twice changes nothing.

    Themes are matched by name and targets by (quarter, channel, language): what the file
    names is set, what it does not name is left as it was.
    """
    require_role(actor, *PLANNERS)
    plan = create_plan(session, actor=actor, year=_int(data.get("year"), "year"),
                       title=str(data.get("title") or ""))
    for entry in data["themes"]:
        if not isinstance(entry, dict):
            raise ValidationError("Each theme is an object with a name")
        theme = add_theme(session, plan.id, actor=actor, name=str(entry.get("name") or ""),
                          description=str(entry.get("description") or ""))
        for target in entry.get("targets") or []:
            set_target(session, theme.id, actor=actor,
                       quarter=_int(target.get("quarter"), "quarter"),
                       channel=str(target.get("channel") or ""),
                       language=target.get("language") or None,
                       count=_int(target.get("count") or 0, "count"),
                       minutes=_int(target.get("minutes") or 0, "minutes"))
    session.flush()
    session.expire(plan)
    return plan


def import_plan_file(session: Session, path: Path, *, actor: User) -> Plan:
    return import_plan(session, parse_plan_file(path.name, path.read_text(encoding="utf-8")),
                       actor=actor)


# ---- progress --------------------------------------------------------------------------

@dataclass
class Figures:
    """One theme's quarter: what was promised and how far the newsroom got."""

    target_count: int = 0
    target_minutes: int = 0
    planned: int = 0  # topics due in the quarter
    assigned: int = 0  # of those, topics with a reporter
    produced: int = 0  # reports of the theme that reached approved in the quarter
    aired: int = 0  # as-run lines of those reports' slots in the quarter
    aired_minutes: float = 0.0


@dataclass
class ThemeProgress:
    theme: Theme
    quarters: dict[int, Figures] = field(default_factory=lambda: {q: Figures()
                                                                  for q in QUARTERS})

    @property
    def year(self) -> Figures:
        total = Figures()
        for f in self.quarters.values():
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(f, name))
        return total


def _quarter_case(column: Any, bounds: list[tuple[Any, Any]]) -> ColumnElement[int]:
    """SQL: which quarter ``column`` falls in, given each quarter's [start, end)."""
    return case(*[(and_(column >= lo, column < hi), q) for q, (lo, hi)
                  in zip(QUARTERS, bounds, strict=True)], else_=0)


def progress(session: Session, year: int) -> tuple[Plan, list[ThemeProgress]]:
    """Target, planned, assigned, produced and aired per theme and quarter of ``year``."""
    plan = get_plan(session, year)
    rows = {t.id: ThemeProgress(t) for t in plan.themes}
    theme_ids = list(rows)
    moments = [assignments.quarter_bounds(year, q) for q in QUARTERS]
    days = [assignments.quarter_dates(year, q) for q in QUARTERS]
    day_bounds = [(lo, hi + dt.timedelta(days=1)) for lo, hi in days]

    for theme_id, quarter, count, minutes in session.execute(
            select(Target.theme_id, Target.quarter, func.sum(Target.count),
                   func.sum(Target.minutes))
            .where(Target.theme_id.in_(theme_ids)).group_by(Target.theme_id, Target.quarter)):
        figures = rows[theme_id].quarters[quarter]
        figures.target_count, figures.target_minutes = int(count or 0), int(minutes or 0)

    when = func.coalesce(Topic.due_date, Topic.shoot_date)
    quarter = _quarter_case(when, day_bounds).label("q")
    has_reporter = or_(Topic.reporter_id.is_not(None), Topic.reporter_name != "")
    for theme_id, q, planned, assigned in session.execute(
            select(Topic.theme_id, quarter, func.count(Topic.id),
                   func.sum(case((has_reporter, 1), else_=0)))
            .where(Topic.theme_id.in_(theme_ids), when >= day_bounds[0][0],
                   when < day_bounds[3][1])
            .group_by(Topic.theme_id, quarter)):
        if q in QUARTERS:
            figures = rows[theme_id].quarters[q]
            figures.planned, figures.assigned = int(planned), int(assigned or 0)

    reached = (select(ReportEvent.report_id, func.min(ReportEvent.at).label("at"))
               .where(ReportEvent.to_status.in_(PRODUCED_STATUSES))
               .group_by(ReportEvent.report_id).subquery())
    quarter = _quarter_case(reached.c.at, moments).label("q")
    for theme_id, q, produced in session.execute(
            select(Topic.theme_id, quarter, func.count(func.distinct(Topic.report_id)))
            .join(reached, reached.c.report_id == Topic.report_id)
            .where(Topic.theme_id.in_(theme_ids), reached.c.at >= moments[0][0],
                   reached.c.at < moments[3][1])
            .group_by(Topic.theme_id, quarter)):
        if q in QUARTERS:
            rows[theme_id].quarters[q].produced = int(produced)

    quarter = _quarter_case(AsRunEntry.started_at, moments).label("q")
    for theme_id, q, aired, seconds in session.execute(
            select(Topic.theme_id, quarter, func.count(AsRunEntry.id),
                   func.sum(AsRunEntry.duration_s))
            .join(Slot, Slot.report_id == Topic.report_id)
            .join(AsRunEntry, AsRunEntry.slot_id == Slot.id)
            .where(Topic.theme_id.in_(theme_ids), AsRunEntry.started_at >= moments[0][0],
                   AsRunEntry.started_at < moments[3][1])
            .group_by(Topic.theme_id, quarter)):
        if q in QUARTERS:
            figures = rows[theme_id].quarters[q]
            figures.aired, figures.aired_minutes = int(aired), round((seconds or 0) / 60, 1)
    return plan, [rows[t] for t in theme_ids]


def progress_document(plan: Plan, found: list[ThemeProgress]) -> dict[str, Any]:
    """The plan's figures as plain data (``station plan show --json``)."""
    return {"year": plan.year, "title": plan.title, "themes": [
        {"id": p.theme.id, "name": p.theme.name,
         "quarters": {str(q): vars(f) for q, f in p.quarters.items()},
         "year": vars(p.year)} for p in found]}


# ---- topics ----------------------------------------------------------------------------

@dataclass
class TopicInput:
    """A topic as the editor typed it: accounts by id, or free-text names."""

    title: str
    place: str = ""
    shoot_date: dt.date | None = None
    due_date: dt.date | None = None
    reporter_id: int | None = None
    reporter_name: str = ""
    camera_id: int | None = None
    camera_name: str = ""
    editor_id: int | None = None


def _person(session: Session, user_id: int | None, roles: tuple[str, ...]) -> User | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or user.role not in roles:
        raise ValidationError("No active staff account #{user_id} for this assignment",
                              user_id=user_id)
    return user


def _apply(session: Session, topic: Topic, data: TopicInput) -> list[tuple[User, str]]:
    """Set the topic's fields; answer the people newly assigned (to notify), with the role."""
    title = nfc(data.title).strip()
    if not title:
        raise ValidationError("A topic needs a title")
    if data.shoot_date and data.due_date and data.due_date < data.shoot_date:
        raise ValidationError("The due date is before the shoot date")
    staff = ("admin", "editor", "translator")
    reporter = _person(session, data.reporter_id, staff)
    camera = _person(session, data.camera_id, staff)
    editor = _person(session, data.editor_id, EDITORS)
    before = {"reporter": topic.reporter_id, "camera": topic.camera_id,
              "editor": topic.editor_id}
    topic.title, topic.place = title[:300], nfc(data.place).strip()[:200]
    topic.shoot_date, topic.due_date = data.shoot_date, data.due_date
    topic.reporter_id = reporter.id if reporter else None
    topic.reporter_name = "" if reporter else nfc(data.reporter_name).strip()[:120]
    topic.camera_id = camera.id if camera else None
    topic.camera_name = "" if camera else nfc(data.camera_name).strip()[:120]
    topic.editor_id = editor.id if editor else None
    return [(user, role) for user, role in ((reporter, "reporter"), (camera, "camera"),
                                            (editor, "editor"))
            if user is not None and before[role] != user.id]


def _notify(session: Session, topic: Topic, newly: list[tuple[User, str]], actor: User) -> None:
    for user, role in newly:
        notifications.notify(
            session, [user], "assigned",
            {"who": actor.display_name, "topic": topic.title, "role": {"template": ROLE_NAMES[role],
                                                                     "params": {}},
             "place": topic.place or "—",
             "shoot_date": topic.shoot_date.strftime("%d/%m/%Y") if topic.shoot_date else "—"},
            link=f"/plan/topics/{topic.id}", actor=actor)


def get_topic(session: Session, topic_id: int) -> Topic:
    topic = session.get(Topic, topic_id, options=[selectinload(Topic.theme)])
    if topic is None:
        raise NotFound("No topic #{topic_id}", topic_id=topic_id)
    return topic


def create_topic(session: Session, theme_id: int, data: TopicInput, *, actor: User) -> Topic:
    """A new topic of a theme; the people it names are told."""
    require_role(actor, *EDITORS)
    theme = session.get(Theme, theme_id)
    if theme is None:
        raise NotFound("No theme #{theme_id}", theme_id=theme_id)
    topic = Topic(theme_id=theme.id, theme=theme, updated_by_id=actor.id)
    newly = _apply(session, topic, data)
    session.add(topic)
    session.flush()
    _notify(session, topic, newly, actor)
    return topic


def _check_version(topic: Topic, version: int) -> None:
    if topic.version != version:
        who = topic.updated_by.display_name if topic.updated_by else "?"
        raise Conflict("{who} changed this topic after you opened it; reload to see it",
                       who=who, current_version=topic.version)


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict("Someone changed this topic at the same moment; reload to see it"
                       ) from exc


def update_topic(session: Session, topic_id: int, data: TopicInput, *, actor: User,
                 version: int) -> Topic:
    """Change a topic at the version the editor saw; the newly assigned are told."""
    require_role(actor, *EDITORS)
    topic = get_topic(session, topic_id)
    _check_version(topic, version)
    newly = _apply(session, topic, data)
    topic.updated_by_id = actor.id
    _flush(session)
    _notify(session, topic, newly, actor)
    return topic


def delete_topic(session: Session, topic_id: int, *, actor: User, version: int) -> None:
    require_role(actor, *EDITORS)
    topic = get_topic(session, topic_id)
    _check_version(topic, version)
    if topic.report_id is not None:
        raise ValidationError("Topic #{topic_id} is already report #{report_id}; it stays",
                              topic_id=topic.id, report_id=topic.report_id)
    session.delete(topic)
    _flush(session)


def get_theme(session: Session, theme_id: int) -> Theme:
    theme = session.get(Theme, theme_id)
    if theme is None:
        raise NotFound("No theme #{theme_id}", theme_id=theme_id)
    return theme


def list_topics(session: Session, theme_id: int) -> list[Topic]:
    return list(session.scalars(select(Topic).where(Topic.theme_id == theme_id)
                                .options(selectinload(Topic.reporter),
                                         selectinload(Topic.camera))
                                .order_by(Topic.shoot_date, Topic.id)))


UPCOMING = 10  # topics per theme on the plan page; the theme's own page lists them all


def upcoming_topics(session: Session, theme_ids: Sequence[int], today: dt.date, *,
                    limit: int = UPCOMING) -> dict[int, tuple[list[Topic], int]]:
    """Per theme: its next ``limit`` topics from ``today`` on (or its last ones when none is
    ahead), and how many it has in all. A year holds thousands of topics; the plan page is
    read every morning and must stay quick (benchmarks/planning.py)."""
    totals = dict(session.execute(select(Topic.theme_id, func.count(Topic.id))
                                  .where(Topic.theme_id.in_(theme_ids))
                                  .group_by(Topic.theme_id)).all())
    found: dict[int, tuple[list[Topic], int]] = {}
    for theme_id in theme_ids:
        base = select(Topic).where(Topic.theme_id == theme_id).options(
            selectinload(Topic.reporter), selectinload(Topic.camera))
        ahead = list(session.scalars(
            base.where(func.coalesce(Topic.shoot_date, Topic.due_date) >= today)
            .order_by(func.coalesce(Topic.shoot_date, Topic.due_date), Topic.id).limit(limit)))
        if not ahead:
            ahead = list(reversed(list(session.scalars(
                base.order_by(func.coalesce(Topic.shoot_date, Topic.due_date).desc(),
                              Topic.id.desc()).limit(limit)))))
        found[theme_id] = (ahead, int(totals.get(theme_id, 0)))
    return found


def start_report(session: Session, topic_id: int, *, actor: User,
                 channel_codes: list[str] | None = None) -> Report:
    """Work starts: the topic becomes a production report, and keeps the link to it.

    The report goes to the channels the theme has targets for (unless given), with the
    topic's title, reporter, editor and due date, and the theme as a tag.
    """
    require_role(actor, *EDITORS)
    topic = get_topic(session, topic_id)
    if topic.report_id is not None:
        raise ValidationError("Topic #{topic_id} is already report #{report_id}",
                              topic_id=topic.id, report_id=topic.report_id)
    codes = channel_codes or sorted({t.channel.code for t in topic.theme.targets})
    if not codes:
        raise ValidationError("The theme has no target channel: choose the report's channels")
    notes = " · ".join(x for x in (topic.place, topic.shoot_date.isoformat()
                                   if topic.shoot_date else "") if x)
    report = production.create_report(session, production.ReportInput(
        title=topic.title, channel_codes=codes, reporter=topic.reporter_label or None,
        editor_id=topic.editor_id, due_date=topic.due_date, notes=notes,
        tags=[topic.theme.name]), actor=actor)
    topic.report_id, topic.report = report.id, report
    topic.updated_by_id = actor.id
    _flush(session)
    return report


# ---- people and the calendar -----------------------------------------------------------

def assignments_for(session: Session, user_id: int, *, since: dt.date | None = None,
                    limit: int = 20) -> list[Topic]:
    """A person's topics from ``since`` on (undated ones too), soonest first."""
    stmt = (select(Topic).options(selectinload(Topic.theme))
            .where(or_(Topic.reporter_id == user_id, Topic.camera_id == user_id,
                       Topic.editor_id == user_id)))
    if since is not None:
        stmt = stmt.where(or_(Topic.shoot_date.is_(None), Topic.shoot_date >= since,
                              Topic.due_date >= since))
    return list(session.scalars(stmt.order_by(Topic.shoot_date.is_(None), Topic.shoot_date,
                                              Topic.id).limit(limit)))


@dataclass
class CalendarEntry:
    topic: Topic
    double: list[str]  # the people booked elsewhere that day too (their names)


@dataclass
class Calendar:
    days: list[dt.date]
    entries: dict[dt.date, list[CalendarEntry]]
    doubles: list[tuple[dt.date, str, list[Topic]]]  # day, person, their topics


def _bookings(topic: Topic) -> list[tuple[assignments.Booking, str]]:
    """Who a topic sends out on its shoot day: the reporter and the camera operator."""
    if topic.shoot_date is None:
        return []
    found = []
    for role, user_id, name, label in (
            ("reporter", topic.reporter_id, topic.reporter_name, topic.reporter_label),
            ("camera", topic.camera_id, topic.camera_name, topic.camera_label)):
        key = assignments.person_key(user_id, name)
        if key is not None:
            found.append((assignments.Booking(topic.id, topic.shoot_date, key, role), label))
    return found


def calendar(session: Session, days: list[dt.date]) -> Calendar:
    """Who is where on each day, with every person booked on two topics the same day."""
    topics = list(session.scalars(
        select(Topic).options(selectinload(Topic.theme), selectinload(Topic.reporter),
                              selectinload(Topic.camera))
        .where(Topic.shoot_date >= days[0], Topic.shoot_date <= days[-1])
        .order_by(Topic.shoot_date, Topic.id)))
    by_id = {t.id: t for t in topics}
    labels: dict[str, str] = {}
    bookings = []
    for topic in topics:
        for booking, label in _bookings(topic):
            bookings.append(booking)
            labels[booking.person] = label
    doubles = assignments.double_bookings(bookings)
    flagged: dict[int, list[str]] = defaultdict(list)
    listed = []
    for (person, day), found in doubles.items():
        ids = sorted({b.topic_id for b in found})
        for topic_id in ids:
            flagged[topic_id].append(labels[person])
        listed.append((day, labels[person], [by_id[i] for i in ids]))
    entries: dict[dt.date, list[CalendarEntry]] = {d: [] for d in days}
    for topic in topics:
        assert topic.shoot_date is not None
        entries[topic.shoot_date].append(CalendarEntry(topic, sorted(set(flagged[topic.id]))))
    return Calendar(days, entries, sorted(listed, key=lambda x: (x[0], x[1])))
