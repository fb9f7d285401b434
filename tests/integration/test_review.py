"""Review, split/merge, translation memory, glossary and the voice grid, on both databases."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from production.models import MediaAsset
from station.errors import Conflict, PermissionDenied, ValidationError, WorkflowError
from station.runtime import Runtime
from subtitles import editing, memory, review, services
from subtitles.cues import Rules
from subtitles.models import CueRevision, CueRow, Track
from subtitles.tasks import grid_from_speech
from tests.conftest import report_factory, user_factory

SRT_VI = ("1\n00:00:01,000 --> 00:00:04,000\nChào mừng quý vị đến với Lai Châu\n\n"
          "2\n00:00:05,000 --> 00:00:08,000\nĐây là ruộng bậc thang Mường Tè\n\n")


@pytest.fixture
def world(any_runtime: Runtime) -> dict:
    make = user_factory(any_runtime)
    people = {
        "editor": make("editor", display_name="Lò Thị Mai"),
        "an": make("translator", languages=["en"], display_name="Nguyễn Văn An"),
        "binh": make("translator", languages=["en"], can_review=True,
                     display_name="Trần Bình"),
        "zh": make("translator", languages=["zh"]),
    }
    report = report_factory(any_runtime)(people["editor"], "Lai Châu mùa lúa",
                                         channel_codes=["VTV4"])
    with any_runtime.session() as session:
        session.add(MediaAsset(report_id=report.id, role="master", sha256="b" * 64,
                               size_bytes=1, storage_key="bb/bb/x.mp4", duration_ms=30_000))
        vi, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "vi.srt",
                                      actor=people["editor"])
        en = services.create_track(session, report.id, "en", actor=people["editor"],
                                   source_track_id=vi.id)
        session.commit()
        return {"rt": any_runtime, "report": report, "vi": vi.id, "en": en.id, **people}


def _fill(rt: Runtime, track_id: int, actor, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    with rt.session() as session:
        for row, text in zip(session.get(Track, track_id).cues, texts, strict=True):
            editing.edit_cue(session, row.id, actor=actor, version=row.version, text=text)
        session.commit()


def test_review_round_trip_with_comments(world: dict) -> None:
    rt = world["rt"]
    _fill(rt, world["en"], world["an"], ["Welcome to Lai Chau", "Terraced fields of Muong Te"])
    with rt.session() as session:
        review.move(session, world["en"], "in_review", actor=world["an"])
        with pytest.raises(PermissionDenied, match="Only a reviewer of en"):
            review.move(session, world["en"], "approved", actor=world["an"])
        with pytest.raises(PermissionDenied):
            review.move(session, world["en"], "approved", actor=world["zh"])
        with pytest.raises(ValidationError, match="Say what to fix"):
            review.move(session, world["en"], "draft", actor=world["binh"])
        cue = session.get(Track, world["en"]).cues[1]
        review.comment(session, cue.id, "Mường Tè: viết 'Muong Te' theo thuật ngữ",
                       actor=world["binh"])
        review.move(session, world["en"], "draft", actor=world["binh"])
        session.commit()
    with rt.session() as session:
        track = session.get(Track, world["en"])
        rows = review.report_rows(session, track, "vi")
        assert any(r["kind"] == "comment" and "Muong Te" in r["text"] for r in rows)
        assert review.report_csv(rows).startswith("\ufeff".encode())
        review.move(session, world["en"], "in_review", actor=world["an"])
        review.move(session, world["en"], "approved", actor=world["binh"])
        session.commit()
        track = session.get(Track, world["en"])
        assert track.status == "approved" and track.approved_by_id == world["binh"].id
        assert track.approved_at is not None and track.submitted_by_id == world["an"].id
        cue = track.cues[0]
        with pytest.raises(Conflict, match="approved and read-only"):
            editing.edit_cue(session, cue.id, actor=world["an"], version=cue.version, text="x")
        with pytest.raises(WorkflowError):
            review.move(session, world["en"], "in_review", actor=world["an"])
        review.move(session, world["en"], "draft", actor=world["editor"])  # reopened
        session.commit()
        statuses = [r.after["status"] for r in session.query(CueRevision)
                    .filter_by(track_id=world["en"], action="status").order_by(CueRevision.id)]
        assert statuses == ["in_review", "draft", "in_review", "approved", "draft"]


def test_translators_fix_and_resolve_only_in_their_languages(world: dict) -> None:
    """Issue 12: autofix and comment resolution follow the same language rule as editing."""
    rt = world["rt"]
    with rt.session() as session:
        cue = session.get(Track, world["en"]).cues[0]
        note = review.comment(session, cue.id, "Check the name", actor=world["binh"])
        session.commit()
        note_id = note.id
    with rt.session() as session:
        with pytest.raises(PermissionDenied, match="You translate zh, not en"):
            editing.autofix(session, world["en"], actor=world["zh"])
        with pytest.raises(PermissionDenied, match="You translate zh, not en"):
            review.resolve(session, note_id, actor=world["zh"])
        assert review.resolve(session, note_id, actor=world["an"]).resolved_at is not None
        editing.autofix(session, world["en"], actor=world["an"])  # their language: allowed
        session.commit()


def test_split_and_merge_keep_every_word_and_record_it(world: dict) -> None:
    rt, editor = world["rt"], world["editor"]
    with rt.session() as session:
        first = session.get(Track, world["vi"]).cues[0]
        left, right = editing.split_cue(session, first.id, actor=editor,
                                         version=first.version, at_ms=2500)
        session.commit()
        assert (left.start_ms, left.end_ms) == (1000, 2500)
        assert right.start_ms >= 2500 + 80 and right.end_ms == 4000
        assert f"{left.text} {right.text}" == "Chào mừng quý vị đến với Lai Châu"
        merged = editing.merge_cues(session, left.id, actor=editor, version=left.version,
                                     next_version=right.version)
        session.commit()
        assert merged.text == "Chào mừng quý vị đến với Lai Châu"
        assert (merged.start_ms, merged.end_ms) == (1000, 4000)
        assert len(session.get(Track, world["vi"]).cues) == 2
        actions = {r.action for r in session.query(CueRevision).filter_by(cue_id=merged.id)}
        assert {"split", "merge"} <= actions
        with pytest.raises(ValidationError, match="Split inside the cue"):
            editing.split_cue(session, merged.id, actor=editor, version=merged.version,
                               at_ms=9000)
        stale = merged.version - 1
        with pytest.raises(Conflict):
            editing.split_cue(session, merged.id, actor=editor, version=stale, at_ms=2000)


def test_translator_split_stays_in_source_and_confirm(world: dict) -> None:
    rt, an = world["rt"], world["an"]
    with rt.session() as session:
        cue = session.get(Track, world["en"]).cues[0]
        editing.split_cue(session, cue.id, actor=an, version=cue.version, at_ms=2000,
                           left_text="Welcome", right_text="to Lai Chau")
        session.commit()
        cues = session.get(Track, world["en"]).cues
        assert [c.text for c in cues[:2]] == ["Welcome", "to Lai Chau"]
        confirmed = editing.confirm_cue(session, cues[0].id, actor=an,
                                         version=cues[0].version)
        assert confirmed.status == "confirmed"
        with pytest.raises(PermissionDenied, match="You translate en"):
            row = session.get(Track, world["vi"]).cues[0]
            editing.edit_cue(session, row.id, actor=an, version=row.version, text="x")


def test_translation_memory_offers_earlier_approved_lines(world: dict) -> None:
    rt = world["rt"]
    _fill(rt, world["en"], world["an"], ["Welcome to Lai Chau", "Terraced fields of Muong Te"])
    with rt.session() as session:
        review.move(session, world["en"], "in_review", actor=world["an"])
        review.move(session, world["en"], "approved", actor=world["binh"])
        session.commit()
    other = report_factory(rt)(world["editor"], "Bản tin khác", channel_codes=["VTV4"])
    with rt.session() as session:
        vi2, _ = services.import_track(session, other.id, "vi", SRT_VI.encode(), "b.srt",
                                       actor=world["editor"])
        en2 = services.create_track(session, other.id, "en", actor=world["editor"],
                                    source_track_id=vi2.id)
        session.commit()
        exact = memory.suggestions(session, en2, "Chào mừng quý vị đến với Lai Châu")
        assert exact[0].target == "Welcome to Lai Chau" and exact[0].score == 1.0
        close = memory.suggestions(session, en2, "Chào mừng các vị đến với Lai Châu")
        assert close and close[0].target == "Welcome to Lai Chau" and close[0].score < 1.0
        assert memory.suggestions(session, en2, "Thời tiết hôm nay") == []
        # Only approved work is offered: the draft translation of the new report is not.
        assert all(s.report_id != other.id for s in exact)


def test_glossary_is_edited_by_reviewers_only(world: dict) -> None:
    rt = world["rt"]
    with rt.session() as session:
        with pytest.raises(PermissionDenied):
            memory.save_term(session, actor=world["an"], term="Mường Tè",
                             translations={"en": "Muong Te"})
        term = memory.save_term(session, actor=world["binh"], term="Mường Tè",
                                translations={"en": "Muong Te", "zh": "孟德"},
                                variants=["Mường Tà"])
        session.commit()
        found = memory.terms_in(session, "Ruộng bậc thang MUONG TE", "en")
        assert found == [{"term": "Mường Tè", "translation": "Muong Te", "notes": ""}]
        # whole terms only (issue 13): a longer word is not the name
        assert memory.terms_in(session, "Ruộng bậc thang Muong Tenh", "en") == []
        memory.delete_term(session, term.id, actor=world["editor"])
        session.commit()
        assert memory.terms_in(session, "Mường Tè", "en") == []


def test_grid_from_speech_respects_the_rules() -> None:
    rules = Rules()
    grid = grid_from_speech([(0, 15_000), (15_050, 15_300), (20_000, 20_400)], rules)
    assert all(end - start <= rules.max_duration_ms for start, end in grid)
    assert all(b[0] - a[1] >= rules.min_gap_ms for a, b in itertools.pairwise(grid))
    assert all(end - start >= rules.min_duration_ms for start, end in grid)
    assert grid[0][0] == 0 and len(grid) >= 4


def test_voice_grid_job_on_real_speech(runtime: Runtime, make_user, make_report,  # type: ignore[no-untyped-def]
                                       media_cache: Path) -> None:
    from station import jobs
    from tests import media
    from tests.integration.test_ingest import run_ingest

    editor = make_user("editor")
    report = make_report(editor, "Tiếng Mông", original_language="hnj",
                         channel_codes=["LCTV"])
    clip = media.report_video(media_cache, seconds=8, size="640x360",
                              speech_text="Nyob zoo. Kuv yog neeg Hmoob. Lai Châu.")
    assert run_ingest(runtime, editor, report.id, clip).status == "succeeded"
    with runtime.session() as session:
        job = services.queue_voice_grid(session, report.id, actor=editor)
        jobs.discard_pending(session)
        session.commit()
        job_id = job.id
    jobs.load_handlers()
    assert jobs.execute(runtime, job_id) == "succeeded"
    with runtime.session() as session:
        track = services.track_for(session, report.id, "hnj")
        assert track is not None and track.cues and all(c.text == "" for c in track.cues)
        assert all(0 <= c.start_ms < c.end_ms <= 8_600 for c in track.cues)
        assert session.query(CueRow).filter_by(track_id=track.id).count() == len(track.cues)
