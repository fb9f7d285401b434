"""The scheduling desk through the Flask client: grid, placing, readiness, publishing,
exports, templates, as-run upload, and partners' published feed."""

from __future__ import annotations

import datetime as dt
import io
import re

import icalendar

from schedule.models import Slot
from tests.conftest import csrf_token, login


def _token(client, code: str = "LCTV") -> str:  # type: ignore[no-untyped-def]
    return csrf_token(client.get(f"/schedule/{code}").get_data(as_text=True))


def test_place_check_publish_and_export(client, make_user, make_report, runtime) -> None:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    report = make_report(editor, "Mùa hoa ban", channel_codes=["LCTV"], planned_duration_s=600)
    login(client, editor.username)
    week = "2027-03-08"
    page = client.get(f"/schedule/LCTV?week={week}")
    assert page.status_code == 200 and "T2 08/03" in page.get_data(as_text=True)
    placed = client.post("/schedule/LCTV/slots", data={
        "csrf_token": _token(client), "date": week, "time": "19:00",
        "report_id": str(report.id), "week": week}, follow_redirects=True)
    html = placed.get_data(as_text=True)
    assert "Mùa hoa ban" in html and 'class="slot k-report has-errors"' in html
    assert f"Tin bài #{report.id}" in html and "được phát" in html  # the reason, on the slot
    refused = client.post("/schedule/LCTV/publish", data={
        "csrf_token": _token(client), "day": week, "week": week}, follow_redirects=True)
    assert "flash error" in refused.get_data(as_text=True)
    with runtime.session() as session:
        assert session.query(Slot).one().status == "planned"
    for fmt in ("ffplayout", "csv", "daysheet"):
        with client.get(f"/schedule/LCTV/export/{fmt}?day={week}") as response:
            text = response.get_data(as_text=True)
            if fmt == "ffplayout":  # the report has no master yet: nothing to play
                assert response.status_code == 400 and "Mùa hoa ban" in text
            else:
                assert response.status_code == 200 and "Mùa hoa ban" in text


def test_template_makes_weekly_slots(client, make_user, runtime) -> None:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    login(client, editor.username)
    response = client.post("/schedule/VTV4/templates", data={
        "csrf_token": _token(client, "VTV4"), "title": "Lai Châu hôm nay", "weekdays": ["0", "3"],
        "time": "19:00", "duration_min": "25", "start_date": "2027-03-08",
        "end_date": "2027-03-21", "week": "2027-03-08"}, follow_redirects=True)
    assert "4" in re.sub(r"\s+", " ", response.get_data(as_text=True))
    with runtime.session() as session:
        starts = sorted(s.start_at for s in session.query(Slot).all())
    assert len(starts) == 4
    assert starts[0] == dt.datetime(2027, 3, 8, 12, 0, tzinfo=dt.UTC)


def test_asrun_upload_and_bad_file(client, make_user) -> None:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    login(client, editor.username)
    bad = client.post("/schedule/LCTV/asrun", data={
        "csrf_token": _token(client), "file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "start, duration, title" in bad.get_data(as_text=True)


def test_partner_sees_only_its_published_feed(client, make_user, make_report, runtime) -> None:  # type: ignore[no-untyped-def]
    from schedule import services

    editor = make_user("editor")
    with runtime.session() as session:
        services.add_slot(session, services.SlotInput(
            "VTV4", dt.datetime.now(dt.UTC) + dt.timedelta(days=1), duration_s=600,
            title="Chương trình nháp", kind="programme"), actor=editor)
        published = services.add_slot(session, services.SlotInput(
            "VTV4", dt.datetime.now(dt.UTC) + dt.timedelta(days=2), duration_s=600,
            title="Chương trình đã công bố", kind="programme"), actor=editor)
        published.status = "published"
        session.commit()
    partner = make_user("partner")  # bound to VTV4
    login(client, partner.username)
    with client.get("/schedule/VTV4/feed.ics") as feed:
        assert feed.status_code == 200
        calendar = icalendar.Calendar.from_ical(feed.data)
    titles = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert titles == ["Chương trình đã công bố"]
    assert client.get("/schedule/VOV5/feed.ics").status_code == 403
    assert client.get("/schedule/VTV4").status_code == 403


def test_slot_edit_page(client, make_user, runtime) -> None:  # type: ignore[no-untyped-def]
    from schedule import services

    editor = make_user("editor")
    with runtime.session() as session:
        slot = services.add_slot(session, services.SlotInput(
            "LCTV", dt.datetime(2027, 3, 8, 19, 0), duration_s=600, title="Ca nhạc dân tộc",
            kind="programme"), actor=editor)
        session.commit()
        slot_id = slot.id
    login(client, editor.username)
    page = client.get(f"/schedule/LCTV/slots/{slot_id}?week=2027-03-08")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'value="19:00"' in html and 'value="10:00"' in html
    assert client.get(f"/schedule/VTV4/slots/{slot_id}").status_code == 404
    translator = make_user("translator", languages=["en"])
    client.post("/logout", data={"csrf_token": csrf_token(html)})
    login(client, translator.username)
    assert client.get(f"/schedule/LCTV/slots/{slot_id}").status_code == 403
