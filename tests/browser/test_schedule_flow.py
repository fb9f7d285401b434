"""The scheduling desk in a real browser: place a ready report, see an overlap, fix it, publish.

Real Chromium against the live server, in Vietnamese. The report is made ready in the
database (approved, a master asset row with its duration and loudness in spec, an approved
Vietnamese track), as the production and subtitle desks would leave it; everything about
the schedule itself goes through the week grid's forms and links.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from production import services as production
from production.models import MediaAsset
from production.storage import MediaStore, sha256_file
from schedule import exporting
from station.runtime import Runtime
from subtitles import review
from subtitles import services as subtitles
from tests.browser.test_editor_flow import log_in
from tests.conftest import user_factory

REPORT_TITLE = "Lai Châu hôm nay"
PROGRAMME_TITLE = "Ca nhạc dân tộc Thái"
SRT_VI = "1\n00:00:01,000 --> 00:00:04,000\nLai Châu hôm nay\n"
MASTER_MS = 1_500_000  # 25 minutes: the slot takes the master's length


def _ready_report(runtime: Runtime, editor: Any, make_report: Callable[..., Any]) -> int:
    """An approved LCTV report with a measured master and an approved "vi" track."""
    report = make_report(editor, REPORT_TITLE, channel_codes=["LCTV"])
    # the playout gets the stored master's bytes (issue 17), so they must be there
    stored = runtime.settings.media_path / "master.mp4"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"a master, as far as the schedule can tell")
    sha = sha256_file(stored)
    key = MediaStore(runtime.settings.media_path).put(stored, sha, "mp4")
    with runtime.session() as session:
        session.add(MediaAsset(report_id=report.id, role="master", sha256=sha,
                               size_bytes=1, storage_key=key,
                               duration_ms=MASTER_MS, loudness_lufs=-23.1,
                               true_peak_dbtp=-2.0))
        track, _ = subtitles.import_track(session, report.id, "vi", SRT_VI.encode(), "vi.srt",
                                          actor=editor)
        review.move(session, track.id, "in_review", actor=editor)
        review.move(session, track.id, "approved", actor=editor)
        for target in ("in_production", "editing", "review"):
            production.move_report(session, report.id, target, actor=editor)
        session.commit()
    # The approval gate: someone other than the report's editor approves it.
    chief = user_factory(runtime)("editor", display_name="Trưởng ban")
    with runtime.session() as session:
        production.move_report(session, report.id, "approved", actor=chief)
        session.commit()
    return int(report.id)


def _broadcast_day() -> dt.date:
    """A Wednesday four weeks ahead (local time): far enough that no slot is history yet."""
    today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date() + dt.timedelta(days=28)
    return today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=2)


def _place(page: Page, *, day: dt.date, time: str, report_id: int | None = None,
           title: str = "", minutes: str = "", source: str = "") -> int:
    """Fill and send the "Place a slot" form; returns the new slot's id from the flash."""
    form = page.locator("#add-slot form")
    form.locator("input[name=date]").fill(day.isoformat())
    form.locator("input[name=time]").fill(time)
    form.locator("select[name=report_id]").select_option(
        "" if report_id is None else str(report_id))
    form.locator("input[name=title]").fill(title)
    form.locator("input[name=duration]").fill(minutes)
    form.locator("input[name=source]").fill(source)
    with page.expect_navigation():
        form.get_by_role("button", name="Xếp", exact=True).click()
    flash = page.locator(".flash.ok")
    expect(flash).to_have_text(re.compile(r"^Đã xếp lịch #\d+$"))
    return int(flash.inner_text().rsplit("#", 1)[1])


def _publish(page: Page, column: Locator) -> None:
    with page.expect_navigation():
        column.get_by_role("button", name="Công bố", exact=True).click()


