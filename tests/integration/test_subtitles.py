"""Subtitle tracks on SQLite and PostgreSQL: import (legacy encodings), export, edits, QC."""

from __future__ import annotations

import json
import unicodedata

import pytest

from production.models import MediaAsset
from station.errors import Conflict, PermissionDenied, ValidationError
from station.runtime import Runtime
from subtitles import editing, services
from subtitles.models import CueRevision, CueRow, Track
from tests.conftest import report_factory, user_factory

SRT_VI = (
    "1\r\n00:00:01,000 --> 00:00:03,500\r\nChào mừng quý vị đến với Lai Châu\r\n\r\n"
    "2\r\n00:00:04,000 --> 00:00:06,000\r\nNăm 2026, tỉnh đón 1.500 du khách\r\n\r\n"
)
SRT_EN = (
    "1\n00:00:01,000 --> 00:00:03,500\nWelcome to Lai Chau\n\n"
    "2\n00:00:04,000 --> 00:00:06,000\nIn 2026 the province welcomed visitors\n\n"
)


@pytest.fixture
def setup(any_runtime: Runtime) -> dict:
    make = user_factory(any_runtime)
    editor = make("editor", display_name="Lò Thị Mai")
    report = report_factory(any_runtime)(editor, "Du lịch Lai Châu", channel_codes=["VTV4"])
    with any_runtime.session() as session:  # a master so QC knows the media duration
        session.add(MediaAsset(report_id=report.id, role="master", sha256="a" * 64,
                               size_bytes=1, storage_key="aa/aa/x.mp4", duration_ms=60_000))
        session.commit()
    return {"runtime": any_runtime, "editor": editor, "report": report,
            "translator_en": make("translator", languages=["en"],
                                  display_name="Nguyễn Văn An"),
            "translator_zh": make("translator", languages=["zh"])}


def test_import_original_and_translation_then_export(setup: dict) -> None:
    rt, editor, report = setup["runtime"], setup["editor"], setup["report"]
    with rt.session() as session:
        vi, _ = services.import_track(session, report.id, "vi", SRT_VI.encode("utf-8-sig"),
                                      "ban-tin.srt", actor=editor)
        en, _ = services.import_track(session, report.id, "en", SRT_EN.encode(),
                                      "news.srt", actor=setup["translator_en"])
        session.commit()
        assert vi.role == "original" and en.role == "translation"
        assert en.source_track_id == vi.id
        assert vi.cues[0].text == "Chào mừng quý vị đến với Lai Châu"
    with rt.session() as session:
        track = session.get(Track, vi.id)
        data, name, mime = services.export_track(track, "srt")
        assert mime == "application/x-subrip"
        assert name == "LAICHAU_DU_LICH_LAI_CHAU_vi.srt" and name.isascii()
        text = data.decode("utf-8")
        assert "Chào mừng quý vị" in text and unicodedata.is_normalized("NFC", text)
        import srt  # an independent reader

        parsed = list(srt.parse(text))
        assert [p.content for p in parsed] == [c.text for c in track.cues]


def test_legacy_vni_file_is_converted_with_a_note(setup: dict) -> None:
    rt, editor, report = setup["runtime"], setup["editor"], setup["report"]
    vni = "1\r\n00:00:01,000 --> 00:00:02,000\r\nLai Chaâu queâ höông toâi\r\n"
    with rt.session() as session:
        track, notes = services.import_track(session, report.id, "vi", vni.encode("latin-1"),
                                             "vni.srt", actor=editor)
        session.commit()
        assert track.cues[0].text == "Lai Châu quê hương tôi"
        assert any("VNI" in n for n in notes)


def test_broken_file_imports_nothing(setup: dict) -> None:
    rt, editor, report = setup["runtime"], setup["editor"], setup["report"]
    broken = SRT_VI + "3\r\n00:00:07,000 --> 00:0X:08,000\r\nHỏng\r\n"
    with rt.session() as session:
        with pytest.raises(ValidationError, match="Line 10: bad timestamp"):
            services.import_track(session, report.id, "vi", broken.encode(), "x.srt",
                                  actor=editor)
        session.rollback()
    with rt.session() as session:
        assert session.query(Track).count() == 0 and session.query(CueRow).count() == 0


