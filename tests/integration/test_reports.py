"""Reports on SQLite and on the real PostgreSQL: workflow, history, search, locking, rules."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from production import services
from production.models import MediaAsset, Report
from station.accounts import add_user
from station.errors import Conflict, PermissionDenied, ValidationError, WorkflowError
from station.runtime import Runtime
from tests.conftest import report_factory, user_factory


@pytest.fixture
def people(any_runtime: Runtime) -> dict:
    make = user_factory(any_runtime)
    return {"editor": make("editor", display_name="Lò Thị Mai"),
            "editor2": make("editor", display_name="Nguyễn Văn Hùng"),
            "translator": make("translator", languages=["en"]),
            "partner": make("partner")}


def _add_master(runtime: Runtime, report_id: int) -> None:
    with runtime.session() as session:
        session.add(MediaAsset(report_id=report_id, role="master", sha256="0" * 64,
                               size_bytes=1, storage_key="00/00/x.mp4"))
        session.commit()


def test_report_walks_the_workflow_with_history(any_runtime: Runtime, people: dict) -> None:
    editor = people["editor"]
    report = report_factory(any_runtime)(editor, "Lễ hội Then Kin Pang",
                                         channel_codes=["VTV4", "LCTV"],
                                         due_date=dt.date(2026, 12, 1))
    _add_master(any_runtime, report.id)
    with any_runtime.session() as session:
        for target in ("in_production", "editing", "review"):
            services.move_report(session, report.id, target, actor=editor)
        services.move_report(session, report.id, "editing", actor=editor,
                             comment="Âm thanh phỏng vấn bị rè")
        session.commit()
    with any_runtime.session() as session:
        loaded = services.get_report(session, report.id, actor=editor)
        assert loaded.status == "editing"
        moves = [(e.from_status, e.to_status, e.comment) for e in reversed(loaded.events)
                 if e.kind == "status"]
        assert moves == [("planned", "in_production", ""), ("in_production", "editing", ""),
                         ("editing", "review", ""),
                         ("review", "editing", "Âm thanh phỏng vấn bị rè")]
        assert all(e.actor_id == editor.id for e in loaded.events)
        assert [c.code for c in loaded.channels] == ["LCTV", "VTV4"]


def test_illegal_moves_and_roles_are_refused(any_runtime: Runtime, people: dict) -> None:
    report = report_factory(any_runtime)(people["editor"])
    with any_runtime.session() as session:
        with pytest.raises(WorkflowError,
                           match=r"cannot go from Planned to Approved \(allowed: In production\)"):
            services.move_report(session, report.id, "approved", actor=people["editor"])
        with pytest.raises(PermissionDenied):
            services.move_report(session, report.id, "in_production",
                                 actor=people["translator"])
        with pytest.raises(PermissionDenied):
            services.get_report(session, report.id, actor=people["partner"])
        services.move_report(session, report.id, "in_production", actor=people["editor"])
        services.move_report(session, report.id, "editing", actor=people["editor"])
        with pytest.raises(WorkflowError, match="Upload and ingest the master"):
            services.move_report(session, report.id, "review", actor=people["editor"])
        with pytest.raises(ValidationError, match="Say why"):
            services.move_report(session, report.id, "in_production", actor=people["editor"])


def test_search_matches_with_or_without_diacritics(any_runtime: Runtime, people: dict) -> None:
    make = report_factory(any_runtime)
    make(people["editor"], "Ruộng bậc thang Lai Châu mùa nước đổ", tags=["du lịch"])
    make(people["editor"], "Chợ phiên Sìn Hồ", reporter="Đỗ Thị Lan")
    make(people["editor"], "Bản tin thời sự")
    with any_runtime.session() as session:
        def titles(query: str) -> list[str]:
            found = services.list_reports(session, services.ReportFilter(query=query),
                                          actor=people["editor"])
            return sorted(r.title for r in found)

        assert titles("lai chau") == ["Ruộng bậc thang Lai Châu mùa nước đổ"]
        assert titles("LAI CHÂU") == titles("lai chau")
        assert titles("sin ho") == ["Chợ phiên Sìn Hồ"]
        assert titles("do thi lan") == ["Chợ phiên Sìn Hồ"]  # đ matches d, reporter searched
        assert titles("du lich") == ["Ruộng bậc thang Lai Châu mùa nước đổ"]  # tags
        assert titles("100%") == []  # LIKE wildcards are literal
        assert len(titles("")) == 3


def test_filters_by_channel_status_and_due_date(any_runtime: Runtime, people: dict) -> None:
    make = report_factory(any_runtime)
    a = make(people["editor"], "A", channel_codes=["VTV4"], due_date=dt.date(2026, 12, 1))
    make(people["editor"], "B", channel_codes=["LCR"], kind="radio_programme",
         due_date=dt.date(2027, 1, 5))
    with any_runtime.session() as session:
        def ids(**kw: object) -> list[int]:
            return [r.id for r in services.list_reports(
                session, services.ReportFilter(**kw), actor=people["editor"])]

        assert ids(channel="VTV4") == [a.id]
        assert ids(due_to=dt.date(2026, 12, 31)) == [a.id]
        assert len(ids(due_from=dt.date(2026, 1, 1))) == 2
        assert ids(status="editing") == []


def test_stale_edit_is_a_conflict_naming_who_changed_it(any_runtime: Runtime,
                                                        people: dict) -> None:
    report = report_factory(any_runtime)(people["editor"], "Bản gốc")
    seen_version = report.version
    data = services.ReportInput(title="Sửa lần một", channel_codes=["LCTV"])
    with any_runtime.session() as session:
        services.update_report(session, report.id, data, actor=people["editor2"],
                               version=seen_version)
        session.commit()
    with any_runtime.session() as session, pytest.raises(
        Conflict, match="Nguyễn Văn Hùng changed this report"
    ):
        services.update_report(session, report.id,
                               services.ReportInput(title="Sửa lần hai", channel_codes=["LCTV"]),
                               actor=people["editor"], version=seen_version)
    with any_runtime.session() as session:
        assert session.get(Report, report.id).title == "Sửa lần một"  # nothing overwritten


def test_text_is_stored_nfc(any_runtime: Runtime, people: dict) -> None:
    import unicodedata

    title = unicodedata.normalize("NFD", "Mường Tè")
    report = report_factory(any_runtime)(people["editor"], title)
    with any_runtime.session() as session:
        stored = session.get(Report, report.id).title
        assert stored == "Mường Tè" and unicodedata.is_normalized("NFC", stored)


def test_bad_input_is_refused_clearly(any_runtime: Runtime, people: dict) -> None:
    make = report_factory(any_runtime)
    with pytest.raises(ValidationError, match="needs a title"):
        make(people["editor"], "   ")
    with pytest.raises(ValidationError, match="at least one target channel"):
        make(people["editor"], "X", channel_codes=[])
    with pytest.raises(ValidationError, match="Not a language tag"):
        make(people["editor"], "X", original_language="Vietnamese")
    with pytest.raises(PermissionDenied):
        make(people["translator"], "X")
    report = make(people["editor"], "Tiếng Thái", original_language="blt-Tavt")
    assert report.original_language == "blt-Tavt"


def test_database_constraints_hold_without_the_services(any_runtime: Runtime,
                                                        people: dict) -> None:
    report = report_factory(any_runtime)(people["editor"])
    with any_runtime.session() as session, pytest.raises(IntegrityError):
        session.execute(text("UPDATE report SET status = 'lost' WHERE id = :id"),
                        {"id": report.id})
    with any_runtime.session() as session, pytest.raises(IntegrityError):
        session.execute(text("INSERT INTO user_account (username, display_name, password_hash,"
                             " role, languages, active, created_at) VALUES ('p', 'p', 'x',"
                             " 'partner', '[]', true, CURRENT_TIMESTAMP)"))
    with any_runtime.session() as session, pytest.raises(ValidationError,
                                                         match="partner channel"):
        add_user(session, username="p2", password="longenough", role="partner")


def test_seed_channels_carry_the_standards(any_runtime: Runtime) -> None:
    with any_runtime.session() as session:
        services.ensure_channels(session)  # idempotent
        channels = {c.code: c for c in services.list_channels(session)}
        assert set(channels) == {"LCTV", "LCR", "VTV4", "VOV5"}
        vtv4 = channels["VTV4"]
        assert vtv4.kind == "tv" and vtv4.owner == "partner"
        assert vtv4.subtitle_rules["max_chars_per_line"] == 42
        assert vtv4.subtitle_rules["min_gap_ms"] == 80
        assert (vtv4.loudness_target_lufs, vtv4.true_peak_max_dbtp) == (-23.0, -1.0)
        assert channels["LCR"].kind == "radio"
        assert vtv4.loudness_verdict(-23.4, -2.0) == "pass"
        assert vtv4.loudness_verdict(-24.9, -9.0) == "fail"
        assert vtv4.loudness_verdict(-23.0, -0.5) == "fail"  # true peak over -1 dBTP
