"""The editor's day in a real browser: log in, create a report, upload, play, send to review.

Real Chromium, real worker process, real ffmpeg. The UI is in Vietnamese (the instance
default); the worker writes job errors in English (STATION_LANGUAGE=en), as ffprobe does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.media import DEFAULT_SPEECH_VI, report_video, text_as_mp4

SOURCE_SECONDS = 6
INGEST_TIMEOUT_MS = 90_000
TITLE = "Mùa lúa chín ở Mường Tè"


def log_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def create_report(page: Page, title: str, channels: list[str]) -> int:
    """Through the list page's "+ New report" button; returns the new report's id."""
    page.get_by_role("link", name=re.compile(r"^\+ ")).click()
    expect(page).to_have_url(re.compile(r"/reports/new$"))
    page.fill("input[name=title]", title)
    for code in channels:
        page.check(f"input[name=channels][value={code}]")
    page.click("form.grid-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/reports/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def upload(page: Page, file: Path | dict[str, Any]) -> None:
    """Pick the file and press Upload; report.js streams it and reloads the page."""
    page.set_input_files("#upload-file", file)
    with page.expect_navigation():  # the reload after the 202
        page.click("#upload-form button[type=submit]")


def move(page: Page, target: str) -> None:
    with page.expect_navigation():
        page.click(f"#workflow button[name=target][value={target}]")
    expect(page.locator("#report-status")).to_have_class(re.compile(rf"\bs-{target}\b"))


def test_editor_creates_uploads_plays_and_sends_to_review(
    page: Page, live_server: str, worker: Path, make_user: Callable[..., Any], media_cache: Path
) -> None:
    source = report_video(media_cache, seconds=SOURCE_SECONDS, speech_text=DEFAULT_SPEECH_VI)
    editor = make_user(role="editor", display_name="Lò Thị Mai")
    log_in(page, live_server, editor.username)
    expect(page).to_have_url(f"{live_server}/reports")
    expect(page.locator("header .who")).to_contain_text("Lò Thị Mai")

    report_id = create_report(page, TITLE, ["VTV4", "LCTV"])
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(".flash.ok")).to_have_text("Đã tạo tin bài")
    expect(page.locator("#report-status")).to_have_class(re.compile(r"\bs-planned\b"))
    chips = page.locator("aside dd .chip").all_inner_texts()
    assert sorted(chips) == ["LCTV", "VTV4"]
    expect(page.locator("#no-media")).to_be_visible()

    upload(page, source)
    job_row = page.locator("tr.job").first
    expect(job_row).to_be_visible()
    # jobs.js polls the row and reloads the page when the job ends.
    expect(job_row.locator(".job-status")).to_have_class(
        re.compile(r"\bj-succeeded\b"), timeout=INGEST_TIMEOUT_MS)
    expect(job_row.locator(".job-status")).to_have_text("Hoàn tất")
    player = page.locator("video#player")
    expect(player).to_be_visible(timeout=INGEST_TIMEOUT_MS)

    # Play (muted: autoplay rules) until it really advances.
    page.evaluate("async () => { const v = document.getElementById('player');"
                  " v.muted = true; await v.play(); }")
    page.wait_for_function("document.getElementById('player').currentTime > 0.5",
                           timeout=20_000)
    duration = page.evaluate("document.getElementById('player').duration")
    assert abs(duration - SOURCE_SECONDS) < 0.5, duration

    # Seek: the proxy is served with HTTP Range, so the player can jump anywhere.
    position = page.evaluate("""() => new Promise((resolve) => {
        const v = document.getElementById('player');
        v.pause();
        v.addEventListener('seeked', () => resolve(v.currentTime), { once: true });
        v.currentTime = 3;
    })""")
    assert abs(position - 3) < 0.25, position
    src = player.get_attribute("src")
    ranged = page.request.get(f"{live_server}{src}", headers={"Range": "bytes=0-99"})
    assert ranged.status == 206
    assert ranged.headers["content-range"].startswith("bytes 0-99/")
    assert len(ranged.body()) == 100

    # Waveform image loaded, loudness figures and one verdict per target channel.
    waveform = page.locator("#waveform img")
    expect(waveform).to_be_visible()
    assert waveform.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.locator("#lufs")).to_have_text(re.compile(r"^-\d+\.\d LUFS$"))
    verdicts = page.locator("#loudness-verdicts tbody tr")
    expect(verdicts).to_have_count(2)
    expect(page.locator("#loudness-verdicts")).to_contain_text("LUFS")
    assert sorted(verdicts.locator("td:first-child").all_inner_texts()) == ["LCTV", "VTV4"]
    expect(page.locator("#assets tr[data-role=master]")).to_contain_text("h264")

    # Through the workflow to review.
    move(page, "in_production")
    move(page, "editing")
    move(page, "review")
    expect(page.locator("#report-status")).to_have_text("Chờ duyệt")
    history = page.locator("#history li")
    for text in ("Kế hoạch → Đang sản xuất", "Đang sản xuất → Đang biên tập",
                 "Đang biên tập → Chờ duyệt"):
        expect(history.filter(has_text=text)).to_have_count(1)
    expect(history.filter(has_text="Lò Thị Mai").first).to_be_visible()
    page.goto(f"{live_server}/reports/{report_id}")  # what a colleague opening it sees
    expect(page.locator("#report-status")).to_have_class(re.compile(r"\bs-review\b"))


def test_search_without_diacritics_finds_report(
    page: Page, live_server: str, make_user: Callable[..., Any], make_report: Callable[..., Any]
) -> None:
    editor = make_user(role="editor")
    make_report(editor, title="Lai Châu hôm nay")
    make_report(editor, title="Lễ hội Xòe ở Lai Châu", channel_codes=["VTV4"])
    make_report(editor, title=TITLE)
    make_report(editor, title="Thời tiết Hà Nội")
    log_in(page, live_server, editor.username)

    box = page.locator("form.filters input[name=q]")
    box.fill("lai chau")
    with page.expect_navigation():
        box.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=lai\+chau"))
    rows = page.locator("#report-list tbody tr")
    expect(rows).to_have_count(2)
    titles = rows.locator("td:nth-child(2) a").all_inner_texts()
    assert sorted(titles) == ["Lai Châu hôm nay", "Lễ hội Xòe ở Lai Châu"]
    expect(page.locator("#report-list")).not_to_contain_text("Mường Tè")
    expect(page.locator("#report-list")).not_to_contain_text("Hà Nội")
    expect(box).to_have_value("lai chau")


def test_bad_upload_shows_precise_message_and_keeps_report(
    page: Page, live_server: str, worker: Path, make_user: Callable[..., Any],
    make_report: Callable[..., Any], media_cache: Path
) -> None:
    editor = make_user(role="editor")
    report = make_report(editor, title="Giao ban đầu tuần")
    log_in(page, live_server, editor.username)
    page.goto(f"{live_server}/reports/{report.id}")
    expect(page.locator("#report-status")).to_have_class(re.compile(r"\bs-planned\b"))

    text = text_as_mp4(media_cache).read_bytes()
    upload(page, {"name": "x.mp4", "mimeType": "video/mp4", "buffer": text})
    job_row = page.locator("tr.job").first
    expect(job_row.locator(".job-status")).to_have_class(
        re.compile(r"\bj-failed\b"), timeout=INGEST_TIMEOUT_MS)
    error = job_row.locator(".job-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("ffprobe")
    expect(error).to_contain_text("Invalid data")
    expect(error).to_contain_text("x.mp4")  # the user's name for the file, not the server's
    expect(error).not_to_contain_text("/incoming/")
    # The bad upload was dropped, so a retry could not help: no Retry button is offered.
    expect(job_row.get_by_role("button", name="Chạy lại")).to_have_count(0)
    expect(page.locator("video")).to_have_count(0)
    expect(page.locator("#no-media")).to_be_visible()
    expect(page.locator("#report-status")).to_have_class(re.compile(r"\bs-planned\b"))
    expect(page.locator("h1")).to_have_text("Giao ban đầu tuần")


# Camera and edit-suite files carry long names without spaces; the job error quotes them.
LONG_NAME = "PS_Mua_lua_chin_Muong_Te_ban_dung_da_duyet_20261126_v3_final_BTV_LoThiMai.mp4"


def test_long_file_name_in_an_error_keeps_the_page_usable(
    page: Page, live_server: str, worker: Path, make_user: Callable[..., Any],
    make_report: Callable[..., Any], media_cache: Path
) -> None:
    editor = make_user(role="editor")
    report = make_report(editor, title="Giao ban cuối tuần")
    log_in(page, live_server, editor.username)
    page.goto(f"{live_server}/reports/{report.id}")
    text = text_as_mp4(media_cache).read_bytes()
    upload(page, {"name": LONG_NAME, "mimeType": "video/mp4", "buffer": text})
    job_row = page.locator("tr.job").first
    expect(job_row.locator(".job-status")).to_have_class(
        re.compile(r"\bj-failed\b"), timeout=INGEST_TIMEOUT_MS)
    # Bad input cannot succeed on a retry (the upload was refused): no Retry to mislead.
    expect(job_row.get_by_role("button", name="Chạy lại")).to_have_count(0)
    # The long name wraps inside the main column instead of pushing under the side column.
    error_box = job_row.locator(".job-error").bounding_box()
    side_box = page.locator("aside.side-col").bounding_box()
    assert error_box is not None and side_box is not None
    assert error_box["x"] + error_box["width"] <= side_box["x"]
    # A real click on a workflow button (Playwright checks nothing covers it) still works.
    with page.expect_navigation():
        page.locator("#workflow button[value='in_production']").click(timeout=5_000)
    expect(page.locator("#report-status")).to_have_class(re.compile(r"\bs-in_production\b"))


def test_partner_cannot_open_internal_pages(
    page: Page, live_server: str, make_user: Callable[..., Any], make_report: Callable[..., Any]
) -> None:
    editor = make_user(role="editor")
    report = make_report(editor, title="Tin nội bộ Lai Châu")
    partner = make_user(role="partner")
    log_in(page, live_server, partner.username)
    expect(page).to_have_url(f"{live_server}/partner/")
    expect(page.locator("h1")).to_contain_text("VTV4")

    for path in ("/reports", f"/reports/{report.id}"):
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 403, path
        expect(page.locator(".error-page h1")).to_contain_text("Không được phép")
        expect(page.locator(".error-page .message")).to_have_text(
            "Vai trò của bạn không được mở trang này")
        expect(page.locator("body")).not_to_contain_text("Tin nội bộ")
        expect(page.locator("#report-list")).to_have_count(0)


def test_language_switch(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_have_text("Đăng nhập")
    expect(page.locator("form button[type=submit]")).to_have_text("Đăng nhập")

    with page.expect_navigation(url=f"{live_server}/login"):
        page.get_by_role("link", name="EN", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.locator("form button[type=submit]")).to_have_text("Log in")
    expect(page.locator("label").first).to_contain_text("User name")
