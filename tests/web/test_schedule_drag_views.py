"""The week grid's drag endpoints through the Flask client: JSON in, JSON out; the slot
services' validation, roles and version check; an overlap made by a drag refused with the
overlap rule's words and nothing saved; a drag that lessens an overlap kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schedule import services
from schedule.models import Slot
from station.runtime import Runtime
from tests.conftest import csrf_token, login

DAY = dt.date.today() + dt.timedelta(days=35)  # ahead: the rules skip slots in the past


def _post(client: Any, url: str, body: Any) -> Any:
    token = csrf_token(client.get("/", follow_redirects=True).get_data(as_text=True))
    return client.post(url, json=body, headers={
        "X-CSRFToken": token, "Accept": "application/json",
        "X-Requested-With": "XMLHttpRequest"})


def test_drop_and_length_go_through_the_slot_services(
        app: Any, client: Any, runtime: Runtime, make_user: Any, make_report: Any) -> None:
    editor = make_user("editor")
    report = make_report(editor, "Mùa hoa ban", channel_codes=["LCTV"], planned_duration_s=600)
    with runtime.session() as session:
        news = services.add_slot(session, services.SlotInput(
            "LCTV", dt.datetime.combine(DAY, dt.time(20)), duration_s=900, title="Thời sự",
            kind="programme"), actor=editor)
        session.commit()
        news_id, news_version = news.id, news.version
    login(client, editor.username)
    hour0 = 5  # LCTV's broadcast day starts at 05:00
    drop = "/schedule/LCTV/slots/drop"

    placed = _post(client, drop, {"report_id": report.id, "day": DAY.isoformat(),
                                  "offset_min": (19 - hour0) * 60})
    assert placed.status_code == 200 and placed.json["ok"] is True
    slot_id = placed.json["slot_id"]
    with runtime.session() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None and slot.duration_s == 600 and slot.report_id == report.id

    clash = _post(client, drop, {"report_id": report.id, "day": DAY.isoformat(),
                                 "offset_min": (20 - hour0) * 60 + 10})
    assert clash.status_code == 409 and clash.json["status"] == 409
    assert clash.json["error"] == "Chồng lấn với “Thời sự” (20:00–20:15), thời gian trùng 5:00"
    for bad, words in (({"report_id": report.id, "day": "soon", "offset_min": 0}, "soon"),
                       ({"report_id": report.id, "day": DAY.isoformat(), "offset_min": 1440},
                        "offset_min phải là số nguyên từ 0 đến 1439"),
                       ({"report_id": "1", "day": DAY.isoformat(), "offset_min": 0},
                        "report_id"),
                       ([], "JSON")):
        refused = _post(client, drop, bad)
        assert refused.status_code == 400 and words in refused.json["error"], refused.json

    length = f"/schedule/LCTV/slots/{news_id}/length"
    longer = _post(client, length, {"duration_s": 1200, "version": news_version})
    assert longer.status_code == 200
    stale = _post(client, length, {"duration_s": 1500, "version": news_version})
    assert stale.status_code == 409 and "đã sửa mục lịch này" in stale.json["error"]
    with runtime.session() as session:
        assert session.query(Slot).count() == 2
        news = session.get(Slot, news_id)
        assert news is not None and (news.duration_s, news.version) == (1200, 2)
        # Someone places a slot at 20:18 with the form; the news overlaps it by 2:00.
        services.add_slot(session, services.SlotInput(
            "LCTV", dt.datetime.combine(DAY, dt.time(20, 18)), duration_s=300,
            title="Thời tiết", kind="programme"), actor=editor)
        session.commit()
    worse = _post(client, length, {"duration_s": 1500, "version": 2})
    assert worse.status_code == 409
    assert worse.json["error"] == "Chồng lấn với “Thời tiết” (20:18–20:23), thời gian trùng 5:00"
    better = _post(client, length, {"duration_s": 1140, "version": 2})  # still 1 min over
    assert better.status_code == 200
    with runtime.session() as session:
        news = session.get(Slot, news_id)
        assert news is not None and (news.duration_s, news.version) == (1140, 3)
    assert _post(client, "/schedule/VTV4/slots/1/length",
                 {"duration_s": 60, "version": 1}).status_code == 404
    translator = make_user("translator")
    other = app.test_client()
    login(other, translator.username)
    assert _post(other, drop, {"report_id": report.id, "day": DAY.isoformat(),
                                "offset_min": 0}).status_code == 403
