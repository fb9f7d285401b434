"""viet-asr for Vietnamese, written like a subtitle with Whisper's help (docs/transcription.md).

viet-asr (PyPI ``viet-asr``, Apache-2.0, alpha) embeds its Vietnamese model in its native
library, so nothing is downloaded. It drops words on long audio, so it hears voice-activity
chunks (Silero VAD as faster-whisper ships it), streamed 100 ms at a time so that the moment
each word appears gives its time. Whisper base then runs once, beam 1, over the same speech
for punctuation, capitals and word times, and ``subtitles.fusion`` keeps viet-asr's words with
Whisper's writing. The wheel exists only for CPython 3.11 on x86-64 Linux: elsewhere
``unavailable`` says so and the job falls back to Whisper.
"""

from __future__ import annotations

import atexit
import dataclasses
import importlib.metadata
import logging
import platform
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from station.config import Settings
from subtitles import fusion, spelling, transcribe
from subtitles.engines import Transcript, register
from subtitles.guards import SegmentInfo

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
PACKAGE = "viet-asr"
# Voice-activity chunks, tuned on real recorded Vietnamese (docs/transcription.md, "Tuning"):
# 200 ms of padding is the best of 100-400 ms; pauses of 300 ms split sentences; no chunk over
# 10 s, because viet-asr loses words on long stretches (about half beyond 40 s).
VAD_PARAMETERS: dict[str, Any] = {"max_speech_duration_s": 10.0,
                                  "min_silence_duration_ms": 300, "speech_pad_ms": 200}
# Whisper hears the same speech cut the same way (its chunks are merged into 30 s windows).
WHISPER_VAD: dict[str, Any] = {"min_silence_duration_ms": 300, "speech_pad_ms": 200}
STEP_SAMPLES = 1_600  # 100 ms per streaming step: the resolution of emission times
# viet-asr emits a word this long after the word ends, on average (measured against Whisper's
# word ends on the dev set, docs/transcription.md).
LATENCY_MS = 440
VIETASR_SHARE = 30.0  # progress: viet-asr's pass is about a third of the work, Whisper the rest

_LOCK = threading.Lock()
_PIPELINE: list[Any] = []


def _import() -> Any:
    import vietasr  # the native library loads here
    from vietasr.ffi import native

    native.lib.vietasr_set_log_level(3)  # warnings and errors only; its INFO lines are noise
    return vietasr


def pipeline() -> Any:
    """The viet-asr pipeline, built once per process (about 0.5 s; the model is embedded)."""
    with _LOCK:
        if not _PIPELINE:
            vietasr = _import()
            try:
                _PIPELINE.append(vietasr.Pipeline.preset("transcribe"))
            except Exception as exc:  # the native library raises its own RuntimeError
                raise transcribe.ModelError("viet-asr could not be loaded: {error}",
                                            error=str(exc)) from exc
            # Free it while the interpreter still works: its __del__ at shutdown finds cffi
            # half torn down and prints a traceback.
            atexit.register(_PIPELINE[0].close)
        return _PIPELINE[0]


def version() -> str | None:
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None


