"""The review loop in a real browser (issue 13, item 3): the reviewer's reason and remarks
reach the translator's workspace, queue, history and review sheet; the queue keeps to-do
apart from done, with filters, and lists what waits for a reviewer; a translation whose
source changed is marked until the translator confirms it.

Real Chromium against the live server, in Vietnamese, as in test_notifications_flow.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from production.models import MediaAsset
from station.accounts import User
from station.runtime import Runtime
from subtitles import editing, review, services
from subtitles.models import CueRow
from tests.browser.test_editor_flow import log_in

SRT_VI = ("1\n00:00:01,000 --> 00:00:04,000\nChào mừng quý vị đến với Lai Châu\n\n"
          "2\n00:00:05,000 --> 00:00:08,000\nĐây là ruộng bậc thang Mường Tè\n")
REASON = "Câu 2: viết đúng tên “Mường Tè”"
REMARK = "Thiếu tên riêng"
WAIT = 20_000


def _report_with_tracks(runtime: Runtime, make_report: Callable[..., Any], editor: User,
                        translator: User, title: str) -> tuple[int, int]:
    """A report with a Vietnamese original and an English translation An wrote cue 1 of."""
    report = make_report(editor, title, channel_codes=["VTV4"])
    with runtime.session() as session:
        session.add(MediaAsset(report_id=report.id, role="master", sha256="e" * 64,
                               size_bytes=1, storage_key="ee/ee/x.mp4", duration_ms=10_000))
        vi, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "vi.srt",
                                      actor=editor)
        en = services.create_track(session, report.id, "en", actor=editor,
                                   source_track_id=vi.id)
        editing.edit_cue(session, en.cues[0].id, actor=translator,
                          version=en.cues[0].version, text="Welcome to Lai Chau")
        session.commit()
        return vi.id, en.id


@pytest.fixture
def desk(runtime: Runtime, make_user: Callable[..., User],
         make_report: Callable[..., Any]) -> dict[str, Any]:
    editor = make_user("editor", display_name="Lò Thị Mai")
    an = make_user("translator", languages=["en"], display_name="Nguyễn Văn An")
    binh = make_user("translator", languages=["en"], can_review=True, display_name="Trần Bình")
    vi, en = _report_with_tracks(runtime, make_report, editor, an, "Ruộng bậc thang Mường Tè")
    _, fair = _report_with_tracks(runtime, make_report, editor, an, "Hội chợ Tam Đường")
    return {"editor": editor, "an": an, "binh": binh, "vi": vi, "en": en, "fair": fair}


def _submit(runtime: Runtime, track_id: int, actor: User) -> None:
    with runtime.session() as session:
        review.move(session, track_id, "in_review", actor=actor)
        session.commit()


def open_workspace(page: Page, base: str, track_id: int) -> None:
    page.goto(f"{base}/tracks/{track_id}/edit")
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "1", timeout=WAIT)


def log_out(page: Page) -> None:
    page.locator("form[action='/logout'] button").click()


def test_the_reason_and_remarks_reach_workspace_queue_history_and_sheet(
        live_server: str, page: Page, runtime: Runtime, desk: dict[str, Any]) -> None:
    track_id = desk["en"]
    _submit(runtime, track_id, desk["an"])
    # The reviewer remarks on cue 2 and sends the track back, saying why, in the workspace.
    log_in(page, live_server, desk["binh"].username)
    open_workspace(page, live_server, track_id)
    cue2 = page.locator("#ws-list .cue").nth(1)
    cue2.locator("button.c-add-comment").click()
    cue2.locator("form.c-comment-form textarea, form.c-comment-form input").first.fill(REMARK)
    with page.expect_response(lambda r: r.url.endswith("/comments") and r.status == 201):
        cue2.locator("form.c-comment-form button.primary").click()
    page.locator("details.ws-sendback summary").click()
    page.fill("details.ws-sendback textarea[name=comment]", REASON)
    with page.expect_navigation():
        page.click("details.ws-sendback button[name=target][value=draft]")
    expect(page.locator("#track-status")).to_have_text("Bản nháp")
    log_out(page)

    log_in(page, live_server, desk["an"].username)
    # The queue: the track is to do, with the reason and the remark count.
    page.goto(f"{live_server}/translate")
    todo = page.locator(f"#queue tr[data-track='{track_id}']")
    expect(todo.locator(".q-reason")).to_have_text(REASON)
    expect(todo.locator("[data-sent-back]")).to_contain_text("Trần Bình")
    expect(todo.locator(".q-comments")).to_have_text("Nhận xét cần sửa: 1")
    # The workspace: the reason on top, the remark under its cue.
    open_workspace(page, live_server, track_id)
    expect(page.locator("#ws-sent-back .sb-reason")).to_have_text(REASON)
    expect(page.locator("#ws-sent-back")).to_contain_text("Trần Bình")
    expect(page.locator("#ws-list .cue").nth(1).locator(".c-comment-text")).to_have_text(REMARK)
    # The history (the track page) keeps the move with its reason, and the remark.
    page.locator("#ws-history-link").click()
    history = page.locator("#history")
    expect(history.locator("tr[data-kind=status]").first).to_contain_text(REASON)
    expect(history.locator("tr[data-kind=status]").first).to_contain_text("bị trả lại")
    expect(history.locator("tr[data-kind=comment]")).to_contain_text(REMARK)
    expect(page.locator("#sent-back .sb-reason")).to_have_text(REASON)
    # The review sheet starts with the reason.
    page.goto(f"{live_server}/tracks/{track_id}/review.html")
    first = page.locator("#review-rows tbody tr").first
    expect(first).to_contain_text("Trả lại")
    expect(first).to_contain_text(REASON)


def test_the_queue_keeps_to_do_apart_from_done_with_filters_and_review_list(
        live_server: str, page: Page, runtime: Runtime, desk: dict[str, Any]) -> None:
    _submit(runtime, desk["fair"], desk["an"])
    log_in(page, live_server, desk["an"].username)
    page.goto(f"{live_server}/translate")
    expect(page.locator("#queue tbody tr[data-track]")).to_have_count(1)
    expect(page.locator(f"#queue tr[data-track='{desk['en']}']")).to_be_visible()
    expect(page.locator("#queue-done tbody tr[data-track]")).to_have_count(1)
    expect(page.locator(f"#queue-done tr[data-track='{desk['fair']}']")).to_be_visible()
    expect(page.locator("#queue-review")).to_have_count(0)  # An does not review
    # Filter by words of the title, in any case.
    page.fill("#queue-filters input[name=q]", "TAM ĐƯỜNG")
    with page.expect_navigation():
        page.click("#queue-filters button[type=submit]")
    expect(page.locator("#queue tbody tr[data-track]")).to_have_count(0)
    expect(page.locator(f"#queue-done tr[data-track='{desk['fair']}']")).to_be_visible()
    page.goto(f"{live_server}/translate")
    page.select_option("#queue-filters select[name=language]", "en")
    with page.expect_navigation():
        page.click("#queue-filters button[type=submit]")
    expect(page.locator("#queue tbody tr[data-track]")).to_have_count(1)
    log_out(page)

    # The reviewer finds what An sent in "waiting for my review", and opens it.
    log_in(page, live_server, desk["binh"].username)
    page.goto(f"{live_server}/translate")
    waiting = page.locator("#queue-review tbody tr[data-track]")
    expect(waiting).to_have_count(1)
    expect(waiting).to_have_attribute("data-track", str(desk["fair"]))
    with page.expect_navigation():
        waiting.get_by_role("link", name="Mở").click()
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "1", timeout=WAIT)
    expect(page.locator("#track-status")).to_have_text("Đang duyệt")


def test_a_changed_source_marks_the_translation_until_confirmed(
        live_server: str, page: Page, runtime: Runtime, desk: dict[str, Any]) -> None:
    # The editor changes what cue 1 of the original says, in the browser.
    log_in(page, live_server, desk["editor"].username)
    open_workspace(page, live_server, desk["vi"])
    area = page.locator("#ws-list .cue").first.locator("textarea")
    with page.expect_response(lambda r: "/api/cues/" in r.url
                              and r.request.method == "PATCH" and r.status == 200):
        area.fill("Xin chào quý vị ở Lai Châu")
    log_out(page)

    log_in(page, live_server, desk["an"].username)
    page.goto(f"{live_server}/translate")
    expect(page.locator(f"#queue tr[data-track='{desk['en']}'] .q-source-changed")).to_have_text(
        "Bản gốc đã đổi: 1 câu")
    open_workspace(page, live_server, desk["en"])
    first, second = page.locator("#ws-list .cue").nth(0), page.locator("#ws-list .cue").nth(1)
    expect(first).to_have_class(re.compile(r"\bsource-changed\b"))
    expect(first.locator(".c-src")).to_have_text("Xin chào quý vị ở Lai Châu")
    expect(first.locator(".c-source-changed")).to_contain_text("Bản gốc đã thay đổi")
    expect(second.locator(".c-source-changed")).to_have_count(0)  # never written: no mark
    with page.expect_response(lambda r: r.url.endswith("/source-ok") and r.status == 200):
        first.locator("button.c-source-ok").click()
    expect(first.locator(".c-source-changed")).to_have_count(0)
    page.reload()
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "1", timeout=WAIT)
    expect(page.locator("#ws-list .cue.source-changed")).to_have_count(0)
    with runtime.session() as session:
        assert all(c.source_changed_at is None for c in
                   session.query(CueRow).filter_by(track_id=desk["en"]))
    # The confirmation is in the history, with the source it was checked against.
    page.goto(f"{live_server}/tracks/{desk['en']}")
    confirmed = page.locator("#history tr[data-kind=source_ok]")
    expect(confirmed).to_have_count(1)
    expect(confirmed).to_contain_text("Nguyễn Văn An")
    expect(confirmed).to_contain_text("Xin chào quý vị ở Lai Châu")
