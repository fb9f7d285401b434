"""The news editor's rundown in Chromium: the running order timed by the server (cumulative,
front and back times checked against times worked out by hand), a line dragged and moved by
keyboard retimes the order, a stale second tab is refused by name and shown the order as it
is, the prompter scrolls and mirrors, the anchor script shows the words, and the editor works
under the real Content-Security-Policy."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from planning import services
from production.models import Report
from station.runtime import Runtime
from tests.browser.test_editor_flow import log_in
from tests.delivery_desk import make_desk

ON_AIR = dt.datetime(2027, 3, 8, 19, 0)  # local, Asia/Ho_Chi_Minh
READER_TEXT = " ".join(["tin"] * 85)  # 85 words at 170 wpm: 30 s


def _clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def _at(seconds: int) -> str:
    return (ON_AIR + dt.timedelta(seconds=seconds)).strftime("%H:%M:%S")


def _rows(page: Page) -> list[list[str]]:
    """(title, cumulative, front, back) of each line as shown."""
    return page.eval_on_selector_all("#rd-lines tr[data-item]", """rows => rows.map(r => [
        r.querySelector('.rd-title').textContent, r.querySelector('.rd-cumulative').textContent,
        r.querySelector('.rd-front').textContent, r.querySelector('.rd-back').textContent])""")


def _build(runtime: Runtime, editor: Any, report_id: int) -> tuple[int, int]:
    """A two-minute bulletin: a 30 s reader, the report's package, a 60 s live link."""
    with runtime.session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        master = report.asset("master")
        assert master is not None and master.duration_ms
        media_s = math.ceil(master.duration_ms / 1000)
        rundown = services.create_rundown(session, actor=editor, channel="LCTV",
                                          title="Thời sự Lai Châu 19:00", starts_at=ON_AIR,
                                          planned_s=120)
        for line in (services.ItemInput("reader", "Chào mừng", anchor_text=READER_TEXT,
                                        anchor="Lò Thị Mai"),
                     services.ItemInput("package", "", report_id=report_id),
                     services.ItemInput("live", "Cầu truyền hình Sìn Hồ", estimate_s=60)):
            services.add_item(session, rundown.id, line, actor=editor,
                              version=rundown.version)
        session.commit()
        return rundown.id, media_s


