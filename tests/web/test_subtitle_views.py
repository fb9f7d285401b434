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
    assert "Chưa có phụ đề" in page  # languages still needed, named
    assert "Tiếng Việt (vi), Tiếng Anh (en), Tiếng Trung (zh)" in page
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


def test_transcribe_needs_a_language_an_engine_knows(client, make_user, make_report) -> None:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    report = make_report(editor, original_language="hnj")
    login(client, editor.username)
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    response = client.post(f"/reports/{report.id}/transcribe",
                           data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "Chưa có công cụ nhận dạng giọng nói nào cho tiếng hnj" in \
        response.get_data(as_text=True)


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


def test_the_editor_picks_the_speech_engine(client, make_user, make_report, runtime: Runtime,  # type: ignore[no-untyped-def]
                                            media_cache, whisper_model) -> None:
    from station import jobs
    from tests import media
    from tests.integration.test_ingest import run_ingest

    editor = make_user("editor")
    report = make_report(editor, "Bản tin tiếng Việt", channel_codes=["LCTV"])
    clip = media.report_video(media_cache, seconds=2, size="320x240")
    assert run_ingest(runtime, editor, report.id, clip).status == "succeeded"
    login(client, editor.username)
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    select = re.search(r'<select name="engine"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, "a Vietnamese report offers a choice of engines"
    options = re.findall(r'<option value="(\w+)"( selected)?', select.group(1))
    assert options == [("vietasr", " selected"), ("whisper", "")]
    # A wrong choice is a clear message on the page, not an error page.
    response = client.post(f"/reports/{report.id}/transcribe",
                           data={"csrf_token": csrf_token(page), "engine": "kaldi"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Không có công cụ nhận dạng kaldi" in response.get_data(as_text=True)
    english = make_report(editor, "English report", original_language="en")
    response = client.post(f"/reports/{english.id}/transcribe",
                           data={"csrf_token": csrf_token(page), "engine": "vietasr"},
                           follow_redirects=True)
    assert "viet-asr + Whisper không nhận dạng được tiếng en" in response.get_data(as_text=True)
    # The choice reaches the job.
    client.post(f"/reports/{report.id}/transcribe",
                data={"csrf_token": csrf_token(page), "engine": "whisper"})
    with runtime.session() as session:
        job = session.query(jobs.JobRun).filter(jobs.JobRun.kind == "transcribe").one()
        assert job.args["engine"] == "whisper" and job.args["language"] == "vi"
