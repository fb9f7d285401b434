"""The translator workspace in a real browser: play, edit, nudge, QC, split/merge, conflicts, fonts.

Real Chromium against the live server, in Vietnamese. Each test gets a report whose short
video went through the real ingest (proxy, peaks), a Vietnamese original imported from SRT,
an English translation on its grid, and a Tai Viet (blt-Tavt) track. Every wait is on an
event or a state the page exposes (``#workspace[data-ready]``, ``[data-save-state]``,
``[data-vtt-version]``, the PATCH responses), never a fixed sleep. What the page shows is
checked against the database, which is what the server really kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from station.runtime import Runtime
from subtitles import services
from subtitles.models import CueRow, Track
from tests.browser.test_editor_flow import log_in
from tests.integration.test_ingest import run_ingest
from tests.media import report_video

WAIT = 20_000  # ms: generous for a loaded 2-core machine; every wait ends on an event
VIDEO_SECONDS = 16
SPEECH = ("Xin chào quý vị. Đây là bản tin thời sự của Đài Phát thanh và Truyền hình Lai Châu. "
          "Hôm nay chúng tôi giới thiệu mùa lúa chín ở Mường Tè.")
SRT_VI = """1
00:00:00,500 --> 00:00:03,000
Xin chào quý vị.

2
00:00:03,200 --> 00:00:07,500
Đây là bản tin thời sự của Đài Phát thanh
và Truyền hình Lai Châu.

3
00:00:07,700 --> 00:00:11,000
Hôm nay chúng tôi giới thiệu

4
00:00:11,200 --> 00:00:14,500
mùa lúa chín ở Mường Tè.
"""
TAI_VIET = "ꪼꪕꪒꪾ ꪁꪰꪙ"  # "Tai Dam" (Black Thai) in Tai Viet script
SRT_TAI = f"1\n00:00:00,500 --> 00:00:03,000\n{TAI_VIET}\n\n2\n00:00:03,200 --> 00:00:07,500\nꪼꪕꪒꪾ\n"
TAI_VIET_FONT = "Noto Sans Tai Viet"
VIETNAMESE_FONT = "DejaVu Sans"


@dataclass(frozen=True)
class Desk:
    """The people and tracks of one test."""

    editor: Any
    translator: Any
    colleague: Any
    report_id: int
    vi: int
    en: int
    tai: int


@pytest.fixture
def desk(runtime: Runtime, make_user: Callable[..., Any], make_report: Callable[..., Any],
         media_cache: Path) -> Desk:
    """A report with a really ingested 16 s video and three tracks: vi, en on vi's grid and
    Tai Viet."""
    editor = make_user("editor", display_name="Lò Thị Mai")
    translator = make_user("translator", languages=["en"], display_name="Nguyễn Văn An")
    colleague = make_user("translator", languages=["en"], display_name="Trần Thị Bình")
    report = make_report(editor, "Mùa lúa chín ở Mường Tè", channel_codes=["LCTV"])
    video = report_video(media_cache, seconds=VIDEO_SECONDS, size="640x360", speech_text=SPEECH)
    job = run_ingest(runtime, editor, report.id, video)
    assert job.status == "succeeded", job.error
    with runtime.session() as session:
        vi, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "vi.srt",
                                      actor=editor)
        en = services.create_track(session, report.id, "en", actor=editor, source_track_id=vi.id)
        tai, _ = services.import_track(session, report.id, "blt-Tavt", SRT_TAI.encode(),
                                       "tai.srt", actor=editor)
        session.commit()
        ids = vi.id, en.id, tai.id
    return Desk(editor, translator, colleague, report.id, *ids)


# ---- helpers ---------------------------------------------------------------------------

def open_workspace(page: Page, base: str, track_id: int) -> list[str]:
    """Open the editor and wait until its script says it is ready; returns the page's JS errors."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/tracks/{track_id}/edit")
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "1", timeout=WAIT)
    return errors


def row(page: Page, n: int) -> Locator:
    """The n-th cue of the list (1-based, as the page numbers them)."""
    return page.locator("#ws-list .cue").nth(n - 1)


def expect_saved(page: Page) -> None:
    expect(page.locator("#workspace")).to_have_attribute("data-save-state", "saved", timeout=WAIT)


@contextmanager
def saving(page: Page) -> Iterator[None]:
    """Around an edit: wait for the autosave's PATCH answer, then for "saved" on the page."""
    with page.expect_response(
            lambda r: "/api/cues/" in r.url and r.request.method == "PATCH", timeout=WAIT
    ) as answer:
        yield
    assert answer.value.status == 200, answer.value.text()
    expect_saved(page)