class VietAsrEngine:
    name = "vietasr"
    title = "viet-asr + Whisper"

    def language_code(self, tag: str) -> str | None:
        return "vi" if tag.split("-")[0].lower() == "vi" else None

    def unavailable(self, settings: Settings) -> str | None:
        if version() is None:
            return (f"{PACKAGE} is not installed; its wheel exists only for CPython 3.11 on "
                    f"x86-64 Linux, and this is Python {platform.python_version()} on "
                    f"{sys.platform} {platform.machine()}")
        try:
            _import()
        except (ImportError, OSError) as exc:
            return f"{PACKAGE} is installed but its native library does not load: {exc}"
        return transcribe_whisper_problem(settings)

    def label(self, settings: Settings) -> str:
        return f"viet-asr {version()} + {self._whisper(settings).label}"

    def load(self, settings: Settings) -> None:
        pipeline()
        transcribe.load_model(self._whisper(settings))

    def _whisper(self, settings: Settings) -> transcribe.EngineOptions:
        return dataclasses.replace(transcribe.EngineOptions.from_settings(settings),
                                   beam_size=settings.vietasr_whisper_beam_size)

    def run(self, audio: Path, settings: Settings, *, language: str, names: list[str],
            on_progress: Callable[[float], None],
            should_cancel: Callable[[], bool]) -> Transcript:
        samples = read_audio(audio)
        chunks = hear(samples, on_progress=lambda pct: on_progress(pct * VIETASR_SHARE / 100),
                      should_cancel=should_cancel)
        options = self._whisper(settings)
        segments = list(transcribe.transcribe(
            audio, options, language="vi", vad_parameters=WHISPER_VAD, fallback=False,
            on_progress=lambda pct: on_progress(VIETASR_SHARE + pct * (100 - VIETASR_SHARE)
                                                / 100),
            should_cancel=should_cancel))
        lexicon = spelling.load()
        words = fusion.fuse(chunks, [w for s in segments for w in s.words],
                            latency_ms=LATENCY_MS,
                            is_syllable=lexicon.passes if lexicon is not None else None,
                            names=names)
        return Transcript(
            words=words,
            segments=[SegmentInfo(s.start_ms, s.end_ms, s.no_speech_prob, s.avg_logprob,
                                  s.compression_ratio, s.text) for s in segments],
            engine=f"viet-asr {version()} + {options.label}",
        )


def transcribe_whisper_problem(settings: Settings) -> str | None:
    """The Vietnamese pipeline needs Whisper too (punctuation, capitals, times)."""
    if settings.whisper_model == transcribe.BUNDLED:
        problem = transcribe.check_bundled(settings, quick=True)
        if problem:
            return f"Whisper, which writes its punctuation, is missing: {problem}"
    return None


def read_audio(path: Path) -> Any:
    """The report's speech WAV as float32 samples at 16 kHz (ingest wrote it that way)."""
    from faster_whisper.audio import decode_audio

    return decode_audio(str(path), sampling_rate=SAMPLE_RATE)


def hear(samples: Any, *, on_progress: Callable[[float], None] | None = None,
         should_cancel: Callable[[], bool] | None = None) -> list[fusion.Chunk]:
    """viet-asr over the voice-activity chunks of 16 kHz float samples, word by word."""
    import numpy as np
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    total = max(len(samples), 1)
    spans = get_speech_timestamps(samples, VadOptions(**VAD_PARAMETERS))
    engine = pipeline()
    chunks = []
    for span in spans:
        if should_cancel is not None and should_cancel():
            from station.jobs import JobCancelled

            raise JobCancelled("Cancelled by a user")
        start, end = int(span["start"]), int(span["end"])
        pcm = (np.clip(samples[start:end], -1.0, 1.0) * 32767).astype(np.int16)
        with _LOCK:  # one native session at a time: the library's thread safety is unstated
            words = _stream(engine, pcm, start)
        chunks.append(fusion.Chunk(start * 1000 // SAMPLE_RATE, end * 1000 // SAMPLE_RATE,
                                   tuple(words)))
        if on_progress is not None:
            on_progress(100.0 * end / total)
    return chunks


def _stream(engine: Any, pcm: Any, offset: int) -> list[fusion.HeardWord]:
    """Feed one chunk 100 ms at a time; a word's time is when it first appears.

    The streamed result is the same text as a one-shot call (measured on the dev set), at the
    same cost; earlier words a later step revises keep their first time.
    """
    session = engine.stream(float(SAMPLE_RATE))
    emitted: list[int] = []
    try:
        for at in range(0, len(pcm), STEP_SAMPLES):
            session.accept(pcm[at:at + STEP_SAMPLES])
            count = len(session.partial().text.split())
            now = (offset + min(at + STEP_SAMPLES, len(pcm))) * 1000 // SAMPLE_RATE
            while len(emitted) < count:
                emitted.append(now)
        final = session.final().text.split()
    finally:
        session.close()
    end = (offset + len(pcm)) * 1000 // SAMPLE_RATE
    return [fusion.HeardWord(text, emitted[i] if i < len(emitted) else end)
            for i, text in enumerate(final)]


register(VietAsrEngine())
