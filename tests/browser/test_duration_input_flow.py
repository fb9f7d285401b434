"""Issue 13 in a real browser: "1:30" typed into the new-report form and into the slot
editor is saved as 90 seconds and shown back as 1:30; a bad value is explained."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from production.models import Report
from schedule.models import Slot
from station.runtime import Runtime
from tests.browser.test_editor_flow import log_in
from tests.browser.test_schedule_flow import _broadcast_day, _place


def test_new_report_takes_1_30_and_shows_it(page: Page, live_server: str, runtime: Runtime,
                                            make_user: Callable[..., Any]) -> None:
    editor = make_user(role="editor", display_name="Lò Văn Hùng")
    log_in(page, live_server, editor.username)
    page.goto(f"{live_server}/reports/new")
    form = page.locator("form.grid-form")
    form.locator("input[name=title]").fill("Chè Shan tuyết Tả Phìn Hồ")
    form.locator("input[name=channels][value=LCTV]").check()

    # A value that is not a duration is refused with the reason, and nothing typed is lost.
    form.locator("input[name=planned_duration_s]").fill("1:75")
    with page.expect_navigation():
        form.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator(".flash.error")).to_have_text(
        "“1:75”: số giây phải nhỏ hơn 60 (đang là 75)")
    expect(page.locator("input[name=title]")).to_have_value("Chè Shan tuyết Tả Phìn Hồ")
    expect(page.locator("input[name=planned_duration_s]")).to_have_value("1:75")

    page.locator("input[name=planned_duration_s]").fill("1:30")
    with page.expect_navigation():
        page.locator("form.grid-form").get_by_role("button", name="Lưu", exact=True).click()
    expect(page).to_have_url(re.compile(r"/reports/\d+$"))
    report_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("dt", has_text="Thời lượng").locator("+ dd")).to_have_text("1:30")
    with runtime.session() as session:
        report = session.get(Report, report_id)
        assert report is not None and report.planned_duration_s == 90

    page.goto(f"{live_server}/reports/{report_id}/edit")
    expect(page.locator("input[name=planned_duration_s]")).to_have_value("1:30")


def test_slot_editor_takes_1_30_and_shows_it(page: Page, live_server: str, runtime: Runtime,
                                             make_user: Callable[..., Any]) -> None:
    editor = make_user(role="editor", display_name="Lò Thị Mai")
    day = _broadcast_day()
    log_in(page, live_server, editor.username)
    page.goto(f"{live_server}/schedule/LCTV?week={day.isoformat()}")
    slot_id = _place(page, day=day, time="19:00", title="Bản tin tiếng Thái", minutes="25:00")
    slot = page.locator(f'article.slot[data-slot="{slot_id}"]')
    expect(slot.locator(".slot-time")).to_have_text("19:00 · 25′")

    with page.expect_navigation():
        slot.locator("a.slot-edit-link").click()
    edit = page.locator("#slot-form")
    expect(edit.locator("input[name=duration]")).to_have_value("25:00")
    edit.locator("input[name=duration]").fill("1:30")
    with page.expect_navigation():
        edit.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator(".flash.ok")).to_have_text("Đã lưu")
    expect(slot.locator(".slot-time")).to_have_text("19:00 · 1′30″")
    with runtime.session() as session:
        row = session.get(Slot, slot_id)
        assert row is not None and row.duration_s == 90
        assert row.end_at - row.start_at == dt.timedelta(seconds=90)

    with page.expect_navigation():
        slot.locator("a.slot-edit-link").click()
    expect(page.locator("#slot-form input[name=duration]")).to_have_value("1:30")

    # A bad value is refused with the reason; the slot keeps its 1:30.
    page.locator("#slot-form input[name=duration]").fill("abc")
    with page.expect_navigation():
        page.locator("#slot-form").get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator(".flash.error")).to_have_text(re.compile(
        r"^“abc” không phải là thời lượng: hãy viết 90 \(giây\), 1:30"))
    with runtime.session() as session:
        row = session.get(Slot, slot_id)
        assert row is not None and row.duration_s == 90