def record_save_states(page: Page) -> Callable[[], list[str]]:
    """Start recording each change of ``data-save-state``; returns a reader of the sequence."""
    page.evaluate("""() => {
        const root = document.getElementById('workspace');
        window.__saveStates = [];
        new MutationObserver(() => window.__saveStates.push(root.dataset.saveState))
            .observe(root, {attributes: true, attributeFilter: ['data-save-state']});
    }""")
    return lambda: list(page.evaluate("window.__saveStates"))


def server_cues(runtime: Runtime, track_id: int) -> list[tuple[int, int, str]]:
    """(start, end, text) of every cue as the database has it now."""
    with runtime.session() as session:
        track = session.get(Track, track_id)
        assert track is not None
        return [(c.start_ms, c.end_ms, c.text) for c in track.cues]


def seek(page: Page, seconds: float) -> None:
    """Move the playhead and wait for the player's "seeked" event."""
    page.evaluate("""(t) => new Promise((resolve) => {
        const v = document.getElementById('ws-player');
        const go = () => {
            v.addEventListener('seeked', () => resolve(), { once: true });
            v.currentTime = t;
        };
        if (v.readyState >= 1) { go(); }
        else { v.addEventListener('loadedmetadata', go, { once: true }); }
    })""", seconds)


def player_time(page: Page) -> float:
    return float(page.evaluate("document.getElementById('ws-player').currentTime"))


def rendering_fonts(page: Page, selector: str) -> dict[str, int]:
    """The fonts Chromium really drew a textarea's text with: {family: glyph count}.

    The text of a <textarea> lives in its user-agent shadow root; DevTools' CSS domain
    answers, for a text node's parent, which platform fonts rendered how many glyphs.
    """
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        document = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
        target = cdp.send("DOM.querySelector",
                          {"nodeId": document["nodeId"], "selector": selector})["nodeId"]
        assert target, selector

        def find(node: dict[str, Any]) -> dict[str, Any] | None:
            if node.get("nodeId") == target:
                return node
            for child in [*node.get("children", []), *node.get("shadowRoots", [])]:
                found = find(child)
                if found is not None:
                    return found
            return None

        def text_parents(node: dict[str, Any]) -> Iterator[int]:
            for child in [*node.get("children", []), *node.get("shadowRoots", [])]:
                if child.get("nodeType") == 3 and child.get("nodeValue", "").strip():
                    yield node["nodeId"]
                yield from text_parents(child)

        textarea = find(document)
        assert textarea is not None, selector
        fonts: dict[str, int] = {}
        for parent in set(text_parents(textarea)):
            for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": parent})["fonts"]:
                fonts[font["familyName"]] = fonts.get(font["familyName"], 0) + font["glyphCount"]
        return fonts
    finally:
        cdp.detach()


def shot(page: Page, request: pytest.FixtureRequest, suffix: str) -> None:
    """A named screenshot next to the fixture's, for a person to look at."""
    out = request.config.rootpath / "test-output" / "browser"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / f"{request.node.name}-{suffix}.png"))


# ---- tests -----------------------------------------------------------------------------

