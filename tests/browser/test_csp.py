"""The pages under their real Content-Security-Policy: nothing they need is blocked (issue 12).

The other browser tests bypass CSP so that Playwright may evaluate its probes; here the policy
is enforced, and every page that runs Station's scripts (sign-in, report with its player and
upload, track, workspace with its waveform, spell marks and shot lines) must load without a
single violation and with its script working.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from station.runtime import Runtime
from subtitles import services
from tests.browser.test_editor_flow import log_in
from tests.browser.test_workspace_flow import WAIT

SRT = "1\n00:00:00,500 --> 00:00:03,000\nChúng tôi đươc biết tin.\n"


@pytest.fixture
def strict_page(browser: Any) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_pages_run_under_the_policy_without_violations(
        strict_page: Page, live_server: str, runtime: Runtime,
        make_user: Callable[..., Any], make_report: Callable[..., Any]) -> None:
    editor = make_user("editor")
    report = make_report(editor, "Chính sách bảo mật", channel_codes=["LCTV"])
    with runtime.session() as session:
        track, _ = services.import_track(session, report.id, "vi", SRT.encode(), "vi.srt",
                                         actor=editor)
        session.commit()
        track_id = track.id
    violations: list[str] = []
    strict_page.on("console", lambda msg: violations.append(msg.text)
                   if "Content Security Policy" in msg.text else None)
    strict_page.on("pageerror", lambda exc: violations.append(str(exc)))
    log_in(strict_page, live_server, editor.username)
    for path in (f"/reports/{report.id}", f"/tracks/{track_id}", "/results/", "/schedule/LCTV",
                 "/calendar", "/rundowns"):
        strict_page.goto(live_server + path)
        strict_page.wait_for_load_state("networkidle")
    strict_page.goto(f"{live_server}/tracks/{track_id}/edit")
    # The workspace's script ran (it marks itself ready and draws the spell marks).
    expect(strict_page.locator("#workspace")).to_have_attribute("data-ready", "1", timeout=WAIT)
    expect(strict_page.locator(".c-spell .sp-mark")).to_have_text(["đươc"], timeout=WAIT)
    assert violations == []
