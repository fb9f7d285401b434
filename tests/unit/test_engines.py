"""Which speech engine hears a language: settings, the editor's choice, and the fallback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from station.config import Settings
from station.errors import ValidationError
from subtitles import engines


class Unavailable:
    """A registered engine that cannot run on this machine (as viet-asr on Python 3.12)."""

    name = "test-unavailable"
    title = "Test engine"

    def language_code(self, tag: str) -> str | None:
        return "vi" if tag.startswith("vi") else None

    def unavailable(self, settings: Settings) -> str | None:
        return "no wheel for this Python"

    def label(self, settings: Settings) -> str:
        return "test"

    def load(self, settings: Settings) -> None:
        raise AssertionError("an unavailable engine is never loaded")

    def run(self, *args: object, **kwargs: object) -> engines.Transcript:
        raise AssertionError("an unavailable engine never runs")


@pytest.fixture
def unavailable() -> Iterator[str]:
    engine = engines.register(Unavailable())
    yield engine.name
    engines._REGISTRY.pop(engine.name)


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(instance_path=tmp_path).replace(**values)


def test_vietnamese_goes_to_vietasr_and_other_languages_to_whisper(tmp_path: Path,
                                                                   whisper_model: Path) -> None:
    s = settings(tmp_path, models_root=whisper_model.parent)
    assert engines.choose("vi", s).engine.name == "vietasr"
    assert engines.choose("vi-VN", s).engine.name == "vietasr"
    assert engines.choose("en", s).engine.name == "whisper"
    assert engines.choose("lo", s).engine.name == "whisper"
    assert engines.choose("vi", s, "whisper").engine.name == "whisper"
    # The setting can send Vietnamese back to Whisper.
    assert engines.choose("vi", settings(tmp_path, models_root=whisper_model.parent,
                                         transcription_engines="vi=whisper")
                          ).engine.name == "whisper"


def test_an_engine_that_cannot_run_here_falls_back_to_whisper_and_says_why(
        tmp_path: Path, unavailable: str, whisper_model: Path) -> None:
    s = settings(tmp_path, models_root=whisper_model.parent,
                 transcription_engines=f"vi={unavailable}")
    choice = engines.choose("vi", s)
    assert choice.engine.name == "whisper"
    assert choice.note == "Test engine: no wheel for this Python"
    listed = {o["name"]: o for o in engines.options("vi", s)}
    assert listed[unavailable]["unavailable"] == "no wheel for this Python"
    assert engines.options("vi", s)[0]["name"] == "whisper"  # the default comes first


def test_refusals_name_the_language_or_the_engine(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="No speech engine knows hnj"):
        engines.check_language("hnj")
    with pytest.raises(ValidationError, match="viet-asr \\+ Whisper cannot transcribe en"):
        engines.check_language("en", "vietasr")
    with pytest.raises(ValidationError, match="Unknown speech engine kaldi; Station has: "
                                              "vietasr, whisper"):
        engines.check_language("vi", "kaldi")
    with pytest.raises(ValidationError, match="is not LANG=ENGINE"):
        engines.configured(settings(tmp_path, transcription_engines="vi"))
    assert engines.configured(settings(tmp_path, transcription_engines=" vi=vietasr, lo=whisper")
                              ) == {"vi": "vietasr", "lo": "whisper"}


def test_whisper_without_its_model_cannot_run_and_says_how_to_install(tmp_path: Path) -> None:
    s = settings(tmp_path)  # an empty models folder
    reason = engines.get("whisper").unavailable(s)
    assert reason is not None and "station models install" in reason
    with pytest.raises(ValidationError, match="Whisper cannot run here"):
        engines.choose("en", s)
