"""Whisper (faster-whisper, the bundled multilingual base): every language Whisper knows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from station.config import Settings
from subtitles import transcribe
from subtitles.engines import Transcript, register
from subtitles.guards import SegmentInfo


class WhisperEngine:
    name = "whisper"
    title = "Whisper"

    def language_code(self, tag: str) -> str | None:
        primary = tag.split("-")[0].lower()
        return primary if primary in transcribe.whisper_languages() else None

    def unavailable(self, settings: Settings) -> str | None:
        if settings.whisper_model == transcribe.BUNDLED:
            problem = transcribe.check_bundled(settings, quick=True)
            if problem:
                return f"{problem}; run `station models install`"
        return None

    def label(self, settings: Settings) -> str:
        return transcribe.EngineOptions.from_settings(settings).label

    def load(self, settings: Settings) -> None:
        transcribe.load_model(transcribe.EngineOptions.from_settings(settings))

    def run(self, audio: Path, settings: Settings, *, language: str, names: list[str],
            on_progress: Callable[[float], None],
            should_cancel: Callable[[], bool]) -> Transcript:
        options = transcribe.EngineOptions.from_settings(settings)
        code = self.language_code(language)
        assert code is not None, "choose() checks the language"
        segments = list(transcribe.transcribe(audio, options, language=code,
                                              on_progress=on_progress,
                                              should_cancel=should_cancel))
        return Transcript(
            words=[w for seg in segments for w in seg.words],
            segments=[SegmentInfo(s.start_ms, s.end_ms, s.no_speech_prob, s.avg_logprob,
                                  s.compression_ratio, s.text) for s in segments],
            engine=options.label,
        )


register(WhisperEngine())
