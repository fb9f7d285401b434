"""Background jobs of the subtitle desk: transcription of a report's speech, the voice grid."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, NamedTuple

from production.models import Report
from production.storage import MediaStore
from station.accounts import User
from station.errors import NotFound, ValidationError
from station.jobs import JobContext, handler
from subtitles import engines, guards, segment, services, shots
from subtitles.cues import Cue, Rules
from subtitles.engines import Transcript
from subtitles.models import GlossaryTerm

log = logging.getLogger(__name__)


@handler("transcribe")
def run_transcription(ctx: JobContext) -> dict[str, Any]:
    """Speech engine -> cues cut to the channels' rules and timed to the shot changes ->
    names corrected -> doubts flagged -> a draft track (+ empty ones for translators)."""
    settings = ctx.runtime.settings
    report_id = int(ctx.args["report_id"])
    language = str(ctx.args["language"])
    choice = engines.choose(language, settings, ctx.args.get("engine") or None)
    engine = choice.engine
    code = engine.language_code(language) or language
    given = _transcription_inputs(ctx, report_id)

    ctx.progress(1.0, "load model", force=True)
    engine.load(settings)
    ctx.progress(2.0, "transcribe", force=True)
    transcript = engine.run(given.audio_path, settings, language=language,
                            names=[t.term for t in given.terms],
                            on_progress=lambda pct: ctx.progress(2.0 + pct * 0.88),
                            should_cancel=ctx.should_cancel)

    ctx.progress(91.0, "segment", force=True)
    flagged, fixes = _draft_cues(transcript, given, code)

    ctx.progress(96.0, "save", force=True)
    with ctx.runtime.session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        actor = session.get(User, ctx.args.get("actor_id")) if ctx.args.get("actor_id") else None
        track = services.save_track(
            session, report, language, flagged, actor=actor, role="original",
            origin="machine", rules=given.rules, engine=transcript.engine[:120],
            replace_machine_draft=True,
        )
        others = services.add_translation_tracks(
            session, track, services.required_languages(report), actor=actor
        )
        session.commit()
        result = {
            "track_id": track.id,
            "cues": len(flagged),
            "words": len(transcript.words),
            "flagged": sum(1 for c in flagged if c.flags),
            "names_corrected": [f"{f.wrong} -> {f.right}" for f in fixes],
            "empty_tracks": [t.language for t in others],
            "engine": transcript.engine,
            "engine_name": engine.name,
            "shot_changes": len(given.cuts),
        }
        if choice.note:
            result["engine_note"] = choice.note
    log.info("report %s transcribed: %s", report_id, result)
    return result


class _Inputs(NamedTuple):
    """What a transcription reads from the report before the engine runs."""

    audio_path: Path
    media_ms: int | None
    cuts: list[int]
    rules: Rules
    terms: list[GlossaryTerm]


def _transcription_inputs(ctx: JobContext, report_id: int) -> _Inputs:
    """The report's speech WAV, programme length and shot changes, the strictest rules of its
    channels and the glossary; refused when the master was not ingested yet."""
    with ctx.runtime.session() as session:
        report = session.get(Report, report_id)
        if report is None:
            raise NotFound("No report #{report_id}", report_id=report_id)
        audio = report.asset("audio")
        if audio is None:
            raise ValidationError("Ingest the master first: transcription reads its audio")
        audio_path = MediaStore(ctx.runtime.settings.media_path).path(audio.storage_key)
        master = report.asset("master")
        media_ms = master.duration_ms if master else audio.duration_ms
        cuts = list(master.shot_changes_ms or []) if master else []
        rules = services.strictest_rules(report.channels)
        terms = services.glossary(session)
    return _Inputs(audio_path, media_ms, cuts, rules, terms)


def _draft_cues(transcript: Transcript, given: _Inputs,
                code: str) -> tuple[list[Cue], list[services.Correction]]:
    """The transcript's words cut into cues, snapped to shot changes, names corrected from
    the glossary and doubtful cues flagged; returns the cues and the corrections made."""
    fixes: list[services.Correction] = []
    cues = segment.segment(transcript.words, given.rules, language=code,
                           media_duration_ms=given.media_ms, shots_ms=given.cuts)
    if given.cuts:
        cues = shots.snap_to_shots(cues, given.cuts, given.rules, given.media_ms)
    fixed_cues = []
    for cue in cues:
        text, found = services.correct_names(cue.text, given.terms)
        fixes.extend(found)
        fixed_cues.append(cue.with_text(text) if found else cue)
    return guards.flag_cues(fixed_cues, transcript.segments), fixes


def grid_from_speech(spans_ms: list[tuple[int, int]], rules: Any) -> list[tuple[int, int]]:
    """Cue slots over speech: long stretches cut evenly under the maximum duration, short
    ones stretched to the minimum where the silence allows, gaps kept (pure)."""
    slots: list[tuple[int, int]] = []
    for start, end in spans_ms:
        length = end - start
        pieces = max(1, -(-length // rules.max_duration_ms))
        step = length / pieces
        for k in range(pieces):
            slots.append((round(start + k * step), round(start + (k + 1) * step)))
    out: list[tuple[int, int]] = []
    for i, (start, end) in enumerate(slots):
        if out and start < out[-1][1] + rules.min_gap_ms:
            start = out[-1][1] + rules.min_gap_ms
        limit = slots[i + 1][0] - rules.min_gap_ms if i + 1 < len(slots) else end + 10_000
        if end - start < rules.min_duration_ms:
            end = min(start + rules.min_duration_ms, max(end, limit))
        if end > start:
            out.append((start, end))
    return out


@handler("voice_grid")
def run_voice_grid(ctx: JobContext) -> dict[str, Any]:
    """An empty cue grid on the speech a voice-activity detector finds (no ASR needed)."""
    from faster_whisper.audio import decode_audio
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from subtitles.cues import Cue

    settings = ctx.runtime.settings
    report_id = int(ctx.args["report_id"])
    language = str(ctx.args["language"])
    with ctx.runtime.session() as session:
        report = session.get(Report, report_id)
        if report is None:
            raise NotFound("No report #{report_id}", report_id=report_id)
        audio = report.asset("audio")
        if audio is None:
            raise ValidationError("Ingest the master first: the grid follows its speech")
        path = MediaStore(settings.media_path).path(audio.storage_key)
        rules = services.strictest_rules(report.channels)
    ctx.progress(5.0, "voice activity", force=True)
    samples = decode_audio(str(path), sampling_rate=16000)
    spans = get_speech_timestamps(samples, VadOptions(min_silence_duration_ms=300))
    spans_ms = [(s["start"] * 1000 // 16000, s["end"] * 1000 // 16000) for s in spans]
    cues = [Cue(start, end, "") for start, end in grid_from_speech(spans_ms, rules)]
    ctx.progress(90.0, "save", force=True)
    with ctx.runtime.session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        actor = session.get(User, ctx.args.get("actor_id")) if ctx.args.get("actor_id") else None
        track = services.save_track(session, report, language, cues, actor=actor,
                                    role="original", origin="human", rules=rules,
                                    engine="voice activity (Silero VAD)")
        others = services.add_translation_tracks(session, track,
                                                 services.required_languages(report),
                                                 actor=actor)
        session.commit()
        return {"track_id": track.id, "cues": len(cues),
                "empty_tracks": [t.language for t in others]}