def test_translator_plays_navigates_and_autosave_survives_a_reload(
    page: Page, live_server: str, desk: Desk, runtime: Runtime
) -> None:
    log_in(page, live_server, desk.translator.username)
    errors = open_workspace(page, live_server, desk.en)
    expect(page.locator("video#ws-player")).to_be_visible()
    expect(page.locator("#ws-list .cue")).to_have_count(4)
    # Source read-only on the left, the translation (empty on the source's grid) on the right.
    expect(row(page, 2).locator(".c-src")).to_have_text(
        "Đây là bản tin thời sự của Đài Phát thanh\nvà Truyền hình Lai Châu.")
    expect(row(page, 2).locator("textarea")).to_have_value("")
    expect(row(page, 1).locator(".c-in")).to_have_text("00:00:00.500")

    # Ctrl+Space plays while the caret is in a cue (and types nothing); again, it pauses.
    first = row(page, 1).locator("textarea")
    first.click()
    expect(row(page, 1)).to_have_class(re.compile(r"\bcurrent\b"))
    page.wait_for_function("document.getElementById('ws-player').readyState >= 2",
                           timeout=WAIT)
    start = player_time(page)
    first.press("Control+Space")
    page.wait_for_function(
        f"(() => {{ const v = document.getElementById('ws-player');"
        f" return !v.paused && v.currentTime > {start} + 0.5; }})()", timeout=WAIT)
    page.keyboard.press("Control+Space")
    page.wait_for_function("document.getElementById('ws-player').paused", timeout=WAIT)
    assert player_time(page) > start + 0.5
    expect(first).to_have_value("")

    # Alt+Down / Alt+Up: next and previous cue; the player seeks to the cue, the caret follows.
    first.click()  # (had playback reached cue 2, the list would have followed it)
    expect(row(page, 1)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("Alt+ArrowDown")
    expect(row(page, 2)).to_have_class(re.compile(r"\bcurrent\b"))
    expect(row(page, 2).locator("textarea")).to_be_focused()
    page.wait_for_function(
        "Math.abs(document.getElementById('ws-player').currentTime - 3.2) < 0.05", timeout=WAIT)
    page.keyboard.press("Alt+ArrowDown")
    expect(row(page, 3)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("Alt+ArrowUp")
    page.keyboard.press("Alt+ArrowUp")
    expect(row(page, 1)).to_have_class(re.compile(r"\bcurrent\b"))
    expect(first).to_be_focused()
    page.wait_for_function(
        "Math.abs(document.getElementById('ws-player').currentTime - 0.5) < 0.05", timeout=WAIT)

    # Type: "saving" at once, then "saved" once the server answered; nothing to press.
    states = record_save_states(page)
    with saving(page):
        first.press_sequentially("Welcome, dear viewers.", delay=15)
    seen = states()  # ["saving", "saved"]; a stall mid-typing may save twice, never fail
    assert seen[0] == "saving" and seen[-1] == "saved" and set(seen) == {"saving", "saved"}, seen
    expect(page.locator("#save-state")).to_have_text("Đã lưu mọi thay đổi")
    assert server_cues(runtime, desk.en)[0] == (500, 3000, "Welcome, dear viewers.")
    # The subtitle track on the video is generated again from the saved cues.
    expect(page.locator("#workspace")).to_have_attribute("data-vtt-version", re.compile(r"^[1-9]"),
                                                         timeout=WAIT)
    page.wait_for_function(
        """() => [...document.getElementById('ws-player').textTracks].some(
               (t) => t.cues && [...t.cues].some((c) => c.text === 'Welcome, dear viewers.'))""",
        timeout=WAIT)

    # A reload shows what the server kept (no stale copy offered from localStorage).
    page.reload()
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "1", timeout=WAIT)
    expect(row(page, 1).locator("textarea")).to_have_value("Welcome, dear viewers.")
    expect(page.locator("#ws-banner")).to_be_hidden()
    expect_saved(page)
    assert not errors, errors


def test_nudge_qc_split_and_merge_from_the_keyboard(
    page: Page, live_server: str, desk: Desk, runtime: Runtime
) -> None:
    log_in(page, live_server, desk.translator.username)
    errors = open_workspace(page, live_server, desk.en)

    # Alt+] moves the in point one frame (40 ms) later; Alt+Shift+; the out point 10 earlier.
    second = row(page, 2).locator("textarea")
    second.click()
    expect(row(page, 2).locator(".c-in")).to_have_text("00:00:03.200")
    with saving(page):
        second.press("Alt+BracketRight")
        expect(row(page, 2).locator(".c-in")).to_have_text("00:00:03.240")
    assert server_cues(runtime, desk.en)[1][:2] == (3240, 7500)
    with saving(page):
        second.press("Alt+Shift+Semicolon")
        expect(row(page, 2).locator(".c-out")).to_have_text("00:00:07.100")
    assert server_cues(runtime, desk.en)[1][:2] == (3240, 7100)
    # Back by one frame with Alt+[: 40 ms again.
    with saving(page):
        second.press("Alt+BracketLeft")
        expect(row(page, 2).locator(".c-in")).to_have_text("00:00:03.200")
    assert server_cues(runtime, desk.en)[1][:2] == (3200, 7100)

    # A line over the channel's 42 characters: the live counter marks it while typing, the
    # server's QC (same engine as the track page) flags the cue after the save; fixed, it goes.
    fourth = row(page, 4).locator("textarea")
    cpl = row(page, 4).locator(".c-findings li[data-check=cpl]")
    expect(cpl).to_have_count(0)
    with saving(page):
        fourth.fill("This line is far too long for a subtitle on the television screen")
        expect(row(page, 4).locator(".c-metrics .over").first).to_be_visible()
    expect(cpl).to_have_count(1)
    expect(cpl).to_contain_text("42")
    expect(row(page, 4)).to_have_class(re.compile(r"\bqc-error\b"))
    with saving(page):
        fourth.fill("Rice harvest in Muong Te.")
    expect(cpl).to_have_count(0)
    expect(row(page, 4).locator(".c-metrics .over")).to_have_count(0)
    expect(row(page, 4)).not_to_have_class(re.compile(r"\bqc-error\b"))

    # Ctrl+Enter splits at the playhead (9 s, inside cue 3), the words at the caret;
    # Ctrl+M merges it back with the next cue.
    third = row(page, 3).locator("textarea")
    with saving(page):
        third.fill("Today we present the rice harvest")
    seek(page, 9.0)
    third.evaluate("(t) => { t.focus(); t.setSelectionRange(16, 16); }")
    with page.expect_response(lambda r: r.url.endswith("/split"), timeout=WAIT) as split:
        third.press("Control+Enter")
    assert split.value.status == 200, split.value.text()
    expect(page.locator("#ws-list .cue")).to_have_count(5)
    expect(row(page, 3).locator("textarea")).to_have_value("Today we present")
    expect(row(page, 4).locator("textarea")).to_have_value("the rice harvest")
    expect(row(page, 3).locator(".c-out")).to_have_text("00:00:09.000")
    expect(row(page, 5).locator(".c-num")).to_have_text("5")
    cues = server_cues(runtime, desk.en)
    assert cues[2:4] == [(7700, 9000, "Today we present"), (9080, 11000, "the rice harvest")], cues

    row(page, 3).locator("textarea").click()
    with page.expect_response(lambda r: r.url.endswith("/merge"), timeout=WAIT) as merge:
        page.keyboard.press("Control+m")
    assert merge.value.status == 200, merge.value.text()
    expect(page.locator("#ws-list .cue")).to_have_count(4)
    expect(row(page, 3).locator("textarea")).to_have_value("Today we present the rice harvest")
    cues = server_cues(runtime, desk.en)
    assert cues[2] == (7700, 11000, "Today we present the rice harvest"), cues
    assert len(cues) == 4
    expect_saved(page)
    assert not errors, errors


def test_two_people_editing_one_cue_get_the_conflict_dialog(
    page: Page, browser: Browser, live_server: str, desk: Desk, runtime: Runtime,
    request: pytest.FixtureRequest,
) -> None:
    """Both open the track; the colleague saves cue 2 first; the translator's stale save is
    refused, the dialog shows both versions, "Keep mine" saves the translator's text on top."""
    log_in(page, live_server, desk.translator.username)
    mine_errors = open_workspace(page, live_server, desk.en)
    other_context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    other_context.set_default_timeout(15_000)
    try:
        other = other_context.new_page()
        log_in(other, live_server, desk.colleague.username)
        their_errors = open_workspace(other, live_server, desk.en)

        theirs, mine = "This is the Lai Chau news.", "News from Lai Chau radio and television."
        with saving(other):
            other_box = row(other, 2).locator("textarea")
            other_box.click()
            other_box.fill(theirs)
        assert server_cues(runtime, desk.en)[1][2] == theirs

        with page.expect_response(
                lambda r: "/api/cues/" in r.url and r.request.method == "PATCH",
                timeout=WAIT) as refused:
            my_box = row(page, 2).locator("textarea")
            my_box.click()
            my_box.fill(mine)
        assert refused.value.status == 409
        dialog = page.locator("#ws-conflict")
        expect(dialog).to_be_visible(timeout=WAIT)
        expect(page.locator("#workspace")).to_have_attribute("data-save-state", "conflict")
        expect(page.locator("#ws-conflict-theirs")).to_have_text(theirs)
        expect(page.locator("#ws-conflict-yours")).to_have_text(mine)
        expect(page.locator("#ws-conflict-who")).to_contain_text("Trần Thị Bình")
        shot(page, request, "dialog")
        # Nothing was overwritten while the dialog is open.
        assert server_cues(runtime, desk.en)[1][2] == theirs

        with saving(page):
            page.locator("#ws-keep-mine").click()
        expect(dialog).to_be_hidden()
        expect(my_box).to_have_value(mine)
        assert server_cues(runtime, desk.en)[1][2] == mine
        with runtime.session() as session:
            kept = session.get(Track, desk.en)
            assert kept is not None
            row_two = session.get(CueRow, kept.cues[1].id)
            assert row_two is not None and row_two.updated_by is not None
            assert row_two.updated_by.display_name == "Nguyễn Văn An"

        # The colleague's page takes the new text on its next refresh (their copy was saved).
        other.evaluate(
            "document.getElementById('workspace').dispatchEvent(new Event('ws:refresh'))")
        expect(row(other, 2).locator("textarea")).to_have_value(mine, timeout=WAIT)
        expect(other.locator("#ws-conflict")).to_be_hidden()
        shot(other, request, "colleague")
        assert not their_errors, their_errors
    finally:
        other_context.close()
    assert not mine_errors, mine_errors


def test_tai_viet_and_vietnamese_render_with_their_fonts(
    page: Page, live_server: str, desk: Desk, request: pytest.FixtureRequest
) -> None:
    log_in(page, live_server, desk.editor.username)

    # Tai Viet: the text is kept as typed and drawn with Noto Sans Tai Viet, glyph by glyph.
    errors = open_workspace(page, live_server, desk.tai)
    box = row(page, 1).locator("textarea")
    expect(box).to_have_value(TAI_VIET)
    expect(box).to_have_attribute("lang", "blt-Tavt")
    family = box.evaluate("(t) => getComputedStyle(t).fontFamily")
    assert TAI_VIET_FONT in family, family
    fonts = rendering_fonts(page, "#ws-list .cue:first-child textarea")
    letters = len(TAI_VIET.replace(" ", ""))
    assert fonts.get(TAI_VIET_FONT) == letters, fonts
    assert "Last Resort" not in fonts, fonts
    width = page.evaluate(
        """([text, family]) => { const s = document.createElement('span');
               s.style.font = '20px ' + family; s.textContent = text;
               document.body.appendChild(s); const w = s.getBoundingClientRect().width;
               s.remove(); return w; }""", [TAI_VIET, family])
    assert width > 20, width
    # The same cue on the video (the live WebVTT track) at 1.5 s.
    seek(page, 1.5)
    page.wait_for_function(
        f"""() => [...document.getElementById('ws-player').textTracks].some(
               (t) => t.mode === 'showing' && t.activeCues &&
                      [...t.activeCues].some((c) => c.text === {TAI_VIET!r}))""", timeout=WAIT)
    page.wait_for_function("document.getElementById('ws-player').readyState >= 2",
                           timeout=WAIT)
    shot(page, request, "tai-viet")
    assert not errors, errors

    # Vietnamese: every diacritic drawn by DejaVu Sans, nothing left to a fallback.
    errors = open_workspace(page, live_server, desk.vi)
    second = row(page, 2).locator("textarea")
    expected = "Đây là bản tin thời sự của Đài Phát thanh\nvà Truyền hình Lai Châu."
    expect(second).to_have_value(expected)
    fonts = rendering_fonts(page, "#ws-list .cue:nth-child(2) textarea")
    assert set(fonts) == {VIETNAMESE_FONT}, fonts
    assert fonts[VIETNAMESE_FONT] >= len(expected.replace("\n", "")), fonts
    seek(page, 4.0)
    page.wait_for_function(
        """(text) => [...document.getElementById('ws-player').textTracks].some(
               (t) => t.mode === 'showing' && t.activeCues &&
                      [...t.activeCues].some((c) => c.text === text))""",
        arg=expected, timeout=WAIT)
    page.wait_for_function("document.getElementById('ws-player').readyState >= 2",
                           timeout=WAIT)
    shot(page, request, "vietnamese")
    assert not errors, errors


def test_split_at_the_caret_after_clicking_into_a_cue(
    page: Page, live_server: str, desk: Desk, runtime: Runtime
) -> None:
    """What a translator does most: click into the text, put the caret, press Ctrl+Enter."""
    log_in(page, live_server, desk.translator.username)
    errors = open_workspace(page, live_server, desk.en)
    third = row(page, 3).locator("textarea")
    third.click()  # the player jumps to the cue's start, 7.700 s (not on the 40 ms grid)
    page.wait_for_function(
        "Math.abs(document.getElementById('ws-player').currentTime - 7.7) < 0.01", timeout=WAIT)
    with saving(page):
        third.fill("Today we present the rice harvest")
    third.evaluate("(t) => { t.focus(); t.setSelectionRange(16, 16); }")
    with page.expect_response(lambda r: r.url.endswith("/split"), timeout=WAIT) as split:
        third.press("Control+Enter")
    assert split.value.status == 200, split.value.text()
    expect(page.locator("#ws-list .cue")).to_have_count(5)
    left = server_cues(runtime, desk.en)[2]
    assert left[2] == "Today we present"
    # The caret is about half-way through a 3.3 s cue: the cut must not leave a 20 ms cue.
    assert left[1] - left[0] >= 1000, left
    assert not errors, errors
