"""A master sent over a provincial link (issue 13): the upload goes in chunks, survives a
dropped connection (the page retries and asks the server where it stands) and a closed page
(choosing the same file again continues from the server's offset, not from zero), shows its
progress, and ingests only once every byte is there. Real Chromium, worker and ffmpeg."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.browser.test_editor_flow import INGEST_TIMEOUT_MS, log_in
from tests.media import DEFAULT_SPEECH_VI, report_video

CHUNK = 64 * 1024


def _small_chunks(page: Page) -> None:
    page.evaluate(f"document.getElementById('upload-form').dataset.chunk = '{CHUNK}'")


def test_upload_survives_a_dropped_link_and_a_closed_page(
        page: Page, live_server: str, worker: Path, make_user: Callable[..., Any],
        make_report: Callable[..., Any], media_cache: Path) -> None:
    master = report_video(media_cache, seconds=6, speech_text=DEFAULT_SPEECH_VI)
    size = master.stat().st_size
    assert size > 4 * CHUNK
    editor = make_user("editor")
    report = make_report(editor, "Chợ phiên Sìn Hồ")
    log_in(page, live_server, editor.username)
    page.goto(f"{live_server}/reports/{report.id}")
    _small_chunks(page)

    offsets: list[int] = []
    dropped: list[int] = []

    def network(route: Route) -> None:
        request = route.request
        if request.method != "PUT":
            route.continue_()
            return
        offset = int(request.headers["upload-offset"])
        offsets.append(offset)
        if len(offsets) == 2 and not dropped:  # the link drops on the second chunk, once
            dropped.append(offset)
            route.abort("connectionreset")
            return
        if len(offsets) == 4:  # the laptop closes after the third chunk went through
            route.abort("aborted")
            page.evaluate("window.stop()")
            return
        route.continue_()

    page.route("**/uploads/*", network)
    page.set_input_files("#upload-file", master)
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#upload-pct")).to_contain_text("%")
    page.wait_for_function("window.performance.getEntriesByType('resource')"
                           ".filter(e => e.name.includes('/uploads/')).length >= 4", timeout=20_000)
    page.wait_for_timeout(300)
    assert offsets[:3] == [0, CHUNK, CHUNK]  # the dropped chunk was sent again
    assert dropped == [CHUNK]

    page.unroute("**/uploads/*")
    page.reload()
    _small_chunks(page)
    resumed: list[int] = []
    page.on("request", lambda r: resumed.append(int(r.headers["upload-offset"]))
            if r.method == "PUT" else None)
    page.set_input_files("#upload-file", master)
    with page.expect_navigation(timeout=30_000):  # the reload after the ingest is queued
        page.click("#upload-form button[type=submit]")
    assert resumed and resumed[0] >= 2 * CHUNK, resumed  # not from zero
    job_row = page.locator("tr.job").first
    expect(job_row.locator(".job-status")).to_have_class(
        re.compile(r"\bj-succeeded\b"), timeout=INGEST_TIMEOUT_MS)
    expect(page.locator("video#player")).to_be_visible(timeout=INGEST_TIMEOUT_MS)


def test_drop_a_file_on_the_card_and_cancel(page: Page, live_server: str,
                                            make_user: Callable[..., Any],
                                            make_report: Callable[..., Any],
                                            media_cache: Path) -> None:
    master = report_video(media_cache, seconds=6, speech_text=DEFAULT_SPEECH_VI)
    editor = make_user("editor")
    report = make_report(editor, "Lễ hội Gầu Tào")
    log_in(page, live_server, editor.username)
    page.goto(f"{live_server}/reports/{report.id}")
    _small_chunks(page)
    # Hold every chunk after the first, so the upload is in progress when Cancel is pressed.
    page.route("**/uploads/*", lambda route: route.continue_()
               if route.request.method != "PUT" or route.request.headers["upload-offset"] == "0"
               else None)
    data = master.read_bytes()
    # The bytes travel as base64 (a JSON list of a megabyte's numbers takes half a minute).
    handle = page.evaluate_handle("""(b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'cho-phien.mp4', {type: 'video/mp4'}));
        return dt; }""", base64.b64encode(data).decode("ascii"))
    page.dispatch_event("#upload-card", "drop", {"dataTransfer": handle})
    expect(page.locator("#upload-rate")).to_contain_text("/s", timeout=10_000)
    expect(page.locator("#upload-cancel")).to_be_visible()
    page.click("#upload-cancel")
    expect(page.locator("#upload-message")).to_have_text("Đã hủy tải lên")
    expect(page.locator("tr.job")).to_have_count(0)
    expect(page.locator("#no-media")).to_be_visible()
