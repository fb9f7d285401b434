"""Vietnamese spell check in the workspace, in a real browser: underlines and a chosen fix.

Real Chromium against the live server, in Vietnamese, with the real hunspell-vi dictionary.
A Vietnamese track (no media needed) has two misspelt syllables and an unknown name; the page
underlines them over the textarea, and clicking a suggestion replaces the word and saves it
through the normal autosave: a person chose it, nothing is corrected by itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from station.runtime import Runtime
from subtitles import services
from tests.browser.test_editor_flow import log_in
from tests.browser.test_workspace_flow import (
    WAIT,
    open_workspace,
    row,
    saving,
    server_cues,
    shot,
)

SRT = """1
00:00:00,500 --> 00:00:03,000
Chúng tôi đươc biết
tinhr Lai Châu đang vào mùa lúa chín.

2
00:00:03,200 --> 00:00:07,000
Anh Giàng A Páo ở Mường Tè.
"""


@pytest.fixture
def spelt(runtime: Runtime, make_user: Callable[..., Any],
          make_report: Callable[..., Any]) -> tuple[Any, int]:
    """An editor and a Vietnamese track with two typos and a name the dictionary lacks."""
    editor = make_user("editor", display_name="Lò Thị Mai")
    report = make_report(editor, "Mùa lúa chín", channel_codes=["LCTV"])
    with runtime.session() as session:
        track, _ = services.import_track(session, report.id, "vi", SRT.encode(), "vi.srt",
                                         actor=editor)
        session.commit()
        return editor, track.id


def test_unknown_syllables_are_underlined_and_a_suggestion_replaces_one(
    page: Page, live_server: str, spelt: tuple[Any, int], runtime: Runtime,
    request: pytest.FixtureRequest,
) -> None:
    editor, track_id = spelt
    log_in(page, live_server, editor.username)
    errors = open_workspace(page, live_server, track_id)
    first, second = row(page, 1), row(page, 2)

    marks = first.locator(".c-spell .sp-mark")
    expect(marks).to_have_count(2, timeout=WAIT)
    expect(marks).to_have_text(["đươc", "tinhr"])
    name = second.locator(".c-spell .sp-mark")
    expect(name).to_have_text(["Páo"])
    expect(name).to_have_class(re.compile(r"\bsp-name\b"))
    expect(first.locator(".c-ta")).to_have_attribute("title", re.compile("đươc → được"))

    # The layer covers the textarea exactly, in the same font, so the marks sit under the words.
    geometry = first.evaluate("""(row) => {
        const ta = row.querySelector('.c-ta'), layer = row.querySelector('.c-spell');
        const a = ta.getBoundingClientRect(), b = layer.getBoundingClientRect();
        const sa = getComputedStyle(ta), sb = getComputedStyle(layer);
        const mark = layer.querySelector('.sp-mark').getBoundingClientRect();
        const probe = document.createElement('span');
        probe.textContent = 'Chúng tôi ';
        probe.style.font = sa.font;
        probe.style.whiteSpace = 'pre';
        probe.style.position = 'absolute';
        document.body.appendChild(probe);
        const lead = probe.getBoundingClientRect().width;
        probe.remove();
        return {box: [a.x - b.x, a.y - b.y, a.width - b.width, a.height - b.height],
                font: [sa.fontFamily === sb.fontFamily, sa.fontSize === sb.fontSize,
                       sa.lineHeight === sb.lineHeight, sa.paddingLeft === sb.paddingLeft,
                       sa.paddingTop === sb.paddingTop],
                markLeft: mark.x - a.x - parseFloat(sa.paddingLeft)
                          - parseFloat(sa.borderLeftWidth),
                lead, inside: mark.y >= a.y && mark.bottom <= a.bottom,
                decoration: getComputedStyle(layer.querySelector('.sp-mark')).textDecorationStyle,
                pointer: sb.pointerEvents};
    }""")
    assert geometry["box"] == [0, 0, 0, 0]
    assert all(geometry["font"]), geometry
    assert abs(geometry["markLeft"] - geometry["lead"]) < 1.5, geometry
    assert geometry["inside"] and geometry["decoration"] == "wavy"
    assert geometry["pointer"] == "none"  # clicks and typing still reach the textarea
    shot(page, request, "underlined")

    fix = first.locator("button.sp-fix[data-fix='được']")
    expect(fix).to_be_visible()
    with saving(page):
        fix.click()
    expect(first.locator(".c-ta")).to_have_value(
        "Chúng tôi được biết\ntinhr Lai Châu đang vào mùa lúa chín.")
    expect(marks).to_have_text(["tinhr"], timeout=WAIT)
    expect(first.locator(".c-findings li[data-check=spelling]")).to_have_count(1)
    assert server_cues(runtime, track_id)[0][2] == (
        "Chúng tôi được biết\ntinhr Lai Châu đang vào mùa lúa chín.")
    assert server_cues(runtime, track_id)[1][2] == "Anh Giàng A Páo ở Mường Tè."  # untouched

    # Typing moves the mark with its word before the server has answered.
    textarea = first.locator(".c-ta")
    textarea.click()
    page.keyboard.press("Control+Home")
    with saving(page):
        page.keyboard.type("Hôm nay ")
    expect(marks).to_have_text(["tinhr"])
    shot(page, request, "after-fix")
    assert errors == []
