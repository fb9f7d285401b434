"""Issue 13 through the Flask client: every duration field reads 90, 1:30, 00:01:30 and
00:01:30:12 (frames at the channel's rate), refuses bad values with a 4xx that says why,
and shows what is stored as m:ss."""

from __future__ import annotations

import pytest

from production.models import Channel, Report
from schedule.models import Slot
from tests.conftest import csrf_token, login


def _new_report(client, duration: str, channels: tuple[str, ...] = ("LCTV",)):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/reports/new").get_data(as_text=True))
    return client.post("/reports/new", data={
        "csrf_token": token, "title": "Mùa hoa ban", "kind": "tv_report",
        "channels": list(channels), "planned_duration_s": duration})


@pytest.mark.parametrize(("typed", "seconds"), [
    ("90", 90), ("1:30", 90), ("01:30", 90), ("00:01:30", 90), ("00:01:30:12", 91)])
def test_new_report_reads_every_form(client, make_user, runtime, typed: str,  # type: ignore[no-untyped-def]
                                     seconds: int) -> None:
    login(client, make_user("editor").username)
    response = _new_report(client, typed)
    assert response.status_code == 302, response.get_data(as_text=True)
    with runtime.session() as session:
        assert session.query(Report).one().planned_duration_s == seconds
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{seconds // 60}:{seconds % 60:02d}" in page


def test_new_report_refuses_a_bad_duration_and_keeps_the_form(client, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user("editor").username)
    response = _new_report(client, "1:75")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "“1:75”: số giây phải nhỏ hơn 60 (đang là 75)" in html
    assert 'value="Mùa hoa ban"' in html


def test_frames_count_at_the_channels_rate(client, make_user, runtime) -> None:  # type: ignore[no-untyped-def]
    with runtime.session() as session:
        channel = session.query(Channel).filter_by(code="VOV5").one()
        channel.subtitle_rules = {**channel.subtitle_rules, "frame_rate": "30"}
        session.commit()
    login(client, make_user("editor").username)
    assert _new_report(client, "00:01:30:27", ("VOV5",)).status_code == 302  # 27 < 30
    refused = _new_report(client, "00:01:30:27", ("LCTV",))  # 25 fps
    assert refused.status_code == 422
    assert "số khung hình phải nhỏ hơn 25 ở 25 hình/giây (đang là 27)" in \
        refused.get_data(as_text=True)


def test_slot_forms_read_durations_and_show_m_ss(client, make_user, runtime) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user("editor").username)
    week = "2027-03-08"
    token = csrf_token(client.get(f"/schedule/LCTV?week={week}").get_data(as_text=True))
    client.post("/schedule/LCTV/slots", data={
        "csrf_token": token, "date": week, "time": "19:00", "duration": "00:00:20",
        "title": "Bản tin", "week": week})
    with runtime.session() as session:
        slot = session.query(Slot).one()
        assert slot.duration_s == 20
        slot_id, version = slot.id, slot.version
    editor = client.get(f"/schedule/LCTV/slots/{slot_id}").get_data(as_text=True)
    assert 'name="duration"' in editor and 'value="0:20"' in editor
    bad = client.post(f"/schedule/LCTV/slots/{slot_id}", data={
        "csrf_token": token, "date": week, "time": "19:00", "duration": "1:75",
        "title": "Bản tin", "kind": "programme", "version": str(version)},
        follow_redirects=True)
    assert "“1:75”: số giây phải nhỏ hơn 60" in bad.get_data(as_text=True)
    client.post(f"/schedule/LCTV/slots/{slot_id}", data={
        "csrf_token": token, "date": week, "time": "19:00", "duration": "1:30",
        "title": "Bản tin", "kind": "programme", "version": str(version)})
    with runtime.session() as session:
        assert session.get(Slot, slot_id).duration_s == 90  # type: ignore[union-attr]
    assert 'value="1:30"' in client.get(f"/schedule/LCTV/slots/{slot_id}").get_data(
        as_text=True)


def test_templates_read_m_ss_and_old_clients_still_send_minutes(client, make_user,  # type: ignore[no-untyped-def]
                                                                runtime) -> None:
    login(client, make_user("editor").username)
    week = "2027-03-08"
    token = csrf_token(client.get(f"/schedule/VTV4?week={week}").get_data(as_text=True))
    client.post("/schedule/VTV4/templates", data={
        "csrf_token": token, "title": "Lai Châu hôm nay", "weekdays": ["0"], "time": "19:00",
        "duration": "25:00", "start_date": week, "end_date": "2027-03-09", "week": week})
    client.post("/schedule/VTV4/slots", data={
        "csrf_token": token, "date": "2027-03-09", "time": "20:00", "duration_min": "30",
        "title": "Ca nhạc", "week": week})
    with runtime.session() as session:
        assert sorted(s.duration_s for s in session.query(Slot)) == [1500, 1800]
