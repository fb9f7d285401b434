"""The report page's workflow card (issue 13): reasons shown, no buttons for facts, a confirm
page before what the user cannot undo, and "mark aired" naming the slot and time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from production import services as production
from production.models import MediaAsset, Report
from schedule import services as schedule
from schedule.models import AsRunEntry, Slot
from station.runtime import Runtime
from subtitles import review
from subtitles import services as subtitles
from tests.conftest import csrf_token, login

SRT = "1\n00:00:01,000 --> 00:00:04,000\nLai Châu hôm nay\n"


def _token(client: Any, report_id: int) -> str:
    return csrf_token(client.get(f"/reports/{report_id}").get_data(as_text=True))


def _scheduled(runtime: Runtime, make_user: Any, make_report: Any) -> tuple[Any, int, int]:
    """A report approved honestly and held by a published slot that started an hour ago."""
    mai = make_user("editor", display_name="Lò Thị Mai")
    chief = make_user("editor", display_name="Trưởng ban")
    report = make_report(mai, "Lai Châu hôm nay", channel_codes=["LCTV"])
    with runtime.session() as session:
        session.add(MediaAsset(report_id=report.id, role="master", sha256="f" * 64,
                               size_bytes=1, storage_key="ff/ff/x.mp4", duration_ms=600_000,
                               loudness_lufs=-23.0, true_peak_dbtp=-2.0,
                               loudness_range_lu=5.0))
        track, _ = subtitles.import_track(session, report.id, "vi", SRT.encode(), "vi.srt",
                                          actor=mai)
        review.move(session, track.id, "in_review", actor=mai)
        review.move(session, track.id, "approved", actor=mai)
        for target in ("in_production", "editing", "review"):
            production.move_report(session, report.id, target, actor=mai)
        production.move_report(session, report.id, "approved", actor=chief)
        start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(hours=1)
        slot = schedule.add_slot(session, schedule.SlotInput("LCTV", start, report_id=report.id),
                                 actor=mai)
        slot.status = "published"
        session.flush()
        production.move_report(session, report.id, "scheduled", actor=mai)
        session.commit()
        return mai, int(report.id), int(slot.id)


def test_the_page_lists_reasons_and_offers_no_button_for_facts(
        client: Any, make_user: Any, make_report: Any, runtime: Runtime) -> None:
    mai = make_user("editor", display_name="Lò Thị Mai")
    report = make_report(mai, "Chợ phiên")
    login(client, mai.username)
    for target in ("in_production", "editing"):
        client.post(f"/reports/{report.id}/move",
                    data={"target": target, "csrf_token": _token(client, report.id)})
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert 'data-target="review"' in page and "Hãy tải lên và nhập bản gốc" in page
    assert 'value="scheduled"' not in page and 'value="aired"' not in page
    assert 'name="override"' not in page  # an editor has no override field
    refused = client.post(f"/reports/{report.id}/move",
                          data={"target": "review", "csrf_token": _token(client, report.id),
                                "override": "please"}, follow_redirects=True)
    assert "Tin bài chưa thể chuyển sang Chờ duyệt" in refused.get_data(as_text=True)
    with runtime.session() as session:
        assert session.get(Report, report.id).status == "editing"  # type: ignore[union-attr]


def test_mark_aired_asks_first_then_records_an_as_run_line(
        client: Any, make_user: Any, make_report: Any, runtime: Runtime) -> None:
    mai, report_id, slot_id = _scheduled(runtime, make_user, make_report)
    login(client, mai.username)
    page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert 'id="aired-form"' in page and f'<option value="{slot_id}"' in page
    assert 'value="aired"' not in page
    with runtime.session() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None
        local = slot.start_at.astimezone(dt.timezone(dt.timedelta(hours=7)))
    started = (local + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    form = {"slot": str(slot_id), "started": started, "csrf_token": _token(client, report_id)}
    asked = client.post(f"/reports/{report_id}/aired", data=form)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="confirm-move"' in html
    assert 'name="confirmed" value="1"' in html and f'value="{started}"' in html
    with runtime.session() as session:
        assert session.get(Report, report_id).status == "scheduled"  # type: ignore[union-attr]
    done = client.post(f"/reports/{report_id}/aired",
                       data={**form, "confirmed": "1", "csrf_token": csrf_token(html)})
    assert done.status_code == 302
    with runtime.session() as session:
        assert session.get(Report, report_id).status == "aired"  # type: ignore[union-attr]
        entry = session.query(AsRunEntry).filter_by(slot_id=slot_id).one()
        assert entry.import_batch == "manual" and entry.outcome == "as_planned"
    # Archiving cannot be undone by an editor either: it asks first too.
    page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    asked = client.post(f"/reports/{report_id}/move",
                        data={"target": "archived", "csrf_token": csrf_token(page)})
    assert 'id="confirm-move"' in asked.get_data(as_text=True)
    with runtime.session() as session:
        assert session.get(Report, report_id).status == "aired"  # type: ignore[union-attr]


def test_admin_steps_back_from_scheduled_through_the_form(
        client: Any, make_user: Any, make_report: Any, runtime: Runtime) -> None:
    _mai, report_id, _slot_id = _scheduled(runtime, make_user, make_report)
    admin = make_user("admin", display_name="Giám đốc")
    login(client, admin.username)
    page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert 'name="override"' in page and 'value="planned"' in page  # any earlier status
    client.post(f"/reports/{report_id}/move",
                data={"target": "planned", "comment": "Làm lại",
                      "csrf_token": csrf_token(page)})
    with runtime.session() as session:
        report = session.get(Report, report_id)
        assert report is not None and report.status == "planned"
        assert report.events[0].comment == "Làm lại"
