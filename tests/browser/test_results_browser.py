"""The station's head opens Results in Chromium, picks a period, sees the charts, clicks a
figure to list the reports behind it, opens one, and downloads the review as DOCX."""

from __future__ import annotations

import re
from typing import Any

import docx
from playwright.sync_api import Page, expect

from station.runtime import Runtime
from tests.browser.test_editor_flow import log_in
from tests.web.test_results import seed_small


def test_results_page_charts_and_drill_down(page: Page, live_server: str, runtime: Runtime,
                                            make_user: Any) -> None:
    ids = seed_small(runtime)
    head = make_user("admin", display_name="Giám đốc Đài")
    log_in(page, live_server, head.username)

    page.get_by_role("link", name="Kết quả", exact=True).click()
    expect(page).to_have_url(re.compile(r"/results/$"))
    form = page.locator("#results-filters")
    form.locator("input[name=from]").fill("2026-01-01")
    form.locator("input[name=to]").fill("2026-12-31")
    with page.expect_navigation():
        form.get_by_role("button", name="Xem").click()
    expect(page.locator("h1")).to_contain_text("năm 2026")
    expect(page.locator("[data-key=reports_produced] .value")).to_have_text("3")
    expect(page.locator("[data-key=on_time_rate] .value")).to_have_text("66,7 %")

    # Every chart is a real picture drawn by the server.
    charts = page.locator("img.results-chart")
    expect(charts).to_have_count(6)
    for i in range(6):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        expect(chart).to_have_js_property("complete", True)
        assert chart.evaluate("img => img.naturalWidth") > 400

    # Click the March figure: the two reports produced in March.
    page.locator('#t-produced_by_month a.figure[data-key="2026-03"]').click()
    expect(page.locator("h1")).to_have_text("Tin bài hoàn thành trong Tháng 3/2026")
    rows = page.locator("#drill-list tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#drill-total")).to_have_text("2 tin bài")
    page.get_by_role("link", name="Mùa hoa ban Tây Bắc").click()
    expect(page).to_have_url(re.compile(rf"/reports/{ids['flower']}$"))
    page.go_back()

    # Back on the page with the same period, the filters narrow it to VTV4.
    page.get_by_role("link", name=re.compile("Về trang kết quả")).click()
    expect(page.locator("h1")).to_contain_text("năm 2026")
    page.locator("#results-filters input[name=channel][value=VTV4]").check()
    with page.expect_navigation():
        page.locator("#results-filters").get_by_role("button", name="Xem").click()
    expect(page.locator("[data-key=reports_produced] .value")).to_have_text("1")

    with page.expect_download() as download:
        page.locator("#export-docx").click()
    assert download.value.suggested_filename == "bao-cao-ket-qua_2026-01-01_2026-12-31.docx"
    document = docx.Document(download.value.path())
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Trong kỳ, Đài hoàn thành 1 tin bài" in body and "Kênh: VTV4" in body
