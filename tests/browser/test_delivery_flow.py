"""Partner delivery in a real browser: the editor builds VTV4's package from the report page (a
real `station worker` renders it), then VTV4's user logs into the portal, previews the video with
English subtitles and downloads the package, whose checksum matches the one shown."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from delivery.models import Package
from station.runtime import Runtime
from tests import delivery_desk as dd
from tests import media
from tests.browser.test_editor_flow import log_in

pytestmark = pytest.mark.skipif(not media.tools_available(),
                                reason="needs ffmpeg, ffprobe and espeak-ng")


def _wait_ready(runtime: Runtime, timeout: float = 120) -> Package:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with runtime.session() as session:
            row = session.query(Package).one_or_none()
            if row is not None and row.status != "building":
                session.expunge(row)
                return row
        time.sleep(0.3)
    pytest.fail("the package was not built in time")


def test_editor_builds_partner_previews_with_english_and_downloads(
        page: Page, live_server: str, worker: Path, runtime: Runtime, media_cache: Path,
        tmp_path: Path) -> None:
    desk = dd.make_desk(runtime, media_cache)

    log_in(page, live_server, "editor", dd.PASSWORD)
    page.goto(f"{live_server}/reports/{desk.report_id}")
    card = page.locator("#delivery")
    expect(card).to_contain_text("Sẵn sàng đóng gói")
    card.get_by_role("button", name="Đóng gói", exact=True).click()
    expect(page.locator(".flash.ok")).to_contain_text("Đang đóng gói v1")
    package = _wait_ready(runtime)
    assert package.status == "ready", package.error
    page.reload()
    expect(page.locator("#packages")).to_contain_text("v1")
    page.context.clear_cookies()

    log_in(page, live_server, "vtv4", dd.PASSWORD)
    expect(page.locator("#packages")).to_contain_text("Mùa hoa đào")
    page.locator("#packages").get_by_role("link", name="Mùa hoa đào").click()
    expect(page).to_have_url(re.compile(rf"/partner/packages/{package.id}$"))
    page.select_option("#caption-select", "en")
    page.evaluate("""() => { const v = document.getElementById('player');
                             v.muted = true; v.currentTime = 1.5; }""")
    page.wait_for_function("""() => {
        const v = document.getElementById('player');
        const t = Array.from(v.textTracks).find(t => t.language === 'en');
        return v.readyState >= 2 && t && t.mode === 'showing' && t.activeCues
               && t.activeCues.length > 0; }""", timeout=20_000)
    cue = page.evaluate("""() => {
        const t = Array.from(document.getElementById('player').textTracks)
                       .find(t => t.language === 'en');
        return t.activeCues[0].text; }""")
    assert cue == dd.TEXTS["en"]
    modes = page.evaluate("""() => Array.from(document.getElementById('player').textTracks)
                                  .map(t => t.language + ':' + t.mode)""")
    assert sorted(modes) == ["en:showing", "vi:disabled"]
    page.screenshot(path=str(tmp_path / "preview.png"))

    shown = page.locator("#archive-sha256").inner_text().strip()
    with page.expect_download() as info:
        page.locator("#download-link").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == f"{package.name}.zip"
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == shown == package.sha256
    page.goto(f"{live_server}/partner/downloads")
    expect(page.locator("#download-history")).to_contain_text(saved.name)
