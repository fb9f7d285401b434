"""Scheduling on SQLite and PostgreSQL: slots, readiness, publishing, templates, exports,
as-run reconciliation, and the broadcast day in the channel's time zone."""

from __future__ import annotations

import datetime as dt
import json

import icalendar
import pytest

from production import services as production
from production.models import MediaAsset, Report
from schedule import exporting, services
from schedule.models import Slot
from station.errors import Conflict, ValidationError
from station.runtime import Runtime
from subtitles import review
from subtitles import services as subtitles
from tests.conftest import report_factory, user_factory

HCM = dt.timezone(dt.timedelta(hours=7))
DAY = dt.date(2027, 3, 8)  # a Monday


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm)


@pytest.fixture
def desk(any_runtime: Runtime) -> dict:
    make = user_factory(any_runtime)
    editor = make("editor", display_name="Lò Thị Mai")
    report = report_factory(any_runtime)(editor, "Lai Châu hôm nay", channel_codes=["LCTV"])
    with any_runtime.session() as session:
        session.add(MediaAsset(report_id=report.id, role="master", sha256="c" * 64,
                               size_bytes=1, storage_key="cc/cc/x.mp4", duration_ms=1_500_000,
                               loudness_lufs=-23.1, true_peak_dbtp=-2.0))
        session.commit()
    return {"rt": any_runtime, "editor": editor, "report": report}


def _approve(rt: Runtime, report_id: int, editor) -> None:  # type: ignore[no-untyped-def]
    """Through the workflow honestly: the editor sends it, a chief editor approves it."""
    chief = user_factory(rt)("editor", display_name="Trưởng ban")
    with rt.session() as session:
        for target in ("in_production", "editing", "review"):
            production.move_report(session, report_id, target, actor=editor)
        production.move_report(session, report_id, "approved", actor=chief)
        session.commit()


def _vi_track(rt: Runtime, report_id: int, editor, approve: bool) -> None:  # type: ignore[no-untyped-def]
    srt = "1\n00:00:01,000 --> 00:00:04,000\nLai Châu hôm nay\n"
    with rt.session() as session:
        track, _ = subtitles.import_track(session, report_id, "vi", srt.encode(), "a.srt",
                                          actor=editor)
        if approve:
            review.move(session, track.id, "in_review", actor=editor)
            review.move(session, track.id, "approved", actor=editor)
        session.commit()


def test_readiness_blocks_publishing_until_fixed(desk: dict) -> None:
    rt, editor, report = desk["rt"], desk["editor"], desk["report"]
    with rt.session() as session:
        slot = services.add_slot(session, services.SlotInput("LCTV", local(DAY, 19),
                                                             report_id=report.id),
                                 actor=editor)
        filler = services.add_slot(session, services.SlotInput(
            "LCTV", local(DAY, 19, 20), duration_s=600, title="Ca nhạc", kind="programme"),
            actor=editor)
        session.commit()
        slot_id, filler_id = slot.id, filler.id
        assert slot.duration_s == 1500 and slot.start_at == dt.datetime(2027, 3, 8, 12, 0,
                                                                        tzinfo=dt.UTC)
        found = {(f.check, f.slot_id) for f in services.check_day(session, "LCTV", DAY)}
        assert ("not_approved", slot.id) in found
        assert ("subtitles", slot.id) in found  # LCTV requires Vietnamese subtitles
        assert ("overlap", filler.id) in found or ("overlap", slot.id) in found
        assert [s.id for s in services.overlapping(session, slot.channel_id, slot.start_at,
                                                   slot.end_at, exclude_id=slot.id)] == [
            filler.id]
        with pytest.raises(Conflict, match="cannot be published") as refused:
            services.publish_day(session, "LCTV", DAY, actor=editor)
        assert refused.value.params["findings"]
        session.rollback()
    _vi_track(rt, report.id, editor, approve=True)  # the approval gate needs it first
    _approve(rt, report.id, editor)
    with rt.session() as session:
        moved = session.get(Slot, filler_id)
        services.update_slot(session, filler_id, services.SlotInput(
            "LCTV", local(DAY, 19, 30), duration_s=600, title="Ca nhạc", kind="programme"),
            actor=editor, version=moved.version)
        session.commit()
        assert services.check_day(session, "LCTV", DAY) == []
        services.publish_day(session, "LCTV", DAY, actor=editor)
        session.commit()
        assert session.get(Slot, slot_id).status == "published"
        assert session.get(Report, report.id).status == "scheduled"


def test_stale_slot_edit_is_a_conflict(desk: dict) -> None:
    rt, editor = desk["rt"], desk["editor"]
    other = user_factory(rt)("editor", display_name="Nguyễn Văn Hùng")
    with rt.session() as session:
        slot = services.add_slot(session, services.SlotInput(
            "LCTV", local(DAY, 8), duration_s=300, title="Tin sáng", kind="programme"),
            actor=editor)
        session.commit()
        version = slot.version
        services.update_slot(session, slot.id, services.SlotInput(
            "LCTV", local(DAY, 8, 5), duration_s=300, title="Tin sáng", kind="programme"),
            actor=other, version=version)
        session.commit()
        with pytest.raises(Conflict, match="Nguyễn Văn Hùng changed this slot"):
            services.update_slot(session, slot.id, services.SlotInput(
                "LCTV", local(DAY, 9), duration_s=300, title="Tin sáng", kind="programme"),
                actor=editor, version=version)