def test_the_editor_times_reorders_refuses_a_stale_tab_and_prompts(
        page: Page, browser: Browser, live_server: str, runtime: Runtime,
        media_cache: Path) -> None:
    desk = make_desk(runtime, media_cache)
    rid, media_s = _build(runtime, desk.editor, desk.report_id)
    assert 3 <= media_s <= 5
    log_in(page, live_server, desk.editor.username)
    page.get_by_role("link", name="Kịch bản bản tin").click()
    page.get_by_role("link", name="Thời sự Lai Châu 19:00").click()
    root = page.locator("#rundown")
    expect(root).to_have_attribute("data-ready", "1")

    # By hand: off air 19:02:00; total 30 + media + 60; each back time is off air minus the
    # line and everything after it.
    total = 30 + media_s + 60
    off = 120
    assert _rows(page) == [
        ["Chào mừng", "0:30", _at(0), _at(off - total)],
        ["Mùa hoa đào", _clock(30 + media_s), _at(30), _at(off - media_s - 60)],
        ["Cầu truyền hình Sìn Hồ", _clock(total), _at(30 + media_s), _at(off - 60)]]
    expect(page.locator("#rd-total")).to_have_text(_clock(total))
    expect(page.locator("#rd-over")).to_have_text(f"thiếu {_clock(off - total)}")
    package = page.locator("#rd-lines tr").nth(1)
    expect(package.locator(".rd-badges .badge").first).to_be_visible()
    expect(package.locator(".rd-estimate")).to_have_count(0)  # media length: read-only

    # Drag the live line to the top: the server's new times are drawn.
    lines = page.locator("#rd-lines tr[data-item]")
    lines.nth(2).drag_to(lines.nth(0), target_position={"x": 20, "y": 3})
    expect(lines.nth(0).locator(".rd-title")).to_have_text("Cầu truyền hình Sìn Hồ")
    assert _rows(page)[:2] == [["Cầu truyền hình Sìn Hồ", "1:00", _at(0), _at(off - total)],
                               ["Chào mừng", "1:30", _at(60), _at(off - 30 - media_s)]]
    # And back down by keyboard: the move-down button of the first line.
    lines.nth(0).locator(".rd-down").focus()
    page.keyboard.press("Enter")
    expect(lines.nth(0).locator(".rd-title")).to_have_text("Chào mừng")
    expect(lines.nth(1).locator(".rd-front")).to_have_text(_at(30))

    # A typed estimate: the live line to 1:30, the total goes over, shown red.
    estimate = lines.nth(1).locator(".rd-estimate")
    estimate.fill("1:30")
    estimate.press("Enter")
    expect(page.locator("#rd-total")).to_have_text(_clock(total + 30))
    over = page.locator("#rd-over")
    expect(over).to_have_text(f"thừa {_clock(total + 30 - off)}")
    assert over.evaluate("el => getComputedStyle(el).color") == "rgb(179, 38, 30)"  # --bad

    # A second tab opened now, then the first tab adds a line: the second tab's move is
    # refused by name and it shows the order as it now is.
    stale = page.context.new_page()
    stale.goto(f"{live_server}/rundowns/{rid}")
    expect(stale.locator("#rundown")).to_have_attribute("data-ready", "1")
    form = page.locator("#rd-add")
    form.locator("select[name=kind]").select_option("break")
    form.locator("input[name=title]").fill("Quảng cáo")
    form.locator("input[name=estimate]").fill("0:15")
    form.locator("button[type=submit]").click()
    expect(lines).to_have_count(4)
    conflict = (f"{desk.editor.display_name} đã sửa kịch bản bản tin này sau khi bạn mở; "
                "hãy tải lại để xem")
    stale.locator("#rd-lines tr[data-item]").nth(1).locator(".rd-up").click()
    expect(stale.locator("#rd-message")).to_have_text(conflict)
    expect(stale.locator("#rd-lines tr[data-item]")).to_have_count(4)
    # Now current, the tab is made stale again; words typed into its editor survive the 409.
    with runtime.session() as session:
        doc = services.get_rundown(session, rid)
        services.add_item(session, rid, services.ItemInput("filler", "Dự phòng", estimate_s=20),
                          actor=desk.editor, version=doc.version)
        session.commit()
    stale.locator("#rd-lines tr[data-item]").nth(0).locator(".rd-edit-button").click()
    stale.locator("tr.rd-edit textarea").fill("Kính chào quý vị khán giả")
    stale.locator("tr.rd-edit .rd-save").click()
    expect(stale.locator("#rd-message")).to_have_text(conflict)
    expect(stale.locator("tr.rd-edit textarea")).to_have_value("Kính chào quý vị khán giả")
    expect(stale.locator("#rd-lines tr[data-item]")).to_have_count(5)
    expect(stale.locator("#rd-lines tr[data-item] .rd-title")).to_have_text(
        ["Chào mừng", "Cầu truyền hình Sìn Hồ", "Mùa hoa đào", "Quảng cáo", "Dự phòng"])
    stale.close()
    out = Path("test-output/browser")
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "rundown_editor.png"), full_page=True)

    # The anchor script: the reader's words, large, with their time.
    page.goto(f"{live_server}/rundowns/{rid}/script")
    cue = page.locator(".rd-cue").first
    expect(cue.locator(".rd-cue-text")).to_have_text(READER_TEXT)
    expect(cue.locator(".rd-cue-time")).to_have_text(_at(0))
    assert float(cue.locator(".rd-cue-text").evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)")) >= 24

    # The prompter: space scrolls, M mirrors, + makes the text larger.
    page.goto(f"{live_server}/rundowns/{rid}/prompter")
    prompter = page.locator("#prompter")
    expect(prompter).to_have_attribute("data-ready", "1")
    expect(page.locator(".prompter-words").first).to_have_text(READER_TEXT)
    assert prompter.evaluate("el => el.scrollTop") == 0
    page.keyboard.press("ArrowUp")
    page.keyboard.press(" ")
    expect(prompter).to_have_attribute("data-running", "1")
    page.wait_for_function("document.getElementById('prompter').scrollTop > 20")
    page.keyboard.press(" ")
    expect(prompter).to_have_attribute("data-running", "0")
    text = page.locator("#prompter-text")
    assert text.evaluate("el => getComputedStyle(el).transform") == "none"
    page.keyboard.press("m")
    assert text.evaluate("el => getComputedStyle(el).transform") == "matrix(-1, 0, 0, 1, 0, 0)"
    page.keyboard.press("+")
    assert text.evaluate("el => getComputedStyle(el).fontSize") == "72px"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"
    page.screenshot(path=str(out / "rundown_prompter.png"))

    # Under the enforced policy (no bypass): the editor's and the prompter's scripts run.
    strict = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    try:
        tab = strict.new_page()
        violations: list[str] = []
        tab.on("console", lambda msg: violations.append(msg.text)
               if "Content Security Policy" in msg.text else None)
        tab.on("pageerror", lambda exc: violations.append(str(exc)))
        log_in(tab, live_server, desk.admin.username)
        tab.goto(f"{live_server}/rundowns/{rid}")
        expect(tab.locator("#rundown")).to_have_attribute("data-ready", "1")
        # The chief approves; a line moved afterwards is marked.
        tab.locator("#rd-approve").click()
        expect(tab.locator("#rd-status")).to_contain_text("Đã duyệt")
        tab.locator("#rd-lines tr[data-item]").nth(0).locator(".rd-down").click()
        expect(tab.locator("#rd-lines tr.changed")).to_have_count(2)
        expect(tab.locator("#rd-lines tr.changed .rd-changed")).to_have_count(2)
        expect(tab.locator("#rd-status .rd-changed")).to_have_text("đã sửa sau khi duyệt")
        tab.goto(f"{live_server}/rundowns/{rid}/prompter")
        expect(tab.locator("#prompter")).to_have_attribute("data-ready", "1")
        tab.goto(f"{live_server}/rundowns/{rid}/print")
        tab.wait_for_load_state("networkidle")
        assert violations == []
    finally:
        strict.close()

    # On a phone the page does not widen: the running order scrolls inside its card.
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/rundowns", f"/rundowns/{rid}"):
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path


