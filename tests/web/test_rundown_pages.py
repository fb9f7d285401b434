"""The rundown's pages (list, editor, print, anchor script, prompter): editors and admins only,
rendered in Vietnamese and English from the server's timing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from planning import services
from station.runtime import Runtime
from tests.conftest import login

PAGES = ("/rundowns", "/rundowns/{id}", "/rundowns/{id}/print", "/rundowns/{id}/script",
         "/rundowns/{id}/prompter")


def _rundown(runtime: Runtime, editor: Any) -> int:
    """19:00 on LCTV, 2 minutes: a 30 s reader (85 words at 170 wpm) and a 100 s live."""
    with runtime.session() as session:
        rundown = services.create_rundown(session, actor=editor, channel="LCTV",
                                          title="Thời sự 19:00",
                                          starts_at=dt.datetime(2027, 3, 8, 19, 0),
                                          planned_s=120)
        services.add_item(session, rundown.id, services.ItemInput(
            "reader", "Chào mừng", anchor_text=" ".join(["tin"] * 85), anchor="Lò Thị Mai"),
            actor=editor, version=rundown.version)
        services.add_item(session, rundown.id, services.ItemInput(
            "live", "Cầu truyền hình Sìn Hồ", estimate_s=100), actor=editor,
            version=rundown.version)
        session.commit()
        return rundown.id


@pytest.mark.parametrize("role", ["translator", "partner"])
def test_only_editors_and_admins_see_the_rundown_pages(client, runtime, make_user,  # type: ignore[no-untyped-def]
                                                       role: str) -> None:
    rid = _rundown(runtime, make_user("editor"))
    login(client, make_user(role).username)
    for path in PAGES:
        assert client.get(path.format(id=rid)).status_code == 403, path
    assert client.get(f"/api/rundowns/{rid}").status_code == 403


@pytest.mark.parametrize(("lang", "words"), [
    ("vi", ("Kịch bản bản tin", "Lên sóng", "Thừa/thiếu", "Người dẫn", "Máy nhắc chữ")),
    ("en", ("Rundowns", "On air", "Over/under", "Anchor", "Prompter")),
])
def test_the_pages_render_with_the_server_timing_in_each_language(  # type: ignore[no-untyped-def]
        client, runtime, make_user, lang: str, words: tuple[str, ...]) -> None:
    editor = make_user("editor")
    rid = _rundown(runtime, editor)
    login(client, editor.username)
    client.get(f"/lang/{lang}")
    listing = client.get("/rundowns").get_data(as_text=True)
    assert f'href="/rundowns/{rid}"' in listing and "Thời sự 19:00" in listing
    assert "2027-03-08 19:00:00" in listing and "LCTV" in listing
    editor_page = client.get(f"/rundowns/{rid}").get_data(as_text=True)
    for word in words[1:4]:
        assert word in editor_page
    assert words[0] in editor_page  # the nav link
    # 30 s + 100 s against 120 s: 10 s over; the live line starts at 19:00:30 (back 19:00:20).
    assert "2:10" in editor_page and 'class="over"' in editor_page
    assert "19:00:30" in editor_page and "19:00:20" in editor_page
    printable = client.get(f"/rundowns/{rid}/print").get_data(as_text=True)
    assert "19:00:30" in printable and "Cầu truyền hình Sìn Hồ" in printable
    script = client.get(f"/rundowns/{rid}/script").get_data(as_text=True)
    assert "tin tin tin" in script and "rd-cue-text" in script
    prompter = client.get(f"/rundowns/{rid}/prompter").get_data(as_text=True)
    assert words[4] in prompter and "tin tin tin" in prompter
    assert "Cầu truyền hình Sìn Hồ" not in prompter  # nothing to read on the live line
    assert "<script>" not in editor_page + prompter  # CSP: files only


def test_an_editor_creates_a_bulletin_and_puts_it_in_the_schedule(  # type: ignore[no-untyped-def]
        client, runtime, make_user) -> None:
    from planning.models import ReadingRate, Rundown
    from schedule.models import Slot
    from tests.conftest import csrf_token

    editor = make_user("editor", display_name="Lò Thị Mai")
    login(client, editor.username)
    page = client.get("/rundowns").get_data(as_text=True)
    token = csrf_token(page)
    refused = client.post("/rundowns", data={
        "csrf_token": token, "channel": "LCTV", "title": "Thời sự", "date": "2027-03-08",
        "time": "19:00", "planned": "half an hour"}, follow_redirects=True)
    assert "“half an hour” không phải là thời lượng" in refused.get_data(as_text=True)
    empty = client.post("/rundowns", data={
        "csrf_token": token, "channel": "LCTV", "title": "Thời sự", "date": "2027-03-08",
        "time": "19:00", "planned": ""}, follow_redirects=True)
    assert "Hãy cho độ dài bản tin" in empty.get_data(as_text=True)
    made = client.post("/rundowns", data={
        "csrf_token": token, "channel": "LCTV", "title": "Thời sự 19:00", "date": "2027-03-08",
        "time": "19:00", "planned": "30:00"})
    assert made.status_code == 302
    with runtime.session() as session:
        rundown = session.query(Rundown).one()
        rid = rundown.id
        # 19:00 in Hà Nội is 12:00 UTC; 30 minutes as typed.
        assert (rundown.starts_at, rundown.planned_s) == (
            dt.datetime(2027, 3, 8, 12, 0, tzinfo=dt.UTC), 1800)
    assert made.headers["Location"].endswith(f"/rundowns/{rid}")
    placed = client.post(f"/rundowns/{rid}/place", data={"csrf_token": token},
                         follow_redirects=True).get_data(as_text=True)
    with runtime.session() as session:
        slot_id = session.get(Rundown, rid).slot_id
        slot = session.get(Slot, slot_id)
        assert (slot.title, slot.duration_s, slot.kind) == ("Thời sự 19:00", 1800, "programme")
    assert f"khung #{slot_id}" in placed
    again = client.post(f"/rundowns/{rid}/place", data={"csrf_token": token},
                        follow_redirects=True).get_data(as_text=True)
    assert "flash error" in again  # a bulletin airs in one slot only
    # Reading rates are the admins' (they retime every reader line).
    assert client.post("/rundowns/rates", data={
        "csrf_token": token, "channel": "LCTV", "words_per_minute": "150"}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    admin = make_user("admin")
    login(client, admin.username)
    token = csrf_token(client.get("/rundowns").get_data(as_text=True))
    client.post("/rundowns/rates", data={"csrf_token": token, "channel": "LCTV",
                                         "anchor": "Lò Thị Mai", "words_per_minute": "150"})
    bad = client.post("/rundowns/rates", data={"csrf_token": token, "channel": "LCTV",
                                               "words_per_minute": "9000"},
                      follow_redirects=True).get_data(as_text=True)
    assert "flash error" in bad
    with runtime.session() as session:
        assert [(r.anchor, r.words_per_minute) for r in session.query(ReadingRate)] == [
            ("Lò Thị Mai", 150)]
    assert "Lò Thị Mai: 150 từ mỗi phút" in client.get("/rundowns").get_data(as_text=True)
