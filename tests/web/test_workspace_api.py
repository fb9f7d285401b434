"""The workspace's JSON API through the Flask client: load, autosave, conflicts, roles, VTT."""

from __future__ import annotations

import pytest

from station.runtime import Runtime
from subtitles import editing, services
from tests.conftest import csrf_token, login

SRT_VI = ("1\n00:00:01,000 --> 00:00:04,000\nChào mừng quý vị đến với Lai Châu\n\n"
          "2\n00:00:05,000 --> 00:00:08,000\nĐây là ruộng bậc thang Mường Tè\n\n")


@pytest.fixture
def tracks(runtime: Runtime, make_user, make_report) -> dict:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    report = make_report(editor, "Lai Châu", channel_codes=["VTV4"])
    with runtime.session() as session:
        vi, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "a.srt",
                                      actor=editor)
        en = services.create_track(session, report.id, "en", actor=editor,
                                   source_track_id=vi.id)
        session.commit()
        return {"vi": vi.id, "en": en.id, "en_cues": [c.id for c in en.cues],
                "translator": make_user("translator", languages=["en"],
                                        display_name="Nguyễn Văn An"),
                "editor": editor}


def api(client, method: str, url: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/translate").get_data(as_text=True))
    return client.open(url, method=method, json=body, headers={
        "X-CSRFToken": token, "Accept": "application/json"})


def test_load_edit_and_see_qc_come_back(client, tracks) -> None:  # type: ignore[no-untyped-def]
    login(client, tracks["translator"].username)
    data = client.get(f"/api/tracks/{tracks['en']}").get_json()
    assert data["track"]["editable"] and data["track"]["source_language"] == "vi"
    assert data["source"][0]["text"] == "Chào mừng quý vị đến với Lai Châu"
    cue = data["cues"][0]
    assert {f["check"] for f in cue["findings"]} >= {"empty"}
    long_line = "Welcome to Lai Chau, a mountain province in the far north west of Vietnam"
    saved = api(client, "PATCH", f"/api/cues/{cue['id']}",
                {"version": cue["version"], "text": long_line})
    assert saved.status_code == 200
    body = saved.get_json()
    assert body["cues"][0]["text"] == long_line and body["cues"][0]["version"] == 2
    assert "cpl" in {f["check"] for f in body["cues"][0]["findings"]}
    vtt = client.get(f"/api/tracks/{tracks['en']}/live.vtt")
    assert vtt.mimetype == "text/vtt" and long_line.split(",")[0] in vtt.get_data(as_text=True)


def test_stale_save_answers_409_with_their_version(client, tracks, runtime) -> None:  # type: ignore[no-untyped-def]
    cue_id = tracks["en_cues"][0]
    with runtime.session() as session:
        editing.edit_cue(session, cue_id, actor=tracks["editor"], version=1,
                          text="Editor's words")
        session.commit()
    login(client, tracks["translator"].username)
    response = api(client, "PATCH", f"/api/cues/{cue_id}", {"version": 1, "text": "Mine"})
    assert response.status_code == 409
    body = response.get_json()
    assert body["conflict"]["theirs"]["text"] == "Editor's words"
    assert body["conflict"]["theirs"]["version"] == 2
    again = api(client, "PATCH", f"/api/cues/{cue_id}", {"version": 2, "text": "Mine"})
    assert again.status_code == 200 and again.get_json()["cues"][0]["text"] == "Mine"


def test_roles_on_the_api(client, tracks, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, tracks["translator"].username)
    vi_data = client.get(f"/api/tracks/{tracks['vi']}").get_json()
    assert vi_data["track"]["editable"] is False
    refused = api(client, "PATCH", f"/api/cues/{vi_data['cues'][0]['id']}",
                  {"version": 1, "text": "x"})
    assert refused.status_code == 403 and "Bạn dịch en" in refused.get_json()["error"]
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/translate")
                                                          .get_data(as_text=True))})
    partner = make_user("partner")
    login(client, partner.username)
    assert client.get(f"/api/tracks/{tracks['en']}").status_code == 403
    assert client.get(f"/tracks/{tracks['en']}/edit").status_code == 403
    assert client.get("/translate").status_code == 403


def test_split_merge_and_unicode_kept(client, tracks) -> None:  # type: ignore[no-untyped-def]
    login(client, tracks["editor"].username)
    data = client.get(f"/api/tracks/{tracks['vi']}").get_json()
    cue = data["cues"][0]
    split = api(client, "POST", f"/api/cues/{cue['id']}/split",
                {"version": cue["version"], "at_ms": 2500})
    assert split.status_code == 200
    left, right = split.get_json()["cues"]
    merged = api(client, "POST", f"/api/cues/{left['id']}/merge",
                 {"version": left["version"], "next_version": right["version"],
                  "next_id": right["id"]})
    assert merged.get_json()["cues"][0]["text"] == cue["text"]
    tai_viet = "ꪼꪕꪒꪾ ꪁꪰꪙ Mường Tè"
    saved = api(client, "PATCH", f"/api/cues/{left['id']}",
                {"version": merged.get_json()["cues"][0]["version"], "text": tai_viet})
    assert saved.get_json()["cues"][0]["text"] == tai_viet


def test_queue_lists_the_translators_languages(client, tracks) -> None:  # type: ignore[no-untyped-def]
    login(client, tracks["translator"].username)
    page = client.get("/translate").get_data(as_text=True)
    assert f'data-track="{tracks["en"]}"' in page and f'data-track="{tracks["vi"]}"' not in page


