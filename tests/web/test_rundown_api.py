"""The rundown editor's JSON API: every write at the version the page saw, answered with the
server's timing; a stale one is 409 with the rundown as it now is."""

from __future__ import annotations

import datetime as dt

from planning import services
from station.runtime import Runtime
from tests.conftest import csrf_token, login


def api(client, method: str, url: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    page = "/rundowns/" + url.split("/")[3]  # the editor's page carries the token
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.open(url, method=method, json=body, headers={
        "X-CSRFToken": token, "Accept": "application/json"})


def _rundown(runtime: Runtime, editor) -> int:  # type: ignore[no-untyped-def]
    with runtime.session() as session:
        rundown = services.create_rundown(session, actor=editor, channel="LCTV",
                                          title="Thời sự 19:00",
                                          starts_at=dt.datetime(2027, 3, 8, 19, 0),
                                          planned_s=120)
        session.commit()
        return rundown.id


def test_build_reorder_and_conflict_through_the_api(client, runtime, make_user) -> None:  # type: ignore[no-untyped-def]
    editor = make_user("editor", display_name="Lò Thị Mai")
    make_user("editor", username="lin", display_name="Tẩn Văn Lìn")
    rid = _rundown(runtime, editor)
    login(client, editor.username)
    doc = client.get(f"/api/rundowns/{rid}").get_json()["rundown"]
    added = api(client, "POST", f"/api/rundowns/{rid}/items", {
        "kind": "reader", "title": "Chào", "anchor_text": " ".join(["tin"] * 85),
        "version": doc["version"]})
    assert added.status_code == 201
    doc = added.get_json()["rundown"]
    assert doc["lines"][0]["duration"] == "0:30" and doc["lines"][0]["timed_from"] == "read"
    doc = api(client, "POST", f"/api/rundowns/{rid}/items", {
        "kind": "live", "title": "Sìn Hồ", "estimate_s": "100",
        "version": doc["version"]}).get_json()["rundown"]
    assert doc["over_under"] == "0:10" and doc["over_ms"] == 10_000
    seen = doc["version"]
    ids = [line["id"] for line in doc["lines"]]
    # Someone else adds a line meanwhile.
    with runtime.session() as session:
        from station.accounts import get_user

        services.add_item(session, rid, services.ItemInput("break", "Quảng cáo", estimate_s=5),
                          actor=get_user(session, "lin"), version=seen)
        session.commit()
    stale = api(client, "PUT", f"/api/rundowns/{rid}/order",
                {"order": list(reversed(ids)), "version": seen})
    assert stale.status_code == 409
    body = stale.get_json()
    assert "Tẩn Văn Lìn" in body["error"]
    assert [line["title"] for line in body["rundown"]["lines"]] == ["Chào", "Sìn Hồ",
                                                                    "Quảng cáo"]
    fresh = body["rundown"]
    order = [line["id"] for line in reversed(fresh["lines"])]
    moved = api(client, "PUT", f"/api/rundowns/{rid}/order",
                {"order": order, "version": fresh["version"]})
    assert moved.status_code == 200
    assert [line["title"] for line in moved.get_json()["rundown"]["lines"]] == [
        "Quảng cáo", "Sìn Hồ", "Chào"]
    retimed = api(client, "PATCH", f"/api/rundowns/{rid}/items/{order[1]}", {
        "kind": "live", "title": "Sìn Hồ", "estimate_s": 60,
        "version": moved.get_json()["rundown"]["version"]}).get_json()["rundown"]
    assert retimed["total"] == "1:35"
    assert api(client, "POST", f"/api/rundowns/{rid}/approve",
               {"version": retimed["version"]}).status_code == 403  # the chief approves
    page = client.get(f"/rundowns/{rid}")
    assert page.status_code == 200 and "Thời sự 19:00" in page.get_data(as_text=True)


def test_bad_input_is_a_clear_400(client, runtime, make_user) -> None:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    rid = _rundown(runtime, editor)
    login(client, editor.username)
    bad = api(client, "PUT", f"/api/rundowns/{rid}/order", {"order": "1,2", "version": 1})
    assert bad.status_code == 400 and bad.get_json()["error"]
    assert api(client, "POST", f"/api/rundowns/{rid}/items",
               {"kind": "live", "title": "x", "version": "v1"}).status_code == 400
