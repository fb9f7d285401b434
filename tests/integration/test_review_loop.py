"""The review loop (issue 13, item 3) on both databases: the send-back reason and the cue
remarks found again (workspace, queue, history, review sheet), the queue's to-do, done and
"waiting for my review", and the mark on a translation whose source changed."""

from __future__ import annotations

from typing import Any

import pytest

from production.models import MediaAsset
from station.errors import ValidationError
from station.runtime import Runtime
from subtitles import editing, review, services
from subtitles.models import CueRevision, CueRow, Track
from tests.conftest import report_factory, user_factory

SRT_VI = ("1\n00:00:01,000 --> 00:00:04,000\nChào mừng quý vị đến với Lai Châu\n\n"
          "2\n00:00:05,000 --> 00:00:08,000\nĐây là ruộng bậc thang Mường Tè\n\n")
REASON = "Câu 2: viết đúng tên “Mường Tè”"


@pytest.fixture
def world(any_runtime: Runtime) -> dict[str, Any]:
    """A Vietnamese original and an English translation on its grid, written by An."""
    make = user_factory(any_runtime)
    people = {
        "editor": make("editor", display_name="Lò Thị Mai"),
        "an": make("translator", languages=["en"], display_name="Nguyễn Văn An"),
        "binh": make("translator", languages=["en"], can_review=True,
                     display_name="Trần Bình"),
    }
    report = report_factory(any_runtime)(people["editor"], "Lai Châu mùa lúa",
                                         channel_codes=["VTV4"])
    with any_runtime.session() as session:
        session.add(MediaAsset(report_id=report.id, role="master", sha256="c" * 64,
                               size_bytes=1, storage_key="cc/cc/x.mp4", duration_ms=30_000))
        vi, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "vi.srt",
                                      actor=people["editor"])
        en = services.create_track(session, report.id, "en", actor=people["editor"],
                                   source_track_id=vi.id)
        row = en.cues[0]
        editing.edit_cue(session, row.id, actor=people["an"], version=row.version,
                          text="Welcome to Lai Chau")
        session.commit()
        return {"rt": any_runtime, "report": report.id, "vi": vi.id, "en": en.id, **people}


def _cues(session: Any, track_id: int) -> list[CueRow]:
    track = session.get(Track, track_id)
    session.refresh(track)
    return list(track.cues)


def test_the_send_back_reason_and_remarks_are_found_again(world: dict[str, Any]) -> None:
    rt = world["rt"]
    with rt.session() as session:
        review.move(session, world["en"], "in_review", actor=world["an"])
        assert review.send_backs(session, [world["en"]]) == {}
        cue = _cues(session, world["en"])[1]
        review.comment(session, cue.id, "Thiếu câu dịch", actor=world["binh"])
        review.move(session, world["en"], "draft", actor=world["binh"], comment=REASON)
        session.commit()
    with rt.session() as session:
        back = review.send_backs(session, [world["en"], world["vi"]])
        assert list(back) == [world["en"]]
        assert (back[world["en"]].reason, back[world["en"]].by) == (REASON, "Trần Bình")
        assert back[world["en"]].open_comments == 1
        track = session.get(Track, world["en"])
        rows = review.report_rows(session, track, "vi")
        assert rows[0]["kind"] == "sent_back" and rows[0]["text"] == REASON
        assert any(r["kind"] == "comment" and r["text"] == "Thiếu câu dịch" for r in rows)
        entries = review.history(session, track)
        moves = [(e.before, e.after, e.text) for e in entries if e.kind == "status"]
        assert moves == [("in_review", "draft", REASON), ("draft", "in_review", "")]
        remark = next(e for e in entries if e.kind == "comment")
        assert (remark.cue, remark.text, remark.by) == (2, "Thiếu câu dịch", "Trần Bình")
        # Sent for review again: the reason was answered and leaves the queue and workspace.
        review.move(session, world["en"], "in_review", actor=world["an"])
        session.commit()
        assert review.send_backs(session, [world["en"]]) == {}
        assert any(e.text == REASON for e in review.history(session, track))  # kept there


