"""Issue 13, item 10: bulk actions on the report list (SQLite and PostgreSQL).

Each action treats every report on its own: a bulk move is ``move_report`` per report (its
gates refuse with their reasons), one refusal undoes nothing of the others, and the outcome
says per report what was done and what was refused, and why. Deleting takes only untouched
drafts, and only by an admin or the report's own people.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from production import bulk
from production import services as production
from production.models import MediaAsset, Report, ReportEvent
from station.audit import AuditEvent
from station.errors import PermissionDenied, ValidationError, WorkflowError
from station.i18n import translate
from station.runtime import Runtime
from subtitles import services as subtitles
from tests.conftest import report_factory, user_factory

SRT = "1\n00:00:01,000 --> 00:00:04,000\nLai Châu hôm nay\n"


@pytest.fixture
def desk(any_runtime: Runtime) -> dict[str, Any]:
    make = user_factory(any_runtime)
    mai = make("editor", display_name="Lò Thị Mai")
    people = {"mai": mai, "chief": make("editor", display_name="Trưởng ban"),
              "admin": make("admin", display_name="Giám đốc"),
              "translator": make("translator", display_name="Dịch giả")}
    new = report_factory(any_runtime)
    ids = [new(mai, title).id for title in ("Chợ phiên Sìn Hồ", "Ruộng bậc thang",
                                            "Hoa ban Mường Tè")]
    return {"rt": any_runtime, "ids": ids, **people}


def _master(rt: Runtime, report_id: int) -> None:
    with rt.session() as session:
        session.add(MediaAsset(report_id=report_id, role="master", sha256="e" * 64,
                               size_bytes=1, storage_key="ee/ee/x.mp4", duration_ms=60_000,
                               loudness_lufs=-23.0, true_peak_dbtp=-2.0))
        session.commit()


def _to(rt: Runtime, ids: list[int], actor: Any, *targets: str) -> None:
    with rt.session() as session:
        for report_id in ids:
            for target in targets:
                production.move_report(session, report_id, target, actor=actor)
        session.commit()


def _statuses(rt: Runtime, ids: list[int]) -> list[str]:
    with rt.session() as session:
        return [session.get(Report, i).status for i in ids]  # type: ignore[union-attr]


def test_a_bulk_move_goes_through_each_reports_gates(desk: dict[str, Any]) -> None:
    rt, ids, mai = desk["rt"], desk["ids"], desk["mai"]
    _to(rt, ids, mai, "in_production", "editing")
    _master(rt, ids[0])
    _master(rt, ids[2])  # the middle one has no master: its gate refuses, the others go
    with rt.session() as session:
        outcomes = bulk.bulk_move(session, [*ids, ids[0]], "review", actor=mai)
        session.commit()
    assert [(o.report_id, o.done) for o in outcomes] == [
        (ids[0], True), (ids[1], False), (ids[2], True)]  # each report once, in order
    refused = outcomes[1]
    assert refused.title == "Ruộng bậc thang"
    assert [r.gate for r in refused.reasons] == ["production.media"]  # type: ignore[attr-defined]
    assert refused.messages("vi")[0] != refused.messages("en")[0]  # in the reader's language
    assert _statuses(rt, ids) == ["review", "editing", "review"]
    with rt.session() as session:
        lines = session.scalars(select(ReportEvent).where(
            ReportEvent.kind == "status", ReportEvent.to_status == "review")).all()
        assert sorted(e.report_id for e in lines) == [ids[0], ids[2]]


def test_a_bulk_move_keeps_the_workflows_rules(desk: dict[str, Any]) -> None:
    rt, ids, mai = desk["rt"], desk["ids"], desk["mai"]
    _to(rt, ids[:2], mai, "in_production")
    with rt.session() as session:
        # Back-steps need a comment; a report already there or with no such move is refused.
        outcomes = bulk.bulk_move(session, ids, "planned", actor=mai)
        session.commit()
    assert [o.done for o in outcomes] == [False, False, False]
    assert "Say why" in outcomes[0].messages("en")[0]
    assert outcomes[2].messages("en") == ["The report is already Planned"]
    assert outcomes[2].messages("vi") == [
        f"Tin bài đã ở trạng thái {translate('planned', 'vi')}"]
    with rt.session() as session:
        outcomes = bulk.bulk_move(session, ids, "planned", actor=mai,
                                        comment="Đổi góc quay")
        session.commit()
    assert [o.done for o in outcomes] == [True, True, False]
    # Automatic moves are not offered, and refused as a whole when asked for.
    assert "scheduled" not in bulk.bulk_move_targets("editor")
    assert "aired" not in bulk.bulk_move_targets("admin")
    with rt.session() as session, pytest.raises(WorkflowError):
        bulk.bulk_move(session, ids, "scheduled", actor=mai)
    with rt.session() as session, pytest.raises(PermissionDenied):
        bulk.bulk_move(session, ids, "in_production", actor=desk["translator"])


def test_bulk_assign_and_tag(desk: dict[str, Any]) -> None:
    rt, ids, mai, chief = desk["rt"], desk["ids"], desk["mai"], desk["chief"]
    with rt.session() as session:
        bulk.bulk_assign(session, ids[:1], chief.id, actor=mai)
        session.commit()
    with rt.session() as session:
        outcomes = bulk.bulk_assign(session, ids, chief.id, actor=mai)
        session.commit()
    assert [o.done for o in outcomes] == [False, True, True]
    assert outcomes[0].messages("en") == ["The report already has this editor"]
    with rt.session() as session:
        assert {session.get(Report, i).editor_id for i in ids} == {chief.id}  # type: ignore[union-attr]
    with rt.session() as session, pytest.raises(ValidationError):
        bulk.bulk_assign(session, ids, desk["translator"].id, actor=mai)

    with rt.session() as session:
        bulk.bulk_tag(session, ids[1:2], "Du lịch", actor=mai)
        session.commit()
    with rt.session() as session:
        outcomes = bulk.bulk_tag(session, ids, "  Du lịch ", actor=mai)
        session.commit()
    assert [o.done for o in outcomes] == [True, False, True]
    with rt.session() as session:
        found = production.list_reports(session, production.ReportFilter(query="du lich"),
                                        actor=mai)
        assert sorted(r.id for r in found) == sorted(ids)
        assert session.get(Report, ids[0]).tags == ["Du lịch"]  # type: ignore[union-attr]
    for bad in ("", "a, b", "x" * 61):
        with rt.session() as session, pytest.raises(ValidationError):
            bulk.bulk_tag(session, ids, bad, actor=mai)


def test_only_untouched_drafts_are_deleted_by_their_people(desk: dict[str, Any]) -> None:
    rt, ids, mai, chief, admin = (desk["rt"], desk["ids"], desk["mai"], desk["chief"],
                                  desk["admin"])
    new = report_factory(rt)
    with_media, with_track, moved = (new(mai, t).id for t in ("Có tư liệu", "Có phụ đề",
                                                              "Đang sản xuất"))
    _master(rt, with_media)
    with rt.session() as session:
        subtitles.import_track(session, with_track, "vi", SRT.encode(), "vi.srt", actor=mai)
        session.commit()
    _to(rt, [moved], mai, "in_production")

    # Another editor may not delete Mai's drafts; nothing is deleted.
    with rt.session() as session:
        outcomes = bulk.bulk_delete(session, ids[:1], actor=chief)
        session.commit()
    assert not outcomes[0].done
    assert [r.gate for r in outcomes[0].reasons] == ["delete.role"]  # type: ignore[attr-defined]

    with rt.session() as session:
        outcomes = bulk.bulk_delete(
            session, [ids[0], with_media, with_track, moved, 999_999], actor=mai)
        session.commit()
    done = {o.report_id: o for o in outcomes}
    assert done[ids[0]].done
    assert done[with_media].messages("en") == ["It has media (1 files)"]
    assert done[with_track].messages("en") == ["It has subtitle tracks (1)"]
    assert done[moved].messages("en") == ["Only a report still Planned may be deleted"]
    assert not done[999_999].done and done[999_999].messages("en") == ["No report #999999"]

    # An admin deletes any draft; the deletion leaves no history rows and one audit line.
    with rt.session() as session:
        outcomes = bulk.bulk_delete(session, ids[1:], actor=admin)
        session.commit()
    assert all(o.done for o in outcomes)
    with rt.session() as session:
        left = set(session.scalars(select(Report.id)))
        assert left == {with_media, with_track, moved}
        assert session.scalars(select(ReportEvent).where(
            ReportEvent.report_id.in_(ids))).all() == []
        audit = session.scalars(select(AuditEvent).where(
            AuditEvent.kind == "report_deleted")).all()
        assert sorted(a.detail["report_id"] for a in audit) == sorted(ids)