def test_translator_works_only_in_their_languages(setup: dict) -> None:
    rt, report = setup["runtime"], setup["report"]
    with rt.session() as session, pytest.raises(PermissionDenied, match="You translate zh"):
        services.import_track(session, report.id, "en", SRT_EN.encode(), "x.srt",
                              actor=setup["translator_zh"])


def test_stale_cue_edit_is_a_conflict_and_nothing_is_lost(setup: dict) -> None:
    rt, editor, report = setup["runtime"], setup["editor"], setup["report"]
    with rt.session() as session:
        vi, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "a.srt",
                                      actor=editor)
        en = services.create_track(session, report.id, "en", actor=editor,
                                   source_track_id=vi.id)
        session.commit()
        cue_id, version = en.cues[0].id, en.cues[0].version
    an = setup["translator_en"]
    with rt.session() as session:
        editing.edit_cue(session, cue_id, actor=an, version=version,
                          text="Welcome to Lai Chau")
        session.commit()
    with rt.session() as session, pytest.raises(Conflict, match="Nguyễn Văn An changed"):
        editing.edit_cue(session, cue_id, actor=editor, version=version,
                          text="Welcome to Lai Chau province")
    with rt.session() as session:
        row = session.get(CueRow, cue_id)
        assert row.text == "Welcome to Lai Chau" and row.version == version + 1
        revisions = session.query(CueRevision).filter_by(cue_id=cue_id, action="edit").all()
        assert [(r.before["text"], r.after["text"]) for r in revisions] == [
            ("", "Welcome to Lai Chau")]


def test_translation_cue_stays_inside_source_timing(setup: dict) -> None:
    rt, editor, report = setup["runtime"], setup["editor"], setup["report"]
    with rt.session() as session:
        vi, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "a.srt",
                                      actor=editor)
        en = services.create_track(session, report.id, "en", actor=editor,
                                   source_track_id=vi.id)
        session.commit()
        first = en.cues[0]
        with pytest.raises(ValidationError, match="inside its source cue"):
            editing.edit_cue(session, first.id, actor=editor, version=first.version,
                              start_ms=500)
        editing.edit_cue(session, first.id, actor=editor, version=first.version,
                          start_ms=1200, text="Welcome")


def test_qc_and_safe_autofix(setup: dict) -> None:
    rt, editor, report = setup["runtime"], setup["editor"], setup["report"]
    nfd = unicodedata.normalize("NFD", "Mường Tè")
    srt_text = (f"1\n00:00:01,000 --> 00:00:01,300\n{nfd}\n\n"
                "2\n00:00:01,320 --> 00:00:04,000\nCâu thứ hai\n\n")
    with rt.session() as session:
        track, _ = services.import_track(session, report.id, "vi", srt_text.encode(),
                                         "q.srt", actor=editor)
        session.commit()
        # The reader stores NFC already, so NFC findings cannot appear; timing ones do.
        checks = {f.check for f in services.run_qc(session, track)}
        assert {"min_duration", "min_gap"} <= checks
        notes = editing.autofix(session, track.id, actor=editor)
        session.commit()
        assert notes
        after = {f.check for f in services.run_qc(session, session.get(Track, track.id))}
        assert "min_gap" not in after
        assert session.query(CueRevision).filter_by(action="fix").count() >= 1


def test_approved_track_is_read_only(setup: dict) -> None:
    rt, editor, report = setup["runtime"], setup["editor"], setup["report"]
    with rt.session() as session:
        track, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "a.srt",
                                         actor=editor)
        track.status = "approved"
        session.commit()
        cue = track.cues[0]
        with pytest.raises(Conflict, match="approved and read-only"):
            editing.edit_cue(session, cue.id, actor=editor, version=cue.version, text="x")
        with pytest.raises(Conflict):
            services.delete_track(session, track.id, actor=editor)