def test_the_queue_splits_to_do_done_and_waiting_for_review(world: dict[str, Any]) -> None:
    rt = world["rt"]
    other = report_factory(rt)(world["editor"], "Hội chợ Tam Đường", channel_codes=["VTV4"])
    with rt.session() as session:
        vi, _ = services.import_track(session, other.id, "vi", SRT_VI.encode(), "vi.srt",
                                      actor=world["editor"])
        fair = services.create_track(session, other.id, "en", actor=world["editor"],
                                     source_track_id=vi.id)
        editing.edit_cue(session, fair.cues[0].id, actor=world["an"],
                          version=fair.cues[0].version, text="Tam Duong fair")
        review.move(session, fair.id, "in_review", actor=world["an"])
        session.commit()
        fair_id = fair.id
    with rt.session() as session:
        mine = review.work_queue(session, world["an"])
        assert [r.track.id for r in mine.todo] == [world["en"]]
        assert [r.track.id for r in mine.done] == [fair_id]
        assert mine.to_review == []  # An does not review, and sent it himself
        assert mine.languages == ["en"]
        assert mine.todo[0].filled == 1 and mine.todo[0].cues == 2
        theirs = review.work_queue(session, world["binh"])
        assert [r.track.id for r in theirs.to_review] == [fair_id]
        found = review.work_queue(session, world["an"], search="tam  ĐƯỜNG")
        assert [r.track.id for r in found.todo + found.done] == [fair_id]
        assert review.work_queue(session, world["an"], search="100%_").done == []
        none = review.work_queue(session, world["editor"], language="zh")
        assert none.todo == none.done == none.to_review == []
        editor = review.work_queue(session, world["editor"], language="vi")
        assert {r.track.language for r in editor.todo} == {"vi"}


def test_a_source_change_marks_the_written_translation_until_confirmed(
        world: dict[str, Any]) -> None:
    rt = world["rt"]
    with rt.session() as session:
        vi = _cues(session, world["vi"])
        en = _cues(session, world["en"])
        versions = [c.version for c in en]
        # Timing alone is not a change of what is said.
        editing.edit_cue(session, vi[0].id, actor=world["editor"], version=vi[0].version,
                          start_ms=900)
        session.commit()
        assert [c.source_changed_at for c in _cues(session, world["en"])] == [None, None]
        for cue in vi:
            editing.edit_cue(session, cue.id, actor=world["editor"], version=cue.version,
                              text=cue.text + " hôm nay")
        session.commit()
    with rt.session() as session:
        en = _cues(session, world["en"])
        # The written cue is marked; the empty one (nothing translated yet) is not.
        assert en[0].source_changed_at is not None and en[1].source_changed_at is None
        assert [c.version for c in en] == versions  # an open page's save is no conflict
        assert review.source_changed_counts(session, [world["en"]]) == {world["en"]: 1}
        assert review.work_queue(session, world["an"]).todo[0].source_changed == 1
        with pytest.raises(ValidationError, match="has not changed"):
            editing.confirm_source(session, en[1].id, actor=world["an"],
                                    version=en[1].version)
        editing.confirm_source(session, en[0].id, actor=world["an"], version=en[0].version)
        session.commit()
    with rt.session() as session:
        en = _cues(session, world["en"])
        assert en[0].source_changed_at is None
        ok = session.query(CueRevision).filter_by(track_id=world["en"],
                                                  action="source_ok").one()
        assert ok.actor_id == world["an"].id and ok.cue_id == en[0].id
        assert ok.after == {"text": "Welcome to Lai Chau",
                            "source": "Chào mừng quý vị đến với Lai Châu hôm nay"}
        entry = next(e for e in review.history(session, session.get(Track, world["en"]))
                     if e.kind == "source_ok")
        assert (entry.cue, entry.by) == (1, "Nguyễn Văn An")
        # Marked again by a later change; rewriting the translation clears it too.
        vi = _cues(session, world["vi"])
        editing.edit_cue(session, vi[0].id, actor=world["editor"], version=vi[0].version,
                          text="Xin chào")
        session.commit()
        en = _cues(session, world["en"])
        assert en[0].source_changed_at is not None
        editing.edit_cue(session, en[0].id, actor=world["an"], version=en[0].version,
                          text="Hello")
        session.commit()
        assert _cues(session, world["en"])[0].source_changed_at is None
        # A source cue deleted under a written translation marks it as well.
        vi = _cues(session, world["vi"])
        editing.delete_cue(session, vi[0].id, actor=world["editor"], version=vi[0].version)
        session.commit()
        assert _cues(session, world["en"])[0].source_changed_at is not None
