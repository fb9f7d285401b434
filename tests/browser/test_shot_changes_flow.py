"""Shot changes in a real browser: found by the real ingest, drawn on the workspace waveform,
and an imported track retimed to them with the track page's button."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from station.runtime import Runtime
from subtitles import services
from tests import media
from tests.browser.test_editor_flow import log_in
from tests.browser.test_workspace_flow import WAIT, open_workspace, server_cues
from tests.integration.test_ingest import run_ingest

# One cue ends 5 frames before the 3 s cut, the next starts 3 frames after it.
SRT_VI = ("1\n00:00:00,500 --> 00:00:02,800\nXin chào quý vị.\n\n"
          "2\n00:00:03,120 --> 00:00:05,500\nĐây là chợ phiên Tam Đường.\n\n")
SHOT_VIOLET = (0xD1, 0x8B, 0xFF)  # SHOT_COLOUR in workspace.js


def test_shot_changes_are_drawn_and_a_track_retimed_to_them(
        page: Page, live_server: str, runtime: Runtime, make_user: Callable[..., Any],
        make_report: Callable[..., Any], media_cache: Path,
        request: pytest.FixtureRequest) -> None:
    editor = make_user("editor")
    report = make_report(editor, "Chợ phiên Tam Đường", channel_codes=["LCTV"])
    job = run_ingest(runtime, editor, report.id, media.shot_cuts(media_cache))
    assert job.status == "succeeded", job.error
    with runtime.session() as session:
        track, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "vi.srt",
                                         actor=editor)
        session.commit()
        track_id = track.id
    log_in(page, live_server, editor.username)

    errors = open_workspace(page, live_server, track_id)
    expect(page.locator("#ws-shot-legend")).to_be_visible()
    expect(page.locator("#ws-shot-legend")).to_have_attribute("title", "Điểm chuyển cảnh: 4")
    # The 30 s view from 0: each cut is a violet line at its place on the canvas.
    canvas = page.locator("#ws-wave")
    box = canvas.bounding_box()
    assert box is not None
    for cut_ms in media.SHOT_CUTS_MS:
        x, colour = page.evaluate("""([ms]) => {
            const c = document.getElementById('ws-wave');
            const x = Math.round(ms * c.clientWidth / 30000), ratio = c.width / c.clientWidth;
            const px = c.getContext('2d').getImageData(Math.round(x * ratio), 2, 1, 1).data;
            return [x, [px[0], px[1], px[2]]];
        }""", [cut_ms])
        assert tuple(colour) == SHOT_VIOLET, (cut_ms, colour)
        # Its time as a tooltip when the pointer is on it.
        page.mouse.move(box["x"] + x + 0.5, box["y"] + box["height"] / 2)
        expect(canvas).to_have_attribute("title",
                                         f"Điểm chuyển cảnh 00:00:{cut_ms // 1000:02d}.000")
    assert errors == []
    out = request.config.rootpath / "test-output" / "browser"
    out.mkdir(parents=True, exist_ok=True)
    canvas.screenshot(path=str(out / "shot-changes-waveform.png"))  # for a person to look at

    page.goto(f"{live_server}/tracks/{track_id}")
    page.get_by_role("button", name="Căn thời gian theo điểm chuyển cảnh").click()
    expect(page.locator(".flash.ok")).to_contain_text("dời 2 câu", timeout=WAIT)
    assert [c[:2] for c in server_cues(runtime, track_id)] == [(500, 2920), (3000, 5500)]
