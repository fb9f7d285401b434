"""Station on a phone (390 px wide, issue 13): the navigation folds into a menu that opens,
and no page is wider than the screen (tables scroll inside it), for editors, translators and
partners; the partner portal's package page included."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from station.runtime import Runtime
from subtitles import services
from tests.browser.test_editor_flow import log_in

SRT = "1\n00:00:00,500 --> 00:00:03,000\nChào mừng quý vị đến với Lai Châu.\n"


@pytest.fixture
def phone(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN",
                                  bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _fits(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{url} is {width} px wide on a 390 px screen"


def test_every_page_fits_a_phone_and_the_menu_opens(
        phone: Page, live_server: str, runtime: Runtime,
        make_user: Callable[..., Any], make_report: Callable[..., Any]) -> None:
    editor = make_user("editor")
    report = make_report(editor, "Chợ phiên Tam Đường: một tên rất dài cho màn hình nhỏ",
                         channel_codes=["LCTV", "VTV4"])
    with runtime.session() as session:
        track, _ = services.import_track(session, report.id, "vi", SRT.encode(), "vi.srt",
                                         actor=editor)
        session.commit()
        track_id = track.id
    log_in(phone, live_server, editor.username)
    nav = phone.locator("header.topbar nav")
    expect(nav).to_be_hidden()
    phone.locator("label.nav-toggle-button").click()
    expect(nav).to_be_visible()
    nav.get_by_role("link", name="Lịch phát sóng").click()
    expect(phone.locator("h1")).to_contain_text("Lịch")
    for path in ("/reports", f"/reports/{report.id}", "/reports/new", "/schedule/",
                 "/schedule/LCTV", f"/tracks/{track_id}", "/translate", "/glossary",
                 "/jobs", "/results/", "/delivery/", "/account", "/calendar", "/rundowns"):
        _fits(phone, live_server + path)
