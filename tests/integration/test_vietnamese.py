"""The Vietnamese pipeline for real: viet-asr on voice-activity chunks, Whisper's punctuation,
capitals and times, cues on the shot changes, through the real job (docs/transcription.md)."""

from __future__ import annotations

import itertools
import unicodedata
from pathlib import Path

import pytest

from station import jobs
from station.accounts import User
from station.runtime import Runtime
from subtitles import engines
from subtitles.engines import vietasr
from subtitles.models import Track
from tests import media
from tests.integration.test_ingest import run_ingest
from tests.integration.test_transcribe import transcribe_report


def words(text: str) -> list[str]:
    """The dev set's scoring form: NFC, lower case, punctuation to spaces."""
    text = unicodedata.normalize("NFC", text).lower()
    return "".join(" " if unicodedata.category(c).startswith("P") else c for c in text).split()


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i]
        for j, h in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h)))
        prev = cur
    return prev[-1] / max(1, len(ref))


@pytest.fixture
def editor(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user("editor")


@pytest.fixture
def recorded_report(runtime: Runtime, editor: User, make_report, media_cache: Path,  # type: ignore[no-untyped-def]
                    whisper_model: Path) -> int:
    """A TV report (LCTV) whose master is real recorded Vietnamese under hard cuts, ingested."""
    report = make_report(editor, "Giọng đọc thật", channel_codes=["LCTV"])
    clip = media.recorded_vietnamese(media_cache)
    assert run_ingest(runtime, editor, report.id, clip).status == "succeeded"
    return int(report.id)


def test_recorded_vietnamese_reads_like_a_subtitle(runtime: Runtime, editor: User,
                                                   recorded_report: int) -> None:
    job = transcribe_report(runtime, editor, recorded_report)
    assert job.status == "succeeded", job.error
    assert job.result["engine_name"] == "vietasr"
    with runtime.session() as session:
        track = session.get(Track, job.result["track_id"])
        assert track.engine.startswith(f"viet-asr {vietasr.version()} + faster-whisper")
        cues = [(c.start_ms, c.end_ms, c.text, list(c.flags), c.words) for c in track.cues]
        cuts = track.report.asset("master").shot_changes_ms
    text = " ".join(c[2].replace("\n", " ") for c in cues)
    reference = media.recorded_sentences(3)
    # viet-asr heard 2 of these 21 words wrong on the dev set; Whisper base alone, 9.
    assert wer(reference, text) <= 0.25, text
    # Written like a subtitle: capitals, and the last sentence closed.
    assert text[0].isupper() and text.rstrip()[-1] in ".?!…", text
    assert "Người" in text or "người" not in text.lower()  # a sentence start, capitalised
    assert unicodedata.is_normalized("NFC", text)
    # Every word has a time inside its cue, in order (an out point snapped to a cut may end
    # up to 7 frames before the last word's end); cues never overlap.
    for start, end, _text, _flags, cue_words in cues:
        assert cue_words and all(start <= w[1] < w[2] <= end + 280 and w[1] < end
                                 for w in cue_words)
        starts = [w[1] for w in cue_words]
        assert starts == sorted(starts)
        assert all(0.0 <= w[3] <= 1.0 for w in cue_words)
    assert all(a[1] + 80 <= b[0] for a, b in itertools.pairwise(cues))
    # The master's cuts were found, and no cue edge sits 1 frame from one (snapped or kept
    # 2 frames away: docs/subtitles.md "Shot changes").
    assert cuts == list(media.SHOT_CUTS_MS)
    for start, end, *_ in cues:
        for cut in cuts:
            assert start == cut or abs(start - cut) >= 80
            assert end == cut - 80 or abs(end - cut) >= 80


def test_the_editor_can_ask_for_whisper_instead(runtime: Runtime, editor: User,
                                                recorded_report: int) -> None:
    job = transcribe_report(runtime, editor, recorded_report, engine="whisper")
    assert job.status == "succeeded", job.error
    assert job.result["engine_name"] == "whisper"
    assert job.result["engine"].startswith("faster-whisper")
    with runtime.session() as session:
        assert session.get(Track, job.result["track_id"]).engine == job.result["engine"]


def test_engine_hears_chunks_reports_progress_and_stops_between_chunks(
        media_cache: Path) -> None:
    samples = vietasr.read_audio(media.recorded_vietnamese(media_cache))
    seen: list[float] = []
    chunks = vietasr.hear(samples, on_progress=seen.append)
    assert len(chunks) == 3  # one per sentence, cut at the pauses
    assert seen == sorted(seen) and seen[-1] <= 100.0
    said = [w.text for c in chunks for w in c.words]
    assert wer(media.recorded_sentences(3), " ".join(said)) <= 0.25
    for chunk in chunks:  # emission times fall inside the chunk, in order
        times = [w.emitted_ms for w in chunk.words]
        assert times == sorted(times)
        assert all(chunk.start_ms <= t <= chunk.end_ms for t in times if t is not None)
    asked = []

    def cancel_after_first() -> bool:
        asked.append(1)
        return len(asked) > 1

    with pytest.raises(jobs.JobCancelled):
        vietasr.hear(samples, should_cancel=cancel_after_first)
    assert len(asked) == 2


def test_self_test_hears_generated_speech(tmp_path: Path, whisper_model: Path) -> None:
    from station.config import Settings

    settings = Settings(instance_path=tmp_path, models_root=whisper_model.parent)
    line = engines.self_test(engines.get("vietasr"), settings, tmp_path)
    assert line.startswith(f"viet-asr {vietasr.version()} + faster-whisper")
    assert "loaded in" in line and "heard" in line
