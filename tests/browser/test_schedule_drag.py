"""Placing by hand on the week grid, with Chromium's real mouse: a report dragged from the tray
onto a day's time line becomes a slot, a slot's lower edge dragged makes it longer, and a
report dropped onto a time already taken is answered by the overlap message, nothing placed.
A slot changed by someone else meanwhile is refused by its version, like the slot form."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page, expect

from schedule import services
from schedule.models import Slot
from station.runtime import Runtime
from tests.browser.test_editor_flow import log_in
from tests.browser.test_schedule_flow import REPORT_TITLE, _broadcast_day, _ready_report
from tests.conftest import user_factory


def _drag(page: Page, source: Locator, x: float, y: float) -> None:
    """Press on the middle of ``source``, move in steps to (x, y), release: a real drag."""
    box = source.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(x, y, steps=12)
    page.mouse.up()


def _at(lane: Locator, offset_min: int) -> tuple[float, float]:
    """The page point of ``offset_min`` minutes into a day's line (1 px a minute), made
    visible first by scrolling the line."""
    lane.evaluate("(el, y) => { el.parentNode.scrollTop = Math.max(0, y - 60); }", offset_min)
    box = lane.bounding_box()
    assert box is not None
    return box["x"] + box["width"] * 0.6, box["y"] + offset_min + 2


def test_drag_places_lengthens_and_refuses_an_occupied_time(
        page: Page, live_server: str, runtime: Runtime, make_user: Callable[..., Any],
        make_report: Callable[..., Any]) -> None:
    editor = make_user(role="editor", display_name="Lò Thị Mai")
    report_id = _ready_report(runtime, editor, make_report)
    day = _broadcast_day()
    log_in(page, live_server, editor.username)
    page.goto(f"{live_server}/schedule/LCTV?week={day.isoformat()}")
    grid = page.locator("#week-grid")
    expect(grid).to_have_attribute("data-ready", "1")
    hour0 = int(grid.get_attribute("data-hour0") or "0")
    column = page.locator(f'#week-grid section.day-col[data-day="{day.isoformat()}"]')
    lane = column.locator(".lane")
    tray_item = page.locator(f'#report-tray .tray-report[data-report="{report_id}"]')
    expect(tray_item).to_have_text(f"#{report_id} {REPORT_TITLE}")

    # 1. The report dropped at 19:00 of the day: a slot of its master's 25 minutes.
    with page.expect_navigation():
        _drag(page, tray_item, *_at(lane, (19 - hour0) * 60))
    flash = page.locator(".flash.ok")
    expect(flash).to_have_text(re.compile(r"^Đã xếp lịch #\d+$"))
    slot_id = int(flash.inner_text().rsplit("#", 1)[1])
    card = column.locator(f'article.slot[data-slot="{slot_id}"]')
    expect(card.locator(".slot-time")).to_have_text("19:00 · 25′")
    expect(card.locator(".slot-title")).to_have_text(REPORT_TITLE)
    bar = lane.locator(f'.lane-slot[data-slot="{slot_id}"]')
    expect(bar).to_have_attribute("data-duration", "1500")

    # 2. Its lower edge dragged five minutes down: 30 minutes, through the slot's version.
    _at(lane, (19 - hour0) * 60)
    grip = bar.locator(".lane-grip")
    box = grip.bounding_box()
    assert box is not None
    with page.expect_navigation():
        _drag(page, grip, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 5)
    expect(page.locator(".flash.ok")).to_have_text("Đã lưu")
    expect(card.locator(".slot-time")).to_have_text("19:00 · 30′")
    with runtime.session() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None and (slot.duration_s, slot.version) == (1800, 2)

    # 3. The report dropped again at 19:10, inside the slot: the overlap, and nothing placed.
    status = page.locator("#drag-status")
    _drag(page, tray_item, *_at(lane, (19 - hour0) * 60 + 10))
    expect(status).to_have_text(
        f"Chồng lấn với “{REPORT_TITLE}” (19:00–19:30), thời gian trùng 20:00")
    expect(status).to_be_visible()
    expect(column.locator("article.slot")).to_have_count(1)
    with runtime.session() as session:
        assert session.query(Slot).count() == 1

    # 4. Someone changes the slot meanwhile: the page's stale edge drag is refused by name.
    chief = user_factory(runtime)("editor", display_name="Trưởng ban")
    with runtime.session() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None
        services.update_slot(session, slot_id, services.SlotInput(
            "LCTV", slot.start_at, duration_s=1800, title="Lai Châu hôm nay (bản mới)",
            kind="report", report_id=report_id), actor=chief, version=slot.version)
        session.commit()
    _at(lane, (19 - hour0) * 60)
    box = grip.bounding_box()
    assert box is not None
    _drag(page, grip, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 10)
    expect(status).to_have_text("Trưởng ban đã sửa mục lịch này sau khi bạn mở; hãy tải lại "
                                "trang")
    expect(bar).to_have_attribute("data-duration", "1800")
    with runtime.session() as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None and slot.duration_s == 1800
        assert slot.title == "Lai Châu hôm nay (bản mới)"
