"""Undo and redo in the workspace restore exactly what was there, on the page and the server.

Issue 13, item 2 ("Workspace safety"): an undo after a split used to skip the split (a split
was never on the undo stack) and take back an older step in another cue instead, erasing
that neighbour's text on the server. Each action a translator has (text, timing, split,
merge, insert, delete) is undone and redone here in real Chromium, and every check reads
both the page and the database. A Hypothesis test then plays random sequences of them.

The report has no media (no ingest): undo is about the cue list, and without a player the
split point comes from the caret, which the tests set exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Page, expect

from station.runtime import Runtime
from subtitles import editing, services
from subtitles.models import Track
from tests.browser.test_editor_flow import log_in
from tests.browser.test_workspace_flow import SRT_VI, WAIT  # the same four-cue news


@dataclass(frozen=True)
class Desk:
    editor: Any
    translator: Any
    vi: int
    en: int


@pytest.fixture
def desk(runtime: Runtime, make_user: Callable[..., Any],
         make_report: Callable[..., Any]) -> Desk:
    """A report without media, a Vietnamese original and an English track on its grid."""
    editor = make_user("editor", display_name="Lò Thị Mai")
    translator = make_user("translator", languages=["en"], display_name="Nguyễn Văn An")
    report = make_report(editor, "Mùa lúa chín ở Mường Tè", channel_codes=["LCTV"])
    with runtime.session() as session:
        vi, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "vi.srt",
                                      actor=editor)
        en = services.create_track(session, report.id, "en", actor=editor, source_track_id=vi.id)
        session.commit()
        return Desk(editor, translator, vi.id, en.id)


# ---- helpers ---------------------------------------------------------------------------

def open_workspace(page: Page, base: str, track_id: int) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/tracks/{track_id}/edit")
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "1", timeout=WAIT)
    return errors


def box(page: Page, n: int) -> Any:
    return page.locator("#ws-list .cue").nth(n - 1).locator("textarea")


def settle(page: Page) -> None:
    """Wait until the page has nothing queued, nothing in flight and every cue saved."""
    page.wait_for_function(
        "() => { const r = document.getElementById('workspace');"
        " return r.dataset.busy !== '1' && r.dataset.saveState === 'saved'; }",
        timeout=WAIT)


def server_cues(runtime: Runtime, track_id: int) -> list[tuple[int, int, str]]:
    with runtime.session() as session:
        track = session.get(Track, track_id)
        assert track is not None
        return [(c.start_ms, c.end_ms, c.text) for c in
                sorted(track.cues, key=lambda c: (c.start_ms, c.id))]


def page_cues(page: Page) -> list[tuple[int, int, str]]:
    """What the page shows: each row's times (from the page's model) and its textarea."""
    return [tuple(x) for x in page.evaluate(  # type: ignore[misc]
        "() => [...document.querySelectorAll('#ws-list .cue')].map((r) => {"
        " const t = (s) => { const m = s.match(/(\\d+):(\\d+):(\\d+)\\.(\\d+)/);"
        "   return ((+m[1] * 60 + +m[2]) * 60 + +m[3]) * 1000 + +m[4]; };"
        " const q = (s) => r.querySelector(s);"
        " return [t(q('.c-in').textContent), t(q('.c-out').textContent),"
        "   q('textarea').value.trim()]; })")]


def type_into(page: Page, n: int, text: str) -> None:
    """Click into cue n, replace its text, and wait for the save (one undo step)."""
    target = box(page, n)
    target.click()
    target.fill(text)
    settle(page)


def split_at(page: Page, n: int, caret: int) -> None:
    target = box(page, n)
    target.evaluate("(t, at) => { t.focus(); t.setSelectionRange(at, at); }", caret)
    with page.expect_response(lambda r: r.url.endswith("/split"), timeout=WAIT) as answer:
        target.press("Control+Enter")
    assert answer.value.status == 200, answer.value.text()
    settle(page)


def press(page: Page, keys: str) -> None:
    page.keyboard.press(keys)
    settle(page)


# ---- the reported bug ------------------------------------------------------------------

def test_undo_after_a_split_joins_the_cue_and_leaves_the_neighbour_alone(
    page: Page, live_server: str, desk: Desk, runtime: Runtime
) -> None:
    """The report: type in cue 2, then in cue 3, split cue 3 with Ctrl+Enter, press Ctrl+Z.
    Before the fix the split stayed and cue 2 was emptied and saved."""
    log_in(page, live_server, desk.translator.username)
    errors = open_workspace(page, live_server, desk.en)
    type_into(page, 2, "This is the news from Lai Chau.")
    type_into(page, 3, "Today we present the rice harvest")
    before = server_cues(runtime, desk.en)
    split_at(page, 3, 16)
    expect(page.locator("#ws-list .cue")).to_have_count(5)
    assert server_cues(runtime, desk.en)[2][2] == "Today we present"

    press(page, "Control+z")
    expect(page.locator("#ws-list .cue")).to_have_count(4)
    expect(box(page, 2)).to_have_value("This is the news from Lai Chau.")
    expect(box(page, 3)).to_have_value("Today we present the rice harvest")
    assert server_cues(runtime, desk.en) == before
    assert page_cues(page) == before

    page.reload()
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "1", timeout=WAIT)
    expect(page.locator("#ws-list .cue")).to_have_count(4)
    expect(box(page, 2)).to_have_value("This is the news from Lai Chau.")
    expect(box(page, 3)).to_have_value("Today we present the rice harvest")
    assert page_cues(page) == before
    assert not errors, errors


def test_split_is_redone_with_the_same_halves(
    page: Page, live_server: str, desk: Desk, runtime: Runtime
) -> None:
    log_in(page, live_server, desk.translator.username)
    errors = open_workspace(page, live_server, desk.en)
    type_into(page, 3, "Today we present\nthe rice harvest")
    before = server_cues(runtime, desk.en)
    split_at(page, 3, 17)
    halves = server_cues(runtime, desk.en)
    assert halves[2][2] == "Today we present" and halves[3][2] == "the rice harvest"
    press(page, "Control+z")
    assert server_cues(runtime, desk.en) == before  # the line break too
    assert page_cues(page) == before
    press(page, "Control+Shift+z")
    assert server_cues(runtime, desk.en) == halves
    assert page_cues(page) == halves
    # The text typed before the split is undone after it, in order.
    press(page, "Control+z")
    press(page, "Control+z")
    expect(box(page, 3)).to_have_value("")
    assert server_cues(runtime, desk.en)[2] == (7700, 11000, "")
    assert not errors, errors


def test_text_and_timing_are_undone_and_redone_on_the_server(
    page: Page, live_server: str, desk: Desk, runtime: Runtime
) -> None:
    log_in(page, live_server, desk.translator.username)
    errors = open_workspace(page, live_server, desk.en)
    original = server_cues(runtime, desk.en)
    type_into(page, 1, "Welcome, dear viewers.")
    second = box(page, 2)
    second.click()
    second.press("Alt+BracketRight")  # in point one frame later
    settle(page)
    edited = server_cues(runtime, desk.en)
    assert edited[0][2] == "Welcome, dear viewers." and edited[1][:2] == (3240, 7500)

    press(page, "Control+z")  # the timing
    assert server_cues(runtime, desk.en) == [edited[0], *original[1:]]
    press(page, "Control+z")  # the text
    assert server_cues(runtime, desk.en) == original
    assert page_cues(page) == original
    press(page, "Control+z")  # nothing left: nothing changes
    expect(page.locator(".ws-toast")).to_have_text("Không có gì để hoàn tác")
    assert server_cues(runtime, desk.en) == original

    press(page, "Control+y")
    press(page, "Control+Shift+z")
    assert server_cues(runtime, desk.en) == edited
    assert page_cues(page) == edited
    assert not errors, errors


def test_merge_is_undone_into_both_old_cues_and_redone(
    page: Page, live_server: str, desk: Desk, runtime: Runtime
) -> None:
    log_in(page, live_server, desk.translator.username)
    errors = open_workspace(page, live_server, desk.en)
    type_into(page, 3, "Today we present")
    type_into(page, 4, "the rice harvest in Muong Te.")
    before = server_cues(runtime, desk.en)
    box(page, 3).click()
    with page.expect_response(lambda r: r.url.endswith("/merge"), timeout=WAIT):
        page.keyboard.press("Control+m")
    settle(page)
    merged = server_cues(runtime, desk.en)
    assert merged[2] == (7700, 14500, "Today we present the rice harvest in Muong Te.")
    assert len(merged) == 3

    press(page, "Control+z")
    assert server_cues(runtime, desk.en) == before  # both cues, their own times and texts
    assert page_cues(page) == before
    press(page, "Control+z")  # the text typed into cue 4 (its row came back with a new id)
    assert server_cues(runtime, desk.en)[3] == (11200, 14500, "")
    press(page, "Control+y")
    press(page, "Control+y")
    assert server_cues(runtime, desk.en) == merged
    assert page_cues(page) == merged
    assert not errors, errors


def test_insert_and_delete_are_undone_and_redone(
    page: Page, live_server: str, desk: Desk, runtime: Runtime
) -> None:
    log_in(page, live_server, desk.editor.username)
    errors = open_workspace(page, live_server, desk.vi)
    original = server_cues(runtime, desk.vi)

    # Insert after the last cue: 2 s, the minimum gap after it; then type into it.
    box(page, 4).click()
    with page.expect_response(lambda r: r.url.endswith("/cues") and r.request.method == "POST",
                              timeout=WAIT) as answer:
        page.keyboard.press("Alt+i")
    assert answer.value.status == 201, answer.value.text()
    settle(page)
    expect(page.locator("#ws-list .cue")).to_have_count(5)
    expect(box(page, 5)).to_be_focused()
    page.keyboard.type("Hết bản tin.")
    settle(page)
    inserted = server_cues(runtime, desk.vi)
    assert inserted == [*original, (14580, 16580, "Hết bản tin.")]

    press(page, "Control+z")  # the text
    press(page, "Control+z")  # the insert
    assert server_cues(runtime, desk.vi) == original
    assert page_cues(page) == original
    press(page, "Control+y")
    press(page, "Control+y")
    assert server_cues(runtime, desk.vi) == inserted
    assert page_cues(page) == inserted

    # Delete cue 2 (two lines of text); undo brings back its text and times; redo deletes.
    box(page, 2).click()
    with page.expect_response(lambda r: r.request.method == "DELETE", timeout=WAIT) as gone:
        page.keyboard.press("Alt+Delete")
    assert gone.value.status == 200, gone.value.text()
    settle(page)
    deleted = [c for c in inserted if c != original[1]]
    assert server_cues(runtime, desk.vi) == deleted
    assert page_cues(page) == deleted
    press(page, "Control+z")
    assert server_cues(runtime, desk.vi) == inserted
    assert page_cues(page) == inserted
    expect(box(page, 2)).to_have_value(original[1][2])
    press(page, "Control+y")
    assert server_cues(runtime, desk.vi) == deleted
    # Everything back to the start, through the recreated rows.
    for _ in range(4):
        press(page, "Control+z")
    assert server_cues(runtime, desk.vi) == original
    assert page_cues(page) == original

    page.reload()
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "1", timeout=WAIT)
    assert page_cues(page) == original
    assert not errors, errors


def test_undo_never_overwrites_what_someone_else_saved_since(
    page: Page, live_server: str, desk: Desk, runtime: Runtime
) -> None:
    """A split's right half changed by a colleague: undoing the split is refused (409),
    their text stays; a text undo on a cue the page has since seen changed is refused."""
    log_in(page, live_server, desk.translator.username)
    errors = open_workspace(page, live_server, desk.en)
    type_into(page, 3, "Today we present the rice harvest")
    split_at(page, 3, 16)
    colleague = desk.translator  # any other session: the service, as their save would
    with runtime.session() as session:
        track = session.get(Track, desk.en)
        assert track is not None
        right = sorted(track.cues, key=lambda c: c.start_ms)[3]
        editing.edit_cue(session, right.id, actor=colleague, version=right.version,
                          text="the golden rice harvest")
        session.commit()
    with page.expect_response(lambda r: r.url.endswith("/merge"), timeout=WAIT) as refused:
        page.keyboard.press("Control+z")
    assert refused.value.status == 409
    settle(page)
    cues = server_cues(runtime, desk.en)
    assert len(cues) == 5 and cues[3][2] == "the golden rice harvest"
    expect(box(page, 4)).to_have_value("the golden rice harvest", timeout=WAIT)  # refreshed
    expect(box(page, 3)).to_have_value("Today we present")

    # The step before (my typing into the whole cue) no longer fits the half that is left:
    # it is refused with a message rather than emptying anything.
    press(page, "Control+z")
    expect(page.locator(".ws-toast")).to_have_text(
        "Câu 3 đã thay đổi sau bước này; không hoàn tác được")
    assert server_cues(runtime, desk.en) == cues
    assert not errors, errors


# ---- the property: random sequences lose nothing and the server shows what the page does --

FRAME, GAP = 40, 80  # 25 fps and the channel's minimum gap (LCTV: the defaults)
SYLLABLES = ("lúa", "chín", "Mường", "Tè", "bản", "tin", "đồi", "nương", "Sìn", "Hồ")
ACTIONS = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 40), st.integers(1, 4)),
    st.tuples(st.sampled_from(["split", "merge", "insert", "delete"]), st.integers(0, 40),
              st.just(0)),
    st.tuples(st.sampled_from(["undo", "redo"]), st.just(0), st.just(0)),
)


class Model:
    """What the texts must be: every action a new state, undo and redo move in the history."""

    def __init__(self, texts: list[str]) -> None:
        self.states = [texts]
        self.at = 0

    @property
    def texts(self) -> list[str]:
        return self.states[self.at]

    def do(self, texts: list[str]) -> None:
        self.states = [*self.states[:self.at + 1], texts]
        self.at += 1

    def undo(self) -> None:
        self.at = max(0, self.at - 1)

    def redo(self) -> None:
        self.at = min(len(self.states) - 1, self.at + 1)


def js_round(x: float) -> int:
    return int(x // 1 + (1 if x % 1 >= 0.5 else 0))


def play(page: Page, model: Model, action: tuple[str, int, int], last: list[Any],
         fresh: Callable[[], str]) -> None:
    """Do one action on the page (keyboard, as a person would) and in the model; an action
    the page would refuse (no room, a split point outside the cue) is skipped in both."""
    kind, pick, size = action
    cues = page_cues(page)
    n = len(cues)
    i = pick % n
    texts = list(model.texts)
    start, end, text = cues[i]
    if kind == "edit":
        if last and last[0] == ("edit", i):
            return  # typing on in the same cue is the same undo step: not a new one
        new = " ".join(fresh() for _ in range(size))
        type_into(page, i + 1, new)
        model.do([*texts[:i], new, *texts[i + 1:]])
    elif kind == "split":
        words = text.split()
        caret = text.find(" ")
        at = js_round((start + (end - start) * caret / len(text)) / FRAME) * FRAME if caret > 0 \
            else start
        if len(words) < 2 or not start < at < end:
            return
        split_at(page, i + 1, caret)
        model.do([*texts[:i], words[0], " ".join(words[1:]), *texts[i + 1:]])
    elif kind == "merge":
        if i == n - 1:
            return
        box(page, i + 1).click()
        press(page, "Control+m")
        joined = " ".join(t for t in (texts[i], texts[i + 1]) if t)
        model.do([*texts[:i], joined, *texts[i + 2:]])
    elif kind == "insert":
        if i == n - 1 or min(end + GAP + 2000, cues[i + 1][0] - GAP) - (end + GAP) < FRAME:
            return
        box(page, i + 1).click()
        press(page, "Alt+i")
        model.do([*texts[:i + 1], "", *texts[i + 1:]])
    elif kind == "delete":
        if n == 1:
            return
        box(page, i + 1).click()
        press(page, "Alt+Delete")
        model.do([*texts[:i], *texts[i + 1:]])
    elif kind == "undo":
        press(page, "Control+z")
        model.undo()
    else:
        press(page, "Control+Shift+z")
        model.redo()
    last[:] = [(kind, i)]


def test_random_edits_undos_and_redos_lose_no_text(
    page: Page, live_server: str, runtime: Runtime, make_user: Callable[..., Any],
    make_report: Callable[..., Any],
) -> None:
    """Random sequences of edits, splits, merges, inserts, deletes, undos and redos on a
    fresh track each: after every action the server's cues (times and text) equal the page's,
    and the texts equal the model's, so no word is lost or made up."""
    editor = make_user("editor")
    report = make_report(editor, "Thuộc tính hoàn tác", channel_codes=["LCTV"])
    log_in(page, live_server, editor.username)
    counter = iter(range(1, 1_000_000))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    tracks: list[int] = []

    @settings(max_examples=12, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.lists(ACTIONS, min_size=3, max_size=9))
    def run(actions: list[tuple[str, int, int]]) -> None:
        with runtime.session() as session:
            for old in tracks:  # one track per language and report: the last one goes
                services.delete_track(session, old, actor=editor)
            srt = "".join(
                f"{k + 1}\n00:00:{2 * k * 3:02d},000 --> 00:00:{2 * k * 3 + 5:02d},000\n"
                f"{SYLLABLES[k]}{k} {SYLLABLES[k + 1]}{k} {SYLLABLES[k + 2]}{k}\n\n"
                for k in range(4))
            track, _ = services.import_track(session, report.id, "vi", srt.encode(), "p.srt",
                                             actor=editor)
            session.commit()
            tracks[:] = [track.id]
        page.goto(f"{live_server}/tracks/{track.id}/edit")
        expect(page.locator("#workspace")).to_have_attribute("data-ready", "1", timeout=WAIT)
        model = Model([c[2] for c in server_cues(runtime, track.id)])
        last: list[Any] = []
        for action in actions:
            play(page, model, action, last,
                 lambda: f"{SYLLABLES[next(counter) % len(SYLLABLES)]}{next(counter)}")
            shown = page_cues(page)
            assert server_cues(runtime, track.id) == shown, action
            assert [c[2] for c in shown] == model.texts, action
            assert " ".join(c[2] for c in shown).split() == " ".join(model.texts).split()
        assert not errors, errors

    run()
