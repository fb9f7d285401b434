"""The web desk through Flask's test client: sign-in, roles, CSRF, forms, upload, media, errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from production.models import Report
from station import jobs
from station.runtime import Runtime
from tests import media
from tests.conftest import PASSWORD, csrf_token, login


@pytest.fixture
def editor(make_user):  # type: ignore[no-untyped-def]
    return make_user("editor", display_name="Lò Thị Mai")


def token(client, path: str = "/reports") -> str:  # type: ignore[no-untyped-def]
    return csrf_token(client.get(path).get_data(as_text=True))


def test_login_wrong_password_and_logout(client, editor) -> None:  # type: ignore[no-untyped-def]
    bad = login(client, editor.username, "wrong-password")
    assert bad.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in bad.get_data(as_text=True)
    ok = login(client, editor.username)
    assert ok.status_code == 302 and ok.location.endswith("/reports")
    assert client.get("/reports").status_code == 200
    client.post("/logout", data={"csrf_token": token(client)})
    assert client.get("/reports").status_code == 302  # back to the login page


def test_forms_without_csrf_token_are_refused(client, editor) -> None:  # type: ignore[no-untyped-def]
    login(client, editor.username)
    page = client.post("/reports/new", data={"title": "X", "channels": "LCTV"})
    assert page.status_code == 400
    assert "Biểu mẫu đã hết hạn" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)


def test_login_does_not_redirect_off_site(client, editor) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login")
    response = client.post("/login?next=//evil.example/x", data={
        "username": editor.username, "password": PASSWORD,
        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.location.endswith("/reports")


def test_create_report_and_keep_input_on_error(client, editor, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    login(client, editor.username)
    form = {"title": "Mùa lúa chín ở Mường Tè", "kind": "tv_report", "channels": ["VTV4"],
            "due_date": "2026-13-45", "notes": "Ghi chú dài không được mất",
            "csrf_token": token(client, "/reports/new")}
    bad = client.post("/reports/new", data=form)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Hạn nộp không phải ngày hợp lệ" in html
    assert "Ghi chú dài không được mất" in html and "Mùa lúa chín ở Mường Tè" in html
    form["due_date"] = "2026-12-20"
    good = client.post("/reports/new", data=form)
    assert good.status_code == 302
    with runtime.session() as session:
        report = session.query(Report).one()
        assert report.due_date.isoformat() == "2026-12-20"
    page = client.get(good.location).get_data(as_text=True)
    assert "Mùa lúa chín ở Mường Tè" in page and "Kế hoạch" in page


def test_stale_edit_gets_a_conflict_message(client, editor, make_user, make_report,  # type: ignore[no-untyped-def]
                                            runtime: Runtime) -> None:
    report = make_report(editor, "Bản tin")
    login(client, editor.username)
    edit_token = token(client, f"/reports/{report.id}/edit")
    other = make_user("editor", display_name="Nguyễn Văn Hùng")
    from production import services

    with runtime.session() as session:
        services.update_report(session, report.id,
                               services.ReportInput(title="Bản tin (Hùng sửa)",
                                                    channel_codes=["LCTV"]),
                               actor=other, version=report.version)
        session.commit()
    response = client.post(f"/reports/{report.id}/edit", data={
        "title": "Bản tin (Mai sửa)", "channels": ["LCTV"], "kind": "tv_report",
        "version": str(report.version), "csrf_token": edit_token})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Nguyễn Văn Hùng đã sửa tin bài này" in html
    assert "Bản tin (Mai sửa)" in html  # the user's text is still in the form
    with runtime.session() as session:
        assert session.get(Report, report.id).title == "Bản tin (Hùng sửa)"


def test_roles(client, make_user, make_report, editor) -> None:  # type: ignore[no-untyped-def]
    report = make_report(editor, "Nội bộ")
    translator = make_user("translator", languages=["en"])
    login(client, translator.username)
    assert client.get(f"/reports/{report.id}").status_code == 200  # may read
    assert client.get("/reports/new").status_code == 403
    moved = client.post(f"/reports/{report.id}/move",
                        data={"target": "in_production", "csrf_token": token(client)})
    assert moved.status_code == 403
    client.post("/logout", data={"csrf_token": token(client)})

    partner = make_user("partner")
    login(client, partner.username)
    for path in ("/reports", f"/reports/{report.id}", "/jobs", "/reports/new", "/api/jobs/1",
                 f"/reports/{report.id + 1000}"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Nội bộ" not in response.get_data(as_text=True)
    assert client.get("/partner/").status_code == 200


def test_workflow_buttons_move_the_report(client, editor, make_report, runtime) -> None:  # type: ignore[no-untyped-def]
    report = make_report(editor)
    login(client, editor.username)
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert 'value="in_production"' in page and 'value="review"' not in page
    client.post(f"/reports/{report.id}/move",
                data={"target": "in_production", "csrf_token": token(client)})
    response = client.post(f"/reports/{report.id}/move",
                           data={"target": "planned", "csrf_token": token(client)},
                           follow_redirects=True)
    assert "Hãy ghi lý do trả tin bài" in response.get_data(as_text=True)
    with runtime.session() as session:
        assert session.get(Report, report.id).status == "in_production"


def test_search_and_filters(client, editor, make_report) -> None:  # type: ignore[no-untyped-def]
    make_report(editor, "Cao nguyên Sìn Hồ", channel_codes=["VTV4"])
    make_report(editor, "Bản tin tối")
    login(client, editor.username)
    html = client.get("/reports?q=sin+ho").get_data(as_text=True)
    assert "Cao nguyên Sìn Hồ" in html and "Bản tin tối" not in html
    html = client.get("/reports?channel=VTV4").get_data(as_text=True)
    assert "Cao nguyên Sìn Hồ" in html and "Bản tin tối" not in html
    bad = client.get("/reports?due_from=yesterday")
    assert bad.status_code == 200 and "Hạn nộp không phải ngày hợp lệ" in bad.get_data(as_text=True)


def test_upload_streams_and_queues_ingest_then_page_plays(client, editor, make_report,  # type: ignore[no-untyped-def]
                                                          runtime: Runtime,
                                                          media_cache: Path) -> None:
    report = make_report(editor)
    login(client, editor.username)
    src = media.report_video(media_cache, seconds=3, size="640x360")
    response = client.post(f"/reports/{report.id}/upload", data=src.read_bytes(), headers={
        "X-CSRFToken": token(client), "X-Requested-With": "XMLHttpRequest",
        "X-File-Name": "M%C6%B0%E1%BB%9Dng%20T%C3%A8.mp4",
        "Content-Type": "application/octet-stream", "Accept": "application/json"})
    assert response.status_code == 202, response.get_data(as_text=True)
    job_id = response.get_json()["job"]["id"]
    assert runtime.huey.pending_count() == 1  # sent after the commit
    assert client.get(f"/api/jobs/{job_id}").get_json()["status"] == "queued"
    jobs.load_handlers()
    assert jobs.execute(runtime, job_id) == "succeeded"
    status = client.get(f"/api/jobs/{job_id}").get_json()
    assert status["status"] == "succeeded" and status["status_label"] == "Hoàn tất"

    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert '<video id="player"' in page and "LUFS" in page and "Mường Tè.mp4" in page
    proxy_url = re.search(r'<video id="player"[^>]*src="([^"]+)"', page).group(1)
    with client.get(proxy_url) as full, client.get(
        proxy_url, headers={"Range": "bytes=100-199"}
    ) as part:
        assert full.status_code == 200 and full.mimetype == "video/mp4"
        assert part.status_code == 206 and len(part.data) == 100
        assert part.data == full.data[100:200]
        assert part.headers["Content-Range"].startswith("bytes 100-199/")


def test_a_file_name_with_control_characters_downloads_cleaned(client, editor, make_report,  # type: ignore[no-untyped-def]
                                                               runtime: Runtime,
                                                               media_cache: Path) -> None:
    """Issue 12: CR/LF in an uploaded name made the master undownloadable (500), and a NUL
    reached a header; the name is cleaned on the way in and sent with RFC 6266 filename*."""
    from production.models import MediaAsset

    report = make_report(editor)
    login(client, editor.username)
    src = media.report_video(media_cache, seconds=2, size="640x360")
    response = client.post(f"/reports/{report.id}/upload", data=src.read_bytes(), headers={
        "X-CSRFToken": token(client), "X-Requested-With": "XMLHttpRequest",
        "X-File-Name": "Lai%20Ch%C3%A2u%0D%0ASet-Cookie%3A%20x%3D1%00.mp4",
        "Content-Type": "application/octet-stream", "Accept": "application/json"})
    assert response.status_code == 202, response.get_data(as_text=True)
    jobs.load_handlers()
    assert jobs.execute(runtime, response.get_json()["job"]["id"]) == "succeeded"
    with runtime.session() as session:
        master = session.query(MediaAsset).filter_by(report_id=report.id, role="master").one()
        assert master.original_name == "Lai Châu Set-Cookie: x=1 .mp4"
        # A name stored before the cleaning still downloads.
        master.original_name = "old\r\nname\x00.mp4"
        session.commit()
        asset_id = master.id
    with client.get(f"/media/{asset_id}") as download:
        assert download.status_code == 200
        disposition = download.headers["Content-Disposition"]
        assert "Set-Cookie" not in download.headers
    assert "\r" not in disposition and "\n" not in disposition and "\x00" not in disposition
    assert "old name .mp4" in disposition or "old%20name%20.mp4" in disposition


def test_multipart_upload_fallback_and_missing_file(client, editor, make_report,  # type: ignore[no-untyped-def]
                                                    media_cache: Path) -> None:
    report = make_report(editor)
    login(client, editor.username)
    src = media.report_video(media_cache, seconds=2, size="640x360")
    with open(src, "rb") as fh:
        ok = client.post(f"/reports/{report.id}/upload",
                         data={"file": (fh, "master.mp4"), "csrf_token": token(client)},
                         content_type="multipart/form-data")
    assert ok.status_code == 302
    again = client.post(f"/reports/{report.id}/upload",
                        data={"csrf_token": token(client)}, content_type="multipart/form-data")
    assert again.status_code == 400 and "Không có tệp nào" in again.get_data(as_text=True)


def test_oversized_upload_gets_413_with_a_message(tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    from production import services
    from tests.conftest import make_settings, report_factory, user_factory
    from web import create_app

    db = tmp_path / "s.db"
    shutil.copyfile(sqlite_template, db)
    settings = make_settings(tmp_path, database_url=f"sqlite:///{db}", upload_max_bytes=50_000,
                             language="vi")
    app = create_app(settings)
    runtime = app.extensions["station"]
    with runtime.session() as session:
        services.ensure_channels(session)
        session.commit()
    editor = user_factory(runtime)("editor")
    report = report_factory(runtime)(editor)
    client = app.test_client()
    login(client, editor.username)
    response = client.post(f"/reports/{report.id}/upload", data=b"x" * 2_000_000, headers={
        "X-CSRFToken": token(client), "X-Requested-With": "XMLHttpRequest",
        "X-File-Name": "big.mp4", "Content-Type": "application/octet-stream"})
    assert response.status_code == 413
    assert "vượt giới hạn 50.0 KB" in response.get_json()["error"]
    assert not list(settings.upload_path.iterdir())  # nothing left behind
    runtime.dispose()


def test_error_pages_are_friendly(client, editor) -> None:  # type: ignore[no-untyped-def]
    login(client, editor.username)
    for path, status in (("/reports/99999", 404), ("/no/such/page", 404),
                         ("/media/12345", 404), ("/api/jobs/777", 404)):
        response = client.get(path)
        assert response.status_code == status
        assert "Traceback" not in response.get_data(as_text=True)
    assert client.get("/api/jobs/777").get_json()["status"] == 404


def test_language_switch_keeps_the_page(client, editor) -> None:  # type: ignore[no-untyped-def]
    login(client, editor.username)
    assert "Tin bài mới" in client.get("/reports").get_data(as_text=True)
    response = client.get("/lang/en?next=/reports")
    assert response.location.endswith("/reports")
    assert "New report" in client.get("/reports").get_data(as_text=True)
    assert "evil" not in client.get("/lang/en?next=https://evil.example").location


def test_times_are_shown_in_hanoi_time(client, editor, make_report, runtime) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    report = make_report(editor)
    with runtime.session() as session:
        row = session.get(Report, report.id)
        row.events[0].at = dt.datetime(2026, 12, 31, 17, 30, tzinfo=dt.UTC)
        session.commit()
    login(client, editor.username)
    assert "01/01/2027 00:30" in client.get(f"/reports/{report.id}").get_data(as_text=True)
