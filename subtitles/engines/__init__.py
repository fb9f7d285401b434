"""Speech engines as a registry: each turns a report's 16 kHz WAV into timed, written words.

An engine is one module in this package that calls ``register`` at import; ``ENGINE_MODULES``
lists them, so adding a third engine is one new module and one line here. Which engine
transcribes a language comes from the setting ``transcription_engines`` ("vi=vietasr" by
default), from ``station transcribe --engine`` or from the editor's choice on the report page;
an engine that cannot run here (no wheel for this Python) falls back to Whisper with the
reason recorded on the job. docs/transcription.md says which engine does what and what it costs.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from station.config import Settings
from station.errors import ValidationError
from station.registry import Registry
from subtitles.cues import Word
from subtitles.guards import SegmentInfo

log = logging.getLogger(__name__)

ENGINE_MODULES = ("subtitles.engines.whisper", "subtitles.engines.vietasr")
FALLBACK = "whisper"  # knows every language Whisper knows, and always installs


@dataclass(frozen=True)
class Transcript:
    """What an engine heard: written words with times, and what the doubt guards read."""

    words: list[Word]
    segments: list[SegmentInfo] = field(default_factory=list)
    engine: str = ""  # the engine, model and version that made it, shown on the track


class Engine(Protocol):
    """The interface the transcription job calls; see whisper.py and vietasr.py."""

    name: str
    title: str

    def language_code(self, tag: str) -> str | None:
        """The engine's code for a BCP-47 tag, or None when it cannot hear that language."""

    def unavailable(self, settings: Settings) -> str | None:
        """Why the engine cannot run on this machine (None when it can)."""

    def label(self, settings: Settings) -> str:
        """Engine, model and version, as a track records them."""

    def load(self, settings: Settings) -> None:
        """Load the model once per process (the first job pays, later jobs reuse it)."""

    def run(self, audio: Path, settings: Settings, *, language: str,
            names: list[str], on_progress: Callable[[float], None],
            should_cancel: Callable[[], bool]) -> Transcript:
        """Transcribe; ``on_progress`` takes 0-100 by audio position."""


_REGISTRY: Registry[Engine] = Registry("Unknown speech engine {name}; Station has: {names}",
                                        sort=True)


def register(engine: Engine) -> Engine:
    return _REGISTRY.add(engine.name, engine)


def _load_modules() -> None:
    if len(_REGISTRY) < len(ENGINE_MODULES):
        for module in ENGINE_MODULES:
            importlib.import_module(module)


def names() -> list[str]:
    _load_modules()
    return _REGISTRY.names()


def get(name: str) -> Engine:
    _load_modules()
    return _REGISTRY.lookup(name)


def configured(settings: Settings) -> dict[str, str]:
    """The per-language engine setting, e.g. "vi=vietasr,lo=whisper" -> {"vi": "vietasr", ...}."""
    out: dict[str, str] = {}
    for item in settings.transcription_engines.split(","):
        if not item.strip():
            continue
        lang, _, name = item.partition("=")
        if not name.strip():
            raise ValidationError("Setting transcription_engines: {item!r} is not LANG=ENGINE",
                                  item=item)
        out[lang.strip().lower()] = name.strip()
    return out


def for_language(tag: str) -> list[Engine]:
    """The engines that can hear a language (whether or not they run on this machine)."""
    _load_modules()
    return [_REGISTRY[n] for n in sorted(_REGISTRY) if _REGISTRY[n].language_code(tag)]


def check_language(tag: str, requested: str | None = None) -> None:
    """Refuse, before a job is queued, a language no engine hears or a wrong engine name."""
    if requested:
        engine = get(requested)
        if engine.language_code(tag) is None:
            raise ValidationError("{engine} cannot transcribe {language}",
                                  engine=engine.title, language=tag)
        return
    if not for_language(tag):
        raise ValidationError(
            "No speech engine knows {language}; create the track by hand (or make an empty "
            "cue grid from voice activity and type the text)", language=tag,
        )


@dataclass(frozen=True)
class Choice:
    engine: Engine
    note: str = ""  # why another engine than the one asked for or configured


def choose(tag: str, settings: Settings, requested: str | None = None) -> Choice:
    """The engine for a job: asked for, else configured for the language, else Whisper; one
    that cannot run here falls back to Whisper with the reason."""
    check_language(tag, requested)
    primary = tag.split("-")[0].lower()
    name = requested or configured(settings).get(tag.lower()) or configured(settings).get(
        primary) or FALLBACK
    engine = get(name)
    if engine.language_code(tag) is None:
        engine = get(FALLBACK)
    reason = engine.unavailable(settings)
    if reason is None:
        return Choice(engine)
    fallback = get(FALLBACK)
    if engine is fallback or fallback.language_code(tag) is None:
        raise ValidationError("{engine} cannot run here: {reason}", engine=engine.title,
                              reason=reason)
    log.warning("%s unavailable (%s); %s transcribes %s", engine.name, reason, fallback.name,
                tag)
    return Choice(fallback, f"{engine.title}: {reason}")


def options(tag: str, settings: Settings) -> list[dict[str, object]]:
    """The engines an editor may pick for a language, the default first, with why one can't
    run (shown greyed out on the report page)."""
    try:
        default = choose(tag, settings).engine.name
    except ValidationError:
        default = ""
    out = []
    for engine in for_language(tag):
        out.append({"name": engine.name, "title": engine.title,
                    "unavailable": engine.unavailable(settings),
                    "default": engine.name == default})
    out.sort(key=lambda o: not o["default"])
    return out


def self_test(engine: Engine, settings: Settings, work: Path) -> str:
    """Load the engine offline and transcribe a second of generated Vietnamese speech (espeak-ng
    when installed, else a tone): proof that `make run` left a working engine."""
    import shutil
    import subprocess
    import time

    wav = work / "self-test.wav"
    speech = work / "speech.wav"
    if shutil.which("espeak-ng"):
        subprocess.run(["espeak-ng", "-v", "vi", "-s", "150", "-w", str(speech), "xin chào"],
                       check=True, capture_output=True)
        source = ["-i", str(speech)]
    else:
        source = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
    subprocess.run([settings.ffmpeg_binary, "-nostdin", "-v", "error", "-y", *source,
                    "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", str(wav)],
                   check=True, capture_output=True)
    began = time.perf_counter()
    engine.load(settings)
    loaded = time.perf_counter() - began
    transcript = engine.run(wav, settings, language="vi", names=[],
                            on_progress=lambda _pct: None, should_cancel=lambda: False)
    heard = " ".join(w.text.strip() for w in transcript.words) or "-"
    return (f"{transcript.engine}: loaded in {loaded:.1f} s, heard \"{heard}\" in "
            f"{time.perf_counter() - began - loaded:.1f} s")
