"""The workspace API's insert and delete, and the exact split and merge its undo uses."""

from __future__ import annotations

from typing import Any

import pytest

from station.runtime import Runtime
from subtitles import services
from tests.conftest import csrf_token, login

SRT_VI = ("1\n00:00:01,000 --> 00:00:04,000\nChào mừng quý vị\nđến với Lai Châu\n\n"
          "2\n00:00:05,000 --> 00:00:08,000\nĐây là ruộng bậc thang Mường Tè\n\n")


@pytest.fixture
def desk(runtime: Runtime, make_user: Any, make_report: Any) -> dict[str, Any]:
    editor = make_user("editor")
    report = make_report(editor, "Lai Châu")
    with runtime.session() as session:
        vi, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "a.srt",
                                      actor=editor)
        session.commit()
        return {"editor": editor, "vi": vi.id,
                "translator": make_user("translator", languages=["en"])}


def call(client: Any, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    token = csrf_token(client.get("/translate").get_data(as_text=True))
    return client.open(url, method=method, json=body,
                       headers={"X-CSRFToken": token, "Accept": "application/json"})


def test_delete_then_insert_gives_the_cue_back(client: Any, desk: dict[str, Any]) -> None:
    login(client, desk["editor"].username)
    cues = client.get(f"/api/tracks/{desk['vi']}").get_json()["cues"]
    second = cues[1]
    stale = call(client, "DELETE", f"/api/cues/{second['id']}", {"version": 7})
    assert stale.status_code == 409
    assert stale.get_json()["conflict"]["theirs"]["text"] == second["text"]
    gone = call(client, "DELETE", f"/api/cues/{second['id']}", {"version": second["version"]})
    assert gone.status_code == 200 and gone.get_json()["removed"] == second["id"]
    assert str(cues[0]["id"]) in gone.get_json()["findings"]  # the neighbour's QC comes back
    back = call(client, "POST", f"/api/tracks/{desk['vi']}/cues",
                {k: second[k] for k in ("start_ms", "end_ms", "text")})
    assert back.status_code == 201
    again = client.get(f"/api/tracks/{desk['vi']}").get_json()["cues"]
    assert [(c["start_ms"], c["end_ms"], c["text"]) for c in again] == \
        [(c["start_ms"], c["end_ms"], c["text"]) for c in cues]


def test_split_and_merge_undo_each_other_exactly(client: Any, desk: dict[str, Any]) -> None:
    login(client, desk["editor"].username)
    first = client.get(f"/api/tracks/{desk['vi']}").get_json()["cues"][0]
    left, right = call(client, "POST", f"/api/cues/{first['id']}/split",
                       {"version": first["version"], "at_ms": 2500, "right_start_ms": 2600,
                        "left_text": "Chào mừng quý vị", "right_text": "đến với Lai Châu"},
                       ).get_json()["cues"]
    assert (right["start_ms"], left["end_ms"]) == (2600, 2500)
    merged = call(client, "POST", f"/api/cues/{left['id']}/merge",
                  {"version": left["version"], "next_version": right["version"],
                   "next_id": right["id"], "text": first["text"]}).get_json()["cues"][0]
    assert (merged["start_ms"], merged["end_ms"], merged["text"]) == \
        (first["start_ms"], first["end_ms"], "Chào mừng quý vị\nđến với Lai Châu")
    bad = call(client, "POST", f"/api/cues/{merged['id']}/split",
               {"version": merged["version"], "at_ms": 2500, "right_start_ms": "soon"})
    assert bad.status_code == 400


def test_insert_and_delete_obey_the_roles(client: Any, desk: dict[str, Any]) -> None:
    login(client, desk["translator"].username)
    cue = client.get(f"/api/tracks/{desk['vi']}").get_json()["cues"][0]
    assert call(client, "POST", f"/api/tracks/{desk['vi']}/cues",
                {"start_ms": 9000, "end_ms": 9500}).status_code == 403
    assert call(client, "DELETE", f"/api/cues/{cue['id']}",
                {"version": cue["version"]}).status_code == 403
