"""Issue 12: out-of-range dates are a clear 400 on every route that takes a date, never a 500."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, login

EXTREMES = ("9999-12-31", "0001-01-01", "1-01-01", "99999-01-01")


@pytest.mark.parametrize("day", EXTREMES)
def test_out_of_range_dates_are_refused_not_crashed(client, make_user, day: str) -> None:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    login(client, editor.username)
    page = client.get("/schedule/LCTV").get_data(as_text=True)
    token = csrf_token(page)
    answers = {
        "week": client.get(f"/schedule/LCTV?week={day}"),
        "export": client.get(f"/schedule/LCTV/export/csv?day={day}"),
        "results": client.get(f"/results/?from={day}&to={day}"),
        "results export": client.get(f"/results/export/json?from={day}&to={day}"),
        "drill": client.get(f"/results/drill?from={day}&to={day}&figure=produced"),
        "reports": client.get(f"/reports?due_from={day}"),
        "slot": client.post("/schedule/LCTV/slots", data={
            "csrf_token": token, "date": day, "time": "23:59", "duration_min": "30",
            "title": "Bản tin"}),
        "templates": client.post("/schedule/LCTV/templates", data={
            "csrf_token": token, "start_date": day, "end_date": day, "time": "19:00",
            "duration_min": "30", "title": "Bản tin", "weekdays": "0"}),
        "publish": client.post("/schedule/LCTV/publish", data={"csrf_token": token,
                                                                "day": day}),
    }
    crashed = {name: r.status_code for name, r in answers.items() if r.status_code >= 500}
    assert not crashed
    if day in ("9999-12-31", "0001-01-01"):  # well-formed, out of range: a 400 that says so
        week = answers["week"]
        assert week.status_code == 400
        assert f"{day} không phải là một ngày từ 1900-01-01 đến 2999-12-31" in \
            week.get_data(as_text=True)
