"""The year's plan and its assignments (issue 15) on SQLite and PostgreSQL: import, topics
with the version check, notifications, start_report, the calendar's double bookings and the
plan's figures per theme and quarter."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from planning import plans
from planning.models import Topic
from planning.plans import TopicInput
from production.models import Report, ReportEvent
from production.services import get_channel
from schedule.models import AsRunEntry, Slot
from station.errors import Conflict, PermissionDenied, ValidationError
from station.notifications import Notification, render
from station.runtime import Runtime
from tests.conftest import user_factory

YEAR = 2027
PLAN = {"year": YEAR, "title": "Kế hoạch tuyên truyền 2027", "themes": [
    {"name": "Chính sách đầu tư", "description": "Thu hút đầu tư vào tỉnh",
     "targets": [{"quarter": 1, "channel": "LCTV", "count": 4, "minutes": 20},
                 {"quarter": 1, "channel": "LCTV", "language": "hmn", "count": 2,
                  "minutes": 10},
                 {"quarter": 2, "channel": "LCTV", "count": 3, "minutes": 15}]},
    {"name": "Văn hoá – du lịch", "targets": [
        {"quarter": 2, "channel": "LCTV", "count": 6, "minutes": 30}]}]}


@pytest.fixture
def desk(any_runtime: Runtime) -> dict:
    make = user_factory(any_runtime)
    return {"rt": any_runtime, "admin": make("admin", display_name="Tổng biên tập"),
            "editor": make("editor", display_name="Lò Thị Mai"),
            "reporter": make("editor", display_name="Tẩn Văn Lìn"),
            "camera": make("translator", display_name="Giàng A Páo")}


def _theme(session, name: str = "Chính sách đầu tư"):  # type: ignore[no-untyped-def]
    plan = plans.get_plan(session, YEAR)
    return next(t for t in plan.themes if t.name == name)


def test_import_twice_is_one_plan_and_csv_matches_json(desk: dict, tmp_path: Path) -> None:
    rt, admin = desk["rt"], desk["admin"]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(PLAN, ensure_ascii=False), encoding="utf-8")
    with rt.session() as session:
        plans.import_plan_file(session, path, actor=admin)
        plans.import_plan_file(session, path, actor=admin)
        session.commit()
        plan = plans.get_plan(session, YEAR)
        assert [t.name for t in plan.themes] == ["Chính sách đầu tư", "Văn hoá – du lịch"]
        assert sorted((t.quarter, t.language or "", t.count)
                      for t in plan.themes[0].targets) == [(1, "", 4), (1, "hmn", 2), (2, "", 3)]
    csv_path = tmp_path / "plan.csv"
    csv_path.write_text(
        "\ufeffyear,title,theme,description,quarter,channel,language,count,minutes\n"
        f"{YEAR},Kế hoạch,Biên giới – đối ngoại,Đường biên,3,LCTV,,5,25\n"
        f"{YEAR},Kế hoạch,Biên giới – đối ngoại,,4,LCTV,vi,2,8\n", encoding="utf-8")
    with rt.session() as session:
        plans.import_plan_file(session, csv_path, actor=admin)
        session.commit()
        theme = _theme(session, "Biên giới – đối ngoại")
        assert theme.description == "Đường biên"
        assert [(t.quarter, t.language, t.minutes) for t in theme.targets] == [
            (3, None, 25), (4, "vi", 8)]
        with pytest.raises(PermissionDenied):
            plans.import_plan_file(session, csv_path, actor=desk["editor"])
        with pytest.raises(ValidationError):
            plans.parse_plan_file("plan.csv", "year,theme\n2027,x\n")


def test_topics_assign_notify_and_refuse_a_stale_version(desk: dict) -> None:
    rt, editor = desk["rt"], desk["editor"]
    with rt.session() as session:
        plans.import_plan(session, PLAN, actor=desk["admin"])
        theme = _theme(session)
        topic = plans.create_topic(session, theme.id, TopicInput(
            "Khu công nghiệp Tam Đường", place="Tam Đường", shoot_date=dt.date(2027, 2, 3),
            due_date=dt.date(2027, 2, 10), reporter_id=desk["reporter"].id,
            camera_name="Lò Văn Hùng", editor_id=editor.id), actor=editor)
        session.commit()
        told = list(session.scalars(select(Notification).where(
            Notification.user_id == desk["reporter"].id)))
        assert [n.kind for n in told] == ["assigned"]  # the editor assigned herself: not told
        assert render(told[0].kind, told[0].params, "vi").startswith("Lò Thị Mai")
        assert "phóng viên" in render(told[0].kind, told[0].params, "vi")
        data = TopicInput("Khu công nghiệp Tam Đường", place="Tam Đường",
                          shoot_date=dt.date(2027, 2, 3), reporter_id=desk["reporter"].id,
                          camera_id=desk["camera"].id)
        plans.update_topic(session, topic.id, data, actor=editor, version=1)
        session.commit()
        assert topic.version == 2 and topic.camera_name == "" and topic.editor_id is None
        with pytest.raises(Conflict, match="Lò Thị Mai"):
            plans.update_topic(session, topic.id, data, actor=desk["admin"], version=1)
        assert [t.id for t in plans.assignments_for(session, desk["camera"].id)] == [topic.id]
        with pytest.raises(ValidationError):
            plans.create_topic(session, theme.id, TopicInput(
                "x", shoot_date=dt.date(2027, 2, 3), due_date=dt.date(2027, 2, 1)),
                actor=editor)


def test_calendar_flags_a_person_booked_twice_a_day(desk: dict) -> None:
    rt, editor = desk["rt"], desk["editor"]
    day = dt.date(2027, 2, 3)
    with rt.session() as session:
        plans.import_plan(session, PLAN, actor=desk["admin"])
        theme = _theme(session)
        a = plans.create_topic(session, theme.id, TopicInput(
            "Sáng", shoot_date=day, reporter_name="Lò Văn Hùng"), actor=editor)
        b = plans.create_topic(session, theme.id, TopicInput(
            "Chiều", shoot_date=day, camera_name="lò văn  hùng"), actor=editor)
        c = plans.create_topic(session, theme.id, TopicInput(
            "Hôm sau", shoot_date=day + dt.timedelta(days=1), reporter_name="Lò Văn Hùng"),
            actor=editor)
        session.commit()
        cal = plans.calendar(session, [day + dt.timedelta(days=i) for i in range(7)])
        assert [(d, who, [t.id for t in ts]) for d, who, ts in cal.doubles] == [
            (day, "Lò Văn Hùng", [a.id, b.id])]
        flags = {e.topic.id: e.double for d in cal.days for e in cal.entries[d]}
        assert flags[a.id] and flags[b.id] and flags[c.id] == []


def test_start_report_and_the_plans_figures(desk: dict) -> None:
    rt, editor = desk["rt"], desk["editor"]
    with rt.session() as session:
        plans.import_plan(session, PLAN, actor=desk["admin"])
        theme = _theme(session)
        made = plans.create_topic(session, theme.id, TopicInput(
            "Đầu tư nông nghiệp", place="Than Uyên", shoot_date=dt.date(2027, 3, 20),
            due_date=dt.date(2027, 3, 30), reporter_name="Lò Văn Hùng", editor_id=editor.id),
            actor=editor)
        plans.create_topic(session, theme.id, TopicInput(
            "Chưa giao", due_date=dt.date(2027, 5, 2)), actor=editor)
        report = plans.start_report(session, made.id, actor=editor)
        session.commit()
        assert made.report_id == report.id
        assert report.reporter == "Lò Văn Hùng" and report.tags == ["Chính sách đầu tư"]
        assert [c.code for c in report.channels] == ["LCTV"]
        with pytest.raises(ValidationError):
            plans.start_report(session, made.id, actor=editor)
        # Approved at 31 March 18:00 UTC = 1 April 01:00 in Hà Nội: the second quarter.
        session.add(ReportEvent(report_id=report.id, actor_id=editor.id, kind="status",
                                from_status="review", to_status="approved",
                                at=dt.datetime(2027, 3, 31, 18, 0, tzinfo=dt.UTC)))
        session.get(Report, report.id).status = "approved"  # type: ignore[union-attr]
        lctv = get_channel(session, "LCTV")
        start = dt.datetime(2027, 4, 5, 12, 0, tzinfo=dt.UTC)
        slot = Slot(channel_id=lctv.id, start_at=start, end_at=start + dt.timedelta(minutes=5),
                    duration_s=300, title=report.title, kind="report", report_id=report.id)
        session.add(slot)
        session.flush()
        for day in (5, 6):
            session.add(AsRunEntry(channel_id=lctv.id, started_at=start.replace(day=day),
                                   duration_s=270, title=report.title, slot_id=slot.id,
                                   outcome="as_planned", import_batch="t"))
        session.commit()
        plan, rows = plans.progress(session, YEAR)
        first = rows[0]
        q1, q2 = first.quarters[1], first.quarters[2]
        assert (q1.target_count, q1.target_minutes, q1.planned, q1.assigned) == (6, 30, 1, 1)
        assert (q1.produced, q1.aired) == (0, 0)
        assert (q2.target_count, q2.planned, q2.assigned, q2.produced, q2.aired,
                q2.aired_minutes) == (3, 1, 0, 1, 2, 9.0)
        assert first.year.target_count == 9 and rows[1].quarters[2].target_count == 6
        doc = plans.progress_document(plan, rows)
        assert doc["themes"][0]["quarters"]["2"]["aired"] == 2
        # The period review reads the same figures, over the quarters its period touches.
        from results.review import compute
        from results.types import Period

        q2_review = compute(session, Period.quarter(YEAR, 2), sections=["plan"])
        row = q2_review.tables["plan_by_theme"].rows[0]
        assert row["theme"] == first.theme.name
        assert (row["target_count"], row["planned"], row["assigned"], row["produced"],
                row["aired"]) == (3, 1, 0, 1, 2)
        year_row = compute(session, Period.year(YEAR), sections=["plan"]).tables[
            "plan_by_theme"].rows[0]
        assert (year_row["target_count"], year_row["planned"], year_row["produced"]) == (9, 2, 1)
        assert year_row["done"] == round(100 * 1 / 9, 1)
        assert "plan_by_theme" not in compute(session, Period.year(YEAR + 3)).tables
        assert session.scalar(select(Topic.report_id).where(Topic.id == made.id)) == report.id