def test_the_bulletin_goes_into_the_schedule_and_plays_line_by_line(
        page: Page, live_server: str, runtime: Runtime, media_cache: Path,
        tmp_path: Path) -> None:
    """From the editor: "Put in the schedule", then the day's ffplayout playlist downloaded
    from the schedule grid plays the bulletin as its lines, and the strict checker (built
    from ffplayout's own loader) accepts the day."""
    import json

    from schedule import exporting
    from tests.integration.test_playout import STORAGE, _clip
    from tests.unit.ffplayout_checker import problems

    desk = make_desk(runtime, media_cache)
    rid, media_s = _build(runtime, desk.editor, desk.report_id)
    folder = tmp_path / "playout" / "LCTV"
    _clip(folder / "filler" / "lctv-filler.mp4", 7, "gray")
    with runtime.session() as session:
        session.get(Report, desk.report_id).status = "approved"  # type: ignore[union-attr]
        exporting.set_playout(session, "LCTV", actor=desk.admin, folder=str(folder),
                              storage=STORAGE, filler="filler/lctv-filler.mp4",
                              day_start="05:00", timezone="Asia/Ho_Chi_Minh",
                              playlists="/srv/ffplayout/playlists/lctv")
        session.commit()
    log_in(page, live_server, desk.editor.username)
    page.goto(f"{live_server}/rundowns/{rid}")
    page.get_by_role("button", name="Đưa vào lịch phát sóng").click()
    expect(page.locator(".flash.ok")).to_contain_text("Đã đưa vào lịch phát sóng")
    page.get_by_role("link", name=re.compile("Đã vào lịch phát sóng")).click()
    with runtime.session() as session:  # the studio input the anchor's lines play, as the
        from planning.models import Rundown  # slot's form sets it ("Tệp phát")
        from schedule.models import Slot

        slot = session.get(Slot, session.get(Rundown, rid).slot_id)  # type: ignore[union-attr]
        assert slot is not None and slot.duration_s == 120
        slot.source = "rtmp://studio/lctv"
        session.commit()
    page.reload()
    day = page.locator(f'section.day-col[data-day="{ON_AIR.date().isoformat()}"]')
    expect(day.locator("article.slot")).to_contain_text("Thời sự Lai Châu 19:00")
    link = day.get_by_role("link", name="JSON", exact=True)
    answer = page.request.get(live_server + (link.get_attribute("href") or ""))
    assert answer.status == 200
    assert problems(answer.body(), exact=True, path="lctv/2027/03/2027-03-08.json") == []
    program = json.loads(answer.body())["program"]
    lines = [(item["title"], round(item["out"] - item["in"])) for item in program
             if item.get("title", "").startswith("Thời sự Lai Châu 19:00")]
    assert [title for title, _ in lines] == [
        "Thời sự Lai Châu 19:00: Chào mừng", f"Thời sự Lai Châu 19:00: {desk.title}",
        "Thời sự Lai Châu 19:00: Cầu truyền hình Sìn Hồ"]
    assert [seconds for _, seconds in lines] == [30, media_s, 60]
    sources = [item["source"] for item in program
               if item.get("title", "").startswith("Thời sự Lai Châu 19:00")]
    assert sources[0] == sources[2] == "rtmp://studio/lctv"
    assert sources[1].startswith(STORAGE + "/")  # the report's own file, handed over
