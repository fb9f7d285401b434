"""Issue 13: a fresh report cannot be clicked through to "aired" in a real browser.

The report of the issue: one click per step took a new report from planned to aired with
draft subtitles, loudness failing, no schedule slot and its editor approving her own work.
Now each move checks its facts, a refusal lists every reason, "scheduled" and "aired" have no
buttons, and an admin's override with a written reason is kept, marked, in the history.
Real Chromium against the live server, in Vietnamese.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from production.models import MediaAsset
from station.i18n import translate
from station.runtime import Runtime
from tests.browser.test_editor_flow import create_report, log_in, move

LOUD_LUFS = -16.0  # 7 LU over EBU R 128's -23: "loudness marked failing"


def _vi(text: str, **params: Any) -> str:
    return translate(text, "vi").format(**params)


def _no_button_to(page: Page, *targets: str) -> None:
    for target in targets:
        expect(page.locator(f"#workflow button[value={target}]")).to_have_count(0)


def _click_refused(page: Page, target: str) -> None:
    status = page.locator("#report-status").get_attribute("class")
    with page.expect_navigation():
        page.click(f"#workflow button[name=target][value={target}]")
    expect(page.locator(".flash.error")).to_be_visible()
    assert page.locator("#report-status").get_attribute("class") == status


def test_a_fresh_report_cannot_be_clicked_through_to_aired(
    page: Page, live_server: str, runtime: Runtime, make_user: Callable[..., Any]
) -> None:
    editor = make_user("editor", display_name="Lò Thị Mai")
    admin = make_user("admin", display_name="Trưởng đài")
    log_in(page, live_server, editor.username)
    page.goto(f"{live_server}/reports")
    report_id = create_report(page, "Chợ phiên Sìn Hồ", ["LCTV", "VTV4"])
    _no_button_to(page, "scheduled", "aired", "archived")
    move(page, "in_production")
    move(page, "editing")

    # Ready for review needs media: the page says so before the click, and the click is refused.
    no_master = _vi("Upload and ingest the master before sending the report to {target}",
                    target=translate("review", "vi"))
    expect(page.locator("#workflow .gate-reasons[data-target=review]")).to_contain_text(no_master)
    _click_refused(page, "review")
    expect(page.locator(".flash.error")).to_contain_text(no_master)

    # A master arrives, measured far too loud for both channels.
    with runtime.session() as session:
        session.add(MediaAsset(report_id=report_id, role="master", sha256="d" * 64,
                               size_bytes=1, storage_key="dd/dd/cho-phien.mp4",
                               duration_ms=120_000, loudness_lufs=LOUD_LUFS,
                               true_peak_dbtp=-0.2, loudness_range_lu=6.0))
        session.commit()
    page.reload()
    move(page, "review")

    # Approving her own report with failing loudness and no subtitles: refused, every reason.
    reasons = page.locator("#workflow .gate-reasons[data-target=approved] li")
    expected = [
        _vi("Someone other than the report's author or editor must approve it"),
        _vi("No {language} subtitles yet", language="vi"),
        _vi("No {language} subtitles yet", language="en"),
        _vi("No {language} subtitles yet", language="zh"),
    ]
    for text in expected:
        expect(reasons.filter(has_text=text)).to_have_count(1)
    expect(reasons.filter(has_text="LCTV")).to_have_count(1)  # loudness, per channel
    expect(reasons.filter(has_text="VTV4")).to_have_count(1)
    _click_refused(page, "approved")
    flash = page.locator(".flash.error")
    for text in [*expected, "LCTV", "VTV4", "-16.0 LUFS"]:
        expect(flash).to_contain_text(text)
    expect(page.locator("#report-status")).to_have_class(re.compile(r"\bs-review\b"))
    _no_button_to(page, "scheduled", "aired", "archived")
    with runtime.session() as session:
        assert not [e for e in _events(session, report_id) if e.to_status == "approved"]

    # An admin may pass the checks, with a written reason kept in the history.
    page.context.clear_cookies()
    log_in(page, live_server, admin.username)
    page.goto(f"{live_server}/reports/{report_id}")
    reason = "Bản tin khẩn của tỉnh, phụ đề bổ sung sau"
    page.fill("#workflow textarea[name=override]", reason)
    move(page, "approved")
    override = page.locator("#history li .override")
    expect(override).to_have_count(1)
    expect(override).to_contain_text(reason)
    expect(override).to_contain_text(translate("Admin override", "vi"))
    expect(override).to_contain_text("production.loudness")  # the admin is no author
    expect(override).to_contain_text("subtitles.tracks")

    # Approved is as far as buttons go: a published schedule makes it scheduled.
    _no_button_to(page, "scheduled", "aired", "archived")
    expect(page.locator("#scheduled-hint")).to_be_visible()

    # An admin may step a report back from any status, with a reason.
    page.fill("#workflow textarea[name=comment]", "Làm lại từ đầu")
    move(page, "planned")
    expect(page.locator("#history li").first).to_contain_text("Làm lại từ đầu")


def _events(session: Any, report_id: int) -> list[Any]:
    from production.models import ReportEvent

    return list(session.query(ReportEvent).filter_by(report_id=report_id, kind="status"))
