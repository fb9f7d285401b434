"""Issue 13: each workflow move checks its facts (SQLite and PostgreSQL).

Review needs media; approval needs loudness in spec, the channels' subtitle tracks approved
and QC clean, and an approver who is not the report's author or editor; "scheduled" comes from
publishing a schedule, "aired" from an as-run line or an explicit "mark aired"; an admin may
override with a reason and step back from any status; the results count only what the facts
support.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from production import services as production
from production import workflow
from production.models import MediaAsset, Report, ReportEvent
from results.review import compute
from results.types import Period
from schedule import services as schedule
from schedule.models import AsRunEntry, Slot
from station.errors import PermissionDenied, ValidationError, WorkflowError
from station.runtime import Runtime
from subtitles import review
from subtitles import services as subtitles
from tests.conftest import report_factory, user_factory

DAY = dt.date(2026, 11, 18)  # a Wednesday in the past: as-run lines may name it
SRT = "1\n00:00:01,000 --> 00:00:04,000\nLai Châu hôm nay\n"
BAD_SRT = "1\n00:00:01,000 --> 00:00:04,000\n\n\n2\n00:00:05,000 --> 00:00:07,000\nx\n"


@pytest.fixture
def desk(any_runtime: Runtime) -> dict[str, Any]:
    make = user_factory(any_runtime)
    people = {"mai": make("editor", display_name="Lò Thị Mai"),
              "chief": make("editor", display_name="Trưởng ban"),
              "admin": make("admin", display_name="Giám đốc")}
    report = report_factory(any_runtime)(people["mai"], "Lai Châu hôm nay",
                                         channel_codes=["LCTV"])
    return {"rt": any_runtime, "report_id": report.id, **people}


def _master(rt: Runtime, report_id: int, lufs: float = -23.1) -> None:
    with rt.session() as session:
        session.add(MediaAsset(report_id=report_id, role="master", sha256="e" * 64,
                               size_bytes=1, storage_key="ee/ee/x.mp4", duration_ms=1_500_000,
                               loudness_lufs=lufs, true_peak_dbtp=-2.0))
        session.commit()


def _to(rt: Runtime, report_id: int, actor: Any, *targets: str, **kwargs: Any) -> None:
    with rt.session() as session:
        for target in targets:
            production.move_report(session, report_id, target, actor=actor, **kwargs)
        session.commit()


def _track(rt: Runtime, report_id: int, actor: Any, srt: str = SRT, *,
           approve: bool = True) -> int:
    with rt.session() as session:
        track, _ = subtitles.import_track(session, report_id, "vi", srt.encode(), "vi.srt",
                                          actor=actor)
        if approve:
            review.move(session, track.id, "in_review", actor=actor)
            review.move(session, track.id, "approved", actor=actor)
        session.commit()
        return int(track.id)


def _gates(exc: pytest.ExceptionInfo[WorkflowError]) -> set[str]:
    return {r.gate for r in exc.value.reasons}  # type: ignore[attr-defined]


def _approved(desk: dict[str, Any]) -> None:
    rt, rid = desk["rt"], desk["report_id"]
    _master(rt, rid)
    _track(rt, rid, desk["mai"])
    _to(rt, rid, desk["mai"], "in_production", "editing", "review")
    _to(rt, rid, desk["chief"], "approved")


def test_review_needs_the_master(desk: dict[str, Any]) -> None:
    rt, rid = desk["rt"], desk["report_id"]
    _to(rt, rid, desk["mai"], "in_production", "editing")
    with rt.session() as session, pytest.raises(WorkflowError) as refused:
        production.move_report(session, rid, "review", actor=desk["mai"])
    assert _gates(refused) == {"production.media"}
    assert "Upload and ingest the master" in str(refused.value)
    assert "Hãy tải lên và nhập bản gốc" in refused.value.message("vi")
    _master(rt, rid)
    _to(rt, rid, desk["mai"], "review")


def test_approval_lists_every_missing_fact_at_once(desk: dict[str, Any]) -> None:
    rt, rid = desk["rt"], desk["report_id"]
    _master(rt, rid, lufs=-16.0)
    _track(rt, rid, desk["mai"], approve=False)
    _to(rt, rid, desk["mai"], "in_production", "editing", "review")
    with rt.session() as session, pytest.raises(WorkflowError) as refused:
        production.move_report(session, rid, "approved", actor=desk["mai"])
    assert _gates(refused) == {"production.approver", "production.loudness", "subtitles.tracks"}
    text = refused.value.message("en")
    assert "Loudness fails LCTV: -16.0 LUFS" in text
    assert "The vi subtitles are not approved" in text
    assert "Someone other than the report's author" in text
    vietnamese = refused.value.message("vi")
    assert "Tin bài chưa thể chuyển sang Đã duyệt" in vietnamese
    assert "Độ lớn âm thanh không đạt chuẩn LCTV" in vietnamese
    # The chief editor is not the author, but the loudness and subtitles still refuse.
    with rt.session() as session, pytest.raises(WorkflowError) as refused:
        production.move_report(session, rid, "approved", actor=desk["chief"])
    assert _gates(refused) == {"production.loudness", "subtitles.tracks"}


def test_subtitles_must_be_approved_and_qc_clean(desk: dict[str, Any]) -> None:
    rt, rid = desk["rt"], desk["report_id"]
    _master(rt, rid)
    track_id = _track(rt, rid, desk["mai"], BAD_SRT, approve=False)
    _to(rt, rid, desk["mai"], "in_production", "editing", "review")
    with rt.session() as session:
        track = subtitles.get_track(session, track_id, actor=desk["mai"])
        track.status = "approved"  # approved before QC was looked at (an old track)
        session.commit()
    with rt.session() as session, pytest.raises(WorkflowError, match="QC error"):
        production.move_report(session, rid, "approved", actor=desk["chief"])


def test_the_author_and_the_assigned_editor_may_not_approve(desk: dict[str, Any]) -> None:
    rt, rid = desk["rt"], desk["report_id"]
    _master(rt, rid)
    _track(rt, rid, desk["mai"])
    with rt.session() as session:
        report = session.get(Report, rid)
        assert report is not None
        report.editor_id = desk["chief"].id  # the chief edits it: her work too
        session.commit()
    _to(rt, rid, desk["mai"], "in_production", "editing", "review")
    for person in ("mai", "chief"):
        with rt.session() as session, pytest.raises(WorkflowError, match="Someone other"):
            production.move_report(session, rid, "approved", actor=desk[person])
    _to(rt, rid, desk["admin"], "approved")


def test_admin_override_is_kept_marked_in_the_history(desk: dict[str, Any]) -> None:
    rt, rid = desk["rt"], desk["report_id"]
    _master(rt, rid, lufs=-16.0)
    _to(rt, rid, desk["mai"], "in_production", "editing", "review")
    with rt.session() as session, pytest.raises(PermissionDenied, match="Only an admin"):
        production.move_report(session, rid, "approved", actor=desk["chief"],
                               override="I say so")
    _to(rt, rid, desk["admin"], "approved", override="Tin khẩn của tỉnh")
    with rt.session() as session:
        event = session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == rid, ReportEvent.to_status == "approved")).one()
        assert workflow.parse_override(event.comment) == (
            ["production.loudness", "subtitles.tracks"], "Tin khẩn của tỉnh")


def test_an_ordinary_comment_cannot_pose_as_an_override(desk: dict[str, Any]) -> None:
    rt, rid = desk["rt"], desk["report_id"]
    _to(rt, rid, desk["mai"], "in_production")
    _to(rt, rid, desk["mai"], "planned", comment=f"{workflow.OVERRIDE_MARK} x: trust me")
    with rt.session() as session:
        comments = session.scalars(select(ReportEvent.comment).where(
            ReportEvent.report_id == rid, ReportEvent.to_status == "planned",
            ReportEvent.kind == "status")).all()
        assert comments == ["x: trust me"]


def test_scheduled_only_by_publishing_and_aired_only_by_as_run(desk: dict[str, Any]) -> None:
    rt, rid = desk["rt"], desk["report_id"]
    _approved(desk)
    with rt.session() as session, pytest.raises(WorkflowError) as refused:
        production.move_report(session, rid, "scheduled", actor=desk["chief"])
    assert _gates(refused) == {"schedule.published"}
    with rt.session() as session:
        slot = schedule.add_slot(session, schedule.SlotInput(
            "LCTV", dt.datetime.combine(DAY, dt.time(19)), report_id=rid), actor=desk["mai"])
        session.commit()
        slot_id = slot.id
        # Published in the past on purpose: rules look at the slots, not the clock's side.
        slot.status = "published"
        session.commit()
    _to(rt, rid, desk["chief"], "scheduled")  # the fact holds now (publish does the same)
    with rt.session() as session, pytest.raises(WorkflowError) as refused:
        production.move_report(session, rid, "aired", actor=desk["chief"])
    assert _gates(refused) == {"schedule.as_run"}
    with rt.session() as session:
        other = report_factory(rt)(desk["mai"], "Tin khác").id
        with pytest.raises(ValidationError, match="does not hold this report"):
            schedule.mark_aired(session, other, slot_id,
                                dt.datetime.combine(DAY, dt.time(19)), actor=desk["mai"])
        future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        with pytest.raises(ValidationError):
            schedule.mark_aired(session, rid, slot_id, future, actor=desk["mai"])
        entry = schedule.mark_aired(session, rid, slot_id,
                                    dt.datetime.combine(DAY, dt.time(19, 2)),
                                    actor=desk["mai"])
        session.commit()
        assert entry.import_batch == schedule.MANUAL_BATCH and entry.outcome == "late"
        assert session.get(Slot, slot_id).status == "aired"  # type: ignore[union-attr]
        assert session.get(Report, rid).status == "aired"  # type: ignore[union-attr]
        event = session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == rid, ReportEvent.to_status == "aired")).one()
        assert f"slot #{slot_id}" in event.comment and "19:02" in event.comment
        assert session.scalar(select(AsRunEntry.id).where(AsRunEntry.slot_id == slot_id))


def test_publishing_schedules_the_report(desk: dict[str, Any]) -> None:
    rt, rid = desk["rt"], desk["report_id"]
    _approved(desk)
    day = dt.date.today() + dt.timedelta(days=30)
    with rt.session() as session:
        schedule.add_slot(session, schedule.SlotInput(
            "LCTV", dt.datetime.combine(day, dt.time(19)), report_id=rid), actor=desk["mai"])
        session.commit()
        schedule.publish_day(session, "LCTV", day, actor=desk["mai"])
        session.commit()
        assert session.get(Report, rid).status == "scheduled"  # type: ignore[union-attr]


def test_admin_steps_back_from_any_status_with_a_reason(desk: dict[str, Any]) -> None:
    rt, rid = desk["rt"], desk["report_id"]
    _master(rt, rid, lufs=-16.0)
    _to(rt, rid, desk["mai"], "in_production", "editing", "review")
    for target in ("approved", "scheduled", "aired", "archived"):
        _to(rt, rid, desk["admin"], target, override="thử nghiệm")
    with rt.session() as session, pytest.raises(WorkflowError, match="cannot go from"):
        production.move_report(session, rid, "editing", actor=desk["mai"], comment="x")
    with rt.session() as session, pytest.raises(ValidationError, match="Say why"):
        production.move_report(session, rid, "editing", actor=desk["admin"])
    _to(rt, rid, desk["admin"], "editing", comment="Lưu trữ nhầm, sửa lại âm thanh")
    with rt.session() as session:
        assert session.get(Report, rid).status == "editing"  # type: ignore[union-attr]


def test_results_count_only_supported_approvals_and_airings(desk: dict[str, Any]) -> None:
    rt = desk["rt"]
    make = report_factory(rt)
    self_approved = make(desk["mai"], "Tự duyệt").id
    stepped_back = make(desk["mai"], "Duyệt rồi trả lại").id
    with rt.session() as session:
        # Histories as the old buttons left them: self-approved, clicked on to "aired".
        for report_id, status in ((self_approved, "aired"), (stepped_back, "editing")):
            session.get(Report, report_id).status = status  # type: ignore[union-attr]
            for source, target, actor in (("review", "approved", desk["mai"]),
                                          ("approved", "scheduled", desk["mai"]),
                                          ("scheduled", "aired", desk["mai"])):
                session.add(ReportEvent(report_id=report_id, actor_id=actor.id,
                                        kind="status", from_status=source, to_status=target))
        session.add(ReportEvent(report_id=stepped_back, actor_id=desk["chief"].id,
                                kind="status", from_status="review", to_status="approved"))
        session.commit()
    _approved(desk)
    today = dt.date.today()
    with rt.session() as session:
        period = Period(today - dt.timedelta(days=40), today + dt.timedelta(days=1))
        results = compute(session, period, sections=["production", "broadcast"])
        assert results.summary["reports_produced"] == 1
        assert not results.summary["airings"]  # statuses alone never count as aired
