"""The plan in a real Chromium: the admin reads the plan's table, an editor assigns a topic
that books a reporter twice on one day and the calendar flags it, and the reporter finds the
assignment on their home page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from playwright.sync_api import Page, expect

from planning import plans
from planning.plans import TopicInput
from station.runtime import Runtime
from tests.browser.test_editor_flow import log_in
from tests.integration.test_plans import PLAN, YEAR


def test_plan_assign_and_double_booking(page: Page, live_server: str, runtime: Runtime,
                                        make_user: Any) -> None:
    admin = make_user("admin", display_name="Tổng biên tập")
    editor = make_user("editor", display_name="Lò Thị Mai")
    reporter = make_user("editor", display_name="Tẩn Văn Lìn")
    day = dt.date.today()
    with runtime.session() as session:
        plans.import_plan(session, PLAN, actor=admin)
        theme = plans.get_plan(session, YEAR).themes[0]
        plans.create_topic(session, theme.id, TopicInput(
            "Khu công nghiệp Tam Đường", place="Tam Đường", shoot_date=day,
            reporter_id=reporter.id), actor=editor)
        session.commit()
        theme_id = theme.id

    log_in(page, live_server, admin.username)
    page.goto(f"{live_server}/plan/{YEAR}")
    row = page.locator('#plan-table tr[data-quarter="1"]').first
    expect(row.locator("td.target")).to_have_text("6 / 30′")
    expect(page.locator("#plan-table")).to_contain_text("Văn hoá – du lịch")
    page.click("form[action='/logout'] button")

    log_in(page, live_server, editor.username)
    page.goto(f"{live_server}/plan/{YEAR}")
    page.click(f"#theme-{theme_id} a.button")
    page.fill("input[name=title]", "Cửa khẩu Ma Lù Thàng")
    page.fill("input[name=place]", "Phong Thổ")
    page.fill("input[name=shoot_date]", day.isoformat())
    page.select_option("select[name=reporter_id]", label="Tẩn Văn Lìn")
    page.fill("input[name=camera_name]", "Lò Văn Hùng")
    with page.expect_navigation():
        page.click("#topic-form button[type=submit]")
    page.goto(f"{live_server}/calendar")
    doubles = page.locator("#double-bookings li.double-booking")
    expect(doubles).to_have_count(1)
    expect(doubles.first).to_contain_text("Tẩn Văn Lìn")
    expect(page.locator("#calendar tr.flagged")).to_have_count(2)
    page.click("form[action='/logout'] button")

    log_in(page, live_server, reporter.username)
    section = page.locator("#my-assignments")
    expect(section).to_contain_text("Cửa khẩu Ma Lù Thàng")
    expect(section).to_contain_text("Phong Thổ")