def test_broadcast_day_and_ffplayout_playlist(desk: dict) -> None:
    rt, editor = desk["rt"], desk["editor"]
    with rt.session() as session:
        # LCTV's day starts at 05:00: 01:30 on Tuesday belongs to Monday's broadcast day.
        late = services.add_slot(session, services.SlotInput(
            "LCTV", local(DAY + dt.timedelta(days=1), 1, 30), duration_s=1200,
            title="Phim đêm", kind="programme", source="/srv/playout/phim-dem.mp4"),
            actor=editor)
        services.add_slot(session, services.SlotInput(
            "LCTV", local(DAY, 6), duration_s=600, title="Chào buổi sáng", kind="programme",
            source="/srv/playout/chao-buoi-sang.mp4"), actor=editor)
        session.commit()
        monday = [s.title for s in services.day_slots(session, production.get_channel(
            session, "LCTV"), DAY)]
        assert monday == ["Chào buổi sáng", "Phim đêm"]
        # issue 17: a playlist needs the channel's playout (its filler above all)
        admin = user_factory(rt)("admin")
        exporting.set_playout(session, "LCTV", actor=admin, folder="/srv/playout",
                             storage="/srv/playout", filler="filler.mp4", filler_ms=10_000,
                             day_start="05:00", timezone="Asia/Ho_Chi_Minh")
        data, name, mime = exporting.export_day(session, "LCTV", DAY, "ffplayout")
        doc = json.loads(data)
        assert doc["date"] == "2027-03-08" and doc["channel"] == "LCTV"
        assert name == "2027-03-08.json" and mime == "application/json"  # as ffplayout reads it
        assert {"in", "out", "duration", "source"} <= set(doc["program"][0])
        total = sum(item["out"] - item["in"] for item in doc["program"])
        assert total <= 24 * 3600 + 1
        ics, _, _ = exporting.export_day(session, "LCTV", DAY, "ics")
        events = icalendar.Calendar.from_ical(ics).walk("VEVENT")
        starts = {str(e["SUMMARY"]): e.decoded("DTSTART").astimezone(dt.UTC) for e in events}
        assert starts["Phim đêm"] == late.start_at
        assert all(str(e["UID"]).startswith("slot-") for e in events)


def test_weekly_template_with_rerun(desk: dict) -> None:
    rt, editor, report = desk["rt"], desk["editor"], desk["report"]
    with rt.session() as session:
        first = services.add_template(
            session, actor=editor, channel="VTV4", title="Lai Châu hôm nay", local_time="19:00",
            duration_s=1500, start_date=DAY, weekdays=[0], kind="report", report_id=report.id)
        rerun = services.add_template(
            session, actor=editor, channel="VTV4", title="Lai Châu hôm nay (phát lại)",
            local_time="10:30", duration_s=1500, start_date=DAY, weekdays=[3],
            kind="report", report_id=report.id)
        made = services.apply_template(session, first.id, DAY, DAY + dt.timedelta(days=27),
                                       actor=editor)
        again = services.apply_template(session, first.id, DAY, DAY + dt.timedelta(days=27),
                                        actor=editor)
        reruns = services.apply_template(session, rerun.id, DAY, DAY + dt.timedelta(days=27),
                                         actor=editor)
        session.commit()
        assert len(made) == 4 and again == [] and len(reruns) == 4
        assert {s.start_at.astimezone(HCM).strftime("%a %H:%M") for s in made} == {"Mon 19:00"}
        assert {s.start_at.astimezone(HCM).strftime("%a %H:%M") for s in reruns} == {
            "Thu 10:30"}
        with pytest.raises(ValidationError, match="HH:MM"):
            services.add_template(session, actor=editor, channel="VTV4", title="x",
                                  local_time="7pm", duration_s=60, start_date=DAY,
                                  weekdays=[0])


def test_as_run_reconciliation_marks_reports_aired(desk: dict) -> None:
    rt, editor, report = desk["rt"], desk["editor"], desk["report"]
    _vi_track(rt, report.id, editor, approve=True)  # the approval gate needs it first
    _approve(rt, report.id, editor)
    with rt.session() as session:
        main = services.add_slot(session, services.SlotInput("LCTV", local(DAY, 19),
                                                             report_id=report.id),
                                 actor=editor)
        news = services.add_slot(session, services.SlotInput(
            "LCTV", local(DAY, 20), duration_s=900, title="Thời sự", kind="programme"),
            actor=editor)
        music = services.add_slot(session, services.SlotInput(
            "LCTV", local(DAY, 21), duration_s=600, title="Ca nhạc", kind="programme"),
            actor=editor)
        session.commit()
        services.publish_day(session, "LCTV", DAY, actor=editor)
        session.commit()
        log = ("start,duration,title,id\n"
               f"2027-03-08T19:00:05,1500,Lai Châu hôm nay,{main.id}\n"
               "2027-03-08T20:03:00,900,Thời sự,\n"
               "2027-03-08T20:20:00,300,Quảng cáo,\n")
        result = services.import_as_run(session, "LCTV", log.encode("utf-8-sig"), actor=editor)
        session.commit()
        outcomes = {e.title: e.outcome for e in result.entries}
        assert outcomes == {"Lai Châu hôm nay": "as_planned", "Thời sự": "late",
                            "Quảng cáo": "unplanned"}
        assert [s.id for s in result.missed] == []  # 21:00 is after the log's last entry
        assert session.get(Slot, news.id).status == "aired"
        assert session.get(Slot, music.id).status == "published"
        assert session.get(Report, report.id).status == "aired"
        with pytest.raises(ValidationError, match="Line 2: bad start"):
            services.import_as_run(session, "LCTV", b"start,duration,title\nnot-a-time,5,x\n",
                                   actor=editor)
