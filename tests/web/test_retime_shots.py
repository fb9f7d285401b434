"""Retiming a track to the master's shot changes from the track page, and the shot changes in
the workspace's JSON: roles, approved tracks, masters without a shot list, translations."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from production import services as production
from station.i18n import translate
from station.runtime import Runtime
from subtitles import editing, services
from subtitles.models import CueRevision, CueRow, Track
from tests.conftest import csrf_token, login

# Cuts at 3 s, 6 s and 9 s; three cues with a point a few frames from one (docs/subtitles.md).
CUTS = [3000, 6000, 9000]
SRT_VI = ("1\n00:00:01,000 --> 00:00:02,900\nChào mừng quý vị đến với Lai Châu\n\n"
          "2\n00:00:03,120 --> 00:00:05,000\nĐây là ruộng bậc thang Mường Tè\n\n"
          "3\n00:00:06,500 --> 00:00:08,880\nMùa lúa chín trên núi\n\n")
RETIMED = [(1000, 2920), (3000, 5000), (6500, 8920)]
BUTTON = translate("Retime to shot changes", "vi")


def give_master(runtime: Runtime, report_id: int, shots: list[int] | None,
                video: bool = True) -> None:
    """A master row as ingest leaves it (no ffmpeg needed: the list is what is tested)."""
    with runtime.session() as session:
        production.replace_assets(session, report_id, [{
            "role": "master", "sha256": "ab" * 32, "size_bytes": 1000,
            "storage_key": f"ab/{report_id}.mp4", "duration_ms": 12_000,
            "video_codec": "h264" if video else None, "audio_codec": "aac",
            "shot_changes_ms": shots}], actor_id=None, comment="test master")
        session.commit()


@pytest.fixture
def world(runtime: Runtime, make_user, make_report) -> dict:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    report = make_report(editor, "Ruộng bậc thang", channel_codes=["VTV4"])
    give_master(runtime, report.id, CUTS)
    with runtime.session() as session:
        vi, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "vi.srt",
                                      actor=editor)
        en = services.create_track(session, report.id, "en", actor=editor,
                                   source_track_id=vi.id)
        session.commit()
        return {"report": report.id, "vi": vi.id, "en": en.id, "editor": editor,
                "translator_en": make_user("translator", languages=["en"])}


def times(runtime: Runtime, track_id: int) -> list[tuple[int, int]]:
    with runtime.session() as session:
        return [(r.start_ms, r.end_ms) for r in session.scalars(
            select(CueRow).where(CueRow.track_id == track_id).order_by(CueRow.start_ms))]


def press(client, track_id: int) -> str:  # type: ignore[no-untyped-def]
    """Open the track page and press the button, as a person would; the page after."""
    page = client.get(f"/tracks/{track_id}").get_data(as_text=True)
    response = client.post(f"/tracks/{track_id}/retime-shots",
                           data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def test_editor_retimes_an_imported_track_and_each_move_is_recorded(
        client, world, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    login(client, world["editor"].username)
    assert BUTTON in client.get(f"/tracks/{world['vi']}").get_data(as_text=True)
    page = press(client, world["vi"])
    assert "Đã căn theo điểm chuyển cảnh: dời 3 câu" in page
    assert times(runtime, world["vi"]) == RETIMED
    with runtime.session() as session:
        revisions = session.scalars(select(CueRevision).where(
            CueRevision.track_id == world["vi"], CueRevision.action == "retime")).all()
        assert len(revisions) == 3
        assert {r.before["start_ms"] for r in revisions} == {1000, 3120, 6500}
        assert all(r.actor_id == world["editor"].id for r in revisions)
        versions = session.scalars(select(CueRow.version).where(
            CueRow.track_id == world["vi"])).all()
        assert sorted(versions) == [2, 2, 2]  # the ORM bumped each moved cue
    # Nothing left to move: a second press says so and records nothing.
    assert "dời 0 câu" in press(client, world["vi"])


def test_translator_of_another_language_gets_a_precise_refusal(
        client, world, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    login(client, world["translator_en"].username)
    page = press(client, world["vi"])
    assert "Bạn dịch en, không phải vi" in page
    assert times(runtime, world["vi"])[0] == (1000, 2900)


def test_translation_stays_inside_its_source_cues(client, world, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    login(client, world["translator_en"].username)
    # The source is not retimed yet: every snap would leave the source cue, so none moves.
    assert "dời 0 câu" in press(client, world["en"])
    with runtime.session() as session:
        editing.retime_to_shots(session, world["vi"], actor=world["editor"])
        session.commit()
    assert "dời 3 câu" in press(client, world["en"])
    assert times(runtime, world["en"]) == RETIMED


def test_approved_track_is_refused(client, world, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    with runtime.session() as session:
        track = session.get(Track, world["vi"])
        track.status = "approved"
        session.commit()
    login(client, world["editor"].username)
    assert BUTTON not in client.get(f"/tracks/{world['vi']}").get_data(as_text=True)
    assert "Phụ đề đã duyệt và chỉ đọc" in press(client, world["vi"])
    assert times(runtime, world["vi"])[0] == (1000, 2900)


@pytest.mark.parametrize(("shots", "video", "message"), [
    (None, True, "Bản gốc được nhập trước khi Station tìm điểm chuyển cảnh"),
    (None, False, "Bản gốc không có hình ảnh nên không có điểm chuyển cảnh"),
], ids=["ingested-before-detection", "audio-only"])
def test_master_without_a_shot_list_is_explained(client, world, runtime: Runtime,  # type: ignore[no-untyped-def]
                                                 shots, video: bool, message: str) -> None:
    give_master(runtime, world["report"], shots, video=video)
    login(client, world["editor"].username)
    assert message in press(client, world["vi"])


def test_report_without_a_master_is_explained(client, make_user, make_report,  # type: ignore[no-untyped-def]
                                              runtime: Runtime) -> None:
    editor = make_user("editor")
    report = make_report(editor)
    with runtime.session() as session:
        track, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "vi.srt",
                                         actor=editor)
        session.commit()
    login(client, editor.username)
    assert "Hãy nhập bản gốc trước: điểm chuyển cảnh" in press(client, track.id)


def test_partner_may_not_retime(client, world, make_user) -> None:  # type: ignore[no-untyped-def]
    login(client, make_user("partner").username)
    token = csrf_token(client.get("/partner/").get_data(as_text=True))
    response = client.post(f"/tracks/{world['vi']}/retime-shots", data={"csrf_token": token})
    assert response.status_code == 403


def test_workspace_json_carries_the_shot_changes(client, world) -> None:  # type: ignore[no-untyped-def]
    login(client, world["translator_en"].username)
    media = client.get(f"/api/tracks/{world['en']}").get_json()["media"]
    assert media["shot_changes_ms"] == CUTS
    page = client.get(f"/tracks/{world['en']}/edit").get_data(as_text=True)
    assert 'id="ws-shot-legend"' in page and translate("Shot change", "vi") in page


def test_every_new_message_has_a_vietnamese_translation() -> None:
    for text in ("Retime to shot changes", "Retimed to shot changes: {n} cues moved",
                 "In and out points within {snap} frames of a shot change move onto it; "
                 "others keep {berth} frames away from it",
                 "Ingest the master first: shot changes are found in its picture",
                 "The master has no picture, so it has no shot changes",
                 "The master was ingested before Station looked for shot changes; upload the "
                 "same file again to find them",
                 "Shot change", "Shot changes: {n}",
                 "The report's master changed meanwhile; look for its shot changes again",
                 "ffmpeg listed no shot changes; see the log"):
        vietnamese = translate(text, "vi")
        assert vietnamese != text, text
        assert {p for p in ("{n}", "{snap}", "{berth}") if p in text} == {
            p for p in ("{n}", "{snap}", "{berth}") if p in vietnamese}, text
