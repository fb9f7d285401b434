"""Issue 13, item 10: bulk actions on the report list, in real Chromium, in Vietnamese.

Before, the list had no checkboxes and no action bar: every report was moved one page at a
time. Now an editor ticks reports (or all of them), picks "move to", and sees a summary: what
was done, and what was refused with each gate's reason, since a bulk move is the same gated
``move_report`` per report. The page runs under the strict CSP (its script is reports.js).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from production import services as production
from production.models import MediaAsset, Report
from station.i18n import translate
from station.runtime import Runtime
from tests.browser.test_editor_flow import log_in


def _vi(text: str, **params: Any) -> str:
    return translate(text, "vi").format(**params)


@pytest.fixture
def strict_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page with the Content-Security-Policy enforced (this test evaluates no probes)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        out = request.config.rootpath / "test-output" / "browser"
        out.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(out / f"{request.node.name}.png"), full_page=True)
        context.close()


def _shots(page: Page) -> Path:
    """test-output/browser, where a human looks at the pages the tests saw."""
    out = Path(__file__).resolve().parents[2] / "test-output" / "browser"
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_an_editor_moves_three_reports_and_sees_what_was_refused(
    strict_page: Page, live_server: str, runtime: Runtime,
    make_user: Callable[..., Any], make_report: Callable[..., Any],
) -> None:
    page = strict_page
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    mai = make_user("editor", display_name="Lò Thị Mai")
    titles = ("Chợ phiên Sìn Hồ", "Ruộng bậc thang Tam Đường", "Hoa ban Mường Tè",
              "Trà Shan tuyết")
    ids = [make_report(mai, t).id for t in titles]
    with runtime.session() as session:
        for report_id in ids[:3]:
            for target in ("in_production", "editing"):
                production.move_report(session, report_id, target, actor=mai)
        for report_id in (ids[0], ids[2]):  # the second has no master yet
            session.add(MediaAsset(report_id=report_id, role="master", sha256="a" * 64,
                                   size_bytes=1, storage_key="aa/aa/x.mp4",
                                   duration_ms=60_000, loudness_lufs=-23.0,
                                   true_peak_dbtp=-2.0))
        session.commit()

    log_in(page, live_server, mai.username)
    expect(page).to_have_url(re.compile(r"/reports$"))

    # Select all ticks every row and back; then the three reports in editing are ticked.
    every = page.locator("#report-list-all")
    expect(every).to_be_visible()
    every.check()
    for report_id in ids:
        expect(page.locator(f"#report-list input[name=report][value='{report_id}']")
               ).to_be_checked()
    expect(page.locator("#bulk-count")).to_have_text(_vi("{n} selected", n=4))
    every.uncheck()
    for report_id in ids[:3]:
        page.check(f"#report-list input[name=report][value='{report_id}']")
    expect(page.locator("#bulk-count")).to_have_text(_vi("{n} selected", n=3))
    expect(every).not_to_be_checked()

    page.select_option("#bulk-form select[name=target]", "review")
    with page.expect_navigation():
        page.click("#bulk-form button[name=action][value=move]")

    summary = page.locator("#bulk-summary")
    expect(summary.locator("h1")).to_have_text(
        _vi("Move to {status}", status=translate("review", "vi")))
    expect(page.locator("#bulk-counts")).to_have_text(
        _vi("Done: {done}. Refused: {refused}.", done=2, refused=1))
    expect(page.locator("#bulk-done > li")).to_have_count(2)
    expect(page.locator(f"#bulk-done > li[data-report='{ids[0]}']")).to_contain_text(titles[0])
    expect(page.locator(f"#bulk-done > li[data-report='{ids[2]}']")).to_contain_text(titles[2])
    refused = page.locator(f"#bulk-refused > li[data-report='{ids[1]}']")
    expect(page.locator("#bulk-refused > li")).to_have_count(1)
    expect(refused).to_contain_text(titles[1])
    expect(refused.locator(".bulk-reasons li")).to_have_text([
        _vi("Upload and ingest the master before sending the report to {target}",
            target=translate("review", "vi"))])

    page.screenshot(path=str(_shots(page) / "bulk-move-summary.png"), full_page=True)
    with runtime.session() as session:
        statuses = [session.get(Report, i).status for i in ids]  # type: ignore[union-attr]
    assert statuses == ["review", "editing", "review", "planned"]

    # Back to the list: the statuses show what happened.
    with page.expect_navigation():
        page.click("#bulk-back")
    row = page.locator(f"#report-list tr[data-report='{ids[1]}'] .status")
    expect(row).to_have_class(re.compile(r"\bs-editing\b"))
    expect(page.locator(f"#report-list tr[data-report='{ids[0]}'] .status")
           ).to_have_class(re.compile(r"\bs-review\b"))
    assert problems == []
