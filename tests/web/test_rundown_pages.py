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
