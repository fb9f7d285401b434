"""The playout settings page (admins only) and a playlist downloaded from the desk."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from schedule import services
from station.i18n import translate
from tests.conftest import csrf_token, login
from tests.unit.ffplayout_checker import problems


def test_admin_sets_the_playout_and_the_desk_downloads_a_real_playlist(  # type: ignore[no-untyped-def]
        client, make_user, runtime, tmp_path: Path) -> None:
    editor = make_user("editor")
    login(client, editor.username)
    assert client.get("/schedule/LCTV/playout").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(
        client.get("/schedule/LCTV").get_data(as_text=True))})
    admin = make_user("admin")
    login(client, admin.username)
    page = client.get("/schedule/LCTV/playout")
    html = page.get_data(as_text=True)
    missing = html.split('class="flash error"', 1)[1].split("</p>", 1)[0]
    assert page.status_code == 200  # what is missing, by the form's own names
    assert translate("Playout folder (on Station's side)", "vi") in missing
    assert "/schedule/LCTV/playout" in client.get("/schedule/LCTV").get_data(as_text=True)
    saved = client.post("/schedule/LCTV/playout", data={
        "csrf_token": csrf_token(html), "folder": str(tmp_path), "storage": "/srv/ffplayout/lctv",
        "filler": "filler.mp4", "filler_duration": "12,5", "day_start": "05:00",
        "timezone": "Asia/Ho_Chi_Minh", "layout": "tree", "playlists": "/srv/playlists"},
        follow_redirects=True)
    text = saved.get_data(as_text=True)
    assert "flash error" not in text, text
    assert "05:00:00" in text and "/srv/ffplayout/lctv/filler.mp4" in text
    refused = client.post("/schedule/LCTV/playout", data={
        "csrf_token": csrf_token(text), "day_start": "25:00"}, follow_redirects=True)
    assert "flash error" in refused.get_data(as_text=True)
    with runtime.session() as session:
        services.add_slot(session, services.SlotInput(
            "LCTV", dt.datetime(2027, 3, 8, 19, 0), duration_s=1800, title="Thời sự",
            kind="programme", source="thoi-su.mp4"), actor=admin)
        session.commit()
    with client.get("/schedule/LCTV/export/ffplayout?day=2027-03-08") as response:
        data = response.get_data()
        assert response.status_code == 200, data
        assert 'filename="2027-03-08.json"' in response.headers["Content-Disposition"]
    assert problems(data, exact=True) == []
    assert {i["source"] for i in json.loads(data)["program"]} == {
        "/srv/ffplayout/lctv/filler.mp4", "/srv/ffplayout/lctv/thoi-su.mp4"}