def test_review_page_and_csv(client, tracks) -> None:  # type: ignore[no-untyped-def]
    login(client, tracks["editor"].username)
    html = client.get(f"/tracks/{tracks['en']}/review.html").get_data(as_text=True)
    from station.i18n import translate

    # The QC check by its name in the page's language, not its id.
    assert "Báo cáo duyệt" in html and f"QC · {translate('Empty cue', 'vi')}" in html
    with client.get(f"/tracks/{tracks['en']}/review.csv") as csv_file:
        assert csv_file.mimetype == "text/csv"
        assert "qc:empty" in csv_file.data.decode("utf-8-sig")


def test_approved_track_answers_read_only(client, tracks, runtime) -> None:  # type: ignore[no-untyped-def]
    from subtitles.models import Track

    with runtime.session() as session:
        session.get(Track, tracks["en"]).status = "approved"
        session.commit()
    login(client, tracks["editor"].username)
    cue_id = tracks["en_cues"][0]
    response = api(client, "PATCH", f"/api/cues/{cue_id}", {"version": 1, "text": "x"})
    assert response.status_code == 409
    assert response.get_json()["reason"] == "read_only" and "conflict" not in response.get_json()
    assert client.get("/api/csrf").get_json()["token"]


def test_save_answers_with_neighbours_only(client, tracks) -> None:  # type: ignore[no-untyped-def]
    login(client, tracks["translator"].username)
    first, second = tracks["en_cues"]
    body = api(client, "PATCH", f"/api/cues/{first}", {"version": 1, "text": "Hello"}).get_json()
    assert body["findings_for"] == [first, second]
    assert set(body["findings"]) == {str(first), str(second)}


def test_vietnamese_spelling_reaches_the_workspace_with_offsets(client, tracks) -> None:  # type: ignore[no-untyped-def]
    login(client, tracks["editor"].username)
    data = client.get(f"/api/tracks/{tracks['vi']}").get_json()
    assert all(f["check"] != "spelling" for c in data["cues"] for f in c["findings"])
    cue = data["cues"][0]
    text = "Chúng tôi đươc biết\ntinhr Lai Châu"
    body = api(client, "PATCH", f"/api/cues/{cue['id']}",
               {"version": cue["version"], "text": text}).get_json()
    assert body["cues"][0]["text"] == text  # flagged, never corrected
    marks = [f for f in body["cues"][0]["findings"] if f["check"] == "spelling"]
    assert [(f["severity"], f["spelling"]["word"], f["spelling"]["line"],
             f["spelling"]["start"], f["spelling"]["end"]) for f in marks] == [
        ("warning", "đươc", 1, 10, 14), ("warning", "tinhr", 2, 20, 25)]
    assert marks[0]["spelling"]["suggestions"][0] == "được"
    assert marks[1]["spelling"]["suggestions"][0] == "tỉnh"
    assert "đươc" in marks[0]["message"]
    again = client.get(f"/api/tracks/{tracks['vi']}").get_json()
    assert [f["spelling"]["word"] for f in again["cues"][0]["findings"]
            if f["check"] == "spelling"] == ["đươc", "tinhr"]
    english = client.get(f"/api/tracks/{tracks['en']}").get_json()
    assert all(f["check"] != "spelling" for c in english["cues"] for f in c["findings"])


def test_the_workspace_api_speaks_the_pages_language(client, make_user, make_report,  # type: ignore[no-untyped-def]
                                                     runtime) -> None:
    """A browser asking for English (Accept-Language) on a Vietnamese page gets Vietnamese
    messages from the workspace's API too, not a mix of both."""
    from subtitles import services
    from tests.conftest import login

    editor = make_user("editor")
    report = make_report(editor, "Ngôn ngữ của trang")
    srt = "1\n00:00:01,000 --> 00:00:01,200\nChào\n".encode()
    with runtime.session() as session:
        track, _ = services.import_track(session, report.id, "vi", srt, "a.srt", actor=editor)
        session.commit()
        track_id = track.id
    login(client, editor.username)
    english = {"Accept-Language": "en-US,en;q=0.9"}
    payload = client.get(f"/api/tracks/{track_id}", headers=english).get_json()
    messages = [f["message"] for cue in payload["cues"] for f in cue["findings"]]
    assert "Câu hiển thị 200 ms (tối thiểu 833 ms)" in messages, messages


def test_a_malformed_version_is_a_400_not_a_crash(client, tracks, runtime) -> None:  # type: ignore[no-untyped-def]
    login(client, tracks["editor"].username)
    page = client.get(f"/tracks/{tracks['en']}/edit").get_data(as_text=True)
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    cue = client.get(f"/api/tracks/{tracks['en']}", headers={"Accept": "application/json"}
                     ).get_json()["cues"][0]
    for bad in ("abc", None, [1], "１"):
        for method, path in (("PATCH", f"/api/cues/{cue['id']}"),
                             ("POST", f"/api/cues/{cue['id']}/confirm")):
            answer = client.open(path, method=method, json={"version": bad, "text": "x"},
                                 headers={"X-CSRFToken": token, "Accept": "application/json"})
            assert answer.status_code == 400, (method, bad, answer.get_data(as_text=True))
            assert "phiên bản" in answer.get_json()["error"]  # the page speaks Vietnamese
