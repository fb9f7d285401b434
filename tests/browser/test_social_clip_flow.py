"""A social clip as an editor makes one in a real browser: the in and out points set from the
report's player, the report's own language offered first, a real `station worker` renders
the vertical cut, and the file downloaded from the page is a 1080x1920 MP4 as long as the
span chosen."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from station.runtime import Runtime
from tests import media
from tests.browser.test_editor_flow import log_in
from tests.delivery_desk import PASSWORD
from tests.integration.test_social_clips_desk import approved_desk

pytestmark = pytest.mark.skipif(not media.tools_available(),
                                reason="needs ffmpeg, ffprobe and espeak-ng")


def _seek(page: Page, seconds: float) -> None:
    page.evaluate("""(t) => new Promise((done) => {
        const v = document.getElementById('clip-player');
        v.addEventListener('seeked', () => done(), {once: true});
        v.currentTime = t;
    })""", seconds)


def test_editor_sets_points_from_the_player_and_downloads_the_vertical_clip(
        page: Page, live_server: str, worker: Path, runtime: Runtime, media_cache: Path,
        tmp_path: Path) -> None:
    desk = approved_desk(runtime, media_cache, languages=("en", "vi"))
    log_in(page, live_server, desk.editor.username, PASSWORD)
    page.goto(f"{live_server}/reports/{desk.report_id}")
    page.locator("#clips-link").click()
    expect(page).to_have_url(f"{live_server}/reports/{desk.report_id}/clips")
    page.wait_for_function("document.getElementById('clip-player').readyState >= 1")

    _seek(page, 0.5)
    page.locator("#set-in").click()
    _seek(page, 3.0)
    page.locator("#set-out").click()
    expect(page.locator("#clip-in")).to_have_value("00:00:00.500")
    expect(page.locator("#clip-out")).to_have_value("00:00:03.000")
    expect(page.locator("#clip-length")).to_have_text("2.5 s")
    # A Vietnamese report: Vietnamese subtitles are the default, English the other choice.
    expect(page.locator("#clip-language")).to_have_value("vi")
    page.get_by_label("1:1").uncheck()
    page.locator("#clip-form button[type=submit]").click()

    row = page.locator("#clip-list tr[data-clip]")
    expect(row).to_have_count(1)
    # The worker renders it; the row follows the job and the page reloads itself when the
    # job ends, showing the stored file.
    link = row.locator(".clip-files a", has_text="9:16")
    expect(link).to_have_count(1, timeout=90_000)
    expect(row.locator(".clip-files a", has_text="1:1")).to_have_count(0)

    response = page.request.get(live_server + (link.get_attribute("href") or ""))
    assert response.status == 200 and response.headers["content-type"] == "video/mp4"
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(response.body())
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format",
         str(clip)], check=True, capture_output=True, text=True).stdout)
    video = next(s for s in probe["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"]) == (1080, 1920)
    assert any(s["codec_type"] == "audio" for s in probe["streams"])
    assert abs(float(probe["format"]["duration"]) - 2.5) < 0.1