def test_editor_places_checks_fixes_and_publishes_a_day(
    page: Page, live_server: str, runtime: Runtime, make_user: Callable[..., Any],
    make_report: Callable[..., Any], request: pytest.FixtureRequest
) -> None:
    editor = make_user(role="editor", display_name="Lò Thị Mai")
    report_id = _ready_report(runtime, editor, make_report)
    playout_folder = runtime.settings.instance_path / "playout" / "LCTV"
    with runtime.session() as session:  # LCTV's playout, as an admin sets it (docs/playout.md)
        exporting.set_playout(
            session, "LCTV", actor=make_user(role="admin"), folder=str(playout_folder),
            storage="/srv/playout/lctv", filler="filler.mp4", filler_ms=10_000,
            day_start="05:00", timezone="Asia/Ho_Chi_Minh")
        session.commit()
    day = _broadcast_day()
    monday = day - dt.timedelta(days=day.weekday())
    log_in(page, live_server, editor.username)

    page.goto(f"{live_server}/schedule/LCTV?week={day.isoformat()}")
    expect(page.locator("h1")).to_have_text("Lịch phát sóng · Truyền hình Lai Châu")
    columns = page.locator("#week-grid section.day-col")
    expect(columns).to_have_count(7)
    expect(columns.first).to_have_attribute("data-day", monday.isoformat())
    column = page.locator(f'#week-grid section.day-col[data-day="{day.isoformat()}"]')
    expect(column.locator("header strong")).to_have_text(f"T4 {day:%d/%m}")
    expect(column.locator(".empty-day")).to_have_text("Chưa có lịch")
    option = page.locator(f'#slot-report option[value="{report_id}"]')
    expect(option).to_have_text(f"#{report_id} {REPORT_TITLE} (Đã duyệt)")

    # 1. The ready report at 19:00 takes its master's 25 minutes and is ready at once.
    report_slot_id = _place(page, day=day, time="19:00", report_id=report_id)
    expect(page).to_have_url(re.compile(rf"/schedule/LCTV\?week={monday.isoformat()}$"))
    report_slot = column.locator(f'article.slot[data-slot="{report_slot_id}"]')
    expect(report_slot).to_have_class(re.compile(r"\bready\b"))
    expect(report_slot.locator(".slot-time")).to_have_text("19:00 · 25′")
    expect(report_slot.locator(".slot-title")).to_have_text(REPORT_TITLE)
    expect(report_slot.locator(".slot-meta .badge.ok")).to_have_text("✓")
    expect(report_slot).to_have_attribute("title", "Sẵn sàng")
    expect(report_slot.locator(".reasons")).to_have_count(0)
    expect(column.locator("header .badge.ok")).to_be_visible()

    # 2. A programme at 19:15 overlaps the report's last ten minutes: both slots say so.
    programme_id = _place(page, day=day, time="19:15", title=PROGRAMME_TITLE, minutes="10:00",
                          source="/srv/playout/ca-nhac-dan-toc-thai.mp4")
    programme = column.locator(f'article.slot[data-slot="{programme_id}"]')
    expect(column.locator("article.slot")).to_have_count(2)
    for slot in (report_slot, programme):
        expect(slot).to_have_class(re.compile(r"\bhas-errors\b"))
        expect(slot.locator(".slot-meta .badge.error")).to_have_text("1")
    expect(report_slot.locator(".reasons li.error")).to_have_text(
        f"Chồng lấn với “{PROGRAMME_TITLE}” (19:15–19:25), thời gian trùng 10:00")
    expect(programme.locator(".reasons li.error")).to_have_text(
        f"Chồng lấn với “{REPORT_TITLE}” (19:00–19:25), thời gian trùng 10:00")
    expect(column.locator("header .badge.error")).to_have_text("2")
    expect(column.locator("header .badge.error")).to_have_attribute(
        "title", "lỗi cần sửa trước khi công bố")
    page.screenshot(path=str(_shot(request, "overlap")), full_page=True)

    # 3. Publishing is refused, with the reasons.
    _publish(page, column)
    errors = page.locator(".flash.error")
    expect(errors).to_have_count(3)
    expect(errors.first).to_have_text("Chưa công bố được ngày này")
    expect(errors.filter(has_text="Chồng lấn với")).to_have_count(2)
    expect(page.locator(".flash.ok")).to_have_count(0)
    expect(column.locator(".status.sl-planned")).to_have_count(2)

    # 4. The programme moves to 19:25 through its Edit form: back to back is no overlap.
    with page.expect_navigation():
        programme.locator("a.slot-edit-link").click()
    edit = page.locator("#slot-form")
    expect(edit).to_be_visible()
    expect(edit.locator("input[name=time]")).to_have_value("19:15")
    edit.locator("input[name=time]").fill("19:25")
    with page.expect_navigation():
        edit.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator(".flash.ok")).to_have_text("Đã lưu")
    expect(programme.locator(".slot-time")).to_have_text("19:25 · 10′")
    for slot in (report_slot, programme):
        expect(slot).to_have_class(re.compile(r"\bready\b"))
        expect(slot.locator(".reasons")).to_have_count(0)
    expect(column.locator("header .badge.error")).to_have_count(0)

    # 5. Now the day publishes.
    _publish(page, column)
    expect(page.locator(".flash.error")).to_have_count(0)
    expect(page.locator(".flash.ok")).to_have_text(f"{day:%d/%m/%Y}: đã công bố 2 mục")
    statuses = column.locator(".status.sl-published")
    expect(statuses).to_have_count(2)
    expect(statuses.first).to_have_text("Đã công bố")

    # 6. The ffplayout playlist is the broadcast day's, in order, gaps filled.
    json_link = column.locator(".exports a", has_text="JSON")
    href = json_link.get_attribute("href")
    assert href is not None and href.endswith(f"day={day.isoformat()}")
    response = page.request.get(f"{live_server}{href}")
    assert response.status == 200, response.text()
    assert response.headers["content-type"].startswith("application/json")
    doc = json.loads(response.body())
    assert doc["date"] == day.isoformat() and doc["channel"] == "LCTV"
    titles = [item["title"] for item in doc["program"] if item["category"] != "filler"]
    assert titles == [REPORT_TITLE, PROGRAMME_TITLE]
    sources = {item["title"]: item["source"] for item in doc["program"]}
    assert sources[PROGRAMME_TITLE] == "/srv/playout/ca-nhac-dan-toc-thai.mp4"
    assert sources[REPORT_TITLE].startswith("/srv/playout/lctv/")  # handed to the playout
    assert (playout_folder / sources[REPORT_TITLE].rsplit("/", 1)[1]).is_file()

    # 7. The printable day sheet, in Vietnamese.
    with page.expect_navigation():
        column.get_by_role("link", name="Bảng in", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/export/daysheet\?day={day.isoformat()}$"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_have_text(f"Truyền hình Lai Châu · {day.isoformat()}")
    expect(page.locator("thead th").first).to_have_text("Giờ")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.locator("td.title")).to_have_text([REPORT_TITLE, PROGRAMME_TITLE])
    expect(rows.locator("td.time")).to_have_text(["19:00", "19:25"])
    expect(rows.locator("td.status")).to_have_text(["Đã công bố", "Đã công bố"])
    expect(rows.locator("td.readiness")).to_have_text(["Sẵn sàng", "Sẵn sàng"])

    # Back to the grid, so the test's last screenshot shows the published week.
    page.go_back()
    expect(column.locator(".status.sl-published")).to_have_count(2)


def _shot(request: pytest.FixtureRequest, suffix: str) -> Path:
    out = request.config.rootpath / "test-output" / "browser"
    out.mkdir(parents=True, exist_ok=True)
    return out / f"{request.node.name}-{suffix}.png"