def test_glossary_fixes_misspelt_names() -> None:
    from subtitles.models import GlossaryTerm

    terms = [GlossaryTerm(term="Lai Châu", variants=[]),
             GlossaryTerm(term="Sìn Hồ", variants=["Xin Hồ"])]
    text, fixes = services.correct_names("Tỉnh Lai Chau và huyện Xin Hồ, Sin Hô.", terms)
    assert text == "Tỉnh Lai Châu và huyện Sìn Hồ, Sìn Hồ."
    assert {(f.wrong, f.right) for f in fixes} == {("Lai Chau", "Lai Châu"),
                                                    ("Xin Hồ", "Sìn Hồ"), ("Sin Hô", "Sìn Hồ")}
    two_lines, _ = services.correct_names("Chào mừng đến Lai Chau\nvà Sin Hô", terms)
    assert two_lines == "Chào mừng đến Lai Châu\nvà Sìn Hồ"
    # lower-case look-alikes are ordinary words, not names: left alone
    assert services.correct_names("lai chau", terms)[0] == "lai chau"
    assert json.dumps(services.SEED_GLOSSARY, ensure_ascii=False).count("Lai Châu") == 1


def test_name_correction_leaves_longer_words_alone() -> None:
    """Issue 13: the correction uses the glossary's one matcher, so a name inside a longer
    word is no name ("Sin Hong", "Lai Chauxyz"), while punctuation around a name is fine."""
    from subtitles.models import GlossaryTerm

    terms = [GlossaryTerm(term="Lai Châu", variants=[]),
             GlossaryTerm(term="Sìn Hồ", variants=["Xin Hồ"])]
    assert services.correct_names("Bản Sin Hong, Lai Chauxyz, Xin Hồng", terms) == (
        "Bản Sin Hong, Lai Chauxyz, Xin Hồng", [])
    text, fixes = services.correct_names("(Lai Chau) và «Xin Hồ»", terms)
    assert text == "(Lai Châu) và «Sìn Hồ»"
    assert [(f.wrong, f.right) for f in fixes] == [("Lai Chau", "Lai Châu"),
                                                    ("Xin Hồ", "Sìn Hồ")]


def test_font_check_flags_tai_viet_without_its_script_tag(setup: dict) -> None:
    rt, editor, report = setup["runtime"], setup["editor"], setup["report"]
    tai_viet = "ꪼꪕꪒꪾ ꪁꪰꪙ"  # Thái text in Tai Viet letters (U+AA80-U+AADF)
    srt_text = f"1\n00:00:01,000 --> 00:00:04,000\n{tai_viet}\n"
    with rt.session() as session:
        latin, _ = services.import_track(session, report.id, "blt", srt_text.encode(), "a.srt",
                                         actor=editor)
        tavt, _ = services.import_track(session, report.id, "blt-Tavt", srt_text.encode(),
                                        "b.srt", actor=editor)
        session.commit()
        assert tavt.cues[0].text == tai_viet  # every character kept
        assert "font" in {f.check for f in services.run_qc(session, latin)}
        assert "font" not in {f.check for f in services.run_qc(session, tavt)}


def test_cached_qc_counts_follow_every_change(setup: dict) -> None:
    rt, editor, report = setup["runtime"], setup["editor"], setup["report"]
    srt_text = "1\n00:00:01,000 --> 00:00:04,000\n\n"  # one empty cue: an error
    with rt.session() as session:
        track, _ = services.import_track(session, report.id, "vi", srt_text.encode() +
                                         b"2\n00:00:05,000 --> 00:00:07,000\nx\n", "a.srt",
                                         actor=editor)
        session.commit()
        before = services.qc_counts(session, track)
        assert before == services.severity_counts(services.run_qc(session, track))
        cue = next(c for c in track.cues if c.text == "x")
        editing.edit_cue(session, cue.id, actor=editor, version=cue.version, text="")
        session.commit()
        after = services.qc_counts(session, session.get(Track, track.id))
        assert after["error"] == before["error"] + 1
        # A track whose rules snapshot is empty (made before rules were kept) still counts.
        track = session.get(Track, track.id)
        track.rules = {}
        session.commit()
        assert services.qc_counts(session, track) == services.severity_counts(
            services.run_qc(session, track))
