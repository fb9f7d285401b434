"""The server side of the workspace's undo (issue 13, item 2): each action has an exact inverse.

A split is undone by a merge that gives the cue its own text back (line break included), a
merge by a split at the old boundary with both old texts and times, an insert by a delete,
a delete by an insert of the old text and times. Each checks versions, so an undo never
overwrites what someone else saved since.
"""

from __future__ import annotations

from typing import Any

import pytest

from station.errors import Conflict, ValidationError
from station.runtime import Runtime
from subtitles import editing, services
from subtitles.models import CueRevision, CueRow, Track
from tests.conftest import report_factory, user_factory

SRT = ("1\n00:00:01,000 --> 00:00:04,000\nChào mừng quý vị\nđến với Lai Châu\n\n"
       "2\n00:00:05,000 --> 00:00:08,000\nĐây là ruộng bậc thang Mường Tè\n\n")


@pytest.fixture
def world(runtime: Runtime) -> dict[str, Any]:
    editor = user_factory(runtime)("editor")
    report = report_factory(runtime)(editor, "Ruộng bậc thang")
    with runtime.session() as session:
        vi, _ = services.import_track(session, report.id, "vi", SRT.encode(), "a.srt",
                                      actor=editor)
        en = services.create_track(session, report.id, "en", actor=editor,
                                   source_track_id=vi.id)
        session.commit()
        return {"editor": editor, "vi": vi.id, "en": en.id}


def cues(session: Any, track_id: int) -> list[tuple[int, int, str]]:
    track = session.get(Track, track_id)
    session.refresh(track)
    return [(c.start_ms, c.end_ms, c.text) for c in
            sorted(track.cues, key=lambda c: (c.start_ms, c.id))]


def test_a_split_is_undone_by_a_merge_with_the_cues_own_text(
        runtime: Runtime, world: dict[str, Any]) -> None:
    editor = world["editor"]
    with runtime.session() as session:
        before = cues(session, world["vi"])
        first = session.get(Track, world["vi"]).cues[0]
        left, right = editing.split_cue(session, first.id, actor=editor, version=first.version,
                                         at_ms=2500, left_text="Chào mừng quý vị",
                                         right_text="đến với Lai Châu")
        assert (right.start_ms, right.end_ms) == (2580, 4000)
        # The default join would be a space; the undo gives the line break back.
        editing.merge_cues(session, left.id, actor=editor, version=left.version,
                            next_version=right.version, next_id=right.id,
                            text=before[0][2])
        session.commit()
        assert cues(session, world["vi"]) == before


def test_a_merge_is_undone_by_a_split_with_both_old_texts_and_times(
        runtime: Runtime, world: dict[str, Any]) -> None:
    editor = world["editor"]
    with runtime.session() as session:
        before = cues(session, world["vi"])
        first = session.get(Track, world["vi"]).cues[0]
        second = session.get(Track, world["vi"]).cues[1]
        merged = editing.merge_cues(session, first.id, actor=editor, version=first.version,
                                     next_version=second.version, next_id=second.id)
        editing.split_cue(session, merged.id, actor=editor, version=merged.version,
                           at_ms=before[0][1], left_text=before[0][2],
                           right_text=before[1][2], right_start_ms=before[1][0])
        session.commit()
        assert cues(session, world["vi"]) == before
        with pytest.raises(ValidationError):  # the right half must start inside the cue
            row = session.get(Track, world["vi"]).cues[1]
            editing.split_cue(session, row.id, actor=editor, version=row.version,
                               at_ms=6000, right_start_ms=5000)


def test_merge_refuses_another_cue_than_the_one_seen_next(
        runtime: Runtime, world: dict[str, Any]) -> None:
    editor = world["editor"]
    with runtime.session() as session:
        first, second = session.get(Track, world["vi"]).cues
        inserted = editing.insert_cue(session, world["vi"], actor=editor, start_ms=4200,
                                       end_ms=4800, text="Chen giữa")
        assert inserted.version == second.version == 1  # versions alone cannot tell them
        with pytest.raises(Conflict):
            editing.merge_cues(session, first.id, actor=editor, version=first.version,
                                next_version=second.version, next_id=second.id)


def test_insert_and_delete_are_each_others_undo_and_keep_the_history(
        runtime: Runtime, world: dict[str, Any]) -> None:
    editor = world["editor"]
    with runtime.session() as session:
        before = cues(session, world["vi"])
        second = session.get(Track, world["vi"]).cues[1]
        snapshot = (second.start_ms, second.end_ms, second.text)
        editing.delete_cue(session, second.id, actor=editor, version=second.version)
        assert cues(session, world["vi"]) == before[:1]
        back = editing.insert_cue(session, world["vi"], actor=editor, start_ms=snapshot[0],
                                   end_ms=snapshot[1], text=snapshot[2])
        session.commit()
        assert cues(session, world["vi"]) == before
        actions = [r.action for r in session.query(CueRevision)
                   .filter_by(track_id=world["vi"]).order_by(CueRevision.id)]
        assert actions[-2:] == ["delete", "insert"]
        deleted = session.query(CueRevision).filter_by(action="delete").one()
        assert deleted.before["text"] == snapshot[2] and deleted.before["id"] == second.id
        # A stale delete is a conflict: someone's newer text is never removed unseen.
        editing.edit_cue(session, back.id, actor=editor, version=back.version, text="Mới")
        with pytest.raises(Conflict):
            editing.delete_cue(session, back.id, actor=editor, version=1)
        assert session.get(CueRow, back.id) is not None


def test_insert_follows_the_editing_rules(runtime: Runtime, world: dict[str, Any]) -> None:
    editor = world["editor"]
    with runtime.session() as session:
        with pytest.raises(ValidationError):
            editing.insert_cue(session, world["vi"], actor=editor, start_ms=900, end_ms=900)
        with pytest.raises(ValidationError):  # a translation stays inside its source cues
            editing.insert_cue(session, world["en"], actor=editor, start_ms=4100, end_ms=4900)
        row = editing.insert_cue(session, world["en"], actor=editor, start_ms=1000,
                                  end_ms=2000, text="  Welcome  ")
        assert row.text == "Welcome"
