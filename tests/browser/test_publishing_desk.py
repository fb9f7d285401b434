"""Publishing in a real browser: an editor publishes an approved report from its page with both
summaries, sees its public address and who published it when (local time), then withdraws it
with a reason after the confirmation page; the history keeps both."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from publishing import services
from station.runtime import Runtime
from station.timecode import to_local
from tests import media
from tests.browser.test_editor_flow import log_in
from tests.integration.test_publishing_desk import PASSWORD, make_pub_desk

pytestmark = pytest.mark.skipif(not media.tools_available(),
                                reason="needs ffmpeg, ffprobe and espeak-ng")


def test_editor_publishes_sees_the_address_and_withdraws_with_confirmation(
        page: Page, live_server: str, runtime: Runtime, media_cache: Path) -> None:
    pub = make_pub_desk(runtime, media_cache)
    log_in(page, live_server, pub.editor.username, PASSWORD)
    page.goto(f"{live_server}/reports/{pub.report_id}")
    card = page.locator("#public-site")
    expect(card.locator("#public-status")).to_contain_text("Chưa có trên trang công khai")
    card.get_by_label("Tóm tắt (tiếng Việt)").fill("Nước về ruộng bậc thang Sì Lở Lầu")
    card.get_by_label("Tóm tắt (tiếng Anh)").fill("Water reaches the terraces")
    card.get_by_role("button", name="Công bố", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/reports/{pub.report_id}#public-site$"))
    expect(page.locator(".flash.ok")).to_contain_text("Đã công bố trên trang công khai")
    with runtime.session() as session:
        found = services.get_publication(session, pub.report_id)
        assert found is not None
        url = f"{runtime.settings.publish_site_url.rstrip('/')}/r/{found.slug}/"
        when = to_local(found.published_at).strftime("%d/%m/%Y %H:%M")
    expect(card.locator("#public-url")).to_have_attribute("href", url)
    first = card.locator("#public-history li").first
    expect(first).to_contain_text("Lò Thị Lan")
    expect(first).to_contain_text(when)

    card.get_by_label("Lý do gỡ xuống (lưu trong lịch sử)").fill("Ảnh sai địa danh")
    card.locator("#unpublish-button").click()
    expect(page.locator("#confirm-move")).to_contain_text("Gỡ tin bài này khỏi trang công khai?")
    with runtime.session() as session:  # nothing withdrawn before the answer
        assert services.get_publication(session, pub.report_id).status == "published"  # type: ignore[union-attr]
    page.locator("#confirm-yes").click()

    expect(page.locator(".flash.ok")).to_contain_text("Đã gỡ khỏi trang công khai")
    expect(card.locator("#public-status")).to_contain_text("Đã gỡ")
    expect(card.locator("#public-url")).to_have_count(0)
    expect(card.locator("#public-history li")).to_have_count(2)
    expect(card.locator("#public-history li").nth(1)).to_contain_text("Ảnh sai địa danh")
    expect(card.get_by_role("button", name="Công bố lại")).to_be_visible()
