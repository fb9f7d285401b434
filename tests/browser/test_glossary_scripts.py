"""Glossary QC per script, as a translator sees it (issue 13): a Chinese cue that starts with
the approved 莱州 gets no "must be translated as" warning on the track's QC page, while a
cue without it still does; an English cue with "Lai Chauxyz" is not taken for "Lai Chau"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from station.runtime import Runtime
from subtitles import editing, memory, services
from tests.browser.test_editor_flow import log_in

SRT_VI = ("1\n00:00:01,000 --> 00:00:03,000\nLai Châu đón khách du lịch.\n\n"
          "2\n00:00:04,000 --> 00:00:06,000\nLai Châu có nhiều đỉnh núi.\n")


def test_glossary_warnings_follow_each_scripts_words(
        page: Page, live_server: str, runtime: Runtime,
        make_user: Callable[..., Any], make_report: Callable[..., Any]) -> None:
    editor = make_user("editor")
    reviewer = make_user("translator", languages=["zh", "en"], can_review=True)
    report = make_report(editor, "Lai Châu đón khách", channel_codes=["LCTV"])
    with runtime.session() as session:
        memory.save_term(session, actor=reviewer, term="Lai Châu",
                         translations={"zh": "莱州", "en": "Lai Chau"})
        source, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "vi.srt",
                                          actor=editor)
        zh, en = services.add_translation_tracks(session, source, ["zh", "en"], actor=editor)
        texts = {zh.id: ["莱州迎接游客。", "这里有很多高山。"],
                 en.id: ["Lai Chauxyz welcomes visitors.", "Lai Chau has many peaks."]}
        for track in (zh, en):
            for cue, text in zip(track.cues, texts[track.id], strict=True):
                editing.edit_cue(session, cue.id, actor=editor, version=cue.version, text=text)
        session.commit()
        zh_id, en_id = zh.id, en.id
    log_in(page, live_server, editor.username)
    page.goto(f"{live_server}/tracks/{zh_id}")
    rows = page.locator("table.cues tbody tr")
    expect(rows.nth(1).locator(".finding", has_text="莱州")).to_have_count(1)
    expect(rows.nth(0).locator(".finding", has_text="莱州")).to_have_count(0)
    page.goto(f"{live_server}/tracks/{en_id}")
    rows = page.locator("table.cues tbody tr")
    expect(rows.nth(0).locator(".finding", has_text="Lai Chau")).to_have_count(1)
    expect(rows.nth(1).locator(".finding", has_text="Lai Chau")).to_have_count(0)
