"""Subtitle pages through the Flask client: tracks on the report, import, export, QC, fixes."""

from __future__ import annotations

import re

from station.runtime import Runtime
from subtitles.models import Track
from tests.conftest import csrf_token, login

SRT = ("1\n00:00:01,000 --> 00:00:03,000\nChào mừng đến Lai Châu\n\n"
       "2\n00:00:03,010 --> 00:00:05,000\nMột dòng rất dài vượt quá bốn mươi hai ký tự "
       "cho phép của kênh\n\n")


def test_import_view_export_and_fix(client, make_user, make_report, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    report = make_report(editor, "Phóng sự Tam Đường", channel_codes=["VTV4"])
    login(client, editor.username)
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Chưa có phụ đề" in page and "vi, en, zh" in page  # languages still needed
    import io

    response = client.post(f"/reports/{report.id}/tracks", data={
        "language": "vi", "file": (io.BytesIO(SRT.encode("utf-16")), "tam-duong.srt"),
        "csrf_token": csrf_token(page)}, content_type="multipart/form-data")
    assert response.status_code == 302
    track_page = client.get(response.location).get_data(as_text=True)
    assert "Chào mừng đến Lai Châu" in track_page
    assert re.search(r"Line 1 has \d+ characters|Dòng 1 có \d+ ký tự", track_page)
    with runtime.session() as session:
        track = session.query(Track).one()
    with client.get(f"/tracks/{track.id}/export/srt") as srt_file:
        assert srt_file.status_code == 200
        assert 'filename="LAICHAU_PHONG_SU_TAM_DUONG_vi.srt"' in srt_file.headers[
            "Content-Disposition"]
        assert "Chào mừng đến Lai Châu" in srt_file.data.decode("utf-8")
    with client.get(f"/tracks/{track.id}/export/ttml") as ttml:
        assert b'xml:lang="vi"' in ttml.data
    with client.get(f"/tracks/{track.id}/export/stl") as stl:
        assert stl.status_code == 422
        assert "EBU STL" in stl.get_data(as_text=True)
    fixed = client.post(f"/tracks/{track.id}/autofix",
                        data={"csrf_token": csrf_token(track_page)}, follow_redirects=True)
    assert "Đã tự động sửa" in fixed.get_data(as_text=True)


def test_bad_subtitle_file_gets_a_message_and_no_track(client, make_user, make_report,  # type: ignore[no-untyped-def]
                                                      runtime: Runtime) -> None:
    editor = make_user("editor")
    report = make_report(editor)
    login(client, editor.username)
    import io

    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    response = client.post(f"/reports/{report.id}/tracks", data={
        "language": "vi", "file": (io.BytesIO(b"\x00\x01\x02binary\xff" * 50), "x.srt"),
        "csrf_token": csrf_token(page)}, content_type="multipart/form-data",
        follow_redirects=True)
    assert response.status_code == 200
    assert "binary" in response.get_data(as_text=True).lower() or "nhị phân" in \
        response.get_data(as_text=True)
    with runtime.session() as session:
        assert session.query(Track).count() == 0


def test_transcribe_needs_media_and_a_whisper_language(client, make_user, make_report) -> None:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    report = make_report(editor, original_language="hnj")
    login(client, editor.username)
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    response = client.post(f"/reports/{report.id}/transcribe",
                           data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "Whisper không nhận dạng được tiếng hnj" in response.get_data(as_text=True)


def test_partner_cannot_reach_tracks(client, make_user, make_report, runtime) -> None:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    report = make_report(editor)
    from subtitles import services

    with runtime.session() as session:
        track = services.create_track(session, report.id, "vi", actor=editor)
        session.commit()
        track_id = track.id
    partner = make_user("partner")
    login(client, partner.username)
    for path in (f"/tracks/{track_id}", f"/tracks/{track_id}/export/srt"):
        assert client.get(path).status_code == 403


def test_vtt_download_link_on_the_report_page(client, make_user, make_report,  # type: ignore[no-untyped-def]
                                              runtime: Runtime) -> None:
    from subtitles import services

    editor = make_user("editor")
    report = make_report(editor)
    with runtime.session() as session:
        services.import_track(session, report.id, "vi", SRT.encode(), "a.srt", actor=editor)
        session.commit()
    login(client, editor.username)
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    for link in re.findall(r'href="(/tracks/\d+/export/\w+)"', page):
        with client.get(link) as response:
            assert response.status_code == 200, link
    vtt = re.search(r'href="(/tracks/\d+/export/vtt)"', page).group(1)
    with client.get(vtt) as response:
        assert response.mimetype == "text/vtt" and response.data.startswith(b"WEBVTT")
